package events

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/vmihailenco/msgpack/v5"
)

// msgpackCodec is the MessagePack codec over one registry.
type msgpackCodec struct {
	reg *Registry
}

// NewMessagePackCodec returns a MessagePack codec that decodes the
// variants known to reg; other variants decode to *RawEvent.
func NewMessagePackCodec(reg *Registry) Codec {
	return msgpackCodec{reg: reg}
}

// Name returns "messagepack".
func (msgpackCodec) Name() string { return "messagepack" }

// ContentType returns "application/msgpack".
func (msgpackCodec) ContentType() string { return ContentTypeMessagePack }

// mpWriter collects encoder errors so the steps of Marshal read as a
// list. Writes go straight to buf: bytes.Buffer is an io.ByteWriter, so
// the encoder adds no buffering and raw bytes may be appended between
// its calls.
type mpWriter struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
	err error
}

func (w *mpWriter) do(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *mpWriter) key(k string)      { w.do(w.enc.EncodeString(k)) }
func (w *mpWriter) uuid(id uuid.UUID) { w.do(w.enc.EncodeBytes(id[:])) }

// str writes s; bytes that are not UTF-8 become U+FFFD, as in JSON.
func (w *mpWriter) str(s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	w.do(w.enc.EncodeString(s))
}

func (w *mpWriter) optionalUUID(id *uuid.UUID) {
	if id == nil {
		w.do(w.enc.EncodeNil())
		return
	}
	w.uuid(*id)
}

func (w *mpWriter) optionalStr(s *string) {
	if s == nil {
		w.do(w.enc.EncodeNil())
		return
	}
	w.str(*s)
}

// Marshal writes the envelope as a map with the JSON member names in the
// same order, as rmp-serde's named form writes RusToK's structs: UUIDs as
// 16-byte bin, the timestamp as its RFC 3339 string, the event as a map
// {"type": variant, "data": {fields}}.
func (c msgpackCodec) Marshal(env *Envelope) ([]byte, error) {
	if env == nil {
		return nil, errors.New("events: messagepack: marshal nil envelope")
	}
	ts, err := appendTimestamp(nil, env.Timestamp)
	if err != nil {
		return nil, fmt.Errorf("events: messagepack: marshal envelope %s: %w", env.ID, err)
	}

	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	w := &mpWriter{enc: enc}
	w.buf.Grow(256)
	enc.Reset(&w.buf)

	w.do(enc.EncodeMapLen(memberCount))
	w.key("id")
	w.uuid(env.ID)
	w.key("event_type")
	w.str(env.EventType)
	w.key("schema_version")
	w.do(enc.EncodeUint(uint64(env.SchemaVersion)))
	w.key("correlation_id")
	w.uuid(env.CorrelationID)
	w.key("causation_id")
	w.optionalUUID(env.CausationID)
	w.key("tenant_id")
	w.uuid(env.TenantID)
	w.key("trace_id")
	w.optionalStr(env.TraceID)
	w.key("timestamp")
	w.do(enc.EncodeString(string(ts)))
	w.key("actor_id")
	w.optionalUUID(env.ActorID)

	w.key("event")
	if err := w.event(env.Event); err != nil {
		return nil, fmt.Errorf("events: messagepack: marshal envelope %s: %w", env.ID, err)
	}
	w.key("retry_count")
	w.do(enc.EncodeUint(uint64(env.RetryCount)))

	if w.err != nil {
		return nil, fmt.Errorf("events: messagepack: marshal envelope %s: %w", env.ID, w.err)
	}
	return w.buf.Bytes(), nil
}

func (w *mpWriter) event(ev DomainEvent) error {
	if isNilEvent(ev) {
		return errors.New("no event")
	}
	if raw, ok := ev.(*RawEvent); ok {
		return w.rawEvent(raw)
	}

	v := reflect.Indirect(reflect.ValueOf(ev))
	info, err := structInfoOf(v.Type())
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.Variant(), err)
	}
	w.do(w.enc.EncodeMapLen(2))
	w.key("type")
	w.str(ev.Variant())
	w.key("data")
	w.fields(info, v)
	return nil
}

func (w *mpWriter) rawEvent(raw *RawEvent) error {
	data := raw.MessagePack
	if data != nil {
		if err := checkMsgpackValue(data); err != nil {
			return fmt.Errorf("raw event %s: data: %w", raw.Type, err)
		}
	} else if raw.Data != nil {
		conv, err := jsonToMsgpack(raw.Data)
		if err != nil {
			return fmt.Errorf("raw event %s: %w", raw.Type, err)
		}
		data = conv
	}

	if data == nil {
		w.do(w.enc.EncodeMapLen(1))
		w.key("type")
		w.str(raw.Type)
		return nil
	}
	w.do(w.enc.EncodeMapLen(2))
	w.key("type")
	w.str(raw.Type)
	w.key("data")
	w.buf.Write(data)
	return nil
}

func (w *mpWriter) fields(info *structInfo, v reflect.Value) {
	w.do(w.enc.EncodeMapLen(len(info.fields)))
	for i := range info.fields {
		fi := &info.fields[i]
		w.key(fi.name)

		f := v.Field(fi.index)
		if fi.optional {
			if f.IsNil() {
				w.do(w.enc.EncodeNil())
				continue
			}
			f = f.Elem()
		}
		w.value(fi.kind, f)
	}
}

func (w *mpWriter) value(kind fieldKind, f reflect.Value) {
	switch kind {
	case kindUUID:
		w.uuid(uuidOf(f))
	case kindString:
		w.str(f.String())
	case kindBool:
		w.do(w.enc.EncodeBool(f.Bool()))
	case kindInt:
		w.do(w.enc.EncodeInt(f.Int()))
	default:
		w.do(w.enc.EncodeUint(f.Uint()))
	}
}
