package outboxtest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

var errBrokerDown = errors.New("broker down")

func failAll(*events.Envelope) error { return errBrokerDown }

func testBackoffSchedule(t *testing.T, s *suite) {
	base, max := time.Second, 60*time.Second
	want := map[int]time.Duration{
		1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second,
		5: 16 * time.Second, 6: 32 * time.Second, 7: 60 * time.Second, 100: 60 * time.Second,
	}
	for n, d := range want {
		if got := outbox.Backoff(base, max, n); got != d {
			t.Errorf("Backoff(1s, 60s, %d) = %s, want %s", n, got, d)
		}
	}
	// Without a binding cap the exponent stops at 16.
	for n, d := range map[int]time.Duration{17: 65536 * time.Millisecond, 18: 65536 * time.Millisecond, 1000: 65536 * time.Millisecond} {
		if got := outbox.Backoff(time.Millisecond, 24*time.Hour, n); got != d {
			t.Errorf("Backoff(1ms, 24h, %d) = %s, want %s", n, got, d)
		}
	}

	// The relay applies it: one failed attempt puts next_attempt_at about
	// BackoffBase after the attempt.
	id := s.publish(uuid.New(), order(1))
	sink := NewSink()
	sink.FailWhen(failAll)
	cfg := testConfig("w1")
	cfg.BackoffBase, cfg.BackoffMax = 10*time.Minute, time.Hour
	before := time.Now()
	s.runOnce(outbox.NewRelay(s.h.Store, sink, cfg))
	rec := s.get(id)
	low, high := before.Add(10*time.Minute-time.Second), time.Now().Add(10*time.Minute+time.Second)
	if rec.RetryCount != 1 || rec.NextAttemptAt.Before(low) || rec.NextAttemptAt.After(high) {
		t.Fatalf("after one failure: retries %d next %s, want 1 and about 10 min from now", rec.RetryCount, rec.NextAttemptAt)
	}
	if c := s.claim("w2", 10, time.Minute); len(c.Records) != 0 {
		t.Fatalf("a row waiting for its retry was claimed")
	}
}

func testRetryCount(t *testing.T, s *suite) {
	id := s.publish(uuid.New(), order(3))
	sink := NewSink()
	sink.FailWhen(failAll)
	r := outbox.NewRelay(s.h.Store, sink, testConfig("w1"))
	s.runOnce(r)

	rec := s.get(id)
	if rec.Status != outbox.StatusPending || rec.RetryCount != 1 || !strings.Contains(rec.LastError, "broker down") {
		t.Fatalf("after a failed publish: %s retries %d last error %q", rec.Status, rec.RetryCount, rec.LastError)
	}

	sink.FailWhen(nil)
	s.runUntil(r, 2*time.Second, func() bool { return len(sink.Published()) == 1 })
	if env := sink.Published()[0]; env.ID != id || env.RetryCount != 1 {
		t.Fatalf("retried envelope %s has retry_count %d, want 1", env.ID, env.RetryCount)
	}
	m := r.Metrics()
	if m.Failed != 1 || m.Retried != 1 || m.Succeeded != 1 || m.Processed != 2 || m.DeadLettered != 0 {
		t.Fatalf("metrics = %+v", m)
	}
	if m.Latency.Samples != 1 || m.Latency.P50 <= 0 {
		t.Fatalf("latency = %+v, want one positive sample", m.Latency)
	}
}

func testMaxAttempts(t *testing.T, s *suite) {
	id := s.publish(uuid.New(), order(4))
	sink := NewSink()
	sink.FailWhen(failAll)
	r := outbox.NewRelay(s.h.Store, sink, testConfig("w1"))

	s.runUntil(r, 3*time.Second, func() bool { return s.get(id).Status == outbox.StatusFailed })
	rec := s.get(id)
	if rec.RetryCount != 3 || !strings.Contains(rec.LastError, "broker down") {
		t.Fatalf("parked row: retries %d last error %q, want 3 and the publish error", rec.RetryCount, rec.LastError)
	}
	if calls := sink.Calls(); calls != 3 {
		t.Fatalf("transport called %d times, want MaxAttempts = 3", calls)
	}

	dl := sink.DeadLetters()
	if len(dl) != 1 || dl[0].Envelope.ID != id || !strings.Contains(dl[0].Reason, "broker down") {
		t.Fatalf("dead letters = %+v, want the event with the last error", dl)
	}
	m := r.Metrics()
	if m.Failed != 3 || m.Retried != 2 || m.DeadLettered != 1 || m.Succeeded != 0 {
		t.Fatalf("metrics = %+v, want 3 failed, 2 retried, 1 dead-lettered", m)
	}

	failed, err := s.admin.Failed(s.ctx, 10)
	if err != nil || len(failed) != 1 || failed[0].ID != id || failed[0].LastError != rec.LastError {
		t.Fatalf("Failed = %v, %v", recordIDs(failed), err)
	}
	if st := s.stats(); st.Failed != 1 || st.Pending != 0 {
		t.Fatalf("stats = %+v", st)
	}
	if n := s.runOnce(r); n != 0 {
		t.Fatalf("a parked row was claimed again")
	}
}

