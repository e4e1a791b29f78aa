package outbox

import "time"

// maxBackoffDoublings caps the exponent of the backoff formula so that a
// long-failing row cannot overflow the multiplication.
const maxBackoffDoublings = 16

// Backoff returns the delay before the next attempt after n failed
// attempts: min(base * 2^min(n-1, 16), max). An n below 1 counts as 1, a
// base of 0 or less gives 0, and a max of 0 or less means no cap. The
// result never overflows: a product past max, or past the largest
// Duration, yields max (or the largest Duration when there is no cap).
func Backoff(base, max time.Duration, n int) time.Duration {
	if base <= 0 {
		return 0
	}

	exp := n - 1
	if exp < 0 {
		exp = 0
	}
	if exp > maxBackoffDoublings {
		exp = maxBackoffDoublings
	}

	limit := max
	if limit <= 0 {
		limit = time.Duration(1<<63 - 1)
	}
	if base > limit>>exp {
		return limit
	}
	return base << exp
}
