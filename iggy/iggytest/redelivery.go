package iggytest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
)

func testRedeliveryAfterRestart(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, _ := e.open()
	tenant := uuid.New()
	var envs []*events.Envelope
	for i := range 10 {
		envs = append(envs, order(tenant, i))
	}
	publishAll(t, tr, envs...)

	c := subscribe(t, tr, "redeliver")
	ds := receive(t, c, 10)
	if got := seqs(t, ds); got != "0,1,2,3,4,5,6,7,8,9" {
		t.Fatalf("first delivery order %s", got)
	}

	// Ack 0..3, then 5 and 6 out of order: 4 is missing, so the group's
	// offset must stay at 3 and everything from 4 comes again.
	ack(t, c, ds[1], ds[0], ds[3], ds[2], ds[6], ds[5])
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	tr2, _ := e.open()
	c2 := subscribe(t, tr2, "redeliver")
	again := receive(t, c2, 6)
	if got := seqs(t, again); got != "4,5,6,7,8,9" {
		t.Fatalf("after restart got %s, want 4,5,6,7,8,9", got)
	}

	// Acknowledge everything; a third start has nothing left to deliver.
	ack(t, c2, again...)
	if err := tr2.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr3, _ := e.open()
	expectNothing(t, subscribe(t, tr3, "redeliver"))

	// Another group starts from the beginning.
	other := receive(t, subscribe(t, tr3, "other"), 10)
	if got := seqs(t, other); got != "0,1,2,3,4,5,6,7,8,9" {
		t.Fatalf("new group got %s", got)
	}
}

func testAcknowledgeByEventID(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, _ := e.open()
	tenant := uuid.New()
	first, second := order(tenant, 0), order(tenant, 1)
	publishAll(t, tr, first, second)

	c := subscribe(t, tr, "by-id")
	receive(t, c, 2)

	ctx := ctxFor(t)
	if err := tr.Acknowledge(ctx, uuid.New()); !errors.Is(err, iggy.ErrUnknownEvent) {
		t.Fatalf("Acknowledge(unknown) = %v, want ErrUnknownEvent", err)
	}
	if err := tr.Acknowledge(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := tr.Acknowledge(ctx, first.ID); !errors.Is(err, iggy.ErrUnknownEvent) {
		t.Fatalf("second Acknowledge = %v, want ErrUnknownEvent", err)
	}

	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr2, _ := e.open()
	d := receive(t, subscribe(t, tr2, "by-id"), 1)[0]
	if d.Envelope.ID != second.ID {
		t.Fatalf("after restart got event %d, want 1", seqOf(t, d.Envelope))
	}
}
