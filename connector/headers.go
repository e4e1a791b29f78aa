package connector

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
)

// Iggy user headers travel with each message as one block of entries,
// stored by the broker without interpretation:
//
//	entry := [key_kind u8][key_len u32 LE][key][value_kind u8][value_len u32 LE][value]
//	block := entry entry ...            (no count, no padding)
//
// key_len and value_len are 1..255. Kinds are 1 raw, 2 string, 3 bool,
// 4 i8, 5 i16, 6 i32, 7 i64, 8 i128, 9 u8, 10 u16, 11 u32, 12 u64,
// 13 u128, 14 f32, 15 f64; numeric kinds and bool have fixed sizes and
// little-endian values. iggyflow writes string keys and string values only.

// Header value kinds, numbered as in Iggy.
const (
	headerRaw     = 1
	headerString  = 2
	headerBool    = 3
	headerInt8    = 4
	headerInt16   = 5
	headerInt32   = 6
	headerInt64   = 7
	headerInt128  = 8
	headerUint8   = 9
	headerUint16  = 10
	headerUint32  = 11
	headerUint64  = 12
	headerUint128 = 13
	headerFloat32 = 14
	headerFloat64 = 15
)

// MaxHeadersSize is the largest encoded headers block a broker accepts,
// in bytes (Iggy error 4017 beyond it).
const MaxHeadersSize = 100_000

// ErrBadHeaders is wrapped by every headers encoding or decoding error.
var ErrBadHeaders = errors.New("connector: bad user headers")

// EncodeHeaders writes h as an Iggy user-headers block with string keys
// and string values, keys in sorted order so equal maps encode equally. An
// empty map gives nil. Keys and values must be 1..255 bytes and the block
// at most MaxHeadersSize bytes.
func EncodeHeaders(h map[string]string) ([]byte, error) {
	if len(h) == 0 {
		return nil, nil
	}

	keys := make([]string, 0, len(h))
	size := 0
	for k, v := range h {
		if err := checkHeaderPart("key", k, k); err != nil {
			return nil, err
		}
		if err := checkHeaderPart("value", k, v); err != nil {
			return nil, err
		}
		keys = append(keys, k)
		size += 10 + len(k) + len(v)
	}

	if size > MaxHeadersSize {
		return nil, fmt.Errorf("%w: block of %d bytes exceeds %d", ErrBadHeaders, size, MaxHeadersSize)
	}
	slices.Sort(keys)

	buf := make([]byte, 0, size)
	for _, k := range keys {
		buf = appendHeaderPart(buf, k)
		buf = appendHeaderPart(buf, h[k])
	}
	return buf, nil
}

func checkHeaderPart(what, key, s string) error {
	if len(s) < 1 || len(s) > 255 {
		return fmt.Errorf("%w: %s of header %q is %d bytes, want 1..255", ErrBadHeaders, what, key, len(s))
	}
	return nil
}

func appendHeaderPart(buf []byte, s string) []byte {
	buf = append(buf, headerString)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s)))
	return append(buf, s...)
}

// DecodeHeaders reads an Iggy user-headers block into a map. String and
// raw keys and values are taken as their bytes; other kinds are rendered
// as text (bool as "true"/"false", integers in decimal, floats in the
// shortest form that reads back exactly). A later entry replaces an
// earlier one with the same key. An empty block gives an empty, non-nil
// map. Malformed blocks are errors wrapping ErrBadHeaders.
func DecodeHeaders(b []byte) (map[string]string, error) {
	h := make(map[string]string)
	for pos := 0; pos < len(b); {
		key, next, err := readHeaderPart(b, pos)
		if err != nil {
			return nil, fmt.Errorf("%w: key at byte %d: %w", ErrBadHeaders, pos, err)
		}

		value, end, err := readHeaderPart(b, next)
		if err != nil {
			return nil, fmt.Errorf("%w: value of %q at byte %d: %w", ErrBadHeaders, key, next, err)
		}
		h[key] = value
		pos = end
	}
	return h, nil
}

// readHeaderPart reads one [kind][len][bytes] part at pos and returns it
// as text with the position after it.
func readHeaderPart(b []byte, pos int) (string, int, error) {
	if len(b)-pos < 5 {
		return "", 0, errors.New("truncated kind or length")
	}
	kind := b[pos]
	n := int(binary.LittleEndian.Uint32(b[pos+1:]))
	pos += 5

	if n < 1 || n > 255 {
		return "", 0, fmt.Errorf("length %d, want 1..255", n)
	}

	if len(b)-pos < n {
		return "", 0, fmt.Errorf("length %d runs past the block end", n)
	}
	raw := b[pos : pos+n]

	text, err := headerText(kind, raw)
	if err != nil {
		return "", 0, err
	}
	return text, pos + n, nil
}

// headerSizes is the fixed size of each numeric or bool kind.
var headerSizes = map[byte]int{
	headerBool: 1, headerInt8: 1, headerUint8: 1,
	headerInt16: 2, headerUint16: 2,
	headerInt32: 4, headerUint32: 4, headerFloat32: 4,
	headerInt64: 8, headerUint64: 8, headerFloat64: 8,
	headerInt128: 16, headerUint128: 16,
}

func headerText(kind byte, raw []byte) (string, error) {
	if kind == headerRaw || kind == headerString {
		return string(raw), nil
	}

	size, ok := headerSizes[kind]
	if !ok {
		return "", fmt.Errorf("unknown kind %d", kind)
	}
	if len(raw) != size {
		return "", fmt.Errorf("kind %d needs %d bytes, got %d", kind, size, len(raw))
	}
	return numericText(kind, raw), nil
}

func numericText(kind byte, raw []byte) string {
	le := binary.LittleEndian
	switch kind {
	case headerBool:
		return strconv.FormatBool(raw[0] != 0)
	case headerInt8:
		return strconv.FormatInt(int64(int8(raw[0])), 10)
	case headerUint8:
		return strconv.FormatUint(uint64(raw[0]), 10)
	case headerInt16:
		return strconv.FormatInt(int64(int16(le.Uint16(raw))), 10)
	case headerUint16:
		return strconv.FormatUint(uint64(le.Uint16(raw)), 10)
	case headerInt32:
		return strconv.FormatInt(int64(int32(le.Uint32(raw))), 10)
	case headerUint32:
		return strconv.FormatUint(uint64(le.Uint32(raw)), 10)
	case headerInt64:
		return strconv.FormatInt(int64(le.Uint64(raw)), 10)
	case headerUint64:
		return strconv.FormatUint(le.Uint64(raw), 10)
	case headerFloat32:
		return strconv.FormatFloat(float64(math.Float32frombits(le.Uint32(raw))), 'g', -1, 32)
	case headerFloat64:
		return strconv.FormatFloat(math.Float64frombits(le.Uint64(raw)), 'g', -1, 64)
	default:
		return int128Text(raw, kind == headerInt128)
	}
}

// int128Text renders a 16-byte little-endian integer in decimal.
func int128Text(raw []byte, signed bool) string {
	be := make([]byte, 16)
	for i := range 16 {
		be[i] = raw[15-i]
	}

	v := new(big.Int).SetBytes(be)
	if signed && be[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	return v.String()
}