func testPoisonPayload(t *testing.T, s *suite) {
	id := s.insertRaw(uuid.New(), []byte("\x00 definitely not an envelope"))
	sink := NewSink()
	r := outbox.NewRelay(s.h.Store, sink, testConfig("w1"))

	if n := s.runOnce(r); n != 1 {
		t.Fatalf("RunOnce claimed %d, want the poison row", n)
	}
	rec := s.get(id)
	if rec.Status != outbox.StatusPending || rec.RetryCount != 1 || !strings.Contains(rec.LastError, "decode") ||
		rec.ClaimedBy != "" {
		t.Fatalf("after one round: status %s retries %d last error %q claimed by %q; want a released failed attempt",
			rec.Status, rec.RetryCount, rec.LastError, rec.ClaimedBy)
	}

	s.runUntil(r, 3*time.Second, func() bool { return s.get(id).Status == outbox.StatusFailed })
	rec = s.get(id)
	if rec.RetryCount != 3 || !strings.Contains(rec.LastError, "decode") {
		t.Fatalf("parked poison row: retries %d last error %q", rec.RetryCount, rec.LastError)
	}
	if sink.Calls() != 0 || len(sink.DeadLetters()) != 0 {
		t.Fatalf("poison row reached the transport: %d publishes, %d dead letters", sink.Calls(), len(sink.DeadLetters()))
	}
	if m := r.Metrics(); m.Failed != 3 || m.DeadLettered != 1 {
		t.Fatalf("metrics = %+v", m)
	}
}

func testRequeueAndHousekeeping(t *testing.T, s *suite) {
	id := s.publish(uuid.New(), order(6))
	sink := NewSink()
	sink.FailWhen(failAll)
	r := outbox.NewRelay(s.h.Store, sink, testConfig("w1"))
	s.runUntil(r, 3*time.Second, func() bool { return s.get(id).Status == outbox.StatusFailed })

	n, err := s.admin.Requeue(s.ctx, id, uuid.New())
	if err != nil || n != 1 {
		t.Fatalf("Requeue = %d, %v; want 1 row", n, err)
	}
	if rec := s.get(id); rec.Status != outbox.StatusPending || rec.RetryCount != 0 {
		t.Fatalf("requeued row: %s retries %d", rec.Status, rec.RetryCount)
	}
	if n, err := s.admin.Requeue(s.ctx, id); err != nil || n != 0 {
		t.Fatalf("Requeue of a pending row = %d, %v; want 0", n, err)
	}

	sink.FailWhen(nil)
	s.runUntil(r, 2*time.Second, func() bool { return len(sink.Published()) == 1 })
	if env := sink.Published()[0]; env.ID != id || env.RetryCount != 0 {
		t.Fatalf("requeued event published as %s with retry_count %d", env.ID, env.RetryCount)
	}

	if n, err := s.admin.DeleteDispatched(s.ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("DeleteDispatched of older rows = %d, %v; want 0", n, err)
	}
	keep := s.publish(uuid.New(), order(7))
	n, err = s.admin.DeleteDispatched(s.ctx, time.Now().Add(time.Second))
	if err != nil || n != 1 {
		t.Fatalf("DeleteDispatched = %d, %v; want 1", n, err)
	}
	if _, err := s.admin.Get(s.ctx, id); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("deleted row still there: %v", err)
	}
	if rec := s.get(keep); rec.Status != outbox.StatusPending {
		t.Fatalf("DeleteDispatched touched a pending row: %s", rec.Status)
	}
	if st := s.stats(); st.Pending != 1 || st.Dispatched != 0 || st.OldestPending <= 0 {
		t.Fatalf("stats = %+v", st)
	}
}
