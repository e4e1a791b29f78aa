package outboxtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

// suite is the per-subtest state: one harness, its admin view and a bus.
type suite struct {
	t     *testing.T
	ctx   context.Context
	h     Harness
	admin outbox.Admin
	bus   *outbox.Bus
}

func newSuite(t *testing.T, h Harness) *suite {
	t.Helper()
	admin, ok := h.Store.(outbox.Admin)
	if !ok {
		t.Fatalf("outboxtest: %T does not implement outbox.Admin, which the suite needs to inspect rows", h.Store)
	}
	return &suite{t: t, ctx: t.Context(), h: h, admin: admin, bus: outbox.NewBus(h.Store)}
}

// testConfig is a relay configuration that keeps the suite fast: backoffs
// of a few milliseconds and three attempts.
func testConfig(worker string) outbox.RelayConfig {
	return outbox.RelayConfig{
		WorkerID:     worker,
		BatchSize:    100,
		MaxAttempts:  3,
		BackoffBase:  time.Millisecond,
		BackoffMax:   4 * time.Millisecond,
		Lease:        5 * time.Second,
		PollInterval: 20 * time.Millisecond,
	}
}

// order returns a valid OrderPlaced.
func order(total int64) *events.OrderPlaced {
	return &events.OrderPlaced{OrderID: uuid.New(), Total: total, Currency: "EUR"}
}

// publish writes one event (and an application row keyed by its id) in
// a transaction and commits it.
func (s *suite) publish(tenant uuid.UUID, ev events.DomainEvent) uuid.UUID {
	s.t.Helper()
	tx := s.begin()
	id, err := s.bus.PublishInTx(s.ctx, tx, tenant, nil, ev)
	if err != nil {
		tx.Rollback()
		s.t.Fatalf("PublishInTx: %v", err)
	}
	if err := tx.Commit(); err != nil {
		s.t.Fatalf("commit: %v", err)
	}
	return id
}

// publishN commits n events of tenant, one transaction each, and returns
// their ids in commit order.
func (s *suite) publishN(tenant uuid.UUID, n int) []uuid.UUID {
	s.t.Helper()
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = s.publish(tenant, order(int64(i)))
	}
	return ids
}

// insertRaw writes a row with an arbitrary payload straight through the
// store, as a corrupt or foreign producer would.
func (s *suite) insertRaw(tenant uuid.UUID, payload []byte) uuid.UUID {
	s.t.Helper()
	id := uuid.New()
	tx := s.begin()
	rec := outbox.Record{ID: id, TenantID: tenant, EventType: "order.placed", SchemaVersion: 1, Payload: payload}
	if err := s.h.Store.Insert(s.ctx, tx, rec); err != nil {
		tx.Rollback()
		s.t.Fatalf("Insert: %v", err)
	}
	if err := tx.Commit(); err != nil {
		s.t.Fatalf("commit: %v", err)
	}
	return id
}

func (s *suite) begin() outbox.Tx {
	s.t.Helper()
	tx, err := s.h.Begin(s.ctx)
	if err != nil {
		s.t.Fatalf("Begin: %v", err)
	}
	return tx
}

func (s *suite) get(id uuid.UUID) outbox.Record {
	s.t.Helper()
	rec, err := s.admin.Get(s.ctx, id)
	if err != nil {
		s.t.Fatalf("Get %s: %v", id, err)
	}
	return rec
}

func (s *suite) stats() outbox.Stats {
	s.t.Helper()
	st, err := s.h.Store.Stats(s.ctx)
	if err != nil {
		s.t.Fatalf("Stats: %v", err)
	}
	return st
}

func (s *suite) claim(worker string, limit int, lease time.Duration) outbox.Claim {
	s.t.Helper()
	c, err := s.h.Store.Claim(s.ctx, worker, limit, lease)
	if err != nil {
		s.t.Fatalf("Claim(%s, %d): %v", worker, limit, err)
	}
	return c
}

func (s *suite) runOnce(r *outbox.Relay) int {
	s.t.Helper()
	n, err := r.RunOnce(s.ctx)
	if err != nil {
		s.t.Fatalf("RunOnce: %v", err)
	}
	return n
}

// runUntil runs relay rounds, pausing briefly between empty ones, until
// done reports true; it fails the test after timeout.
func (s *suite) runUntil(r *outbox.Relay, timeout time.Duration, done func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			s.t.Fatalf("condition not reached within %s", timeout)
		}
		if s.runOnce(r) == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

func recordIDs(recs []outbox.Record) []uuid.UUID {
	ids := make([]uuid.UUID, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids
}

func sameIDs(a, b []uuid.UUID) bool {
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

// failTenant returns a failure rule for Sink.FailWhen that rejects one
// tenant's events.
func failTenant(tenant uuid.UUID) func(*events.Envelope) error {
	return func(env *events.Envelope) error {
		if env.TenantID == tenant {
			return fmt.Errorf("tenant %s refused", tenant)
		}
		return nil
	}
}
