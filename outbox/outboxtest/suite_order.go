package outboxtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

func testTenantOrderPoison(t *testing.T, s *suite) {
	a, b := uuid.New(), uuid.New()
	a1 := s.insertRaw(a, []byte("{not json"))
	b1 := s.publish(b, order(1))
	a2 := s.publish(a, order(2))
	b2 := s.publish(b, order(3))
	a3 := s.publish(a, order(4))

	sink := NewSink()
	cfg := testConfig("w1")
	cfg.BackoffBase, cfg.BackoffMax = 200*time.Millisecond, 200*time.Millisecond
	r := outbox.NewRelay(s.h.Store, sink, cfg)
	if n := s.runOnce(r); n != 5 {
		t.Fatalf("first round claimed %d, want all 5", n)
	}

	if !sameIDs(sink.IDs(), []uuid.UUID{b1, b2}) {
		t.Fatalf("first round published %v, want only tenant B's %v", sink.IDs(), []uuid.UUID{b1, b2})
	}
	for _, id := range []uuid.UUID{a2, a3} {
		rec := s.get(id)
		if rec.Status != outbox.StatusPending || rec.RetryCount != 0 || rec.ClaimedBy != "" || rec.LastError != "" {
			t.Fatalf("held-back row %s: %+v; want pending, unclaimed, no attempt counted", id, rec)
		}
	}
	if rec := s.get(a1); rec.RetryCount != 1 {
		t.Fatalf("poison row retries %d, want 1", rec.RetryCount)
	}
	if c := s.claim("w2", 10, time.Minute); len(c.Records) != 0 {
		t.Fatalf("claimed %v while tenant A's first row waits for its retry", recordIDs(c.Records))
	}

	s.runUntil(r, 5*time.Second, func() bool { return len(sink.Published()) == 4 })
	if !sameIDs(sink.IDs(), []uuid.UUID{b1, b2, a2, a3}) {
		t.Fatalf("published %v, want B's two then A's two after the poison row was parked", sink.IDs())
	}
	if s.get(a1).Status != outbox.StatusFailed {
		t.Fatal("poison row not parked")
	}
	for _, env := range sink.Published()[2:] {
		if env.RetryCount != 0 {
			t.Fatalf("held-back event %s published with retry_count %d, want 0", env.ID, env.RetryCount)
		}
	}
}

func testTenantOrderTransport(t *testing.T, s *suite) {
	a, b := uuid.New(), uuid.New()
	var aIDs, bIDs []uuid.UUID
	for i := 0; i < 3; i++ {
		aIDs = append(aIDs, s.publish(a, order(int64(i))))
		bIDs = append(bIDs, s.publish(b, order(int64(i))))
	}

	sink := NewSink()
	sink.FailWhen(failTenant(a))
	cfg := testConfig("w1")
	cfg.BatchSize, cfg.MaxAttempts = 1, 1000
	r := outbox.NewRelay(s.h.Store, sink, cfg)

	s.runUntil(r, 5*time.Second, func() bool { return len(sink.Published()) == 3 })
	if !sameIDs(sink.IDs(), bIDs) {
		t.Fatalf("while tenant A fails, published %v, want tenant B's %v", sink.IDs(), bIDs)
	}
	if rec := s.get(aIDs[0]); rec.RetryCount == 0 || rec.Status != outbox.StatusPending {
		t.Fatalf("A's first row: %s retries %d, want pending with failed attempts", rec.Status, rec.RetryCount)
	}
	for _, id := range aIDs[1:] {
		if rec := s.get(id); rec.RetryCount != 0 {
			t.Fatalf("A's later row %s was attempted %d times while its first row failed", id, rec.RetryCount)
		}
	}

	sink.FailWhen(nil)
	s.runUntil(r, 5*time.Second, func() bool { return len(sink.Published()) == 6 })
	if got := sink.IDs()[3:]; !sameIDs(got, aIDs) {
		t.Fatalf("after healing, tenant A published %v, want %v", got, aIDs)
	}
}

// testMidBatchFailure checks a batch whose transport publishes a prefix and
// then refuses one event: the prefix is dispatched once, only the refused
// row counts failed attempts and is parked and dead-lettered, its tenant's
// later rows wait behind it, and other tenants' rows behind it in the batch
// are delivered once without a failed attempt.
func testMidBatchFailure(t *testing.T, s *suite) {
	a, b := uuid.New(), uuid.New()
	a1 := s.publish(a, order(1))
	b1 := s.publish(b, order(1))
	bad := s.publish(a, order(2))
	b2 := s.publish(b, order(2))
	a3 := s.publish(a, order(3))

	sink := NewSink()
	sink.FailWhen(func(env *events.Envelope) error {
		if env.ID == bad {
			return fmt.Errorf("event %s is too big for the broker", bad)
		}
		return nil
	})
	cfg := testConfig("w1")
	r := outbox.NewRelay(s.h.Store, sink, cfg)

	s.runUntil(r, 5*time.Second, func() bool { return s.get(bad).Status == outbox.StatusFailed })
	if got, want := sink.IDs(), []uuid.UUID{a1, b1, b2}; !sameIDs(got, want) {
		t.Fatalf("published %v, want %v: the prefix once and tenant B's row behind the failure", got, want)
	}
	for _, id := range []uuid.UUID{a1, b1, b2} {
		if rec := s.get(id); rec.Status != outbox.StatusDispatched || rec.RetryCount != 0 {
			t.Fatalf("row %s: %s with %d failed attempts, want dispatched with none", id, rec.Status, rec.RetryCount)
		}
	}
	if rec := s.get(bad); rec.RetryCount != cfg.MaxAttempts || !strings.Contains(rec.LastError, "too big") {
		t.Fatalf("refused row: %d attempts, last error %q", rec.RetryCount, rec.LastError)
	}
	if dl := sink.DeadLetters(); len(dl) != 1 || dl[0].Envelope.ID != bad {
		t.Fatalf("dead letters %+v, want the refused event alone", dl)
	}

	// With the refused row parked, the tenant's next row goes out.
	s.runUntil(r, 5*time.Second, func() bool { return len(sink.Published()) == 4 })
	if got := sink.IDs()[3]; got != a3 {
		t.Fatalf("after parking, published %s, want tenant A's next row %s", got, a3)
	}
}
