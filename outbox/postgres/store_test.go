package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/iggyflow/iggyflow/outbox"
)

func TestInsertCommitAndRollback(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	tenant := uuid.New()

	// Through *sql.Tx: the rolled-back row never appears.
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	lost := record(tenant)
	if err := s.Insert(ctx, tx, lost); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	// Through a wrapped pgx.Tx and through *sql.Tx, both committed.
	ptx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	viaPgx := record(tenant)
	if err := s.Insert(ctx, WrapTx(ptx), viaPgx); err != nil {
		t.Fatal(err)
	}
	if err := WrapTx(ptx).Commit(); err != nil {
		t.Fatal(err)
	}
	viaSQL := record(tenant)
	insertCommitted(t, s, viaSQL)

	if _, err := s.Get(ctx, lost.ID); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("rolled-back row: got %v, want ErrNotFound", err)
	}
	c, err := s.Claim(ctx, "w1", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Records) != 2 || c.Records[0].ID != viaPgx.ID || c.Records[1].ID != viaSQL.ID {
		t.Fatalf("claim: got %+v, want [pgx row, sql row]", c.Records)
	}

	got := c.Records[1]
	if got.TenantID != tenant || got.EventType != "test.happened" || got.SchemaVersion != 1 ||
		string(got.Payload) != string(viaSQL.Payload) || got.Status != outbox.StatusPending ||
		got.ClaimedBy != "w1" || got.ClaimToken != c.Token || c.Token == 0 {
		t.Fatalf("claimed record fields: %+v", got)
	}
}

func TestInsertNilTx(t *testing.T) {
	s := openStore(t)
	if err := s.Insert(context.Background(), nil, record(uuid.New())); err == nil {
		t.Fatal("insert with nil tx: want an error")
	}
}

// TestClaimTakesTenantPrefixes checks what claims take: rows sorted by
// seq; for each tenant its oldest pending rows (a prefix), every tenant
// but at most one (cut by the limit) whole; never a tenant another claim
// holds; and, once every tenant is held, nothing. Then it finishes the
// claims round by round until each tenant's rows have all left in order.
func TestClaimTakesTenantPrefixes(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	// Seven tenants round-robin: tenant k has rows k, k+7, k+14, ...
	recs := insertMany(t, s, tenantsN(7), 25, 5)
	pending := map[uuid.UUID][]uuid.UUID{}
	for _, r := range recs {
		pending[r.TenantID] = append(pending[r.TenantID], r.ID)
	}

	var lastToken int64
	left := len(recs)
	for round := 0; left > 0; round++ {
		if round > 10 {
			t.Fatal("rows left after 10 rounds")
		}
		var claims []outbox.Claim
		held := map[uuid.UUID]bool{}
		for w := 0; ; w++ {
			c, err := s.Claim(ctx, fmt.Sprintf("r%dw%d", round, w), 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Records) == 0 {
				break
			}
			if c.Token <= lastToken {
				t.Fatalf("tokens must grow: %d after %d", c.Token, lastToken)
			}
			lastToken = c.Token
			checkPrefixClaim(t, c, pending, held)
			claims = append(claims, c)
		}
		for tenant, rows := range pending {
			if len(rows) > 0 && !held[tenant] {
				t.Fatalf("round %d: tenant %s has rows but no claim took it", round, tenant)
			}
		}
		for _, c := range claims {
			if err := s.MarkDispatched(ctx, c.Token, ids(c.Records)); err != nil {
				t.Fatal(err)
			}
			left -= len(c.Records)
		}
	}
}

// checkPrefixClaim checks one claim against the rows still pending per
// tenant and the tenants already held, then removes the claimed rows.
func checkPrefixClaim(t *testing.T, c outbox.Claim, pending map[uuid.UUID][]uuid.UUID, held map[uuid.UUID]bool) {
	t.Helper()
	if len(c.Records) > 10 {
		t.Fatalf("claim of %d rows, limit 10", len(c.Records))
	}
	got := map[uuid.UUID][]uuid.UUID{}
	for i, r := range c.Records {
		if i > 0 && r.Seq <= c.Records[i-1].Seq {
			t.Fatalf("claim %s not sorted by seq", c.Worker)
		}
		got[r.TenantID] = append(got[r.TenantID], r.ID)
	}

	partial := 0
	for tenant, rows := range got {
		if held[tenant] {
			t.Fatalf("claim %s took tenant %s, held by another claim", c.Worker, tenant)
		}
		held[tenant] = true
		want := pending[tenant]
		if !sameIDList(rows, want[:min(len(rows), len(want))]) {
			t.Fatalf("claim %s: tenant %s rows are not its oldest pending ones", c.Worker, tenant)
		}
		if len(rows) < len(want) {
			partial++
		}
		pending[tenant] = want[len(rows):]
	}
	if partial > 1 {
		t.Fatalf("claim %s cut %d tenants short; only the last may be", c.Worker, partial)
	}
}

