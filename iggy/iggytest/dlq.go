package iggytest

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
)

func retry(t *testing.T, tr *iggy.Transport, opts iggy.RetryOptions) int {
	t.Helper()
	n, err := tr.RetryFromDLQ(ctxFor(t), opts)
	if err != nil {
		t.Fatalf("RetryFromDLQ(%+v): %v", opts, err)
	}
	return n
}

func testDLQMoveAndRetry(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, _ := e.open()
	tenant := uuid.New()
	direct, viaConsumer := order(tenant, 1), order(tenant, 2)
	sys := events.NewEnvelope(tenant, nil, &events.TenantUpdated{TenantID: tenant})
	publishAll(t, tr, viaConsumer, sys)

	// Park one event by envelope and two as received deliveries.
	if err := tr.MoveToDLQ(ctxFor(t), direct, "handler failed: "+strings.Repeat("x", 400)); err != nil {
		t.Fatal(err)
	}
	c := subscribe(t, tr, "worker")
	d := receive(t, c, 1)[0]
	if err := c.MoveToDLQ(ctxFor(t), d, ""); err != nil {
		t.Fatal(err)
	}
	sc := subscribe(t, tr, "worker", iggy.WithTopic(iggy.TopicSystem))
	if err := sc.MoveToDLQ(ctxFor(t), receive(t, sc, 1)[0], "bad tenant"); err != nil {
		t.Fatal(err)
	}

	dlq := receive(t, subscribe(t, tr, "ops", iggy.WithTopic(iggy.TopicDLQ)), 3)
	wantReason := []string{"handler failed: " + strings.Repeat("x", 255-16), "unspecified", "bad tenant"}
	wantTopic := []string{iggy.TopicDomain, iggy.TopicDomain, iggy.TopicSystem}
	wantID := []uuid.UUID{direct.ID, viaConsumer.ID, sys.ID}
	for i, d := range dlq {
		if d.Envelope.ID != wantID[i] || d.Headers["dlq_reason"] != wantReason[i] ||
			d.Headers["original_topic"] != wantTopic[i] || d.Headers["event_id"] != wantID[i].String() {
			t.Errorf("dlq entry %d: id %s headers %v", i, d.Envelope.ID, d.Headers)
		}
	}

	// Parking acknowledged the delivery: the group has moved past it.
	expectNothing(t, c)

	domain := subscribe(t, tr, "after-retry")
	system := subscribe(t, tr, "after-retry", iggy.WithTopic(iggy.TopicSystem))
	receive(t, domain, 1) // viaConsumer, the original publish
	receive(t, system, 1) // sys, the original publish

	if n := retry(t, tr, iggy.RetryOptions{}); n != 3 {
		t.Fatalf("retried %d, want 3", n)
	}
	for _, r := range receive(t, domain, 2) {
		if r.Envelope.RetryCount != 1 || r.Headers["dlq_reason"] != "" {
			t.Errorf("retried event %s: retry_count %d, headers %v", r.Envelope.ID, r.Envelope.RetryCount, r.Headers)
		}
	}
	if r := receive(t, system, 1)[0]; r.Envelope.ID != sys.ID || r.Envelope.RetryCount != 1 {
		t.Errorf("system retry: %s retry_count %d", r.Envelope.ID, r.Envelope.RetryCount)
	}

	// Each entry is retried once, also by a new transport on the same state.
	if n := retry(t, tr, iggy.RetryOptions{}); n != 0 {
		t.Fatalf("second pass retried %d", n)
	}
	if err := tr.Shutdown(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	tr2, _ := e.open()
	if n := retry(t, tr2, iggy.RetryOptions{}); n != 0 {
		t.Fatalf("pass after restart retried %d", n)
	}
}

func testDLQRetryFilterAndLimit(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, _ := e.open()
	tenant := uuid.New()
	for i := range 4 {
		if err := tr.MoveToDLQ(ctxFor(t), order(tenant, i), "x"); err != nil {
			t.Fatal(err)
		}
	}
	cancelled := events.NewEnvelope(tenant, nil, &events.OrderCancelled{OrderID: uuid.New()})
	if err := tr.MoveToDLQ(ctxFor(t), cancelled, "y"); err != nil {
		t.Fatal(err)
	}

	if _, err := tr.RetryFromDLQ(ctxFor(t), iggy.RetryOptions{Limit: -1}); !errors.Is(err, iggy.ErrBadOptions) {
		t.Fatalf("negative limit: %v", err)
	}

	domain := subscribe(t, tr, "filtered")
	if n := retry(t, tr, iggy.RetryOptions{EventTypes: []string{"order.cancelled"}}); n != 1 {
		t.Fatalf("filtered pass retried %d, want 1", n)
	}
	if r := receive(t, domain, 1)[0]; r.Envelope.ID != cancelled.ID {
		t.Fatalf("filtered pass published %s", r.Envelope.EventType)
	}

	// The order.placed entries were kept for a later pass.
	if n := retry(t, tr, iggy.RetryOptions{Limit: 3}); n != 3 {
		t.Fatalf("limited pass retried %d, want 3", n)
	}
	if n := retry(t, tr, iggy.RetryOptions{}); n != 1 {
		t.Fatalf("last pass retried %d, want 1", n)
	}
	if n := retry(t, tr, iggy.RetryOptions{}); n != 0 {
		t.Fatalf("empty pass retried %d", n)
	}

	got := receive(t, domain, 4)
	if s := seqs(t, got); s != "0,1,2,3" {
		t.Fatalf("retried order.placed in order %s", s)
	}
	expectNothing(t, domain)
}

// testDecodeErrorToDLQ writes a message no codec reads, receives it as a
// DecodeError and parks it.
func testDecodeErrorToDLQ(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, conn := e.open()
	tenant := uuid.New()
	bad := uuid.New()

	err := conn.Publish(ctxFor(t), connector.PublishRequest{
		Stream: e.cfg.Topology.StreamName, Topic: iggy.TopicDomain, PartitionKey: tenant[:],
		Messages: []connector.OutMessage{{ID: bad, Payload: []byte("{not an envelope"),
			Headers: map[string]string{"event_id": bad.String(), "tenant_id": tenant.String(),
				"content_type": "application/json"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	good := order(tenant, 1)
	publishAll(t, tr, good)

	c := subscribe(t, tr, "strict")
	_, err = c.Receive(ctxFor(t))
	var de *iggy.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("Receive = %v, want a *DecodeError", err)
	}
	if de.Delivery.Offset != 0 || de.Delivery.Topic != iggy.TopicDomain || de.Delivery.EventID() != bad ||
		string(de.Delivery.Payload) != "{not an envelope" {
		t.Fatalf("decode error delivery %+v", de.Delivery)
	}

	// Replay stops at it unless told how to handle it.
	var replayErr *iggy.DecodeError
	if err := tr.Replay(ctxFor(t), iggy.ReplayOptions{}, func(*iggy.Delivery) error { return nil }); !errors.As(err, &replayErr) ||
		replayErr.Delivery.Offset != 0 {
		t.Fatalf("Replay over a bad message = %v", err)
	}
	if err := c.Ack(ctxFor(t), replayErr.Delivery); !errors.Is(err, iggy.ErrNotMine) {
		t.Fatalf("Ack of a replayed delivery = %v, want ErrNotMine", err)
	}
	skipped := 0
	all := 0
	err = tr.Replay(ctxFor(t), iggy.ReplayOptions{OnDecodeError: func(*iggy.DecodeError) error { skipped++; return nil }},
		func(*iggy.Delivery) error { all++; return nil })
	if err != nil || skipped != 1 || all != 1 {
		t.Fatalf("Replay with OnDecodeError: %v, skipped %d, handled %d", err, skipped, all)
	}

	if err := c.MoveToDLQ(ctxFor(t), de.Delivery, "undecodable"); err != nil {
		t.Fatal(err)
	}
	next := receive(t, c, 1)[0]
	if next.Envelope.ID != good.ID {
		t.Fatalf("after the bad message got %s", next.Envelope.ID)
	}
	ack(t, c, next)

	// The parked raw message stays in the DLQ: retrying cannot decode it,
	// so it is kept rather than re-published.
	if n := retry(t, tr, iggy.RetryOptions{}); n != 0 {
		t.Fatalf("retried an undecodable entry: %d", n)
	}
	var raw []string
	err = tr.Replay(ctxFor(t), iggy.ReplayOptions{Topic: iggy.TopicDLQ, OnDecodeError: func(de *iggy.DecodeError) error {
		raw = append(raw, string(de.Delivery.Payload)+"|"+de.Delivery.Headers["dlq_reason"])
		return nil
	}}, func(*iggy.Delivery) error { return nil })
	if err != nil || len(raw) == 0 || raw[0] != "{not an envelope|undecodable" {
		t.Fatalf("dlq holds %v (%v)", raw, err)
	}
}
