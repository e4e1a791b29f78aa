package migrations

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadSortsByVersion(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_second.sql": {Data: []byte("B")},
		"m/0010_tenth.sql":  {Data: []byte("C")},
		"m/0001_first.sql":  {Data: []byte("A")},
	}
	got, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range got {
		order = append(order, m.Name+"="+m.SQL)
	}
	if want := "0001_first.sql=A 0002_second.sql=B 0010_tenth.sql=C"; strings.Join(order, " ") != want {
		t.Fatalf("got %v, want %s", order, want)
	}
	if got[2].Version != 10 {
		t.Fatalf("version of 0010_tenth.sql = %d", got[2].Version)
	}
}

func TestLoadRejectsBadNames(t *testing.T) {
	cases := map[string]fstest.MapFS{
		"no number":      {"m/first.sql": {}},
		"zero":           {"m/0000_zero.sql": {}},
		"no underscore":  {"m/0001.sql": {}},
		"shared version": {"m/0001_a.sql": {}, "m/1_b.sql": {}},
		"missing dir":    {"other/0001_a.sql": {}},
	}
	for name, fsys := range cases {
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
}
