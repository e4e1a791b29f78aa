package broker

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOffsetStoreSurvivesReopenAndTornSlot(t *testing.T) {
	dir := t.TempDir()
	s, err := openOffsetStore(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	k := offsetKey{groupSpace, 7}
	for _, v := range []uint64{10, 11, 12} {
		if err := s.put(k, v); err != nil {
			t.Fatal(err)
		}
	}

	s2, err := openOffsetStore(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := s2.get(k); !ok || v != 12 {
		t.Fatalf("after reopen got %d, %v; want 12", v, ok)
	}

	// The last write (12, sequence 3) went to slot 1. Tear it: the slot
	// before it, holding 11, must be what a restart finds.
	path := s.path(k)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[offsetSlotSize+5] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s3, err := openOffsetStore(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := s3.get(k); !ok || v != 11 {
		t.Fatalf("after tearing the newest slot got %d, %v; want 11", v, ok)
	}

	// Writing again after the tear continues past the torn sequence.
	if err := s3.put(k, 13); err != nil {
		t.Fatal(err)
	}
	s4, err := openOffsetStore(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s4.get(k); v != 13 {
		t.Fatalf("after a write following the tear got %d, want 13", v)
	}
}

func TestOffsetFileForms(t *testing.T) {
	slot := func(seq uint32, v uint64) []byte { return encodeOffsetSlot(seq, v) }
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	garbage := make([]byte, offsetSlotSize)
	for i := range garbage {
		garbage[i] = 0xa5
	}
	cases := []struct {
		name string
		file []byte
		want uint64
		ok   bool
	}{
		// Regression: an 8-byte file of 0xff was read as offset 2^64-1, which
		// recovery then clamped to the partition's end, skipping every
		// unread message. Bytes without a valid checksum hold no offset.
		{"8 bytes without a checksum", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, false},
		{"one slot", slot(1, 40), 40, true},
		{"newer second slot", cat(slot(1, 40), slot(2, 41)), 41, true},
		{"newer first slot", cat(slot(3, 42), slot(2, 41)), 42, true},
		{"torn first slot", cat(garbage, slot(2, 41)), 41, true},
		{"both torn", cat(garbage, garbage), 0, false},
		{"empty", nil, 0, false},
		{"short", []byte{1, 2, 3}, 0, false},
	}
	for _, c := range cases {
		v, _, ok := decodeOffsetFile(c.file)
		if ok != c.ok || v != c.want {
			t.Errorf("%s: got %d, %v; want %d, %v", c.name, v, ok, c.want, c.ok)
		}
	}
}

func TestOffsetStoreIgnoresAFileWithoutValidSlots(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "consumer-3"), []byte{9, 0, 0, 0, 0, 0, 0, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := openOffsetStore(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	k := offsetKey{consumerSpace, 3}
	if v, ok := s.get(k); ok {
		t.Fatalf("a file without a valid slot was read as offset %d", v)
	}
	if err := s.put(k, 10); err != nil {
		t.Fatal(err)
	}
	s2, err := openOffsetStore(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s2.get(k); v != 10 {
		t.Fatalf("after storing over it got %d, want 10", v)
	}
}

func BenchmarkStoreOffset(b *testing.B) {
	s, err := openOffsetStore(b.TempDir(), false)
	if err != nil {
		b.Fatal(err)
	}
	k := offsetKey{groupSpace, 1}
	for i := range b.N {
		if err := s.put(k, uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
}
