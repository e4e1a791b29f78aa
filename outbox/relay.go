package outbox

import (
	"io"
	"log/slog"
	"time"

	"github.com/iggyflow/iggyflow/events"
)

// Relay moves committed outbox rows to a transport: it claims a batch
// under a lease, publishes it in Seq order and marks it dispatched, or
// records a failed attempt with backoff, parking a row as failed after
// MaxAttempts. Several relays may share one store; leases and fencing
// tokens keep them from stepping on each other, and the store's claim
// rule keeps each tenant's events in order across them.
//
// Run drives the rounds; a Relay must not run Run or RunOnce from two
// goroutines at once. Metrics may be read at any time.
type Relay struct {
	store     Store
	transport events.Transport
	cfg       RelayConfig
	cfgErr    error

	codec  Codec
	logger *slog.Logger
	now    func() time.Time
	hook   MetricsHook
	bus    *Bus
	wake   <-chan struct{}

	metrics relayMetrics
}

// RelayOption configures NewRelay.
type RelayOption func(*Relay)

// WithBus makes Run wake up when bus inserts an event, instead of waiting
// for the next poll. Default: no bus, polling only (plus the store's own
// notifications if it implements Notifier).
func WithBus(bus *Bus) RelayOption {
	return func(r *Relay) { r.bus = bus }
}

// WithWakeUp makes Run wake up when ch receives, like a Bus signal. It
// serves stores or applications with their own notion of new rows.
func WithWakeUp(ch <-chan struct{}) RelayOption {
	return func(r *Relay) { r.wake = ch }
}

// WithRelayCodec sets the codec for payloads. Default events.JSON.
func WithRelayCodec(c Codec) RelayOption {
	return func(r *Relay) {
		if c != nil {
			r.codec = c
		}
	}
}

// WithRelayLogger sets the logger. Default: discard everything.
func WithRelayLogger(l *slog.Logger) RelayOption {
	return func(r *Relay) {
		if l != nil {
			r.logger = l
		}
	}
}

// WithMetricsHook attaches a hook that sees every round. Default none.
func WithMetricsHook(h MetricsHook) RelayOption {
	return func(r *Relay) { r.hook = h }
}

// WithRelayClock sets the clock for retry times and latencies. Default
// time.Now.
func WithRelayClock(now func() time.Time) RelayOption {
	return func(r *Relay) {
		if now != nil {
			r.now = now
		}
	}
}

// NewRelay returns a relay from store to transport. Zero fields of cfg
// take their defaults (see Defaults); if the result does not validate,
// Run and RunOnce return the validation error.
func NewRelay(store Store, transport events.Transport, cfg RelayConfig, opts ...RelayOption) *Relay {
	cfg = cfg.withDefaults()
	r := &Relay{
		store:     store,
		transport: transport,
		cfg:       cfg,
		cfgErr:    cfg.Validate(),
		codec:     events.JSON,
		logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		now:       time.Now,
	}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// Config returns the relay's configuration with defaults filled in.
func (r *Relay) Config() RelayConfig { return r.cfg }

// Metrics returns the relay's counters and recent latency.
func (r *Relay) Metrics() MetricsSnapshot { return r.metrics.snapshot() }
