package events

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

var codecs = []Codec{JSON, MessagePack}

// fullEnvelope wraps ev with every optional member set and a timestamp
// with nanoseconds.
func fullEnvelope(ev DomainEvent) *Envelope {
	env := NewEnvelope(tenant, ptr(id3), ev)
	env.CausationID = ptr(id2)
	env.TraceID = ptr("4bf92f3577b34da6a3ce929d0e0e4736")
	env.Timestamp = time.Date(2026, 2, 19, 10, 15, 31, 123456789, time.UTC)
	env.RetryCount = 3
	return env
}

func TestRoundTripEveryEvent(t *testing.T) {
	for _, codec := range codecs {
		for _, ev := range validEvents() {
			for _, env := range []*Envelope{NewEnvelope(tenant, nil, ev), fullEnvelope(ev)} {
				t.Run(codec.Name()+"/"+ev.Variant(), func(t *testing.T) {
					b, err := codec.Marshal(env)
					if err != nil {
						t.Fatal(err)
					}
					back, err := codec.Unmarshal(b)
					if err != nil {
						t.Fatalf("%v\n%q", err, b)
					}
					assertEnvelopeEqual(t, back, env)
				})
			}
		}
	}
}

// TestRoundTripOptionalFieldsAbsent clears every optional field of every
// event: they must come back nil, not zero values behind pointers.
func TestRoundTripOptionalFieldsAbsent(t *testing.T) {
	for _, codec := range codecs {
		for _, ev := range validEvents() {
			v := reflect.ValueOf(ev).Elem()
			for i := range v.NumField() {
				if v.Field(i).Kind() == reflect.Pointer {
					v.Field(i).SetZero()
				}
			}
			env := NewEnvelope(tenant, nil, ev)
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
	}
}

// TestMessagePackLayout reads our MessagePack with the generic decoder and
// checks the shape rmp-serde's named form has: a map with the JSON member
// names in order, UUIDs as 16-byte bin, nil for None, the timestamp as an
// RFC 3339 string and the event data as a map in field order.
func TestMessagePackLayout(t *testing.T) {
	env := fullEnvelope(&OrderPlaced{OrderID: id1, Total: 125990, Currency: "EUR"})
	b, err := MessagePack.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}

	d := msgpack.NewDecoder(bytes.NewReader(b))
	keys, values := decodeOrderedMap(t, d)
	if !reflect.DeepEqual(keys, memberNames[:]) {
		t.Fatalf("members %v, want %v", keys, memberNames)
	}
	if id, ok := values[0].([]byte); !ok || !bytes.Equal(id, env.ID[:]) {
		t.Errorf("id is %T %v, want 16-byte bin", values[0], values[0])
	}
	if values[memberTimestamp] != "2026-02-19T10:15:31.123456789Z" {
		t.Errorf("timestamp is %v", values[memberTimestamp])
	}

	event := msgpack.NewDecoder(bytes.NewReader(values[memberEvent].(msgpack.RawMessage)))
	evKeys, evValues := decodeOrderedMap(t, event)
	if !reflect.DeepEqual(evKeys, []string{"type", "data"}) || evValues[0] != "OrderPlaced" {
		t.Fatalf("event members %v %v", evKeys, evValues)
	}
	data := msgpack.NewDecoder(bytes.NewReader(evValues[1].(msgpack.RawMessage)))
	dataKeys, dataValues := decodeOrderedMap(t, data)
	if !reflect.DeepEqual(dataKeys, []string{"order_id", "customer_id", "total", "currency"}) {
		t.Errorf("data fields %v", dataKeys)
	}
	if dataValues[1] != nil || dataValues[3] != "EUR" {
		t.Errorf("data values %v", dataValues)
	}
}

