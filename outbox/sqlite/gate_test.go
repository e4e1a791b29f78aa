package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

var _ outbox.Tx = (*Tx)(nil)

// Writers that begin through the gate and a relay claiming at the same
// time all finish, and every committed event is claimed exactly once.
func TestGatedWritersAndRelayShareTheDatabase(t *testing.T) {
	s := openTemp(t)
	bus := outbox.NewBus(s)
	ctx := context.Background()

	const writers, perWriter = 6, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenant := uuid.New()
			for range perWriter {
				tx, err := s.BeginTx(ctx, nil)
				if err != nil {
					errs <- err
					return
				}
				_, err = bus.PublishInTx(ctx, tx, tenant, nil, &events.OrderPlaced{OrderID: uuid.New(), Total: 1, Currency: "EUR"})
				if err == nil {
					err = tx.Commit()
				}
				if err != nil {
					tx.Rollback()
					errs <- err
					return
				}
			}
		}()
	}

	claimed := make(map[uuid.UUID]int)
	deadline := time.Now().Add(30 * time.Second)
	for len(claimed) < writers*perWriter && time.Now().Before(deadline) {
		c, err := s.Claim(ctx, "gate-test", 50, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uuid.UUID
		for _, r := range c.Records {
			claimed[r.ID]++
			ids = append(ids, r.ID)
		}
		if err := s.MarkDispatched(ctx, c.Token, ids); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("writer: %v", err)
	}
	if len(claimed) != writers*perWriter {
		t.Fatalf("claimed %d distinct events, want %d", len(claimed), writers*perWriter)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Fatalf("event %s claimed %d times", id, n)
		}
	}
}

// The gate is released exactly once per transaction, whichever of Commit
// and Rollback comes first, and a rolled-back transaction leaves nothing.
func TestGateReleasedOnceAndRollbackLeavesNothing(t *testing.T) {
	s := openTemp(t)
	bus := outbox.NewBus(s)
	ctx := context.Background()

	tx, err := s.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bus.PublishInTx(ctx, tx, uuid.New(), nil, &events.OrderPlaced{OrderID: uuid.New(), Total: 1, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); !errors.Is(err, sql.ErrTxDone) {
		t.Fatalf("second Rollback = %v, want sql.ErrTxDone", err)
	}

	// Had the second Rollback released the gate again, the gate would now
	// admit two writers; had the first not released it, this would block.
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	tx1, err := s.BeginTx(short, nil)
	if err != nil {
		t.Fatalf("gate still held after Rollback: %v", err)
	}
	blocked, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if tx2, err := s.BeginTx(blocked, nil); err == nil {
		tx2.Rollback()
		t.Fatal("two gated transactions were open at once")
	}
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}

	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending != 0 {
		t.Fatalf("rolled-back event left %d pending rows", st.Pending)
	}
}
