package outboxtest

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
)

// Sink is a transport for relay tests: an events.MemoryTransport that
// counts PublishBatch calls and adds a dead-letter queue recording what it
// is given. Failures are injected through the memory transport (FailNext,
// SetHook, or FailWhen here).
type Sink struct {
	*events.MemoryTransport

	mu    sync.Mutex
	calls int
	dlq   []DeadLetter
}

// DeadLetter is one envelope handed to Sink.MoveToDLQ.
type DeadLetter struct {
	Envelope *events.Envelope
	Reason   string
}

// NewSink returns a Sink over a new MemoryTransport.
func NewSink() *Sink {
	return &Sink{MemoryTransport: events.NewMemoryTransport()}
}

// FailWhen makes every envelope for which fn returns an error fail to
// publish; as with any MemoryTransport batch, the envelopes before it in
// the batch are published. nil heals the sink.
func (s *Sink) FailWhen(fn func(*events.Envelope) error) {
	s.SetHook(fn)
}

// PublishBatch counts the call and publishes through the memory transport.
func (s *Sink) PublishBatch(ctx context.Context, envs []*events.Envelope) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return s.MemoryTransport.PublishBatch(ctx, envs)
}

// Calls reports how many times PublishBatch was called.
func (s *Sink) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// MoveToDLQ records the envelope and reason.
func (s *Sink) MoveToDLQ(_ context.Context, env *events.Envelope, reason string) error {
	s.mu.Lock()
	s.dlq = append(s.dlq, DeadLetter{Envelope: env, Reason: reason})
	s.mu.Unlock()
	return nil
}

// DeadLetters returns what MoveToDLQ received, in order.
func (s *Sink) DeadLetters() []DeadLetter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]DeadLetter(nil), s.dlq...)
}

// IDs returns the ids of the published envelopes, in publish order.
func (s *Sink) IDs() []uuid.UUID {
	var ids []uuid.UUID
	for _, env := range s.Published() {
		ids = append(ids, env.ID)
	}
	return ids
}
