package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/internal/migrations"
	"github.com/iggyflow/iggyflow/outbox"
)

// inflight tracks which worker holds each tenant while "publishing", and
// the order in which each tenant's events were published.
type inflight struct {
	mu        sync.Mutex
	holder    map[uuid.UUID]string
	published map[uuid.UUID][]uuid.UUID
	count     int
	errs      []string
}

func newInflight() *inflight {
	return &inflight{holder: map[uuid.UUID]string{}, published: map[uuid.UUID][]uuid.UUID{}}
}

// begin records that worker publishes recs; it notes a violation when a
// tenant of recs is already held by another worker.
func (f *inflight) begin(worker string, recs []outbox.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recs {
		if h, ok := f.holder[r.TenantID]; ok && h != worker {
			f.errs = append(f.errs, fmt.Sprintf("tenant %s held by %s and %s at once", r.TenantID, h, worker))
		}
		f.holder[r.TenantID] = worker
		f.published[r.TenantID] = append(f.published[r.TenantID], r.ID)
		f.count++
	}
}

func (f *inflight) end(recs []outbox.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recs {
		delete(f.holder, r.TenantID)
	}
}

// TestConcurrentClaimsKeepTenantsApart runs four workers against one
// table while rows are still being inserted, and checks that no tenant is
// ever held by two workers, that every row is published once and that
// each tenant's rows leave in insertion order.
func TestConcurrentClaimsKeepTenantsApart(t *testing.T) {
	s := openStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const total = 1500
	tenants := tenantsN(12)
	want := map[uuid.UUID][]uuid.UUID{}
	inserted := make(chan struct{})
	go func() {
		defer close(inserted)
		for _, r := range insertMany(t, s, tenants, total, 25) {
			want[r.TenantID] = append(want[r.TenantID], r.ID)
		}
	}()

	f := newInflight()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runTestWorker(ctx, t, s, fmt.Sprintf("w%d", w), f, total)
		}()
	}
	wg.Wait()
	<-inserted

	for _, e := range f.errs {
		t.Error(e)
	}
	if f.count != total {
		t.Fatalf("published %d rows, want %d", f.count, total)
	}
	for tenant, order := range want {
		got := f.published[tenant]
		if fmt.Sprint(got) != fmt.Sprint(order) {
			t.Fatalf("tenant %s published out of insertion order", tenant)
		}
	}
}

// runTestWorker claims, "publishes" into f and marks rows dispatched
// until f has seen total rows or ctx ends.
func runTestWorker(ctx context.Context, t *testing.T, s *Store, name string, f *inflight, total int) {
	for ctx.Err() == nil {
		f.mu.Lock()
		done := f.count >= total
		f.mu.Unlock()
		if done {
			return
		}

		c, err := s.Claim(ctx, name, 20, time.Minute)
		if err != nil {
			t.Errorf("%s: claim: %v", name, err)
			return
		}
		if len(c.Records) == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		f.begin(name, c.Records)
		time.Sleep(time.Millisecond)
		f.end(c.Records)
		if err := s.MarkDispatched(ctx, c.Token, ids(c.Records)); err != nil {
			t.Errorf("%s: mark dispatched: %v", name, err)
			return
		}
	}
}

// TestMigrateConcurrently opens one new schema from eight goroutines at
// once: all must succeed and each migration must be recorded once.
func TestMigrateConcurrently(t *testing.T) {
	schema := newSchema(t)
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, testURL(t), WithSchema(schema))
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
	}
	assertMigratedOnce(t, schema)
}

func assertMigratedOnce(t *testing.T, schema string) {
	t.Helper()
	s := openStoreIn(t, schema)
	ms, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}

	var n, distinct int
	q := s.names.expand("SELECT count(*), count(DISTINCT version) FROM {migrations}")
	if err := s.Pool().QueryRow(context.Background(), q).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || distinct != len(ms) {
		t.Fatalf("migrations recorded %d times (%d distinct), want %d", n, distinct, len(ms))
	}
}

// lockRows opens a transaction that locks rows the way a claim in
// progress does, and returns a function that rolls it back.
func lockRows(t *testing.T, s *Store, recs []outbox.Record) func() {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := s.names.expand("SELECT id FROM {events} WHERE id = ANY($1) FOR UPDATE")
	if _, err := tx.Exec(ctx, q, ids(recs)); err != nil {
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback(ctx) }
}

// TestClaimSkipsTenantsOfAClaimInProgress holds locks on tenant a's rows
// as an uncommitted claim would: a claim must take tenant b instead, and
// nothing of a.
func TestClaimSkipsTenantsOfAClaimInProgress(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	aRows := []outbox.Record{record(a), record(a)}
	bRow := record(b)
	insertCommitted(t, s, aRows[0], aRows[1], bRow)

	unlock := lockRows(t, s, aRows)
	c, err := s.Claim(ctx, "w", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Records) != 1 || c.Records[0].ID != bRow.ID {
		t.Fatalf("claim beside a claim in progress: got %v, want only b's row", ids(c.Records))
	}

	unlock()
	c, err = s.Claim(ctx, "w", 10, time.Minute)
	if err != nil || len(c.Records) != 2 || c.Records[0].ID != aRows[0].ID {
		t.Fatalf("claim after the other ended: %v %v", err, ids(c.Records))
	}
}

// TestClaimWaitsForTheClaimItLost holds locks on every due row: the claim
// must wait for that transaction to end and then take the rows, instead
// of coming back empty while they are about to be free.
func TestClaimWaitsForTheClaimItLost(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	recs := insertMany(t, s, tenantsN(1), 3, 3)

	unlock := lockRows(t, s, recs)
	released := make(chan struct{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		close(released)
		unlock()
	}()

	c, err := s.Claim(ctx, "w", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-released:
	default:
		t.Fatal("claim returned while the rows were still locked")
	}
	if len(c.Records) != 3 {
		t.Fatalf("claim after waiting: %d rows, want 3", len(c.Records))
	}
}
