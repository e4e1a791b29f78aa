package events

import (
	"context"

	"github.com/google/uuid"
)

// ReliabilityLevel says what a Transport promises about delivery.
type ReliabilityLevel int

const (
	// InMemory delivers within the process and loses events on a crash.
	InMemory ReliabilityLevel = iota
	// Outbox persists events in the caller's database before delivery.
	Outbox
	// Streaming persists events in a durable log such as an Iggy stream.
	Streaming
)

// Transport publishes envelopes to whatever carries them to consumers.
type Transport interface {
	// Publish sends one envelope.
	Publish(ctx context.Context, env *Envelope) error
	// PublishBatch sends envelopes in order; on error none, some or all of
	// them may have been sent, and the caller retries the whole batch.
	PublishBatch(ctx context.Context, envs []*Envelope) error
	// Acknowledge records that the event was handled.
	Acknowledge(ctx context.Context, eventID uuid.UUID) error
	// ReliabilityLevel tells what the transport promises.
	ReliabilityLevel() ReliabilityLevel
}
