// Package events defines the event envelope that iggyflow carries from a
// database transaction to consumers, the typed domain events inside it, the
// codecs that put envelopes on the wire, and the Transport interface.
//
// The JSON form of an envelope is the one RusToK writes with serde_json:
//
//	{"id": UUID, "event_type": "node.created", "schema_version": 1,
//	 "correlation_id": UUID, "causation_id": UUID|null, "tenant_id": UUID,
//	 "trace_id": string|null, "timestamp": RFC 3339 UTC,
//	 "actor_id": UUID|null,
//	 "event": {"type": "NodeCreated", "data": {...}},
//	 "retry_count": u32}
//
// Optional fields are written as null, never omitted.
package events

import (
	"time"

	"github.com/google/uuid"
)

// DomainEvent is one typed domain event: the "event" member of an envelope.
type DomainEvent interface {
	// EventType is the dotted lowercase routing name, such as "node.created".
	EventType() string
	// Variant is the PascalCase tag written as event.type, such as "NodeCreated".
	Variant() string
	// SchemaVersion is the version of the event's data layout.
	SchemaVersion() uint16
	// Validate reports the first rule the event breaks as a *ValidationError.
	Validate() error
}

// Envelope wraps a domain event with the metadata every consumer needs.
type Envelope struct {
	ID            uuid.UUID
	EventType     string
	SchemaVersion uint16
	// CorrelationID groups the events of one business flow; it defaults to ID.
	CorrelationID uuid.UUID
	// CausationID is the id of the event that caused this one, if any.
	CausationID *uuid.UUID
	TenantID    uuid.UUID
	TraceID     *string
	// Timestamp is the moment the event was created, in UTC.
	Timestamp time.Time
	ActorID   *uuid.UUID
	Event     DomainEvent
	// RetryCount is how many delivery attempts came before this one.
	RetryCount uint32
}

// NewEnvelope wraps event for tenantID, acting on behalf of actorID (nil
// for the system). It fills what RusToK's EventEnvelope::new fills: a new
// UUIDv7 id (time-ordered), event_type and schema_version from the event,
// correlation_id equal to the id, the current UTC time, no causation, no
// trace and retry_count 0. Set CausationID, CorrelationID and TraceID
// afterwards when the event continues a flow.
func NewEnvelope(tenantID uuid.UUID, actorID *uuid.UUID, event DomainEvent) *Envelope {
	id := uuid.Must(uuid.NewV7())
	env := &Envelope{
		ID:            id,
		CorrelationID: id,
		TenantID:      tenantID,
		Timestamp:     time.Now().UTC(),
		ActorID:       actorID,
		Event:         event,
	}
	if event != nil {
		env.EventType = event.EventType()
		env.SchemaVersion = event.SchemaVersion()
	}
	return env
}
