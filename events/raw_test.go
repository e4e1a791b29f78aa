package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/vmihailenco/msgpack/v5"
)

// refundJSON carries a variant this code base does not know, with nested
// data of every JSON type.
const refundJSON = `{"id":"0195a2f5-0a11-7b22-8c33-4d44e55f6609","event_type":"order.refunded","schema_version":2,` +
	`"correlation_id":"0195a2f5-0a11-7b22-8c33-4d44e55f6609","causation_id":null,` +
	`"tenant_id":"6f1c2b9a-4e57-4d3b-8a21-9c0e7d5f3b12","trace_id":null,"timestamp":"2026-02-19T10:15:31.5Z",` +
	`"actor_id":null,"event":{"type":"OrderRefunded","data":{"order_id":"c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d",` +
	`"lines":[{"sku":"a-1","qty":2},{"sku":"b\"2","qty":-1}],"ratio":0.25,"note":null,"final":true}},"retry_count":4}`

func TestRawEventJSONRoundTrip(t *testing.T) {
	env, err := JSON.Unmarshal([]byte(refundJSON))
	if err != nil {
		t.Fatal(err)
	}
	raw, ok := env.Event.(*RawEvent)
	if !ok {
		t.Fatalf("event is %T, want *RawEvent", env.Event)
	}
	if raw.Type != "OrderRefunded" || raw.EventType() != "order.refunded" || raw.SchemaVersion() != 2 ||
		raw.MessagePack != nil || !strings.HasPrefix(string(raw.Data), `{"order_id":`) {
		t.Fatalf("raw event %+v", raw)
	}
	if env.RetryCount != 4 || env.Validate() != nil {
		t.Fatalf("envelope %+v: %v", env, env.Validate())
	}

	out, err := JSON.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != refundJSON {
		t.Fatalf("re-encoded differently:\n got %s\nwant %s", out, refundJSON)
	}
}

// TestRawEventThroughMessagePack passes an unknown event from JSON to
// MessagePack and back: the data keeps its values and key order, and a
// second MessagePack encoding is byte for byte the first.
func TestRawEventThroughMessagePack(t *testing.T) {
	env, err := JSON.Unmarshal([]byte(refundJSON))
	if err != nil {
		t.Fatal(err)
	}
	mp, err := MessagePack.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	fromMP, err := MessagePack.Unmarshal(mp)
	if err != nil {
		t.Fatal(err)
	}

	raw := fromMP.Event.(*RawEvent)
	if raw.MessagePack == nil {
		t.Fatal("MessagePack form not kept")
	}
	if !bytes.Equal(raw.Data, env.Event.(*RawEvent).Data) {
		t.Errorf("JSON form after MessagePack:\n got %s\nwant %s", raw.Data, env.Event.(*RawEvent).Data)
	}

	again, err := MessagePack.Marshal(fromMP)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, mp) {
		t.Errorf("MessagePack re-encoding changed the bytes")
	}

	js, err := JSON.Marshal(fromMP)
	if err != nil {
		t.Fatal(err)
	}
	if string(js) != refundJSON {
		t.Errorf("back to JSON:\n got %s\nwant %s", js, refundJSON)
	}
}

// TestRawEventMessagePackOnlyForms covers MessagePack data with types
// JSON lacks: a 16-byte bin reads as a UUID string, other bins as byte
// arrays, and an ext value leaves no JSON form but still re-encodes.
func TestRawEventMessagePackOnlyForms(t *testing.T) {
	tests := []struct {
		name     string
		data     func(e *msgpack.Encoder) error
		wantJSON string // "" when there is no JSON form
	}{
		{"uuid bin", func(e *msgpack.Encoder) error {
			return firstError(e.EncodeMapLen(1), e.EncodeString("id"), e.EncodeBytes(id1[:]))
		}, `{"id":"` + id1.String() + `"}`},
		{"short bin", func(e *msgpack.Encoder) error {
			return firstError(e.EncodeMapLen(1), e.EncodeString("b"), e.EncodeBytes([]byte{1, 2, 255}))
		}, `{"b":[1,2,255]}`},
		{"numbers", func(e *msgpack.Encoder) error {
			return firstError(e.EncodeArrayLen(3), e.EncodeInt(-7), e.EncodeUint64(1<<63), e.EncodeFloat32(0.5))
		}, `[-7,9223372036854775808,0.5]`},
		{"ext", func(e *msgpack.Encoder) error {
			return firstError(e.EncodeMapLen(1), e.EncodeString("t"), e.EncodeExtHeader(5, 1), writeByte(e, 9))
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := unknownEnvelopeMP(t, tc.data)
			got, err := MessagePack.Unmarshal(env)
			if err != nil {
				t.Fatal(err)
			}
			raw := got.Event.(*RawEvent)
			if string(raw.Data) != tc.wantJSON {
				t.Errorf("JSON form %s, want %s", raw.Data, tc.wantJSON)
			}

			again, err := MessagePack.Marshal(got)
			if err != nil || !bytes.Equal(again, env) {
				t.Errorf("re-encoded differently (%v)", err)
			}
			if _, err := JSON.Marshal(got); (err == nil) != (tc.wantJSON != "") {
				t.Errorf("JSON marshal error %v", err)
			}
		})
	}
}

