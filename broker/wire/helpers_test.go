package wire

import (
	"encoding/hex"
	"strings"
	"testing"
)

// hx turns hex written with spaces, and "quoted" ASCII, into bytes:
// hx(`01 04 "ab"`) is 01 04 61 62.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	var out []byte
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \n\t")
		if s == "" {
			break
		}
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				t.Fatalf("unterminated quote in %q", s)
			}
			out = append(out, s[1:1+end]...)
			s = s[end+2:]
			continue
		}
		n := strings.IndexAny(s, " \n\t\"")
		if n < 0 {
			n = len(s)
		}
		b, err := hex.DecodeString(s[:n])
		if err != nil {
			t.Fatalf("bad hex %q: %v", s[:n], err)
		}
		out = append(out, b...)
		s = s[n:]
	}
	return out
}

func u32p(v uint32) *uint32 { return &v }
func strp(s string) *string { return &s }
func u8p(v uint8) *uint8    { return &v }
