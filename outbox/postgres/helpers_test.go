package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/iggyflow/iggyflow/outbox"
)

const urlEnv = "IGGYFLOW_TEST_POSTGRES_URL"

// testURL returns the test server's URL or skips the test.
func testURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(urlEnv)
	if url == "" {
		t.Skipf("%s is not set; start a server with: eval \"$(bash .ci/postgres.sh start)\"", urlEnv)
	}
	return url
}

// newSchema returns a fresh schema name, dropped when the test ends.
func newSchema(t testing.TB) string {
	t.Helper()
	url := testURL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])

	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openStore opens a store on a fresh schema.
func openStore(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openStoreIn(t, newSchema(t), opts...)
}

func openStoreIn(t testing.TB, schema string, opts ...Option) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A channel per schema keeps other tests' commits, in this package or
	// another one sharing the server, from waking this store.
	base := []Option{WithSchema(schema), WithNotifyChannel(schema)}
	s, err := Open(ctx, testURL(t), append(base, opts...)...)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// fakeClock is a settable clock for lease and retry tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// record builds a pending row of tenant with a small JSON payload.
func record(tenant uuid.UUID) outbox.Record {
	id := uuid.New()
	return outbox.Record{
		ID:            id,
		TenantID:      tenant,
		EventType:     "test.happened",
		SchemaVersion: 1,
		Payload:       []byte(`{"id":"` + id.String() + `"}`),
	}
}

// insertCommitted writes recs in one committed *sql.Tx.
func insertCommitted(t testing.TB, s *Store, recs ...outbox.Record) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	for _, r := range recs {
		if err := s.Insert(ctx, tx, r); err != nil {
			_ = tx.Rollback()
			t.Fatalf("insert: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// insertMany writes n rows spread round-robin over tenants, batch rows
// per transaction, through pgx directly, and returns them in insert order.
func insertMany(t testing.TB, s *Store, tenants []uuid.UUID, n, batch int) []outbox.Record {
	t.Helper()
	ctx := context.Background()
	out := make([]outbox.Record, 0, n)
	for start := 0; start < n; start += batch {
		tx, err := s.Pool().Begin(ctx)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		for i := start; i < min(start+batch, n); i++ {
			r := record(tenants[i%len(tenants)])
			if err := s.Insert(ctx, WrapTx(tx), r); err != nil {
				t.Fatalf("insert: %v", err)
			}
			out = append(out, r)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("commit: %v", err)
		}
	}
	return out
}

func tenantsN(n int) []uuid.UUID {
	ts := make([]uuid.UUID, n)
	for i := range ts {
		ts[i] = uuid.New()
	}
	return ts
}

func ids(recs []outbox.Record) []uuid.UUID {
	out := make([]uuid.UUID, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func mustGet(t testing.TB, s *Store, id uuid.UUID) outbox.Record {
	t.Helper()
	r, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return r
}