func sameIDList(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLeaseTakeoverAndFencing(t *testing.T) {
	clock := newFakeClock()
	s := openStore(t, WithClock(clock.Now))
	ctx := context.Background()
	recs := insertMany(t, s, tenantsN(1), 3, 3)

	old, err := s.Claim(ctx, "old", 10, time.Second)
	if err != nil || len(old.Records) != 3 {
		t.Fatalf("claim: %v, %d rows", err, len(old.Records))
	}

	// Within the lease nobody else gets the rows.
	clock.Add(500 * time.Millisecond)
	if c, _ := s.Claim(ctx, "new", 10, time.Second); len(c.Records) != 0 {
		t.Fatalf("claim within the lease got %d rows", len(c.Records))
	}

	clock.Add(time.Second)
	taken, err := s.Claim(ctx, "new", 10, time.Minute)
	if err != nil || len(taken.Records) != 3 {
		t.Fatalf("takeover: %v, %d rows", err, len(taken.Records))
	}

	// The old token changes nothing.
	checks := map[string]error{
		"dispatched": s.MarkDispatched(ctx, old.Token, ids(recs)),
		"retry":      s.MarkRetry(ctx, old.Token, recs[0].ID, 1, clock.Now(), "x"),
		"failed":     s.MarkFailed(ctx, old.Token, recs[1].ID, 1, "x"),
	}
	for name, err := range checks {
		if !errors.Is(err, outbox.ErrFenced) {
			t.Errorf("old token mark %s: got %v, want ErrFenced", name, err)
		}
	}
	if err := s.Release(ctx, old.Token); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		got := mustGet(t, s, r.ID)
		if got.Status != outbox.StatusPending || got.ClaimToken != taken.Token || got.ClaimedBy != "new" ||
			got.RetryCount != 0 || got.LastError != "" {
			t.Fatalf("row changed by the fenced worker: %+v", got)
		}
	}

	if err := s.MarkDispatched(ctx, taken.Token, ids(recs)); err != nil {
		t.Fatalf("new token: %v", err)
	}
	if got := mustGet(t, s, recs[2].ID); got.Status != outbox.StatusDispatched || got.DispatchedAt.IsZero() {
		t.Fatalf("after dispatch: %+v", got)
	}
}

func TestTenantWaitsForRetry(t *testing.T) {
	clock := newFakeClock()
	s := openStore(t, WithClock(clock.Now))
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	a1, a2, b1 := record(a), record(a), record(b)
	insertCommitted(t, s, a1, a2, b1)

	c, err := s.Claim(ctx, "w", 1, time.Minute)
	if err != nil || len(c.Records) != 1 || c.Records[0].ID != a1.ID {
		t.Fatalf("first claim: %v %+v", err, c.Records)
	}
	if err := s.MarkRetry(ctx, c.Token, a1.ID, 1, clock.Now().Add(10*time.Second), "boom"); err != nil {
		t.Fatal(err)
	}

	// a1 waits for its retry: a2 must not overtake it; b1 is free.
	c, err = s.Claim(ctx, "w", 10, time.Minute)
	if err != nil || len(c.Records) != 1 || c.Records[0].ID != b1.ID {
		t.Fatalf("claim during a1's backoff: %v %+v", err, c.Records)
	}
	if err := s.MarkDispatched(ctx, c.Token, []uuid.UUID{b1.ID}); err != nil {
		t.Fatal(err)
	}

	clock.Add(10 * time.Second)
	c, err = s.Claim(ctx, "w", 10, time.Minute)
	if err != nil || len(c.Records) != 2 || c.Records[0].ID != a1.ID || c.Records[1].ID != a2.ID {
		t.Fatalf("claim after backoff: %v %+v", err, c.Records)
	}
	if r := c.Records[0]; r.RetryCount != 1 || r.LastError != "boom" {
		t.Fatalf("retried row: %+v", r)
	}
}

