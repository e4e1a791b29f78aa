package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/outbox"
)

// TestFencingUnderConcurrency runs four workers whose leases (40 ms) are
// often shorter than their "publishing" (0-80 ms), so rows are taken over
// while the old holder still works on them. Each row must be marked
// dispatched exactly once, by the holder of its latest token, and the
// stale holders must be told ErrFenced.
func TestFencingUnderConcurrency(t *testing.T) {
	s := openStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	recs := insertMany(t, s, tenantsN(8), 300, 50)

	var (
		mu       sync.Mutex
		markedBy = map[uuid.UUID][]int64{}
		fenced   int
		left     = len(recs)
	)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for ctx.Err() == nil {
				mu.Lock()
				done := left == 0
				mu.Unlock()
				if done {
					return
				}

				c, err := s.Claim(ctx, fmt.Sprintf("w%d", w), 10, 40*time.Millisecond)
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if len(c.Records) == 0 {
					time.Sleep(2 * time.Millisecond)
					continue
				}
				time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)

				err = s.MarkDispatched(ctx, c.Token, ids(c.Records))
				mu.Lock()
				switch {
				case err == nil:
					for _, r := range c.Records {
						markedBy[r.ID] = append(markedBy[r.ID], c.Token)
					}
					left -= len(c.Records)
				case errors.Is(err, outbox.ErrFenced):
					fenced++
					for _, r := range c.Records {
						if got := mustGet(t, s, r.ID); got.Status == outbox.StatusDispatched &&
							got.ClaimToken == c.Token {
							markedBy[r.ID] = append(markedBy[r.ID], c.Token)
							left--
						}
					}
				default:
					t.Errorf("mark dispatched: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	if fenced == 0 {
		t.Fatal("no worker was fenced: the test did not exercise takeovers")
	}
	for _, r := range recs {
		got := mustGet(t, s, r.ID)
		tokens := markedBy[r.ID]
		if got.Status != outbox.StatusDispatched || len(tokens) != 1 || tokens[0] != got.ClaimToken {
			t.Fatalf("row %s: status %s, token %d, marked by tokens %v; want dispatched once by its token",
				r.ID, got.Status, got.ClaimToken, tokens)
		}
	}
	t.Logf("%d rows, %d fenced marks", len(recs), fenced)
}
