package outboxtest

import (
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

func testCommitDelivers(t *testing.T, s *suite) {
	tenant, actor := uuid.New(), uuid.New()
	ev := order(125990)

	tx := s.begin()
	if err := s.h.WriteAppRow(s.ctx, tx, "order-1"); err != nil {
		t.Fatalf("WriteAppRow: %v", err)
	}
	id, err := s.bus.PublishInTx(s.ctx, tx, tenant, &actor, ev)
	if err != nil {
		t.Fatalf("PublishInTx: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}

	sink := NewSink()
	if n := s.runOnce(outbox.NewRelay(s.h.Store, sink, testConfig("w1"))); n != 1 {
		t.Fatalf("RunOnce claimed %d rows, want 1", n)
	}

	pub := sink.Published()
	if len(pub) != 1 {
		t.Fatalf("published %d envelopes, want 1", len(pub))
	}
	env := pub[0]
	got, ok := env.Event.(*events.OrderPlaced)
	switch {
	case env.ID != id || env.TenantID != tenant || env.ActorID == nil || *env.ActorID != actor:
		t.Fatalf("envelope ids: id %s tenant %s actor %v, want %s %s %s", env.ID, env.TenantID, env.ActorID, id, tenant, actor)
	case env.EventType != "order.placed" || env.CorrelationID != id || env.RetryCount != 0:
		t.Fatalf("envelope metadata: %+v", env)
	case !ok || got.OrderID != ev.OrderID || got.Total != 125990 || got.Currency != "EUR":
		t.Fatalf("event = %#v, want %#v", env.Event, ev)
	}

	rec := s.get(id)
	if rec.Status != outbox.StatusDispatched || rec.DispatchedAt.IsZero() || rec.TenantID != tenant {
		t.Fatalf("row after publish: status %s dispatched_at %v tenant %s", rec.Status, rec.DispatchedAt, rec.TenantID)
	}
	if ok, err := s.h.AppRowExists(s.ctx, "order-1"); err != nil || !ok {
		t.Fatalf("application row after commit: exists=%v err=%v", ok, err)
	}
	if st := s.stats(); st.Dispatched != 1 || st.Pending != 0 || st.Failed != 0 {
		t.Fatalf("stats = %+v, want 1 dispatched", st)
	}
	if n := s.runOnce(outbox.NewRelay(s.h.Store, sink, testConfig("w2"))); n != 0 || len(sink.Published()) != 1 {
		t.Fatalf("a second relay claimed %d rows; the event was published %d times", n, len(sink.Published()))
	}
}

func testRollbackDeliversNothing(t *testing.T, s *suite) {
	tx := s.begin()
	if err := s.h.WriteAppRow(s.ctx, tx, "order-2"); err != nil {
		t.Fatalf("WriteAppRow: %v", err)
	}
	id, err := s.bus.PublishInTx(s.ctx, tx, uuid.New(), nil, order(10))
	if err != nil {
		t.Fatalf("PublishInTx: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback: %v", err)
	}

	sink := NewSink()
	if n := s.runOnce(outbox.NewRelay(s.h.Store, sink, testConfig("w1"))); n != 0 {
		t.Fatalf("RunOnce claimed %d rows after rollback", n)
	}
	if len(sink.Published()) != 0 {
		t.Fatalf("rolled-back event published: %v", sink.IDs())
	}
	if _, err := s.admin.Get(s.ctx, id); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("Get of rolled-back event = %v, want ErrNotFound", err)
	}
	if ok, err := s.h.AppRowExists(s.ctx, "order-2"); err != nil || ok {
		t.Fatalf("application row after rollback: exists=%v err=%v", ok, err)
	}
	if st := s.stats(); st != (outbox.Stats{}) {
		t.Fatalf("stats after rollback = %+v, want all zero", st)
	}
}

func testInvalidEventWritesNothing(t *testing.T, s *suite) {
	cases := []struct {
		name   string
		tenant uuid.UUID
		event  events.DomainEvent
		field  string
	}{
		{"bad currency", uuid.New(), &events.OrderPlaced{OrderID: uuid.New(), Total: 1, Currency: "eur"}, "currency"},
		{"nil order id", uuid.New(), &events.OrderPlaced{Total: 1, Currency: "EUR"}, "order_id"},
		{"negative total", uuid.New(), &events.OrderPlaced{OrderID: uuid.New(), Total: -1, Currency: "EUR"}, "total"},
		{"nil tenant", uuid.Nil, order(1), "tenant_id"},
	}

	tx := s.begin()
	if err := s.h.WriteAppRow(s.ctx, tx, "kept"); err != nil {
		t.Fatalf("WriteAppRow: %v", err)
	}
	for _, c := range cases {
		_, err := s.bus.PublishInTx(s.ctx, tx, c.tenant, nil, c.event)
		var verr *events.ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("%s: PublishInTx = %v, want a *events.ValidationError", c.name, err)
			continue
		}
		if verr.Field != c.field || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error names field %q (%v), want %q", c.name, verr.Field, err, c.field)
		}
	}
	if _, err := s.bus.PublishInTx(s.ctx, tx, uuid.New(), nil, nil); err == nil {
		t.Error("PublishInTx with a nil event returned no error")
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}

	if ok, err := s.h.AppRowExists(s.ctx, "kept"); err != nil || !ok {
		t.Fatalf("the transaction's own row was lost: exists=%v err=%v", ok, err)
	}
	if st := s.stats(); st.Pending != 0 || st.Failed != 0 || st.Dispatched != 0 {
		t.Fatalf("invalid events left rows behind: %+v", st)
	}
}

