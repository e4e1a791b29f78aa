package xxh32

import (
	"strings"
	"testing"
)

// The vectors are published reference values of XXH32: the empty input,
// short inputs below one stripe, inputs of one stripe plus a tail, and
// inputs of several stripes with and without a word or byte tail.
func TestSumKnownVectors(t *testing.T) {
	const (
		hashesThis = ".NET Hashes This!"
		ncHashing  = ".NET now has non-crypto hashing"
		sixteen    = ".NET Hashes This"
	)

	tests := []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0x02CC5D05},
		{"a", 0, 0x550D7456},
		{"abc", 0, 0x32D153FF},
		{"123456", 0, 0xB7014066},
		{"12345678901234567890", 0, 0x2D0C3D1B},
		{"123456789012345678901", 0, 0x8ED1B04E},
		{"Nobody inspects the spammish repetition", 0, 0xE2293B2F},
		{"The quick brown fox jumps over the lazy dog", 0, 0xE85EA4DE},
		{"The quick brown fox jumps over the lazy dog.", 0, 0x68D039C8},
		{strings.Repeat(hashesThis, 3), 0, 0x1FE08A04},
		{strings.Repeat(ncHashing, 3), 0, 0x65242024},

		{"", 0x00700700, 0xC4D26D9A},
		{"abc", 0x00700700, 0xD46070BB},
		{"123456", 0x00700700, 0x4256C97B},
		{"12345678901234567890", 0x00700700, 0xA57B8FEE},
		{"123456789012345678901", 0x00700700, 0x6789AD70},
		{"Nobody inspects the spammish repetition", 0x00700700, 0x21C69E3A},
		{"The quick brown fox jumps over the lazy dog", 0x00700700, 0x558D024F},
		{strings.Repeat(hashesThis, 3), 0x00700700, 0xC5231E05},
		{strings.Repeat(ncHashing, 3), 0x00700700, 0xCABC8ABD},
		{strings.Repeat(sixteen, 3), 0x00700700, 0xAD98EBD3},
	}

	for _, tt := range tests {
		if got := Sum([]byte(tt.in), tt.seed); got != tt.want {
			t.Errorf("Sum(%q, %#x) = %#08x, want %#08x", tt.in, tt.seed, got, tt.want)
		}
	}
}

// TestSumSeedMatters guards against a seed that is accepted but ignored on
// the stripe path or the short path.
func TestSumSeedMatters(t *testing.T) {
	for _, n := range []int{0, 3, 15, 16, 17, 64, 100} {
		b := []byte(strings.Repeat("x", n))
		if Sum(b, 0) == Sum(b, 1) {
			t.Errorf("len %d: seeds 0 and 1 give the same hash", n)
		}
	}
}

func BenchmarkSum(b *testing.B) {
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		Sum(buf, 0)
	}
}
