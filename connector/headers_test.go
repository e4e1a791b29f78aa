package connector

import (
	"bytes"
	"errors"
	"maps"
	"strings"
	"testing"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
)

func TestHeadersLayout(t *testing.T) {
	got, err := EncodeHeaders(map[string]string{"b": "xy", "a": "z"})
	if err != nil {
		t.Fatal(err)
	}

	want := []byte{
		2, 1, 0, 0, 0, 'a', 2, 1, 0, 0, 0, 'z',
		2, 1, 0, 0, 0, 'b', 2, 2, 0, 0, 0, 'x', 'y',
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodeHeaders = % x\nwant            % x", got, want)
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	cases := []map[string]string{
		{},
		{"event_id": "0194d6a0-7b1c-7c3e-9d2a-5f1e2c3b4a59"},
		{
			"event_id": "0194d6a0-7b1c-7c3e-9d2a-5f1e2c3b4a59", "event_type": "order.placed",
			"tenant_id": "7f0c3a0e-1111-4222-8333-944455556666", "content_type": "application/json",
			"schema_version": "1", "ключ": "значение",
		},
		{strings.Repeat("k", 255): strings.Repeat("v", 255)},
	}
	for _, h := range cases {
		b, err := EncodeHeaders(h)
		if err != nil {
			t.Fatalf("EncodeHeaders(%v): %v", h, err)
		}

		back, err := DecodeHeaders(b)
		if err != nil {
			t.Fatalf("DecodeHeaders: %v", err)
		}
		if !maps.Equal(back, h) {
			t.Errorf("round trip: got %v, want %v", back, h)
		}
	}
}

func TestEncodeHeadersRejects(t *testing.T) {
	cases := map[string]map[string]string{
		"empty key":     {"": "v"},
		"empty value":   {"k": ""},
		"long key":      {strings.Repeat("k", 256): "v"},
		"long value":    {"k": strings.Repeat("v", 256)},
		"block too big": bigHeaders(),
	}
	for name, h := range cases {
		if _, err := EncodeHeaders(h); !errors.Is(err, ErrBadHeaders) {
			t.Errorf("%s: err = %v, want ErrBadHeaders", name, err)
		}
	}
}

func bigHeaders() map[string]string {
	h := make(map[string]string)
	for i := range 500 {
		h[strings.Repeat("k", 200)+string(rune('a'+i%26))+strings.Repeat("x", i/26)] = strings.Repeat("v", 200)
	}
	return h
}

func TestDecodeHeadersKinds(t *testing.T) {
	entry := func(kind byte, value []byte) []byte {
		b := []byte{2, 1, 0, 0, 0, 'k', kind, byte(len(value)), 0, 0, 0}
		return append(b, value...)
	}
	minus1 := bytes.Repeat([]byte{0xff}, 16)
	cases := []struct {
		kind  byte
		value []byte
		want  string
	}{
		{1, []byte("raw"), "raw"},
		{3, []byte{1}, "true"},
		{3, []byte{0}, "false"},
		{4, []byte{0xfe}, "-2"},
		{5, []byte{0x00, 0x80}, "-32768"},
		{6, []byte{0xff, 0xff, 0xff, 0xff}, "-1"},
		{7, []byte{1, 0, 0, 0, 0, 0, 0, 0}, "1"},
		{8, minus1, "-1"},
		{9, []byte{200}, "200"},
		{10, []byte{0x34, 0x12}, "4660"},
		{11, []byte{0xff, 0xff, 0xff, 0xff}, "4294967295"},
		{12, []byte{0, 0, 0, 0, 0, 0, 0, 0x80}, "9223372036854775808"},
		{13, minus1, "340282366920938463463374607431768211455"},
		{14, []byte{0, 0, 0xc0, 0x3f}, "1.5"},
		{15, []byte{0, 0, 0, 0, 0, 0, 0x04, 0xc0}, "-2.5"},
	}
	for _, c := range cases {
		h, err := DecodeHeaders(entry(c.kind, c.value))
		if err != nil {
			t.Fatalf("kind %d: %v", c.kind, err)
		}
		if h["k"] != c.want {
			t.Errorf("kind %d: got %q, want %q", c.kind, h["k"], c.want)
		}
	}
}

func TestDecodeHeadersRejects(t *testing.T) {
	good := []byte{2, 1, 0, 0, 0, 'k', 2, 1, 0, 0, 0, 'v'}
	cases := map[string][]byte{
		"truncated kind":     good[:len(good)-7],
		"truncated length":   good[:8],
		"truncated value":    good[:len(good)-1],
		"zero key length":    {2, 0, 0, 0, 0, 2, 1, 0, 0, 0, 'v'},
		"key length 256":     append([]byte{2, 0, 1, 0, 0}, bytes.Repeat([]byte{'k'}, 256)...),
		"unknown kind":       {16, 1, 0, 0, 0, 'k', 2, 1, 0, 0, 0, 'v'},
		"kind zero":          {0, 1, 0, 0, 0, 'k', 2, 1, 0, 0, 0, 'v'},
		"bad size for int32": {2, 1, 0, 0, 0, 'k', 6, 2, 0, 0, 0, 1, 2},
		"trailing byte":      append(append([]byte{}, good...), 2),
	}
	for name, b := range cases {
		if _, err := DecodeHeaders(b); !errors.Is(err, ErrBadHeaders) {
			t.Errorf("%s: err = %v, want ErrBadHeaders", name, err)
		}
	}
}

// TestHeadersMatchTheSDK checks our block against the official Go SDK's
// encoder and decoder in both directions.
func TestHeadersMatchTheSDK(t *testing.T) {
	h := map[string]string{"event_type": "order.placed", "tenant_id": "t-1", "x": "y"}
	ours, err := EncodeHeaders(h)
	if err != nil {
		t.Fatal(err)
	}

	entries, err := iggcon.DeserializeHeaders(ours)
	if err != nil {
		t.Fatalf("SDK cannot read our block: %v", err)
	}
	got := map[string]string{}
	for _, e := range entries {
		if e.Key.Kind != iggcon.String || e.Value.Kind != iggcon.String {
			t.Errorf("SDK sees kinds %d/%d, want string", e.Key.Kind, e.Value.Kind)
		}
		got[string(e.Key.Value)] = string(e.Value.Value)
	}
	if !maps.Equal(got, h) {
		t.Errorf("SDK read %v, want %v", got, h)
	}

	var sdkEntries []iggcon.HeaderEntry
	for _, k := range []string{"event_type", "tenant_id", "x"} {
		key, _ := iggcon.NewHeaderKeyString(k)
		sdkEntries = append(sdkEntries, iggcon.HeaderEntry{Key: key, Value: iggcon.HeaderValue{Kind: iggcon.String, Value: []byte(h[k])}})
	}
	sdk := iggcon.GetHeadersBytes(sdkEntries)
	if !bytes.Equal(sdk, ours) {
		t.Errorf("SDK block % x\nours      % x", sdk, ours)
	}
}

func FuzzDecodeHeaders(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{2, 1, 0, 0, 0, 'k', 2, 1, 0, 0, 0, 'v'})
	f.Add([]byte{2, 1, 0, 0, 0, 'k', 8, 16, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte{2, 1, 0, 0, 0, 'k', 14, 4, 0, 0, 0, 0, 0, 0xc0, 0x7f})

	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHeaders(b)
		if err != nil {
			if !errors.Is(err, ErrBadHeaders) {
				t.Fatalf("error does not wrap ErrBadHeaders: %v", err)
			}
			return
		}

		enc, err := EncodeHeaders(h)
		if err != nil {
			t.Fatalf("decoded headers %v do not re-encode: %v", h, err)
		}
		back, err := DecodeHeaders(enc)
		if err != nil || !maps.Equal(back, h) {
			t.Fatalf("re-encoded headers read back as %v, %v; want %v", back, err, h)
		}
	})
}
