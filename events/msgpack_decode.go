package events

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/google/uuid"
)

// Unmarshal reads one envelope in rmp-serde's named form (maps with
// member names). It is as strict as the JSON codec: required members
// present and not nil, integers in range, no repeated members, exact
// keys, unknown members skipped, and no bytes after the envelope.
func (c msgpackCodec) Unmarshal(data []byte) (*Envelope, error) {
	m := newMPReader(data)
	n, err := m.mapLen()
	if err != nil {
		return nil, &DecodeError{Codec: "messagepack", Err: err}
	}

	env := &Envelope{}
	var seen uint32
	var event []byte
	for range n {
		key, err := m.str()
		if err != nil {
			return nil, &DecodeError{"messagepack", "", fmt.Errorf("member name: %w", err)}
		}
		idx := memberIndex(key)
		if idx < 0 {
			if err := m.skip(0); err != nil {
				return nil, &DecodeError{"messagepack", key, err}
			}
			continue
		}
		if seen&(1<<idx) != 0 {
			return nil, &DecodeError{"messagepack", key, errDuplicate}
		}
		seen |= 1 << idx

		if idx == memberEvent {
			event, err = m.raw()
		} else {
			err = decodeMPMember(m, env, idx)
		}
		if err != nil {
			return nil, &DecodeError{"messagepack", key, err}
		}
	}

	if !m.done() {
		return nil, &DecodeError{Codec: "messagepack", Err: errors.New("bytes after the envelope")}
	}
	if miss := missingMember(seen); miss >= 0 {
		return nil, &DecodeError{"messagepack", memberNames[miss], errMissing}
	}
	if env.Event, err = c.decodeEvent(event, env); err != nil {
		return nil, err
	}
	return env, nil
}

func decodeMPMember(m *mpReader, env *Envelope, idx int) error {
	var err error
	switch idx {
	case memberID:
		env.ID, err = m.uuid()
	case memberEventType:
		env.EventType, err = m.str()
	case memberSchemaVersion:
		var n uint64
		n, err = m.uint(16)
		env.SchemaVersion = uint16(n)
	case memberCorrelationID:
		env.CorrelationID, err = m.uuid()
	case memberCausationID:
		env.CausationID, err = m.optionalUUID()
	case memberTenantID:
		env.TenantID, err = m.uuid()
	case memberTraceID:
		env.TraceID, err = m.optionalStr()
	case memberTimestamp:
		var s string
		if s, err = m.str(); err == nil {
			env.Timestamp, err = parseTimestamp(s)
		}
	case memberActorID:
		env.ActorID, err = m.optionalUUID()
	case memberRetryCount:
		var n uint64
		n, err = m.uint(32)
		env.RetryCount = uint32(n)
	}
	return err
}

// decodeEvent reads {"type": variant, "data": {...}} in either order.
func (c msgpackCodec) decodeEvent(event []byte, env *Envelope) (DomainEvent, error) {
	m := newMPReader(event)
	n, err := m.mapLen()
	if err != nil {
		return nil, &DecodeError{"messagepack", "event", err}
	}

	var variant string
	var data []byte
	var seenType, seenData bool
	for range n {
		key, err := m.str()
		if err != nil {
			return nil, &DecodeError{"messagepack", "event", fmt.Errorf("member name: %w", err)}
		}
		switch key {
		case "type":
			if seenType {
				return nil, &DecodeError{"messagepack", "event.type", errDuplicate}
			}
			seenType = true
			variant, err = m.str()
		case "data":
			if seenData {
				return nil, &DecodeError{"messagepack", "event.data", errDuplicate}
			}
			seenData = true
			data, err = m.raw()
		default:
			err = m.skip(1)
		}
		if err != nil {
			return nil, &DecodeError{"messagepack", "event." + key, err}
		}
	}
	if !seenType {
		return nil, &DecodeError{"messagepack", "event.type", errMissing}
	}

	reg := c.reg.lookupVariant(variant)
	if reg == nil {
		return newMPRawEvent(variant, env, data), nil
	}
	if !seenData {
		return nil, &DecodeError{"messagepack", "event.data", errMissing}
	}
	return decodeMPData(reg, data)
}

// newMPRawEvent keeps the data of an unknown variant verbatim and, when it
// has one, its JSON form.
func newMPRawEvent(variant string, env *Envelope, data []byte) *RawEvent {
	raw := &RawEvent{
		Type:          variant,
		EventTypeName: env.EventType,
		Version:       env.SchemaVersion,
		MessagePack:   data,
	}
	if data != nil {
		if js, err := msgpackToJSON(data); err == nil {
			raw.Data = js
		}
	}
	return raw
}

func decodeMPData(reg *registered, data []byte) (DomainEvent, error) {
	m := newMPReader(data)
	n, err := m.mapLen()
	if err != nil {
		return nil, &DecodeError{"messagepack", "event.data", err}
	}

	ev, v := reg.newEvent()
	var seen uint64
	for range n {
		name, err := m.str()
		if err != nil {
			return nil, &DecodeError{"messagepack", "event.data", fmt.Errorf("field name: %w", err)}
		}
		fi, pos := reg.info.fieldPos(name)
		if fi == nil {
			err = m.skip(2)
		} else if seen&(1<<pos) != 0 {
			err = errDuplicate
		} else {
			seen |= 1 << pos
			err = setMPField(m, fi, v.Field(fi.index))
		}
		if err != nil {
			return nil, &DecodeError{"messagepack", "event.data." + name, err}
		}
	}

	if name := reg.info.missingField(seen); name != "" {
		return nil, &DecodeError{"messagepack", "event.data." + name, errMissing}
	}
	return ev, nil
}

func setMPField(m *mpReader, fi *fieldInfo, f reflect.Value) error {
	isNil, err := m.nextIsNil()
	if err != nil {
		return err
	}
	if isNil {
		if fi.optional {
			return nil
		}
		return fmt.Errorf("expected %s, got nil", fi.kind)
	}
	if fi.optional {
		p := reflect.New(fi.elem)
		f.Set(p)
		f = p.Elem()
	}

	switch fi.kind {
	case kindUUID:
		id, err := m.uuid()
		*f.Addr().Interface().(*uuid.UUID) = id
		return err
	case kindString:
		s, err := m.str()
		f.SetString(s)
		return err
	case kindBool:
		b, err := m.bool()
		f.SetBool(b)
		return err
	case kindInt:
		n, err := m.int(fi.bits)
		f.SetInt(n)
		return err
	default:
		n, err := m.uint(fi.bits)
		f.SetUint(n)
		return err
	}
}
