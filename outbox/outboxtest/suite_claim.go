package outboxtest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/outbox"
)

// shortLease is long enough for a claim and a few statements, short enough
// to wait out in a test.
const shortLease = 150 * time.Millisecond

func testClaimOrder(t *testing.T, s *suite) {
	// One tenant per row, so the tenant rule cannot hide any row.
	var ids []uuid.UUID
	for i := 0; i < 7; i++ {
		ids = append(ids, s.publish(uuid.New(), order(int64(i))))
	}

	c1 := s.claim("w1", 5, time.Minute)
	if !sameIDs(recordIDs(c1.Records), ids[:5]) {
		t.Fatalf("first claim = %v, want the first five in commit order %v", recordIDs(c1.Records), ids[:5])
	}
	for i, rec := range c1.Records {
		if i > 0 && rec.Seq <= c1.Records[i-1].Seq {
			t.Fatalf("records not sorted by Seq: %d after %d", rec.Seq, c1.Records[i-1].Seq)
		}
		if rec.ClaimedBy != "w1" || rec.ClaimToken != c1.Token || rec.Status != outbox.StatusPending {
			t.Fatalf("claimed record %d: by %q token %d status %s", i, rec.ClaimedBy, rec.ClaimToken, rec.Status)
		}
	}
	if c1.Worker != "w1" || c1.Token == 0 {
		t.Fatalf("claim worker %q token %d", c1.Worker, c1.Token)
	}

	c2 := s.claim("w2", 5, time.Minute)
	if !sameIDs(recordIDs(c2.Records), ids[5:]) {
		t.Fatalf("second claim = %v, want the remaining two %v", recordIDs(c2.Records), ids[5:])
	}
	if c2.Token <= c1.Token {
		t.Fatalf("second token %d is not above the first %d", c2.Token, c1.Token)
	}
	if c3 := s.claim("w3", 5, time.Minute); len(c3.Records) != 0 {
		t.Fatalf("third claim got %d rows, want none while all are leased", len(c3.Records))
	}

	if err := s.h.Store.MarkDispatched(s.ctx, c1.Token, recordIDs(c1.Records)); err != nil {
		t.Fatalf("MarkDispatched: %v", err)
	}
	if st := s.stats(); st.Dispatched != 5 || st.Pending != 2 {
		t.Fatalf("stats = %+v, want 5 dispatched and 2 pending", st)
	}
}

func testLeaseTakeover(t *testing.T, s *suite) {
	ids := s.publishN(uuid.New(), 3)

	old := s.claim("dead-worker", 10, shortLease)
	if len(old.Records) != 3 {
		t.Fatalf("claimed %d rows, want 3", len(old.Records))
	}
	if c := s.claim("w2", 10, time.Minute); len(c.Records) != 0 {
		t.Fatalf("rows taken over while the lease is live: %d", len(c.Records))
	}

	time.Sleep(shortLease + 50*time.Millisecond)
	sink := NewSink()
	if n := s.runOnce(outbox.NewRelay(s.h.Store, sink, testConfig("w2"))); n != 3 {
		t.Fatalf("after the lease expired the new relay claimed %d rows, want 3", n)
	}
	if !sameIDs(sink.IDs(), ids) {
		t.Fatalf("published %v, want %v in order", sink.IDs(), ids)
	}
	for _, id := range ids {
		if rec := s.get(id); rec.Status != outbox.StatusDispatched || rec.RetryCount != 0 {
			t.Fatalf("row %s: status %s retries %d, want dispatched with 0 retries", id, rec.Status, rec.RetryCount)
		}
	}
}

