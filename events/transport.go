package events

import (
	"context"
	"fmt"

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
	// PublishBatch sends envelopes in order. On error none, some or all of
	// them may have been sent and the caller retries the whole batch,
	// unless the error is a *BatchError saying how many were sent.
	PublishBatch(ctx context.Context, envs []*Envelope) error
	// Acknowledge records that the event was handled.
	Acknowledge(ctx context.Context, eventID uuid.UUID) error
	// ReliabilityLevel tells what the transport promises.
	ReliabilityLevel() ReliabilityLevel
}

// BatchError is returned by a PublishBatch that published the first
// Published envelopes of the batch, in order, and then failed on the next
// one without sending any after it. A caller can record the published
// prefix as done and retry only from the failed envelope on. A transport
// that cannot tell how far it got returns a plain error instead.
type BatchError struct {
	Published int
	Err       error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("published %d envelopes of the batch, then: %v", e.Published, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }
