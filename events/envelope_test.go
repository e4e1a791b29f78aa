package events

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewEnvelope(t *testing.T) {
	actor := uuid.New()
	before := time.Now().UTC()
	env := NewEnvelope(tenant, &actor, &OrderPlaced{OrderID: id1, Total: 10, Currency: "EUR"})
	after := time.Now().UTC()

	if env.ID.Version() != 7 {
		t.Errorf("id %s is version %d, want 7", env.ID, env.ID.Version())
	}
	if env.CorrelationID != env.ID {
		t.Errorf("correlation_id %s, want the id %s", env.CorrelationID, env.ID)
	}
	if env.EventType != "order.placed" || env.SchemaVersion != 1 {
		t.Errorf("event_type %q schema_version %d", env.EventType, env.SchemaVersion)
	}
	if env.TenantID != tenant || env.ActorID == nil || *env.ActorID != actor {
		t.Errorf("tenant %s actor %v", env.TenantID, env.ActorID)
	}
	if env.CausationID != nil || env.TraceID != nil || env.RetryCount != 0 {
		t.Errorf("causation %v trace %v retry %d, want none", env.CausationID, env.TraceID, env.RetryCount)
	}
	if env.Timestamp.Location() != time.UTC || env.Timestamp.Before(before) || env.Timestamp.After(after) {
		t.Errorf("timestamp %v not UTC between %v and %v", env.Timestamp, before, after)
	}
	if err := env.Validate(); err != nil {
		t.Errorf("new envelope does not validate: %v", err)
	}
}

// TestNewEnvelopeIDsAreOrdered relies on UUIDv7: ids created later sort
// later, which keeps outbox primary keys roughly in insertion order.
func TestNewEnvelopeIDsAreOrdered(t *testing.T) {
	prev := NewEnvelope(tenant, nil, &TenantCreated{TenantID: tenant}).ID
	for range 1000 {
		next := NewEnvelope(tenant, nil, &TenantCreated{TenantID: tenant}).ID
		if bytes.Compare(next[:], prev[:]) <= 0 {
			t.Fatalf("id %s does not sort after %s", next, prev)
		}
		prev = next
	}
}

func TestEnvelopeValidate(t *testing.T) {
	nilID := uuid.Nil
	tests := []struct {
		name  string
		edit  func(*Envelope)
		field string
		rule  string
	}{
		{"valid", func(*Envelope) {}, "", ""},
		{"valid with every option", func(e *Envelope) {
			e.CausationID, e.ActorID, e.TraceID = ptr(id2), ptr(id3), ptr("abc")
		}, "", ""},
		{"nil id", func(e *Envelope) { e.ID = uuid.Nil }, "id", RuleNotNilUUID},
		{"nil tenant", func(e *Envelope) { e.TenantID = uuid.Nil }, "tenant_id", RuleNotNilUUID},
		{"nil correlation", func(e *Envelope) { e.CorrelationID = uuid.Nil }, "correlation_id", RuleNotNilUUID},
		{"nil causation", func(e *Envelope) { e.CausationID = &nilID }, "causation_id", RuleOptionalUUID},
		{"nil actor", func(e *Envelope) { e.ActorID = &nilID }, "actor_id", RuleOptionalUUID},
		{"no event", func(e *Envelope) { e.Event = nil }, "event", RuleRequired},
		{"typed nil event", func(e *Envelope) { e.Event = (*OrderPlaced)(nil) }, "event", RuleRequired},
		{"event type of another event", func(e *Envelope) { e.EventType = "order.completed" },
			"event_type", RuleMatchesEvent},
		{"schema version 2", func(e *Envelope) { e.SchemaVersion = 2 }, "schema_version", RuleMatchesEvent},
		{"invalid event", func(e *Envelope) { e.Event.(*OrderPlaced).Currency = "eur" }, "currency", RuleCurrencyCode},
		{"raw event", func(e *Envelope) {
			e.Event = &RawEvent{Type: "OrderRefunded", EventTypeName: "order.placed", Version: 1, Data: []byte(`{}`)}
		}, "", ""},
		{"raw event without variant", func(e *Envelope) {
			e.Event = &RawEvent{EventTypeName: "order.placed", Version: 1}
		}, "type", RuleNotEmpty},
		{"raw event with broken data", func(e *Envelope) {
			e.Event = &RawEvent{Type: "X", EventTypeName: "order.placed", Version: 1, Data: []byte(`{`)}
		}, "data", RuleInvalidValue},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := NewEnvelope(tenant, nil, &OrderPlaced{OrderID: id1, Total: 1, Currency: "EUR"})
			tc.edit(env)
			err := env.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || ve.Rule != tc.rule {
				t.Fatalf("got %v, want %s/%s", err, tc.field, tc.rule)
			}
		})
	}
}