func testFencing(t *testing.T, s *suite) {
	ids := s.publishN(uuid.New(), 2)
	old := s.claim("w1", 10, shortLease)
	time.Sleep(shortLease + 50*time.Millisecond)
	cur := s.claim("w2", 10, time.Minute)
	if len(cur.Records) != 2 || cur.Token <= old.Token {
		t.Fatalf("takeover claim: %d rows token %d (old %d)", len(cur.Records), cur.Token, old.Token)
	}

	store := s.h.Store
	checks := map[string]error{
		"MarkDispatched": store.MarkDispatched(s.ctx, old.Token, ids),
		"MarkRetry":      store.MarkRetry(s.ctx, old.Token, ids[0], 1, time.Now(), "late"),
		"MarkFailed":     store.MarkFailed(s.ctx, old.Token, ids[1], 1, "late"),
	}
	for name, err := range checks {
		if !errors.Is(err, outbox.ErrFenced) {
			t.Errorf("%s with the old token = %v, want ErrFenced", name, err)
		}
	}
	if err := store.Release(s.ctx, old.Token); err != nil {
		t.Errorf("Release of a token that holds nothing = %v, want nil", err)
	}

	for _, id := range ids {
		rec := s.get(id)
		if rec.Status != outbox.StatusPending || rec.ClaimToken != cur.Token || rec.ClaimedBy != "w2" ||
			rec.RetryCount != 0 || rec.LastError != "" {
			t.Fatalf("row %s changed by the fenced worker: %+v", id, rec)
		}
	}
	if err := store.MarkDispatched(s.ctx, cur.Token, ids); err != nil {
		t.Fatalf("MarkDispatched with the current token: %v", err)
	}
	if st := s.stats(); st.Dispatched != 2 {
		t.Fatalf("stats = %+v, want 2 dispatched", st)
	}
}

func testLeasedRowBlocksItsTenant(t *testing.T, s *suite) {
	tenant, other := uuid.New(), uuid.New()
	first := s.publish(tenant, order(1))
	c1 := s.claim("w1", 1, time.Minute)
	if len(c1.Records) != 1 || c1.Records[0].ID != first {
		t.Fatalf("first claim: %v, want %s", recordIDs(c1.Records), first)
	}

	// Rows committed after the claim, of the same tenant and another.
	later := s.publishN(tenant, 2)
	otherID := s.publish(other, order(9))

	c2 := s.claim("w2", 10, time.Minute)
	if !sameIDs(recordIDs(c2.Records), []uuid.UUID{otherID}) {
		t.Fatalf("second worker claimed %v, want only the other tenant's %s", recordIDs(c2.Records), otherID)
	}

	if err := s.h.Store.MarkDispatched(s.ctx, c1.Token, []uuid.UUID{first}); err != nil {
		t.Fatalf("MarkDispatched: %v", err)
	}
	c3 := s.claim("w2", 10, time.Minute)
	if !sameIDs(recordIDs(c3.Records), later) {
		t.Fatalf("after the first row was dispatched: %v, want %v", recordIDs(c3.Records), later)
	}
}

func testRelease(t *testing.T, s *suite) {
	tenant := uuid.New()
	ids := s.publishN(tenant, 3)
	c := s.claim("w1", 10, time.Minute)
	if len(c.Records) != 3 {
		t.Fatalf("claimed %d, want 3", len(c.Records))
	}
	if err := s.h.Store.MarkDispatched(s.ctx, c.Token, ids[:1]); err != nil {
		t.Fatalf("MarkDispatched: %v", err)
	}
	if err := s.h.Store.Release(s.ctx, c.Token); err != nil {
		t.Fatalf("Release: %v", err)
	}

	if rec := s.get(ids[0]); rec.Status != outbox.StatusDispatched {
		t.Fatalf("Release undid a dispatched row: %s", rec.Status)
	}
	for _, id := range ids[1:] {
		rec := s.get(id)
		if rec.Status != outbox.StatusPending || rec.RetryCount != 0 || rec.ClaimedBy != "" || !rec.LeaseUntil.IsZero() {
			t.Fatalf("released row %s: %+v", id, rec)
		}
	}
	c2 := s.claim("w2", 10, time.Minute)
	if !sameIDs(recordIDs(c2.Records), ids[1:]) {
		t.Fatalf("after release another worker claimed %v, want %v at once", recordIDs(c2.Records), ids[1:])
	}
	if err := s.h.Store.MarkDispatched(s.ctx, c.Token, ids[1:]); !errors.Is(err, outbox.ErrFenced) {
		t.Fatalf("MarkDispatched with the released token = %v, want ErrFenced", err)
	}
}
