package iggy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/events"
)

// Transport publishes envelopes to an Iggy stream and hands them to
// consumer groups. It is safe for concurrent use.
type Transport struct {
	cfg   Config
	conn  connector.Connector
	codec events.Codec
	log   *slog.Logger

	mu        sync.Mutex
	closed    bool
	consumers map[*Consumer]struct{}
	pending   map[uuid.UUID][]*Delivery // unacknowledged deliveries by event id
}

var _ events.Transport = (*Transport)(nil)

type options struct {
	conn connector.Connector
	log  *slog.Logger
}

// Option configures NewTransport.
type Option func(*options)

// WithConnector makes the transport use c instead of a connector built
// from the configured mode. The transport connects it and shuts it down.
func WithConnector(c connector.Connector) Option {
	return func(o *options) { o.conn = c }
}

// WithLogger sets the transport's logger. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.log = l }
}

// NewTransport validates cfg, connects (starting the embedded broker in
// mode embedded) and ensures the topology described in the package doc.
func NewTransport(ctx context.Context, cfg Config, opts ...Option) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("iggy: new transport: %w", err)
	}

	codec, err := events.CodecByName(cfg.Serialization)
	if err != nil {
		return nil, fmt.Errorf("iggy: new transport: %w", err)
	}

	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.conn == nil {
		if o.conn, err = connector.New(cfg.Mode, o.log); err != nil {
			return nil, fmt.Errorf("iggy: new transport: %w", err)
		}
	}

	if err := o.conn.Connect(ctx, cfg.ConnectorConfig()); err != nil {
		return nil, fmt.Errorf("iggy: connect (%s): %w", cfg.Mode, err)
	}

	t := &Transport{
		cfg: cfg, conn: o.conn, codec: codec, log: o.log,
		consumers: make(map[*Consumer]struct{}),
		pending:   make(map[uuid.UUID][]*Delivery),
	}
	if err := t.ensureTopology(ctx); err != nil {
		return nil, errors.Join(err, o.conn.Shutdown(context.WithoutCancel(ctx)))
	}

	t.log.Info("iggy transport ready", "mode", cfg.Mode, "stream", cfg.Topology.StreamName,
		"domain_partitions", cfg.Topology.DomainPartitions, "serialization", cfg.Serialization)
	return t, nil
}

// topicSpecs lists the topics of the topology with their retention.
func (t *Transport) topicSpecs() []connector.TopicSpec {
	r, topo := t.cfg.Retention, t.cfg.Topology
	days := func(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
	rf := uint8(topo.ReplicationFactor)
	parts := uint32(topo.DomainPartitions)

	return []connector.TopicSpec{
		{Name: TopicDomain, Partitions: parts, MessageExpiry: days(r.DomainMaxAgeDays),
			MaxSizeBytes: uint64(r.DomainMaxSizeGB) << 30, ReplicationFactor: rf},
		{Name: TopicSystem, Partitions: parts, MessageExpiry: days(r.SystemMaxAgeDays), ReplicationFactor: rf},
		{Name: TopicDLQ, Partitions: 1, MessageExpiry: days(r.DlqMaxAgeDays), ReplicationFactor: rf},
	}
}

func (t *Transport) ensureTopology(ctx context.Context) error {
	stream := t.cfg.Topology.StreamName
	if err := t.conn.EnsureStream(ctx, stream); err != nil {
		return fmt.Errorf("iggy: ensure stream %s: %w", stream, err)
	}

	for _, spec := range t.topicSpecs() {
		if err := t.conn.EnsureTopic(ctx, stream, spec); err != nil {
			return fmt.Errorf("iggy: ensure topic %s/%s: %w", stream, spec.Name, err)
		}
		if err := t.checkPartitions(ctx, stream, spec); err != nil {
			return err
		}
	}
	return nil
}

// checkPartitions warns when a topic has more partitions than configured:
// partitions are never removed, so the configured count is not what
// routing uses, and a tenant's key may map elsewhere than before the
// count changed.
func (t *Transport) checkPartitions(ctx context.Context, stream string, spec connector.TopicSpec) error {
	n, err := t.conn.Partitions(ctx, stream, spec.Name)
	if err != nil {
		return fmt.Errorf("iggy: count partitions of %s/%s: %w", stream, spec.Name, err)
	}
	if n != spec.Partitions {
		t.log.Warn("topic has more partitions than configured; routing uses the topic's count, and tenants "+
			"whose partition changed with the count may see events written before and after the change out of order",
			"stream", stream, "topic", spec.Name, "partitions", n, "configured", spec.Partitions)
	}
	return nil
}

// Config returns the configuration the transport was built with.
func (t *Transport) Config() Config { return t.cfg }

// ReliabilityLevel is events.Streaming: events live in a durable log.
func (t *Transport) ReliabilityLevel() events.ReliabilityLevel { return events.Streaming }

// IsConnected reports whether the transport is open and its connector up.
func (t *Transport) IsConnected() bool {
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	return !closed && t.conn.IsConnected()
}

// HealthStatus is the result of a health check.
type HealthStatus struct {
	// Connected is true when the broker answered.
	Connected bool
	// Latency is how long the check took.
	Latency time.Duration
	// Err is why the check failed, or nil.
	Err error
}

// Health asks the broker to answer and measures how long it took.
func (t *Transport) Health(ctx context.Context) HealthStatus {
	if err := t.check(); err != nil {
		return HealthStatus{Err: err}
	}

	start := time.Now()
	err := t.conn.Health(ctx)
	st := HealthStatus{Latency: time.Since(start), Err: err}
	st.Connected = err == nil && t.conn.IsConnected()
	if err == nil && !st.Connected {
		st.Err = connector.ErrNotConnected
	}
	return st
}

// Shutdown closes every consumer (leaving its group) and the connector.
// Calls after it fail with ErrClosed; a second Shutdown does nothing.
func (t *Transport) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	consumers := make([]*Consumer, 0, len(t.consumers))
	for c := range t.consumers {
		consumers = append(consumers, c)
	}
	t.mu.Unlock()

	var errs []error
	for _, c := range consumers {
		errs = append(errs, c.Close())
	}

	if err := t.conn.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("iggy: shutdown: %w", err))
	}
	return errors.Join(errs...)
}

func (t *Transport) check() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	return nil
}

func (t *Transport) stream() string { return t.cfg.Topology.StreamName }
