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
//
// # MessagePack form
//
// The MessagePack form is what rmp-serde's named serializer writes for the
// same Rust types: a map with the same keys in the same order. serde's Uuid
// is not human-readable there, so UUIDs are 16-byte bins; the timestamp
// stays its RFC 3339 string; None is nil; integers take the smallest
// encoding.
//
//	map(11)
//	  "id"             bin(16)
//	  "event_type"     str
//	  "schema_version" uint
//	  "correlation_id" bin(16)
//	  "causation_id"   bin(16) | nil
//	  "tenant_id"      bin(16)
//	  "trace_id"       str | nil
//	  "timestamp"      str (RFC 3339, UTC, Z)
//	  "actor_id"       bin(16) | nil
//	  "event"          map(2) {"type": str, "data": map(fields in order)}
//	  "retry_count"    uint
//
// Readers of both forms accept members in any order, skip members they do
// not know (as serde does) and reject repeated members, null or nil where
// Rust has no Option, and integers that do not fit the Rust type. The
// MessagePack reader also takes a UUID written as a string. Neither reader
// takes rmp-serde's compact form, which writes structs as arrays.
//
// # Events
//
// DefaultRegistry holds RusToK's 40 events (catalogue_*.go). Decoded
// events are pointers, such as *OrderPlaced. An event whose variant the
// registry does not know decodes to a *RawEvent that keeps its data and
// re-encodes unchanged.
package events

import (
	"time"

	"github.com/google/uuid"
)

// DomainEvent is one typed domain event: the "event" member of an envelope.
//
// The codecs write an event's exported fields in declaration order under
// their json tag names. A field is a uuid.UUID, a string, a bool, a signed
// or unsigned integer, or a pointer to one of those for a Rust Option
// (nil is written as null). The catalogue events implement DomainEvent on
// pointer receivers, so the one form of an event is a pointer.
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
	// ID identifies the event; NewEnvelope makes a UUIDv7. Consumers drop
	// duplicates by it.
	ID uuid.UUID
	// EventType is the event's routing name, equal to Event.EventType().
	EventType string
	// SchemaVersion is the event's data layout version, equal to
	// Event.SchemaVersion().
	SchemaVersion uint16
	// CorrelationID groups the events of one business flow; it defaults to ID.
	CorrelationID uuid.UUID
	// CausationID is the id of the event that caused this one, if any.
	CausationID *uuid.UUID
	// TenantID is the tenant the event belongs to; it picks the partition.
	TenantID uuid.UUID
	// TraceID is the distributed trace the event was created in, if any.
	TraceID *string
	// Timestamp is the moment the event was created, in UTC.
	Timestamp time.Time
	// ActorID is the user who caused the event, nil for the system.
	ActorID *uuid.UUID
	// Event is the domain event itself.
	Event DomainEvent
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
