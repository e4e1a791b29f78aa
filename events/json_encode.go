package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/google/uuid"
)

// jsonCodec is the JSON codec over one registry.
type jsonCodec struct {
	reg *Registry
}

// NewJSONCodec returns a JSON codec that decodes the variants known to
// reg; other variants decode to *RawEvent.
func NewJSONCodec(reg *Registry) Codec {
	return jsonCodec{reg: reg}
}

// Name returns "json".
func (jsonCodec) Name() string { return "json" }

// ContentType returns "application/json".
func (jsonCodec) ContentType() string { return ContentTypeJSON }

// Marshal writes the envelope's members in RusToK's order, optional ones
// as null.
func (c jsonCodec) Marshal(env *Envelope) ([]byte, error) {
	if env == nil {
		return nil, errors.New("events: json: marshal nil envelope")
	}

	b := make([]byte, 0, 512)
	b = append(b, `{"id":`...)
	b = appendJSONUUID(b, env.ID)
	b = append(b, `,"event_type":`...)
	b = appendJSONString(b, env.EventType)
	b = append(b, `,"schema_version":`...)
	b = strconv.AppendUint(b, uint64(env.SchemaVersion), 10)
	b = append(b, `,"correlation_id":`...)
	b = appendJSONUUID(b, env.CorrelationID)
	b = append(b, `,"causation_id":`...)
	b = appendJSONOptionalUUID(b, env.CausationID)
	b = append(b, `,"tenant_id":`...)
	b = appendJSONUUID(b, env.TenantID)
	b = append(b, `,"trace_id":`...)
	b = appendJSONOptionalString(b, env.TraceID)

	b = append(b, `,"timestamp":"`...)
	b, err := appendTimestamp(b, env.Timestamp)
	if err != nil {
		return nil, fmt.Errorf("events: json: marshal envelope %s: %w", env.ID, err)
	}
	b = append(b, `","actor_id":`...)
	b = appendJSONOptionalUUID(b, env.ActorID)

	b = append(b, `,"event":`...)
	if b, err = appendJSONEvent(b, env.Event); err != nil {
		return nil, fmt.Errorf("events: json: marshal envelope %s: %w", env.ID, err)
	}
	b = append(b, `,"retry_count":`...)
	b = strconv.AppendUint(b, uint64(env.RetryCount), 10)
	return append(b, '}'), nil
}

// appendJSONEvent writes {"type": variant, "data": {...}}.
func appendJSONEvent(b []byte, ev DomainEvent) ([]byte, error) {
	if isNilEvent(ev) {
		return b, errors.New("no event")
	}
	b = append(b, `{"type":`...)
	b = appendJSONString(b, ev.Variant())

	if raw, ok := ev.(*RawEvent); ok {
		return appendJSONRawData(b, raw)
	}

	v := reflect.Indirect(reflect.ValueOf(ev))
	info, err := structInfoOf(v.Type())
	if err != nil {
		return b, fmt.Errorf("event %s: %w", ev.Variant(), err)
	}
	b = append(b, `,"data":`...)
	b = appendJSONFields(b, info, v)
	return append(b, '}'), nil
}

func appendJSONRawData(b []byte, raw *RawEvent) ([]byte, error) {
	data := raw.Data
	switch {
	case data != nil:
		if !json.Valid(data) {
			return b, fmt.Errorf("raw event %s: data is not valid JSON", raw.Type)
		}
	case raw.MessagePack != nil:
		conv, err := msgpackToJSON(raw.MessagePack)
		if err != nil {
			return b, fmt.Errorf("raw event %s: %w", raw.Type, err)
		}
		data = conv
	default:
		return append(b, '}'), nil
	}

	b = append(b, `,"data":`...)
	b = append(b, data...)
	return append(b, '}'), nil
}

func appendJSONFields(b []byte, info *structInfo, v reflect.Value) []byte {
	b = append(b, '{')
	for i := range info.fields {
		fi := &info.fields[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, fi.name)
		b = append(b, ':')

		f := v.Field(fi.index)
		if fi.optional {
			if f.IsNil() {
				b = append(b, "null"...)
				continue
			}
			f = f.Elem()
		}
		b = appendJSONValue(b, fi.kind, f)
	}
	return append(b, '}')
}

func appendJSONValue(b []byte, kind fieldKind, f reflect.Value) []byte {
	switch kind {
	case kindUUID:
		return appendJSONUUID(b, uuidOf(f))
	case kindString:
		return appendJSONString(b, f.String())
	case kindBool:
		return strconv.AppendBool(b, f.Bool())
	case kindInt:
		return strconv.AppendInt(b, f.Int(), 10)
	default:
		return strconv.AppendUint(b, f.Uint(), 10)
	}
}

// uuidOf reads a uuid.UUID field without allocating.
func uuidOf(f reflect.Value) uuid.UUID {
	if f.CanAddr() {
		return *f.Addr().Interface().(*uuid.UUID)
	}
	return f.Interface().(uuid.UUID)
}

const hexDigits = "0123456789abcdef"

// appendUUID writes the lowercase hyphenated form, unquoted.
func appendUUID(b []byte, id uuid.UUID) []byte {
	for i, x := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[x>>4], hexDigits[x&0x0f])
	}
	return b
}

func appendJSONUUID(b []byte, id uuid.UUID) []byte {
	b = append(b, '"')
	b = appendUUID(b, id)
	return append(b, '"')
}

func appendJSONOptionalUUID(b []byte, id *uuid.UUID) []byte {
	if id == nil {
		return append(b, "null"...)
	}
	return appendJSONUUID(b, *id)
}

func appendJSONOptionalString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// appendJSONString writes s as a JSON string. Bytes that are not UTF-8
// become U+FFFD, as encoding/json does, since a Rust String cannot hold
// them.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
		}

		b = append(b, s[start:i]...)
		b = appendJSONEscape(b, c)
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendJSONEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	if c >= utf8.RuneSelf {
		return append(b, `\ufffd`...)
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0x0f])
}