func testNilTx(t *testing.T, s *suite) {
	var typedNil *sql.Tx
	for name, tx := range map[string]outbox.Tx{"untyped nil": nil, "typed nil *sql.Tx": typedNil} {
		id, err := s.bus.PublishInTx(s.ctx, tx, uuid.New(), nil, order(1))
		if !errors.Is(err, outbox.ErrNilTx) || id != uuid.Nil {
			t.Errorf("%s: PublishInTx = %s, %v; want uuid.Nil and ErrNilTx", name, id, err)
		}
	}
	if st := s.stats(); st.Pending != 0 {
		t.Fatalf("a nil transaction wrote %d rows", st.Pending)
	}
}

func testPublishOptions(t *testing.T, s *suite) {
	corr, cause := uuid.New(), uuid.New()
	tx := s.begin()
	id, err := s.bus.PublishInTx(s.ctx, tx, uuid.New(), nil, order(5),
		outbox.WithCorrelationID(corr), outbox.WithCausationID(cause), outbox.WithTraceID("trace-42"))
	if err != nil {
		t.Fatalf("PublishInTx: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}

	sink := NewSink()
	s.runOnce(outbox.NewRelay(s.h.Store, sink, testConfig("w1")))
	pub := sink.Published()
	if len(pub) != 1 {
		t.Fatalf("published %d, want 1", len(pub))
	}
	env := pub[0]
	if env.ID != id || env.CorrelationID != corr || env.CausationID == nil || *env.CausationID != cause ||
		env.TraceID == nil || *env.TraceID != "trace-42" {
		t.Fatalf("envelope options not kept: correlation %s causation %v trace %v", env.CorrelationID, env.CausationID, env.TraceID)
	}
}

// testOversizedEventWritesNothing checks that an envelope over the bus's
// size limit is refused in the producer's transaction, naming the limit,
// and that nothing of it reaches the store.
func testOversizedEventWritesNothing(t *testing.T, s *suite) {
	bus := outbox.NewBus(s.h.Store, outbox.WithMaxEventSize(4096))
	tx := s.begin()
	defer tx.Rollback()

	trace := strings.Repeat("t", 5000)
	_, err := bus.PublishInTx(s.ctx, tx, uuid.New(), nil, order(1), outbox.WithTraceID(trace))
	if !errors.Is(err, outbox.ErrEventTooLarge) || !strings.Contains(err.Error(), "4096-byte limit") {
		t.Fatalf("PublishInTx of a 5 KB event with a 4 KiB limit = %v, want ErrEventTooLarge naming the limit", err)
	}
	if _, err := bus.PublishInTx(s.ctx, tx, uuid.New(), nil, order(2)); err != nil {
		t.Fatalf("a small event after the refused one: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if st := s.stats(); st.Pending != 1 {
		t.Fatalf("%d pending rows, want only the small event", st.Pending)
	}
}
