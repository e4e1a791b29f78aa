package outbox

import (
	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
)

// PublishOption sets an envelope field in PublishInTx.
type PublishOption func(*events.Envelope)

// WithCorrelationID groups the event with others of one business flow.
// Default: the event's own id.
func WithCorrelationID(id uuid.UUID) PublishOption {
	return func(e *events.Envelope) { e.CorrelationID = id }
}

// WithCausationID names the event that caused this one. Default: none.
func WithCausationID(id uuid.UUID) PublishOption {
	return func(e *events.Envelope) { e.CausationID = &id }
}

// WithTraceID attaches a distributed-tracing id. Default: none.
func WithTraceID(traceID string) PublishOption {
	return func(e *events.Envelope) { e.TraceID = &traceID }
}
