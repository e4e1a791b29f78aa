package events

import (
	"fmt"
	"reflect"
)

// Validate checks the envelope and then its event, and returns the first
// rule broken as a *ValidationError (wrapped with the event's variant
// when the event itself is at fault). The envelope needs a non-nil id,
// correlation_id and tenant_id, an event, an event_type and
// schema_version equal to the event's, and no nil UUID in causation_id or
// actor_id when they are set.
func (e *Envelope) Validate() error {
	if err := e.validateHeader(); err != nil {
		return err
	}
	if err := e.Event.Validate(); err != nil {
		return fmt.Errorf("events: envelope %s: event %s: %w", e.ID, e.Event.Variant(), err)
	}
	return nil
}

func (e *Envelope) validateHeader() error {
	err := firstError(
		notNilUUID("id", e.ID),
		notNilUUID("correlation_id", e.CorrelationID),
		optionalUUID("causation_id", e.CausationID),
		notNilUUID("tenant_id", e.TenantID),
		optionalUUID("actor_id", e.ActorID),
	)
	if err != nil {
		return err
	}

	if isNilEvent(e.Event) {
		return &ValidationError{"event", RuleRequired, "Missing required field 'event'"}
	}
	ev := e.Event
	if e.EventType != ev.EventType() {
		why := fmt.Sprintf("%q does not match event %s (%q)", e.EventType, ev.Variant(), ev.EventType())
		return &ValidationError{"event_type", RuleMatchesEvent, invalidValueMessage("event_type", why)}
	}
	if v := ev.SchemaVersion(); e.SchemaVersion != v {
		why := fmt.Sprintf("%d does not match event %s (%d)", e.SchemaVersion, ev.Variant(), v)
		msg := invalidValueMessage("schema_version", why)
		return &ValidationError{"schema_version", RuleMatchesEvent, msg}
	}
	return nil
}

// isNilEvent reports a missing event, including a typed nil pointer such
// as (*OrderPlaced)(nil).
func isNilEvent(ev DomainEvent) bool {
	if ev == nil {
		return true
	}
	v := reflect.ValueOf(ev)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