func writeByte(e *msgpack.Encoder, b byte) error {
	_, err := e.Writer().Write([]byte{b})
	return err
}

// unknownEnvelopeMP builds a MessagePack envelope of an unknown variant
// whose data the callback writes.
func unknownEnvelopeMP(t *testing.T, data func(e *msgpack.Encoder) error) []byte {
	t.Helper()
	base := fullEnvelope(&RawEvent{Type: "Future", EventTypeName: "future.happened", Version: 1})
	base.EventType = "future.happened"
	b, err := MessagePack.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}

	// The envelope without data ends with the event map {"type": "Future"}
	// and retry_count; rebuild that tail with a data member.
	tail := "\xa5event\x81\xa4type\xa6Future\xabretry_count\x03"
	if !strings.HasSuffix(string(b), tail) {
		t.Fatalf("unexpected layout %q", b)
	}
	var buf bytes.Buffer
	buf.Write(b[:len(b)-len(tail)])
	e := msgpack.NewEncoder(&buf)
	if err := firstError(e.EncodeString("event"), e.EncodeMapLen(2), e.EncodeString("type"),
		e.EncodeString("Future"), e.EncodeString("data")); err != nil {
		t.Fatal(err)
	}
	if err := data(e); err != nil {
		t.Fatal(err)
	}
	if err := firstError(e.EncodeString("retry_count"), e.EncodeUint(3)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRawEventWithoutData covers a unit variant, which serde writes as
// {"type": "Variant"} with no data member.
func TestRawEventWithoutData(t *testing.T) {
	in := strings.Replace(refundJSON, `,"data":{"order_id":"c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d",`+
		`"lines":[{"sku":"a-1","qty":2},{"sku":"b\"2","qty":-1}],"ratio":0.25,"note":null,"final":true}`, "", 1)
	if in == refundJSON {
		t.Fatal("case did not apply")
	}
	env, err := JSON.Unmarshal([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if raw := env.Event.(*RawEvent); raw.Data != nil || raw.MessagePack != nil {
		t.Fatalf("raw event has data: %+v", raw)
	}

	for _, codec := range codecs {
		b, err := codec.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		back, err := codec.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		assertEnvelopeEqual(t, back, env)
	}
	if out, _ := JSON.Marshal(env); string(out) != in {
		t.Errorf("got %s, want %s", out, in)
	}
}

// refundIssued is an application event added to a private registry; the
// default registry does not know it.
type refundIssued struct {
	RefundID uuid.UUID `json:"refund_id"`
	Amount   uint32    `json:"amount"`
	Partial  bool      `json:"partial"`
	Note     *string   `json:"note"`
	internal int
}

func (*refundIssued) EventType() string     { return "refund.issued" }
func (*refundIssued) Variant() string       { return "RefundIssued" }
func (*refundIssued) SchemaVersion() uint16 { return 1 }
func (*refundIssued) Validate() error       { return nil }

// TestOlderConsumerPassesNewerEvents decodes an application event with a
// codec that does not know it, re-encodes the raw form and decodes it
// with a codec that does: nothing is lost on the way.
func TestOlderConsumerPassesNewerEvents(t *testing.T) {
	reg := NewRegistry()
	reg.MustRegister(func() DomainEvent { return new(refundIssued) })
	for _, pair := range []struct{ newer, older Codec }{
		{NewJSONCodec(reg), JSON},
		{NewMessagePackCodec(reg), MessagePack},
	} {
		env := fullEnvelope(&refundIssued{RefundID: id1, Amount: 4000000000, Partial: true, Note: ptr("ok")})
		b, err := pair.newer.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}

		old, err := pair.older.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := old.Event.(*RawEvent); !ok {
			t.Fatalf("%s: older codec decoded %T", pair.older.Name(), old.Event)
		}
		passed, err := pair.older.Marshal(old)
		if err != nil {
			t.Fatal(err)
		}

		back, err := pair.newer.Unmarshal(passed)
		if err != nil {
			t.Fatal(err)
		}
		assertEnvelopeEqual(t, back, env)
	}
}

func TestRegisterRejects(t *testing.T) {
	tests := []struct {
		name    string
		factory func() DomainEvent
		dup     bool
	}{
		{"nil factory", nil, false},
		{"nil event", func() DomainEvent { return nil }, false},
		{"not a pointer", func() DomainEvent { return valueEvent{} }, false},
		{"unsupported field", func() DomainEvent { return new(floatEvent) }, false},
		{"untagged field", func() DomainEvent { return new(untaggedEvent) }, false},
		{"raw event", func() DomainEvent { return new(RawEvent) }, false},
		{"empty variant", func() DomainEvent { return new(anonymousEvent) }, false},
		{"variant taken", func() DomainEvent { return new(OrderPlaced) }, true},
		{"event type taken", func() DomainEvent { return new(orderPlacedAgain) }, true},
	}
	for _, tc := range tests {
		err := DefaultRegistry.Register(tc.factory)
		if err == nil {
			t.Errorf("%s: registered", tc.name)
		}
		if errors.Is(err, ErrDuplicateEvent) != tc.dup {
			t.Errorf("%s: error %v, duplicate %v", tc.name, err, tc.dup)
		}
	}
	if n := len(DefaultRegistry.Variants()); n != 40 {
		t.Errorf("default registry changed to %d variants", n)
	}
}

type valueEvent struct{}

func (valueEvent) EventType() string     { return "value.event" }
func (valueEvent) Variant() string       { return "ValueEvent" }
func (valueEvent) SchemaVersion() uint16 { return 1 }
func (valueEvent) Validate() error       { return nil }

type untaggedEvent struct{ Name string }

func (*untaggedEvent) EventType() string     { return "untagged.event" }
func (*untaggedEvent) Variant() string       { return "UntaggedEvent" }
func (*untaggedEvent) SchemaVersion() uint16 { return 1 }
func (*untaggedEvent) Validate() error       { return nil }

type anonymousEvent struct{}

func (*anonymousEvent) EventType() string     { return "anonymous.event" }
func (*anonymousEvent) Variant() string       { return "" }
func (*anonymousEvent) SchemaVersion() uint16 { return 1 }
func (*anonymousEvent) Validate() error       { return nil }

type orderPlacedAgain struct {
	OrderID uuid.UUID `json:"order_id"`
}

func (*orderPlacedAgain) EventType() string     { return "order.placed" }
func (*orderPlacedAgain) Variant() string       { return "OrderPlacedAgain" }
func (*orderPlacedAgain) SchemaVersion() uint16 { return 1 }
func (*orderPlacedAgain) Validate() error       { return nil }

func TestRegistryLookups(t *testing.T) {
	f, ok := DefaultRegistry.ByEventType("index.reindex_requested")
	if !ok || reflect.TypeOf(f()) != reflect.TypeFor[*ReindexRequested]() {
		t.Errorf("ByEventType(index.reindex_requested) found %v", ok)
	}
	if a, b := f(), f(); a == b {
		t.Error("factory returns a shared value")
	}
	if _, ok := DefaultRegistry.ByVariant("NoSuchEvent"); ok {
		t.Error("found an unknown variant")
	}
	if _, ok := DefaultRegistry.ByEventType("no.such"); ok {
		t.Error("found an unknown event type")
	}
}

// TestRawDataStaysValidJSON guards the invariant the JSON encoder relies
// on: data decoded from JSON is kept as one valid JSON value.
func TestRawDataStaysValidJSON(t *testing.T) {
	env, err := JSON.Unmarshal([]byte(refundJSON))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(env.Event.(*RawEvent).Data, &v); err != nil || v["final"] != true {
		t.Fatalf("data %s: %v", env.Event.(*RawEvent).Data, err)
	}
}
