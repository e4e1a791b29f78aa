package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/outbox"
)

func openTemp(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "outbox.db"), opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func insertRows(t *testing.T, s *Store, tenant uuid.UUID, n int) []uuid.UUID {
	t.Helper()
	ctx := context.Background()
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for i := 0; i < n; i++ {
		id := uuid.New()
		rec := outbox.Record{ID: id, TenantID: tenant, EventType: "test.event", SchemaVersion: 1, Payload: []byte(`{}`)}
		if err := s.Insert(ctx, tx, rec); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestOpenTwiceKeepsRowsAndTokens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outbox.db")
	s1, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	insertRows(t, s1, uuid.New(), 1)
	insertRows(t, s1, uuid.New(), 1)
	c1, err := s1.Claim(ctx, "w1", 1, time.Minute)
	if err != nil || len(c1.Records) != 1 {
		t.Fatalf("claim: %v %+v", err, c1)
	}
	s1.Close()

	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer s2.Close()
	var versions int
	if err := s2.DB().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 1 {
		t.Fatalf("schema_migrations has %d rows, want 1", versions)
	}
	c2, err := s2.Claim(ctx, "w2", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(c2.Records) != 1 || c2.Token <= c1.Token {
		t.Fatalf("after reopen: %d records token %d, want 1 record and token > %d", len(c2.Records), c2.Token, c1.Token)
	}
}

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	var mode string
	var fk, busy int
	db := s.DB()
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || fk != 1 || busy != 5000 {
		t.Fatalf("journal_mode=%s foreign_keys=%d busy_timeout=%d, want wal 1 5000", mode, fk, busy)
	}
}

// queryPlan returns the EXPLAIN QUERY PLAN lines of q.
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.DB().Query(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()

	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}

// TestClaimPlanAvoidsSortingTheBacklog guards the claim query's plan: it
// must walk the pending rows in seq order through the partial index and
// stop at the limit, not collect every due row and sort them.
func TestClaimPlanAvoidsSortingTheBacklog(t *testing.T) {
	s := openTemp(t)
	plan := queryPlan(t, s, claimSQL,
		sql.Named("worker", "w"), sql.Named("now", int64(1)), sql.Named("lease_until", int64(2)),
		sql.Named("token", int64(1)), sql.Named("limit", 10))
	if strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("claim plan sorts:\n%s", plan)
	}
	if !strings.Contains(plan, "sys_events_pending_seq") || !strings.Contains(plan, "sys_events_tenant_seq") {
		t.Errorf("claim plan does not use the pending and tenant indexes:\n%s", plan)
	}
}

// TestMarkDispatchedPlanSeeksByID is a regression test: with a hundred
// bound ids the planner chose the status index and scanned every pending
// row per batch, which made small batches several times slower per event.
func TestMarkDispatchedPlanSeeksByID(t *testing.T) {
	s := openTemp(t)
	args := []any{int64(1), int64(1)}
	for i := 0; i < 100; i++ {
		args = append(args, uuid.NewString())
	}
	plan := queryPlan(t, s, markDispatchedSQL(100), args...)
	if !strings.Contains(plan, "sys_events_id (id=?)") {
		t.Fatalf("mark plan does not seek by id:\n%s", plan)
	}
}

func TestOpenRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{"", ":memory:"} {
		if s, err := Open(ctx, path); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
	if s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), WithSynchronous("SOMETIMES")); err == nil {
		s.Close()
		t.Error("Open with synchronous SOMETIMES succeeded")
	}
}

// TestConcurrentOpenMigratesOnce opens one new file from several
// goroutines at once, as several processes starting together would.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	const n = 4
	errs := make(chan error, n)
	stores := make(chan *Store, n)
	for i := 0; i < n; i++ {
		go func() {
			s, err := Open(context.Background(), path)
			errs <- err
			stores <- s
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
		if s := <-stores; s != nil {
			defer s.Close()
		}
	}

	s := openAt(t, path)
	var count, version int
	if err := s.DB().QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&count, &version); err != nil {
		t.Fatal(err)
	}
	if count != 1 || version != 1 {
		t.Fatalf("schema_migrations: %d rows, max version %d; want one row, version 1", count, version)
	}
}

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
