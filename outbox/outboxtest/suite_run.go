package outboxtest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

// runRelay starts r.Run and returns a stop function that cancels it and
// waits for it to return.
func runRelay(t *testing.T, r *outbox.Relay) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after cancel, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return within 5 s of cancel")
		}
	}
}

// waitPublished waits until sink holds n envelopes.
func waitPublished(t *testing.T, sink *Sink, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for len(sink.Published()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events published within %s", len(sink.Published()), n, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

func testRunWakesOnSignal(t *testing.T, s *suite) {
	sink := NewSink()
	cfg := testConfig("w1")
	cfg.PollInterval = time.Hour // only a wake-up can deliver in time
	stop := runRelay(t, outbox.NewRelay(s.h.Store, sink, cfg, outbox.WithBus(s.bus)))
	defer stop()
	time.Sleep(50 * time.Millisecond) // let the relay go idle

	first := s.publish(uuid.New(), order(1))
	waitPublished(t, sink, 1, 2*time.Second)

	// The signal comes at insert; the commit follows 30 ms later. The
	// relay must keep re-checking until the row shows up.
	tx := s.begin()
	second, err := s.bus.PublishInTx(s.ctx, tx, uuid.New(), nil, order(2))
	if err != nil {
		t.Fatalf("PublishInTx: %v", err)
	}
	time.Sleep(30 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
	waitPublished(t, sink, 2, 2*time.Second)

	if !sameIDs(sink.IDs(), []uuid.UUID{first, second}) {
		t.Fatalf("published %v, want %v", sink.IDs(), []uuid.UUID{first, second})
	}
}

// stuckTransport blocks every publish until its context ends.
type stuckTransport struct {
	*Sink
	entered chan struct{}
}

func (s *stuckTransport) PublishBatch(ctx context.Context, _ []*events.Envelope) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

func testRunReleasesOnShutdown(t *testing.T, s *suite) {
	id := s.publish(uuid.New(), order(1))
	tr := &stuckTransport{Sink: NewSink(), entered: make(chan struct{}, 1)}
	cfg := testConfig("w1")
	cfg.Lease = time.Hour
	stop := runRelay(t, outbox.NewRelay(s.h.Store, tr, cfg))

	select {
	case <-tr.entered:
	case <-time.After(2 * time.Second):
		t.Fatal("the relay never published")
	}
	stop()

	rec := s.get(id)
	if rec.Status != outbox.StatusPending || rec.RetryCount != 0 || rec.ClaimedBy != "" || rec.LastError != "" {
		t.Fatalf("after shutdown mid-publish: %+v; want released, no attempt counted", rec)
	}
	if c := s.claim("w2", 10, time.Minute); len(c.Records) != 1 || c.Records[0].ID != id {
		t.Fatalf("another worker could not take the row at once: %v", recordIDs(c.Records))
	}
}
