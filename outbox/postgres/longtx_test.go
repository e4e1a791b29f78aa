package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestDeliveryWithLongOpenTransactions keeps two transactions open while
// rows flow: one REPEATABLE READ reader whose snapshot holds back vacuum,
// and one writer with an uncommitted event of a busy tenant. Every
// committed row must still be claimed and dispatched, and the writer's
// row once it commits.
func TestDeliveryWithLongOpenTransactions(t *testing.T) {
	s := openStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tenants := tenantsN(4)

	reader, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = reader.Rollback(ctx) }()
	if _, err := reader.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		t.Fatal(err)
	}
	var before int
	q := s.names.expand("SELECT count(*) FROM {events}")
	if err := reader.QueryRow(ctx, q).Scan(&before); err != nil {
		t.Fatal(err)
	}

	writer, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	late := record(tenants[0])
	if err := s.Insert(ctx, WrapTx(writer), late); err != nil {
		t.Fatal(err)
	}

	// Several rounds, so that rows are updated and deleted under the old
	// snapshot and dead versions pile up.
	for round := range 5 {
		recs := insertMany(t, s, tenants, 400, 50)
		if n := drain(ctx, t, s); n != len(recs) {
			t.Fatalf("round %d: dispatched %d rows, want %d", round, n, len(recs))
		}
		if _, err := s.DeleteDispatched(ctx, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}

	if err := writer.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := drain(ctx, t, s); n != 1 {
		t.Fatalf("late row: dispatched %d rows, want 1", n)
	}
	if r := mustGet(t, s, late.ID); r.Status != "dispatched" {
		t.Fatalf("late row: %+v", r)
	}

	// The reader still sees its old snapshot: the test really held it.
	var now int
	if err := reader.QueryRow(ctx, q).Scan(&now); err != nil || now != before {
		t.Fatalf("reader snapshot moved: %v, %d rows then %d", err, before, now)
	}
}

// drain claims and dispatches until a claim comes back empty and returns
// how many rows it dispatched.
func drain(ctx context.Context, t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	for {
		c, err := s.Claim(ctx, "drain", 100, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Records) == 0 {
			return n
		}
		ids := make([]uuid.UUID, len(c.Records))
		for i, r := range c.Records {
			ids[i] = r.ID
		}
		if err := s.MarkDispatched(ctx, c.Token, ids); err != nil {
			t.Fatal(err)
		}
		n += len(ids)
	}
}
