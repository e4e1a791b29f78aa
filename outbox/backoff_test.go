package outbox

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	huge := time.Duration(1<<63 - 1)
	cases := []struct {
		name      string
		base, max time.Duration
		n         int
		want      time.Duration
	}{
		{"first attempt waits base", time.Second, time.Minute, 1, time.Second},
		{"second doubles", time.Second, time.Minute, 2, 2 * time.Second},
		{"third", time.Second, time.Minute, 3, 4 * time.Second},
		{"sixth is 32s", time.Second, time.Minute, 6, 32 * time.Second},
		{"seventh hits the cap", time.Second, time.Minute, 7, time.Minute},
		{"far past the cap", time.Second, time.Minute, 40, time.Minute},
		{"n zero counts as one", time.Second, time.Minute, 0, time.Second},
		{"negative n counts as one", time.Second, time.Minute, -3, time.Second},
		{"exponent 16 uncapped", time.Millisecond, huge, 17, 65536 * time.Millisecond},
		{"exponent clamps at 16", time.Millisecond, huge, 18, 65536 * time.Millisecond},
		{"clamp holds for huge n", time.Millisecond, huge, 1 << 30, 65536 * time.Millisecond},
		{"no cap when max is 0", time.Second, 0, 17, 65536 * time.Second},
		{"overflow yields the largest duration", huge / 2, 0, 17, huge},
		{"exact cap", time.Second, 8 * time.Second, 4, 8 * time.Second},
		{"zero base", 0, time.Minute, 5, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Backoff(c.base, c.max, c.n); got != c.want {
				t.Fatalf("Backoff(%s, %s, %d) = %s, want %s", c.base, c.max, c.n, got, c.want)
			}
		})
	}
}

func FuzzBackoff(f *testing.F) {
	f.Add(int64(time.Second), int64(time.Minute), 3)
	f.Add(int64(1), int64(0), 1<<20)
	f.Add(int64(1<<62), int64(1<<62), 17)
	f.Fuzz(func(t *testing.T, base, max int64, n int) {
		got := Backoff(time.Duration(base), time.Duration(max), n)
		if got < 0 {
			t.Fatalf("negative backoff %d", got)
		}
		if max > 0 && got > time.Duration(max) {
			t.Fatalf("backoff %d above max %d", got, max)
		}
		if base > 0 && max >= base && got < time.Duration(base) {
			t.Fatalf("backoff %d below base %d", got, base)
		}
	})
}
