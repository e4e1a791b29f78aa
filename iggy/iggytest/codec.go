package iggytest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
)

// testCodecs publishes with each serialization and reads everything back
// with a transport configured for the other one: the content_type header
// picks the codec.
func testCodecs(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tenant, actor := uuid.New(), uuid.New()
	trace := "trace-1"
	var sent []*events.Envelope

	for _, ser := range []string{"json", "messagepack"} {
		e.cfg.Serialization = ser
		tr, _ := e.open()
		env := events.NewEnvelope(tenant, &actor, &events.InventoryUpdated{
			VariantID: uuid.New(), ProductID: uuid.New(), LocationID: uuid.New(), OldQuantity: 3, NewQuantity: 9,
		})
		env.TraceID = &trace
		publishAll(t, tr, env)
		sent = append(sent, env)
		if err := tr.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	want := map[string]string{"json": events.ContentTypeJSON, "messagepack": events.ContentTypeMessagePack}
	for _, ser := range []string{"messagepack", "json"} {
		e.cfg.Serialization = ser
		tr, _ := e.open()
		if tr.Config().Serialization != ser {
			t.Fatalf("Config().Serialization = %q", tr.Config().Serialization)
		}

		got := receive(t, subscribe(t, tr, "codec-"+ser), 2)
		for i, d := range got {
			sameEnvelope(t, d.Envelope, sent[i])
			if ct := d.Headers["content_type"]; ct != want[[]string{"json", "messagepack"}[i]] {
				t.Errorf("message %d content_type %q", i, ct)
			}
		}
		if err := tr.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func sameEnvelope(t *testing.T, got, want *events.Envelope) {
	t.Helper()
	if got.ID != want.ID || got.EventType != want.EventType || got.SchemaVersion != want.SchemaVersion ||
		got.CorrelationID != want.CorrelationID || got.TenantID != want.TenantID ||
		!got.Timestamp.Equal(want.Timestamp) || got.RetryCount != want.RetryCount ||
		!reflect.DeepEqual(got.ActorID, want.ActorID) || !reflect.DeepEqual(got.TraceID, want.TraceID) ||
		!reflect.DeepEqual(got.CausationID, want.CausationID) || !reflect.DeepEqual(got.Event, want.Event) {
		t.Errorf("envelope differs:\n got  %+v %+v\n want %+v %+v", got, got.Event, want, want.Event)
	}
}

func testHealthAndShutdown(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, _ := e.open()
	if !tr.IsConnected() {
		t.Fatal("not connected after NewTransport")
	}
	if tr.ReliabilityLevel() != events.Streaming {
		t.Errorf("ReliabilityLevel = %v", tr.ReliabilityLevel())
	}

	h := tr.Health(ctxFor(t))
	if !h.Connected || h.Err != nil || h.Latency <= 0 || h.Latency > 5*time.Second {
		t.Fatalf("Health = %+v", h)
	}

	c := subscribe(t, tr, "shutdown")
	waiting := make(chan error, 1)
	go func() { _, err := c.Receive(context.Background()); waiting <- err }()

	if err := tr.Shutdown(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waiting:
		if err == nil {
			t.Error("Receive returned a delivery after Shutdown")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Receive still blocked 5s after Shutdown")
	}

	if tr.IsConnected() {
		t.Error("connected after Shutdown")
	}
	if h := tr.Health(ctxFor(t)); h.Connected || h.Err == nil {
		t.Errorf("Health after Shutdown = %+v", h)
	}
	if err := tr.Publish(ctxFor(t), order(uuid.New(), 0)); err == nil {
		t.Error("Publish after Shutdown succeeded")
	}
	if _, err := tr.SubscribeAsGroup(ctxFor(t), "late"); err == nil {
		t.Error("SubscribeAsGroup after Shutdown succeeded")
	}
	if err := tr.Shutdown(ctxFor(t)); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}
