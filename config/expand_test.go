package config

import "testing"

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "alpha", "EMPTY": "", "B_2": "beta"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"${A}", "alpha"},
		{"x${A}y${B_2}z", "xalphaybetaz"},
		{"${UNSET}", ""},
		{"${UNSET:-dflt}", "dflt"},
		{"${EMPTY:-dflt}", "dflt"},
		{"${A:-dflt}", "alpha"},
		{"${UNSET:-}", ""},
		{"${UNSET:-a:b c}", "a:b c"},
		{"$A", "$A"},
		{"${", "${"},
		{"${A", "${A"},
		{"${}", "${}"},
		{"${1A}", "${1A}"},
		{"${A-B}", "${A-B}"},
		{"${bad name} ${A}", "${bad name} alpha"},
		{"$${A}", "$alpha"},
	}
	for _, c := range cases {
		if got := Expand(c.in, lookup); got != c.want {
			t.Errorf("Expand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseExpandsEnvironment(t *testing.T) {
	t.Setenv("TEST_CFG_PARTS", "12")
	t.Setenv("TEST_CFG_STREAM", "")
	text := `
events:
  iggy:
    topology:
      stream_name: ${TEST_CFG_STREAM:-fallback}
      domain_partitions: ${TEST_CFG_PARTS}
    remote:
      password: "${TEST_CFG_UNSET_PASSWORD}"
      username: ${TEST_CFG_UNSET_USER:-svc}
`
	f, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}

	i := f.Events.Iggy
	if i.Topology.StreamName != "fallback" || i.Topology.DomainPartitions != 12 ||
		i.Remote.Password != "" || i.Remote.Username != "svc" {
		t.Errorf("expanded config = %+v", i)
	}
}