// decodeOrderedMap reads a map keeping key order; map values are returned
// raw so the caller can descend into them.
func decodeOrderedMap(t *testing.T, d *msgpack.Decoder) ([]string, []any) {
	t.Helper()
	n, err := d.DecodeMapLen()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var values []any
	for range n {
		k, err := d.DecodeString()
		if err != nil {
			t.Fatal(err)
		}
		code, _ := d.PeekCode()
		var v any
		if code >= 0x80 && code <= 0x8f {
			v, err = d.DecodeRaw()
		} else {
			v, err = d.DecodeInterface()
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		values = append(values, v)
	}
	return keys, values
}

// TestMessagePackReadsOtherIntegerWidths builds an envelope the way a
// different encoder might (integers in wider formats than needed, UUIDs
// as strings, members in another order) and expects the same values.
func TestMessagePackReadsOtherIntegerWidths(t *testing.T) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.EncodeMapLen(11))
	must(e.EncodeString("retry_count"))
	must(e.EncodeUint32(7))
	must(e.EncodeString("id"))
	must(e.EncodeString(id1.String()))
	must(e.EncodeString("event_type"))
	must(e.EncodeString("inventory.updated"))
	must(e.EncodeString("schema_version"))
	must(e.EncodeUint64(1))
	must(e.EncodeString("correlation_id"))
	must(e.EncodeBytes(id1[:]))
	must(e.EncodeString("causation_id"))
	must(e.EncodeNil())
	must(e.EncodeString("tenant_id"))
	must(e.EncodeBytes(tenant[:]))
	must(e.EncodeString("trace_id"))
	must(e.EncodeNil())
	must(e.EncodeString("timestamp"))
	must(e.EncodeString("2026-02-19T12:15:31.500+02:00"))
	must(e.EncodeString("actor_id"))
	must(e.EncodeNil())
	must(e.EncodeString("event"))
	must(e.EncodeMapLen(2))
	must(e.EncodeString("data"))
	must(e.EncodeMapLen(5))
	for _, f := range []struct {
		name string
		id   []byte
	}{{"variant_id", id1[:]}, {"product_id", id2[:]}, {"location_id", id3[:]}} {
		must(e.EncodeString(f.name))
		must(e.EncodeBytes(f.id))
	}
	must(e.EncodeString("old_quantity"))
	must(e.EncodeInt64(12))
	must(e.EncodeString("new_quantity"))
	must(e.EncodeInt16(11))
	must(e.EncodeString("type"))
	must(e.EncodeString("InventoryUpdated"))

	env, err := MessagePack.Unmarshal(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := &Envelope{
		ID: id1, EventType: "inventory.updated", SchemaVersion: 1, CorrelationID: id1, TenantID: tenant,
		Timestamp:  time.Date(2026, 2, 19, 10, 15, 31, 500000000, time.UTC),
		Event:      &InventoryUpdated{VariantID: id1, ProductID: id2, LocationID: id3, OldQuantity: 12, NewQuantity: 11},
		RetryCount: 7,
	}
	assertEnvelopeEqual(t, env, want)
}

// TestCrossCodec decodes the golden JSON, re-encodes it in MessagePack and
// back to JSON: the values survive both hops.
func TestCrossCodec(t *testing.T) {
	for _, tc := range goldenEnvelopes {
		env, err := JSON.Unmarshal(readGolden(t, tc.file))
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
		js, err := JSON.Marshal(fromMP)
		if err != nil {
			t.Fatal(err)
		}
		back, err := JSON.Unmarshal(js)
		if err != nil {
			t.Fatal(err)
		}
		assertEnvelopeEqual(t, back, tc.want)
	}
}

func TestCodecByName(t *testing.T) {
	tests := []struct {
		name, contentType string
		want              Codec
	}{
		{"json", "application/json; charset=utf-8", JSON},
		{"messagepack", "Application/MsgPack", MessagePack},
	}
	for _, tc := range tests {
		if got, err := CodecByName(tc.name); err != nil || got != tc.want || got.Name() != tc.name {
			t.Errorf("CodecByName(%q) = %v, %v", tc.name, got, err)
		}
		if got, err := CodecByContentType(tc.contentType); err != nil || got != tc.want {
			t.Errorf("CodecByContentType(%q) = %v, %v", tc.contentType, got, err)
		}
	}

	for _, bad := range []string{"", "JSON", "msgpack", "protobuf"} {
		if _, err := CodecByName(bad); !errors.Is(err, ErrUnknownCodec) {
			t.Errorf("CodecByName(%q) error %v, want ErrUnknownCodec", bad, err)
		}
	}
	if _, err := CodecByContentType("text/plain"); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("CodecByContentType(text/plain) error %v", err)
	}
}

func TestMarshalRejects(t *testing.T) {
	tests := []struct {
		name string
		env  *Envelope
	}{
		{"nil envelope", nil},
		{"no event", &Envelope{ID: id1}},
		{"year 10000", &Envelope{ID: id1, Timestamp: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
			Event: &TenantCreated{TenantID: id1}}},
		{"raw event with broken JSON data", &Envelope{ID: id1, Event: &RawEvent{Type: "X", Data: []byte(`{"a":`)}}},
		{"raw event with broken MessagePack data",
			&Envelope{ID: id1, Event: &RawEvent{Type: "X", MessagePack: []byte{0x82}}}},
		{"unsupported struct", &Envelope{ID: id1, Event: &floatEvent{}}},
	}
	for _, codec := range codecs {
		for _, tc := range tests {
			if b, err := codec.Marshal(tc.env); err == nil {
				t.Errorf("%s: %s: encoded %q", codec.Name(), tc.name, b)
			}
		}
	}
}

// floatEvent has a field type the codecs do not carry.
type floatEvent struct {
	Ratio float64 `json:"ratio"`
}

func (*floatEvent) EventType() string     { return "test.float" }
func (*floatEvent) Variant() string       { return "FloatEvent" }
func (*floatEvent) SchemaVersion() uint16 { return 1 }
func (*floatEvent) Validate() error       { return nil }