func TestFailedRequeueAndHousekeeping(t *testing.T) {
	clock := newFakeClock()
	s := openStore(t, WithClock(clock.Now), WithDeleteBatch(3))
	ctx := context.Background()
	recs := insertMany(t, s, tenantsN(2), 10, 10)

	c, err := s.Claim(ctx, "w", 10, time.Minute)
	if err != nil || len(c.Records) != 10 {
		t.Fatalf("claim: %v %d", err, len(c.Records))
	}
	if err := s.MarkFailed(ctx, c.Token, recs[9].ID, 5, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDispatched(ctx, c.Token, ids(recs[:8])); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, c.Token); err != nil {
		t.Fatal(err)
	}

	clock.Add(time.Minute)
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := outbox.Stats{Pending: 1, Failed: 1, Dispatched: 8, OldestPending: time.Minute}
	if st != want {
		t.Fatalf("stats: got %+v, want %+v", st, want)
	}

	failed, err := s.Failed(ctx, 10)
	if err != nil || len(failed) != 1 || failed[0].ID != recs[9].ID || failed[0].LastError != "gone" {
		t.Fatalf("failed: %v %+v", err, failed)
	}
	n, err := s.Requeue(ctx, recs[9].ID, recs[0].ID)
	if err != nil || n != 1 {
		t.Fatalf("requeue: %v, %d rows, want 1", err, n)
	}
	if r := mustGet(t, s, recs[9].ID); r.Status != outbox.StatusPending || r.RetryCount != 0 || r.LastError != "gone" {
		t.Fatalf("requeued row: %+v", r)
	}

	// Nothing dispatched before the cutoff is kept; 8 rows in batches of 3.
	deleted, err := s.DeleteDispatched(ctx, clock.Now().Add(-30*time.Second))
	if err != nil || deleted != 8 {
		t.Fatalf("delete dispatched: %v, %d rows, want 8", err, deleted)
	}
	if deleted, _ := s.DeleteDispatched(ctx, clock.Now()); deleted != 0 {
		t.Fatalf("second delete: %d rows", deleted)
	}
	st, _ = s.Stats(ctx)
	if st.Dispatched != 0 || st.Pending != 2 {
		t.Fatalf("stats after delete: %+v", st)
	}
}

func TestUnorderedClaimIgnoresTenants(t *testing.T) {
	s := openStore(t, WithTenantOrdering(false))
	ctx := context.Background()
	insertMany(t, s, tenantsN(1), 6, 6)

	a, err := s.Claim(ctx, "a", 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Claim(ctx, "b", 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Records) != 3 || len(b.Records) != 3 || a.Token == b.Token {
		t.Fatalf("unordered claims: %d and %d rows, tokens %d %d", len(a.Records), len(b.Records), a.Token, b.Token)
	}
}

// TestBlockedTenantDoesNotStarveOthers fills the head of the table with
// rows of a tenant that waits for a retry: a claim must look past them
// and find the other tenant's row.
func TestBlockedTenantDoesNotStarveOthers(t *testing.T) {
	clock := newFakeClock()
	s := openStore(t, WithClock(clock.Now))
	ctx := context.Background()
	busy, free := uuid.New(), uuid.New()
	head := insertMany(t, s, []uuid.UUID{busy}, 150, 150)
	other := record(free)
	insertCommitted(t, s, other)

	c, err := s.Claim(ctx, "w", 1, time.Minute)
	if err != nil || len(c.Records) != 1 || c.Records[0].ID != head[0].ID {
		t.Fatalf("first claim: %v %+v", err, c.Records)
	}
	if err := s.MarkRetry(ctx, c.Token, head[0].ID, 1, clock.Now().Add(time.Hour), "down"); err != nil {
		t.Fatal(err)
	}

	c, err = s.Claim(ctx, "w", 100, time.Minute)
	if err != nil || len(c.Records) != 1 || c.Records[0].ID != other.ID {
		t.Fatalf("claim behind a blocked tenant: %v, %d rows, want only the free tenant's row", err, len(c.Records))
	}
}

// TestFromPoolSharesTheCallersPool opens a store on an existing pool: it
// migrates, works, and leaves the pool open when closed.
func TestFromPoolSharesTheCallersPool(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	s, err := FromPool(ctx, pool, WithSchema(newSchema(t)))
	if err != nil {
		t.Fatal(err)
	}
	rec := record(uuid.New())
	insertCommitted(t, s, rec)
	if got := mustGet(t, s, rec.ID); got.Status != outbox.StatusPending {
		t.Fatalf("row: %+v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("pool closed with the store: %v", err)
	}
}
