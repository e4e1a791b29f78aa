package events

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// maxDepth bounds the nesting of values a decoder walks through (the
// data of unknown variants, skipped members), as serde_json's recursion
// limit does.
const maxDepth = 128

var errTooDeep = fmt.Errorf("values nested deeper than %d", maxDepth)

// mpReader reads MessagePack values of one expected type each. The
// msgpack decoder is lenient (nil reads as 0 or "", a uint64 wraps into
// an int64), so every read checks the type code first.
type mpReader struct {
	d   *msgpack.Decoder
	r   *bytes.Reader
	src []byte
}

func newMPReader(src []byte) *mpReader {
	r := bytes.NewReader(src)
	return &mpReader{d: msgpack.NewDecoder(r), r: r, src: src}
}

// pos is the offset of the next unread byte. The decoder reads through
// r without buffering because bytes.Reader is an io.ByteScanner.
func (m *mpReader) pos() int { return len(m.src) - m.r.Len() }

// done reports whether all input was read.
func (m *mpReader) done() bool { return m.r.Len() == 0 }

func (m *mpReader) peek() (byte, error) {
	c, err := m.d.PeekCode()
	if err != nil {
		return 0, errTruncated(err)
	}
	return c, nil
}

var errShort = errors.New("truncated input")

// errTruncated turns running out of input into a clear message.
func errTruncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errShort
	}
	return err
}

// nextIsNil consumes a nil and reports true, or leaves the value unread.
func (m *mpReader) nextIsNil() (bool, error) {
	c, err := m.peek()
	if err != nil || c != msgpcode.Nil {
		return false, err
	}
	return true, m.d.DecodeNil()
}

func (m *mpReader) mapLen() (int, error) {
	c, err := m.peek()
	if err != nil {
		return 0, err
	}
	if !msgpcode.IsFixedMap(c) && c != msgpcode.Map16 && c != msgpcode.Map32 {
		return 0, fmt.Errorf("expected a map, got %s", mpKind(c))
	}
	n, err := m.d.DecodeMapLen()
	return n, errTruncated(err)
}

func (m *mpReader) str() (string, error) {
	c, err := m.peek()
	if err != nil {
		return "", err
	}
	if !msgpcode.IsString(c) {
		return "", fmt.Errorf("expected a string, got %s", mpKind(c))
	}
	s, err := m.d.DecodeString()
	if err != nil {
		return "", errTruncated(err)
	}
	if !utf8.ValidString(s) {
		return "", errors.New("string is not UTF-8")
	}
	return s, nil
}

// uuid reads a 16-byte bin, the form serde gives a Uuid in formats that
// are not human-readable, or a string in any form Uuid::parse_str takes.
func (m *mpReader) uuid() (uuid.UUID, error) {
	c, err := m.peek()
	if err != nil {
		return uuid.Nil, err
	}

	switch {
	case msgpcode.IsBin(c):
		b, err := m.d.DecodeBytes()
		if err != nil {
			return uuid.Nil, errTruncated(err)
		}
		if len(b) != 16 {
			return uuid.Nil, fmt.Errorf("expected 16 bytes of UUID, got %d", len(b))
		}
		return uuid.UUID(b), nil
	case msgpcode.IsString(c):
		s, err := m.d.DecodeString()
		if err != nil {
			return uuid.Nil, errTruncated(err)
		}
		id, err := uuid.Parse(s)
		if err != nil {
			return uuid.Nil, fmt.Errorf("invalid UUID %q: %w", s, err)
		}
		return id, nil
	}
	return uuid.Nil, fmt.Errorf("expected a UUID, got %s", mpKind(c))
}

func (m *mpReader) optionalUUID() (*uuid.UUID, error) {
	if isNil, err := m.nextIsNil(); isNil || err != nil {
		return nil, err
	}
	id, err := m.uuid()
	if err != nil {
		return nil, err
	}
	return &id, nil
}

func (m *mpReader) optionalStr() (*string, error) {
	if isNil, err := m.nextIsNil(); isNil || err != nil {
		return nil, err
	}
	s, err := m.str()
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func (m *mpReader) bool() (bool, error) {
	c, err := m.peek()
	if err != nil {
		return false, err
	}
	if c != msgpcode.True && c != msgpcode.False {
		return false, fmt.Errorf("expected a boolean, got %s", mpKind(c))
	}
	return m.d.DecodeBool()
}

// integer reads any MessagePack integer as a sign and magnitude.
func (m *mpReader) integer() (neg bool, mag uint64, err error) {
	c, err := m.peek()
	if err != nil {
		return false, 0, err
	}
	if !isMPInt(c) {
		return false, 0, fmt.Errorf("expected an integer, got %s", mpKind(c))
	}

	if c >= msgpcode.NegFixedNumLow || (c >= msgpcode.Int8 && c <= msgpcode.Int64) {
		n, err := m.d.DecodeInt64()
		if err != nil {
			return false, 0, errTruncated(err)
		}
		if n < 0 {
			return true, uint64(-(n + 1)) + 1, nil
		}
		return false, uint64(n), nil
	}
	u, err := m.d.DecodeUint64()
	return false, u, errTruncated(err)
}

func (m *mpReader) int(bits int) (int64, error) {
	neg, mag, err := m.integer()
	if err != nil {
		return 0, err
	}
	limit := uint64(1) << (bits - 1)
	if (!neg && mag >= limit) || (neg && mag > limit) {
		return 0, fmt.Errorf("integer out of range for %d bits", bits)
	}
	if neg {
		return int64(-mag), nil
	}
	return int64(mag), nil
}

func (m *mpReader) uint(bits int) (uint64, error) {
	neg, mag, err := m.integer()
	if err != nil {
		return 0, err
	}
	if neg || (bits < 64 && mag > uint64(1)<<bits-1) {
		return 0, fmt.Errorf("integer out of range for unsigned %d bits", bits)
	}
	return mag, nil
}

func isMPInt(c byte) bool {
	return msgpcode.IsFixedNum(c) || (c >= msgpcode.Uint8 && c <= msgpcode.Int64)
}

// skip reads past one value of any type, nested at most maxDepth deep.
func (m *mpReader) skip(depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	c, err := m.peek()
	if err != nil {
		return err
	}

	var n int
	switch {
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		if n, err = m.d.DecodeMapLen(); err != nil {
			return errTruncated(err)
		}
		n *= 2
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		if n, err = m.d.DecodeArrayLen(); err != nil {
			return errTruncated(err)
		}
	default:
		return errTruncated(m.d.Skip())
	}

	for range n {
		if err := m.skip(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// raw returns a copy of the bytes of the next value.
func (m *mpReader) raw() ([]byte, error) {
	start := m.pos()
	if err := m.skip(0); err != nil {
		return nil, err
	}
	return bytes.Clone(m.src[start:m.pos()]), nil
}

// mpKind names the type of a MessagePack code for error messages.
func mpKind(c byte) string {
	switch {
	case c == msgpcode.Nil:
		return "nil"
	case c == msgpcode.True || c == msgpcode.False:
		return "boolean"
	case isMPInt(c):
		return "integer"
	case c == msgpcode.Float || c == msgpcode.Double:
		return "float"
	case msgpcode.IsString(c):
		return "string"
	case msgpcode.IsBin(c):
		return "bin"
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		return "array"
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		return "map"
	case msgpcode.IsExt(c):
		return "ext"
	}
	return fmt.Sprintf("invalid code 0x%02x", c)
}
