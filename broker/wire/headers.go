package wire

import "github.com/iggyflow/iggyflow/broker"

// HeaderKind is the type byte of a user-header key or value.
type HeaderKind uint8

// User-header kinds, numbered as on the wire.
const (
	HeaderRaw HeaderKind = iota + 1
	HeaderString
	HeaderBool
	HeaderInt8
	HeaderInt16
	HeaderInt32
	HeaderInt64
	HeaderInt128
	HeaderUint8
	HeaderUint16
	HeaderUint32
	HeaderUint64
	HeaderUint128
	HeaderFloat32
	HeaderFloat64
)

// size returns the fixed size of a numeric kind, 0 for raw and string, and
// -1 for an unknown kind.
func (k HeaderKind) size() int {
	switch k {
	case HeaderRaw, HeaderString:
		return 0
	case HeaderBool, HeaderInt8, HeaderUint8:
		return 1
	case HeaderInt16, HeaderUint16:
		return 2
	case HeaderInt32, HeaderUint32, HeaderFloat32:
		return 4
	case HeaderInt64, HeaderUint64, HeaderFloat64:
		return 8
	case HeaderInt128, HeaderUint128:
		return 16
	}
	return -1
}

// Header is one user header: a typed key and a typed value.
type Header struct {
	KeyKind   HeaderKind
	Key       []byte
	ValueKind HeaderKind
	Value     []byte
}

// AppendHeaders encodes a user-headers block: per header
// [key_kind u8][key_len u32][key][value_kind u8][value_len u32][value].
func AppendHeaders(b []byte, hs []Header) []byte {
	for _, h := range hs {
		b = append(b, uint8(h.KeyKind))
		b = appendU32(b, uint32(len(h.Key)))
		b = append(b, h.Key...)
		b = append(b, uint8(h.ValueKind))
		b = appendU32(b, uint32(len(h.Value)))
		b = append(b, h.Value...)
	}
	return b
}

// DecodeHeaders decodes a user-headers block with the rules the SDKs apply
// on receipt: known kinds, lengths 1..255, numeric kinds at their fixed
// size. A short block is 3, a rule broken is 4. Keys and values alias b.
// The server itself stores the block without decoding it.
func DecodeHeaders(b []byte) ([]Header, error) {
	var out []Header
	d := newDecoder(b)
	for d.err == nil && d.remaining() > 0 {
		var h Header
		h.KeyKind, h.Key = d.headerField("header key")
		h.ValueKind, h.Value = d.headerField("header value")
		out = append(out, h)
	}
	return out, d.err
}

func (d *decoder) headerField(what string) (HeaderKind, []byte) {
	kind := HeaderKind(d.u8(what + " kind"))
	n := d.u32(what + " length")
	if d.err == nil && int64(n) > int64(d.remaining()) {
		d.fail(broker.ErrInvalidCommand, "%s: length %d, %d bytes left", what, n, d.remaining())
	}
	v := d.take(int(n), what)
	if d.err != nil {
		return 0, nil
	}
	switch size := kind.size(); {
	case size < 0:
		d.fail(broker.ErrInvalidFormat, "%s: kind %d", what, kind)
	case n == 0 || n > 255:
		d.fail(broker.ErrInvalidFormat, "%s: length %d outside 1..255", what, n)
	case size > 0 && int(n) != size:
		d.fail(broker.ErrInvalidFormat, "%s: kind %d needs %d bytes, has %d", what, kind, size, n)
	}
	return kind, v
}
