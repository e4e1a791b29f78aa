package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Unmarshal reads one envelope in RusToK's JSON form. It is as strict as
// serde_json reading RusToK's types: required members must be present and
// not null, numbers must fit their Rust types, members may not repeat,
// and keys match exactly. Unknown members are skipped, as serde does.
func (c jsonCodec) Unmarshal(data []byte) (*Envelope, error) {
	obj, err := topObject(data)
	if err != nil {
		return nil, &DecodeError{Codec: "json", Err: err}
	}

	env := &Envelope{}
	var seen uint32
	var event []byte
	err = eachMember(obj, func(key, value []byte) error {
		idx := memberIndex(jsonKey(key))
		if idx < 0 {
			return nil
		}
		if seen&(1<<idx) != 0 {
			return &DecodeError{"json", memberNames[idx], errDuplicate}
		}
		seen |= 1 << idx

		if idx == memberEvent {
			event = value
			return nil
		}
		if err := decodeJSONMember(env, idx, value); err != nil {
			return &DecodeError{"json", memberNames[idx], err}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	if m := missingMember(seen); m >= 0 {
		return nil, &DecodeError{"json", memberNames[m], errMissing}
	}
	if env.Event, err = c.decodeEvent(event, env); err != nil {
		return nil, err
	}
	return env, nil
}

// topObject checks that data is one UTF-8 JSON object and returns it
// without surrounding space.
func topObject(data []byte) ([]byte, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("input is not UTF-8")
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return nil, err
	}

	start := skipSpace(data, 0)
	if data[start] != '{' {
		return nil, fmt.Errorf("expected an object, got %s", jsonKind(data[start:]))
	}
	return data[start:valueEnd(data, start)], nil
}

func decodeJSONMember(env *Envelope, idx int, v []byte) error {
	var err error
	switch idx {
	case memberID:
		env.ID, err = jsonUUID(v)
	case memberEventType:
		env.EventType, err = jsonString(v)
	case memberSchemaVersion:
		var n uint64
		n, err = jsonUint(v, 16)
		env.SchemaVersion = uint16(n)
	case memberCorrelationID:
		env.CorrelationID, err = jsonUUID(v)
	case memberCausationID:
		env.CausationID, err = jsonOptionalUUID(v)
	case memberTenantID:
		env.TenantID, err = jsonUUID(v)
	case memberTraceID:
		env.TraceID, err = jsonOptionalString(v)
	case memberTimestamp:
		var s string
		if s, err = jsonString(v); err == nil {
			env.Timestamp, err = parseTimestamp(s)
		}
	case memberActorID:
		env.ActorID, err = jsonOptionalUUID(v)
	case memberRetryCount:
		var n uint64
		n, err = jsonUint(v, 32)
		env.RetryCount = uint32(n)
	}
	return err
}

// decodeEvent reads {"type": variant, "data": {...}} in either order.
func (c jsonCodec) decodeEvent(obj []byte, env *Envelope) (DomainEvent, error) {
	if obj[0] != '{' {
		return nil, &DecodeError{"json", "event", fmt.Errorf("expected an object, got %s", jsonKind(obj))}
	}

	var variant string
	var data []byte
	var seenType, seenData bool
	err := eachMember(obj, func(key, value []byte) error {
		switch jsonKey(key) {
		case "type":
			if seenType {
				return &DecodeError{"json", "event.type", errDuplicate}
			}
			seenType = true
			s, err := jsonString(value)
			if err != nil {
				return &DecodeError{"json", "event.type", err}
			}
			variant = s
		case "data":
			if seenData {
				return &DecodeError{"json", "event.data", errDuplicate}
			}
			seenData, data = true, value
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !seenType {
		return nil, &DecodeError{"json", "event.type", errMissing}
	}

	reg := c.reg.lookupVariant(variant)
	if reg == nil {
		raw := &RawEvent{Type: variant, EventTypeName: env.EventType, Version: env.SchemaVersion}
		if seenData {
			raw.Data = bytes.Clone(data)
		}
		return raw, nil
	}
	if !seenData {
		return nil, &DecodeError{"json", "event.data", errMissing}
	}
	return decodeJSONData(reg, data)
}

// decodeJSONData fills a fresh event of the registered kind from its data
// object.
func decodeJSONData(reg *registered, data []byte) (DomainEvent, error) {
	if data[0] != '{' {
		err := fmt.Errorf("expected an object, got %s", jsonKind(data))
		return nil, &DecodeError{"json", "event.data", err}
	}

	ev, v := reg.newEvent()
	var seen uint64
	err := eachMember(data, func(key, value []byte) error {
		name := jsonKey(key)
		fi, pos := reg.info.fieldPos(name)
		if fi == nil {
			return nil
		}
		if seen&(1<<pos) != 0 {
			return &DecodeError{"json", "event.data." + name, errDuplicate}
		}
		seen |= 1 << pos

		if err := setJSONField(fi, v.Field(fi.index), value); err != nil {
			return &DecodeError{"json", "event.data." + name, err}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	if name := reg.info.missingField(seen); name != "" {
		return nil, &DecodeError{"json", "event.data." + name, errMissing}
	}
	return ev, nil
}

func setJSONField(fi *fieldInfo, f reflect.Value, v []byte) error {
	if string(v) == "null" {
		if fi.optional {
			return nil
		}
		return fmt.Errorf("expected %s, got null", fi.kind)
	}
	if fi.optional {
		p := reflect.New(fi.elem)
		f.Set(p)
		f = p.Elem()
	}

	switch fi.kind {
	case kindUUID:
		id, err := jsonUUID(v)
		*f.Addr().Interface().(*uuid.UUID) = id
		return err
	case kindString:
		s, err := jsonString(v)
		f.SetString(s)
		return err
	case kindBool:
		b, err := jsonBool(v)
		f.SetBool(b)
		return err
	case kindInt:
		n, err := jsonInt(v, fi.bits)
		f.SetInt(n)
		return err
	default:
		n, err := jsonUint(v, fi.bits)
		f.SetUint(n)
		return err
	}
}

// jsonKey returns the text of a raw, quoted object key.
func jsonKey(raw []byte) string {
	s, err := jsonString(raw)
	if err != nil {
		return ""
	}
	return s
}

func jsonString(v []byte) (string, error) {
	if v[0] != '"' {
		return "", fmt.Errorf("expected a string, got %s", jsonKind(v))
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

func jsonOptionalString(v []byte) (*string, error) {
	if string(v) == "null" {
		return nil, nil
	}
	s, err := jsonString(v)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// jsonUUID accepts the forms Rust's Uuid::parse_str accepts: hyphenated,
// 32 hex digits, braced and urn:uuid: prefixed.
func jsonUUID(v []byte) (uuid.UUID, error) {
	s, err := jsonString(v)
	if err != nil {
		return uuid.Nil, err
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, fmt.Errorf("invalid UUID %q: %w", s, err)
	}
	return id, nil
}

func jsonOptionalUUID(v []byte) (*uuid.UUID, error) {
	if string(v) == "null" {
		return nil, nil
	}
	id, err := jsonUUID(v)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

func jsonBool(v []byte) (bool, error) {
	switch string(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("expected a boolean, got %s", jsonKind(v))
}

// jsonInt accepts integer literals only: 1.0 and 1e3 are rejected, as
// serde_json rejects them for Rust integers.
func jsonInt(v []byte, bits int) (int64, error) {
	if kind := jsonKind(v); kind != "number" {
		return 0, fmt.Errorf("expected an integer, got %s", kind)
	}
	n, err := strconv.ParseInt(string(v), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("expected a %d-bit integer, got %s", bits, v)
	}
	return n, nil
}

func jsonUint(v []byte, bits int) (uint64, error) {
	if kind := jsonKind(v); kind != "number" {
		return 0, fmt.Errorf("expected an unsigned integer, got %s", kind)
	}
	n, err := strconv.ParseUint(string(v), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("expected an unsigned %d-bit integer, got %s", bits, v)
	}
	return n, nil
}

// jsonKind names the type of a raw JSON value for error messages.
func jsonKind(v []byte) string {
	switch v[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// String names the kind for error messages.
func (k fieldKind) String() string {
	switch k {
	case kindUUID:
		return "a UUID"
	case kindString:
		return "a string"
	case kindBool:
		return "a boolean"
	case kindInt:
		return "an integer"
	default:
		return "an unsigned integer"
	}
}
