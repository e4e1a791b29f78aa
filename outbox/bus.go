package outbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
)

// Bus writes events into the outbox inside the caller's transaction. It
// never publishes: a Relay does that after the transaction commits. A Bus
// is safe for concurrent use.
//
// After every insert the Bus signals its subscribers (relays created with
// WithBus). The row becomes visible only when the caller commits, which
// the Bus cannot observe, so a relay that gets a signal re-checks the
// store on a short rising schedule until it sees new rows. A SQLite commit
// hook was considered instead and rejected: SQLite calls it before the
// commit is durable and visible to other connections (the hook can still
// turn the commit into a rollback), it is bound to one connection of the
// pool, and it would tie the Bus to one store.
type Bus struct {
	store   Store
	codec   Codec
	logger  *slog.Logger
	maxSize int

	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// BusOption configures NewBus.
type BusOption func(*Bus)

// WithBusCodec sets the codec for payloads. Default events.JSON.
func WithBusCodec(c Codec) BusOption {
	return func(b *Bus) {
		if c != nil {
			b.codec = c
		}
	}
}

// DefaultMaxEventSize is the largest encoded envelope PublishInTx accepts
// unless WithMaxEventSize says otherwise: 1 MiB. Events describe what
// happened; documents and blobs belong in tables the event points to.
const DefaultMaxEventSize = 1 << 20

// ErrEventTooLarge is returned (wrapped) by PublishInTx for an envelope
// whose encoding is over the bus's size limit. Such an event is refused in
// the producer's transaction rather than left for the relay to fail on:
// the broker caps message payloads too (Iggy at 64,000,000 bytes, its Go
// SDK at 10,000,000).
var ErrEventTooLarge = errors.New("outbox: event too large")

// WithMaxEventSize sets the largest encoded envelope, in bytes, that
// PublishInTx accepts. Default DefaultMaxEventSize; n <= 0 keeps it.
func WithMaxEventSize(n int) BusOption {
	return func(b *Bus) {
		if n > 0 {
			b.maxSize = n
		}
	}
}

// WithBusLogger sets the logger. Default: discard everything.
func WithBusLogger(l *slog.Logger) BusOption {
	return func(b *Bus) {
		if l != nil {
			b.logger = l
		}
	}
}

// NewBus returns a Bus writing into store.
func NewBus(store Store, opts ...BusOption) *Bus {
	b := &Bus{
		store:   store,
		codec:   events.JSON,
		logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		maxSize: DefaultMaxEventSize,
		subs:    map[chan struct{}]struct{}{},
	}
	for _, opt := range opts {
		opt(b)
	}
	return b
}

// PublishInTx builds the envelope of event for tenantID (actorID may be
// nil), validates it, encodes it and inserts it into the outbox in tx. It
// returns the new event id. An invalid envelope or event writes nothing
// and returns the *events.ValidationError wrapped, naming the field; a
// nil tx returns ErrNilTx wrapped. The caller commits or rolls back tx;
// the event is delivered only if it commits.
func (b *Bus) PublishInTx(ctx context.Context, tx Tx, tenantID uuid.UUID, actorID *uuid.UUID,
	event events.DomainEvent, opts ...PublishOption) (uuid.UUID, error) {
	if isNil(tx) {
		return uuid.Nil, fmt.Errorf("outbox: publish in tx: %w", ErrNilTx)
	}
	if event == nil {
		return uuid.Nil, errors.New("outbox: publish in tx: nil event")
	}

	env := events.NewEnvelope(tenantID, actorID, event)
	for _, opt := range opts {
		opt(env)
	}
	if err := env.Validate(); err != nil {
		return uuid.Nil, fmt.Errorf("outbox: publish %s: %w", event.EventType(), err)
	}

	payload, err := b.codec.Marshal(env)
	if err != nil {
		return uuid.Nil, fmt.Errorf("outbox: publish %s %s: encode: %w", env.EventType, env.ID, err)
	}
	if len(payload) > b.maxSize {
		return uuid.Nil, fmt.Errorf("outbox: publish %s %s: envelope encodes to %d bytes, over the %d-byte limit: %w",
			env.EventType, env.ID, len(payload), b.maxSize, ErrEventTooLarge)
	}
	rec := Record{
		ID:            env.ID,
		TenantID:      env.TenantID,
		EventType:     env.EventType,
		SchemaVersion: env.SchemaVersion,
		Payload:       payload,
		Status:        StatusPending,
	}
	if err := b.store.Insert(ctx, tx, rec); err != nil {
		return uuid.Nil, fmt.Errorf("outbox: publish %s %s: %w", env.EventType, env.ID, err)
	}

	b.signal()
	return env.ID, nil
}

// Subscribe returns a channel that receives a value after inserts. Signals
// coalesce: the channel holds at most one. Call Unsubscribe when done.
func (b *Bus) Subscribe() <-chan struct{} {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch
}

// Unsubscribe stops signals to a channel returned by Subscribe.
func (b *Bus) Unsubscribe(ch <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.subs {
		if c == ch {
			delete(b.subs, c)
		}
	}
}

// signal wakes every subscriber without blocking.
func (b *Bus) signal() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
