package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/google/uuid"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// The data of a RawEvent crosses between the two forms only when an
// envelope decoded with one codec is encoded with the other. The mapping
// follows what serde does with RusToK's types: a 16-byte bin is a UUID
// and becomes its hyphenated string; any other bin becomes an array of
// byte values; integers, floats, strings, booleans, nil, arrays and maps
// with string keys map one to one. Ext values and non-string map keys have
// no JSON form. From JSON, strings stay strings (a UUID written as a
// string is read back by Rust's serde too), integers become the smallest
// MessagePack integer and other numbers become float64.

// checkMsgpackValue checks that data is exactly one MessagePack value.
func checkMsgpackValue(data []byte) error {
	m := newMPReader(data)
	if err := m.skip(0); err != nil {
		return err
	}
	if !m.done() {
		return errors.New("bytes after the value")
	}
	return nil
}

// msgpackToJSON converts one MessagePack value to JSON.
func msgpackToJSON(data []byte) (json.RawMessage, error) {
	m := newMPReader(data)
	b, err := m.appendJSON(make([]byte, 0, len(data)*2), 0)
	if err != nil {
		return nil, fmt.Errorf("convert MessagePack data to JSON: %w", err)
	}
	if !m.done() {
		return nil, errors.New("convert MessagePack data to JSON: bytes after the value")
	}
	return b, nil
}

func (m *mpReader) appendJSON(b []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errTooDeep
	}
	c, err := m.peek()
	if err != nil {
		return b, err
	}

	switch {
	case c == msgpcode.Nil:
		return append(b, "null"...), m.d.DecodeNil()
	case c == msgpcode.True || c == msgpcode.False:
		v, err := m.bool()
		return strconv.AppendBool(b, v), err
	case isMPInt(c):
		neg, mag, err := m.integer()
		if neg {
			b = append(b, '-')
		}
		return strconv.AppendUint(b, mag, 10), err
	case c == msgpcode.Float || c == msgpcode.Double:
		return m.appendJSONFloat(b)
	case msgpcode.IsString(c):
		s, err := m.str()
		return appendJSONString(b, s), err
	case msgpcode.IsBin(c):
		return m.appendJSONBin(b)
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		return m.appendJSONArray(b, depth)
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		return m.appendJSONObject(b, depth)
	}
	return b, fmt.Errorf("%s has no JSON form", mpKind(c))
}

func (m *mpReader) appendJSONFloat(b []byte) ([]byte, error) {
	f, err := m.d.DecodeFloat64()
	if err != nil {
		return b, errTruncated(err)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, errors.New("NaN and infinity have no JSON form")
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64), nil
}

func (m *mpReader) appendJSONBin(b []byte) ([]byte, error) {
	raw, err := m.d.DecodeBytes()
	if err != nil {
		return b, errTruncated(err)
	}
	if len(raw) == 16 {
		return appendJSONUUID(b, uuid.UUID(raw)), nil
	}
	b = append(b, '[')
	for i, x := range raw {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(x), 10)
	}
	return append(b, ']'), nil
}

func (m *mpReader) appendJSONArray(b []byte, depth int) ([]byte, error) {
	n, err := m.d.DecodeArrayLen()
	if err != nil {
		return b, errTruncated(err)
	}
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = m.appendJSON(b, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func (m *mpReader) appendJSONObject(b []byte, depth int) ([]byte, error) {
	n, err := m.d.DecodeMapLen()
	if err != nil {
		return b, errTruncated(err)
	}
	b = append(b, '{')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		key, err := m.str()
		if err != nil {
			return b, fmt.Errorf("map key: %w", err)
		}
		b = appendJSONString(b, key)
		b = append(b, ':')
		if b, err = m.appendJSON(b, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// jsonToMsgpack converts one JSON value to MessagePack.
func jsonToMsgpack(data []byte) ([]byte, error) {
	if !json.Valid(data) {
		return nil, errors.New("convert JSON data to MessagePack: invalid JSON")
	}
	start := skipSpace(data, 0)
	value := data[start:valueEnd(data, start)]

	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(&buf)
	if err := encodeJSONValue(enc, value); err != nil {
		return nil, fmt.Errorf("convert JSON data to MessagePack: %w", err)
	}
	return buf.Bytes(), nil
}

func encodeJSONValue(enc *msgpack.Encoder, v []byte) error {
	switch v[0] {
	case '{':
		if err := enc.EncodeMapLen(countMembers(v)); err != nil {
			return err
		}
		return eachMember(v, func(key, value []byte) error {
			if err := enc.EncodeString(jsonKey(key)); err != nil {
				return err
			}
			return encodeJSONValue(enc, value)
		})
	case '[':
		if err := enc.EncodeArrayLen(countElements(v)); err != nil {
			return err
		}
		return eachElement(v, func(value []byte) error { return encodeJSONValue(enc, value) })
	case '"':
		s, err := jsonString(v)
		if err != nil {
			return err
		}
		return enc.EncodeString(s)
	case 't', 'f':
		return enc.EncodeBool(v[0] == 't')
	case 'n':
		return enc.EncodeNil()
	}
	return encodeJSONNumber(enc, string(v))
}

func encodeJSONNumber(enc *msgpack.Encoder, s string) error {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return enc.EncodeInt(n)
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return enc.EncodeUint(n)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("number %s out of range", s)
	}
	return enc.EncodeFloat64(f)
}

func countMembers(obj []byte) int {
	n := 0
	_ = eachMember(obj, func(_, _ []byte) error { n++; return nil })
	return n
}

func countElements(arr []byte) int {
	n := 0
	_ = eachElement(arr, func([]byte) error { n++; return nil })
	return n
}
