// Package iggytest is the conformance suite every iggy.Transport backend
// must pass: the Embedded connector now, a Remote connector against an
// Iggy server later. A backend supplies a Backend; Run executes every
// check as a subtest with an empty stream of its own.
package iggytest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
)

// Backend is what the suite needs from a broker environment.
type Backend struct {
	// Config returns a valid configuration for a fresh, empty broker state
	// (for Embedded: a new data dir; for Remote: a new stream name). The
	// suite changes Serialization and Topology.DomainPartitions only.
	Config func(t *testing.T) iggy.Config
	// NewConnector returns an unconnected connector for cfg. Calling it
	// again with the same cfg after the previous transport shut down must
	// reach the same broker state (a restart).
	NewConnector func(t *testing.T, cfg iggy.Config) connector.Connector
}

// Run runs the whole suite against b.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"TenantOrderAcrossPartitions", testTenantOrder},
		{"TenantOrderTwoMembers", testTenantOrderTwoMembers},
		{"RoutingByEventType", testRouting},
		{"RedeliveryAfterRestart", testRedeliveryAfterRestart},
		{"AcknowledgeByEventID", testAcknowledgeByEventID},
		{"ReplayLeavesGroupOffsets", testReplayLeavesGroupOffsets},
		{"ReplayByOffset", testReplayByOffset},
		{"ReplayByTime", testReplayByTime},
		{"ReplayBadOptions", testReplayBadOptions},
		{"DLQMoveAndRetry", testDLQMoveAndRetry},
		{"DLQRetryFilterAndLimit", testDLQRetryFilterAndLimit},
		{"DecodeErrorToDLQ", testDecodeErrorToDLQ},
		{"Codecs", testCodecs},
		{"HealthAndShutdown", testHealthAndShutdown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

// env is one test's broker state and the transports opened on it.
type env struct {
	t   *testing.T
	b   Backend
	cfg iggy.Config
}

func newEnv(t *testing.T, b Backend, edit func(*iggy.Config)) *env {
	cfg := b.Config(t)
	if edit != nil {
		edit(&cfg)
	}
	return &env{t: t, b: b, cfg: cfg}
}

// open connects a transport and returns it with its connector, so a test
// can write raw messages. The transport is shut down at cleanup.
func (e *env) open() (*iggy.Transport, connector.Connector) {
	e.t.Helper()
	conn := e.b.NewConnector(e.t, e.cfg)
	tr, err := iggy.NewTransport(ctxFor(e.t), e.cfg, iggy.WithConnector(conn))
	if err != nil {
		e.t.Fatalf("NewTransport: %v", err)
	}
	e.t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr, conn
}

// ctxFor bounds a test's calls so a broken backend fails instead of hanging.
func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// order returns an order.placed envelope whose Total is seq.
func order(tenant uuid.UUID, seq int) *events.Envelope {
	return events.NewEnvelope(tenant, nil, &events.OrderPlaced{
		OrderID: uuid.New(), Total: int64(seq), Currency: "EUR",
	})
}

// seqOf returns the sequence number order() put in an envelope.
func seqOf(t *testing.T, env *events.Envelope) int {
	t.Helper()
	o, ok := env.Event.(*events.OrderPlaced)
	if !ok {
		t.Fatalf("event %s is %T, want *events.OrderPlaced", env.ID, env.Event)
	}
	return int(o.Total)
}

// receive takes n deliveries from c.
func receive(t *testing.T, c *iggy.Consumer, n int) []*iggy.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()

	out := make([]*iggy.Delivery, 0, n)
	for len(out) < n {
		d, err := c.Receive(ctx)
		if err != nil {
			t.Fatalf("receive %d of %d: %v", len(out)+1, n, err)
		}
		out = append(out, d)
	}
	return out
}

// expectNothing checks that c has nothing to deliver within a short wait.
func expectNothing(t *testing.T, c *iggy.Consumer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()

	if d, err := c.Receive(ctx); err == nil {
		t.Fatalf("unexpected delivery %s offset %d (event %s)", d.Topic, d.Offset, d.EventID())
	}
}

func subscribe(t *testing.T, tr *iggy.Transport, group string, opts ...iggy.SubscribeOption) *iggy.Consumer {
	t.Helper()
	c, err := tr.SubscribeAsGroup(ctxFor(t), group, opts...)
	if err != nil {
		t.Fatalf("SubscribeAsGroup(%s): %v", group, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func publishAll(t *testing.T, tr *iggy.Transport, envs ...*events.Envelope) {
	t.Helper()
	if err := tr.PublishBatch(ctxFor(t), envs); err != nil {
		t.Fatalf("PublishBatch: %v", err)
	}
}

func ack(t *testing.T, c *iggy.Consumer, ds ...*iggy.Delivery) {
	t.Helper()
	for _, d := range ds {
		if err := c.Ack(ctxFor(t), d); err != nil {
			t.Fatalf("Ack offset %d: %v", d.Offset, err)
		}
	}
}

func seqs(t *testing.T, ds []*iggy.Delivery) string {
	t.Helper()
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(seqOf(t, d.Envelope))
	}
	return s
}
