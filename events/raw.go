package events

import (
	"encoding/json"
	"fmt"
)

// RawEvent stands for an event whose variant the decoding registry does
// not know, such as one added by a newer producer. Decoding keeps its data
// as it came, so the envelope re-encodes unchanged and a consumer can pass
// on events newer than its code.
//
// Data holds the JSON form of the event's data. MessagePack holds its
// MessagePack form when the envelope was decoded from MessagePack. Each
// codec writes its own form verbatim when it is set and converts the other
// one otherwise: a 16-byte bin becomes a UUID string and other bins arrays
// of byte values; JSON strings stay strings; MessagePack ext values have
// no JSON form, so such an event cannot be written as JSON. Both nil means
// the variant carried no data member, as a Rust unit variant does.
type RawEvent struct {
	// Type is the event.type tag (the variant), such as "OrderRefunded".
	Type string
	// EventTypeName is the envelope's event_type, such as "order.refunded".
	EventTypeName string
	// Version is the envelope's schema_version.
	Version uint16
	// Data is the JSON form of event.data, or nil.
	Data json.RawMessage
	// MessagePack is the MessagePack form of event.data, or nil.
	MessagePack []byte
}

// EventType returns the envelope's event_type the event arrived with.
func (r *RawEvent) EventType() string { return r.EventTypeName }

// Variant returns the event.type tag.
func (r *RawEvent) Variant() string { return r.Type }

// SchemaVersion returns the envelope's schema_version the event arrived
// with.
func (r *RawEvent) SchemaVersion() uint16 { return r.Version }

// Validate checks that the event has a variant tag and an event type. The
// rules of an unknown variant are unknown, so nothing else is checked.
func (r *RawEvent) Validate() error {
	if r.Type == "" {
		return &ValidationError{"type", RuleNotEmpty, "Field 'type' cannot be empty"}
	}
	if r.EventTypeName == "" {
		return &ValidationError{"event_type", RuleNotEmpty, "Field 'event_type' cannot be empty"}
	}
	if r.Data != nil && !json.Valid(r.Data) {
		return &ValidationError{"data", RuleInvalidValue, invalidValueMessage("data", "not valid JSON")}
	}
	return nil
}

// String describes the event for logs.
func (r *RawEvent) String() string {
	return fmt.Sprintf("RawEvent{%s %s v%d}", r.Type, r.EventTypeName, r.Version)
}
