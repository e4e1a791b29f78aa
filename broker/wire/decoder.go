package wire

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/iggyflow/iggyflow/broker"
)

// decoder reads a payload field by field. The first problem sticks: later
// reads return zero values, so a decode function reads every field and
// checks d.err once at the end.
type decoder struct {
	b   []byte
	off int
	err error
	// idErr, when set, replaces the code of every identifier problem
	// (SendMessages reports them all as 6, invalid identifier).
	idErr *broker.Error
}

func newDecoder(b []byte) *decoder { return &decoder{b: b} }

// fail records the first error.
func (d *decoder) fail(e *broker.Error, format string, args ...any) {
	if d.err == nil {
		d.err = e.With(format, args...)
	}
}

// take returns the next n bytes, or nil and an invalid-command error when
// fewer are left.
func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b)-d.off < n {
		d.fail(broker.ErrInvalidCommand, "%s: need %d bytes, %d left", what, n, len(d.b)-d.off)
		return nil
	}
	v := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return v
}

func (d *decoder) remaining() int { return len(d.b) - d.off }

func (d *decoder) u8(what string) uint8 {
	if v := d.take(1, what); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u32(what string) uint32 {
	if v := d.take(4, what); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

func (d *decoder) u64(what string) uint64 {
	if v := d.take(8, what); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

// text checks that raw is UTF-8 and returns it as a string.
func (d *decoder) text(raw []byte, what string) string {
	if d.err != nil {
		return ""
	}
	if !utf8.Valid(raw) {
		d.fail(broker.ErrInvalidCommand, "%s: not UTF-8", what)
		return ""
	}
	return string(raw)
}

// str8 reads [len u8][UTF-8 bytes] of any length, empty included; the
// caller checks the length rules of its field.
func (d *decoder) str8(what string) string {
	n := d.u8(what)
	return d.text(d.take(int(n), what), what)
}

// str32 reads [len u32][UTF-8 bytes].
func (d *decoder) str32(what string) string {
	n := d.u32(what)
	if d.err == nil && int64(n) > int64(d.remaining()) {
		d.fail(broker.ErrInvalidCommand, "%s: length %d, %d bytes left", what, n, d.remaining())
		return ""
	}
	return d.text(d.take(int(n), what), what)
}

// name reads a stream, topic or group name: [len u8][bytes], len 1..255.
func (d *decoder) name(what string) string {
	s := d.str8(what)
	if d.err == nil && s == "" {
		d.fail(broker.ErrInvalidFormat, "%s: empty name", what)
	}
	return s
}

// identifier reads [kind u8][len u8][value].
func (d *decoder) identifier(what string) broker.Identifier {
	kind := d.u8(what)
	n := d.u8(what)
	raw := d.take(int(n), what)
	if d.err != nil {
		d.overrideIDError()
		return broker.Identifier{}
	}
	var id broker.Identifier
	switch kind {
	case idNumeric:
		if n != 4 {
			d.fail(broker.ErrInvalidFormat, "%s: numeric identifier of %d bytes", what, n)
			break
		}
		id = broker.ByID(binary.LittleEndian.Uint32(raw))
	case idString:
		if n == 0 {
			d.fail(broker.ErrInvalidFormat, "%s: empty name identifier", what)
			break
		}
		id = broker.ByName(d.text(raw, what))
	default:
		d.fail(broker.ErrInvalidCommand, "%s: identifier kind %d", what, kind)
	}
	d.overrideIDError()
	return id
}

// overrideIDError rewrites an identifier error's code when idErr is set.
func (d *decoder) overrideIDError() {
	if d.idErr == nil || d.err == nil {
		return
	}
	if e, ok := d.err.(*broker.Error); ok && e.Code != d.idErr.Code {
		d.err = d.idErr.With("%s", e.Detail)
	}
}

// consumer reads [kind u8][identifier].
func (d *decoder) consumer() broker.Consumer {
	kind := broker.ConsumerKind(d.u8("consumer kind"))
	id := d.identifier("consumer id")
	if d.err == nil && kind != broker.SingleConsumer && kind != broker.GroupConsumer {
		d.fail(broker.ErrInvalidCommand, "consumer kind %d", kind)
	}
	return broker.Consumer{Kind: kind, ID: id}
}

// partition reads [present u8][id u32]; present other than 1 means none.
func (d *decoder) partition() *uint32 {
	present := d.u8("partition present")
	id := d.u32("partition id")
	if d.err != nil || present != 1 {
		return nil
	}
	return &id
}

// strategy reads [kind u8][value u64].
func (d *decoder) strategy() broker.PollingStrategy {
	kind := broker.StrategyKind(d.u8("strategy kind"))
	value := d.u64("strategy value")
	if d.err == nil && (kind < broker.StrategyOffset || kind > broker.StrategyNext) {
		d.fail(broker.ErrInvalidCommand, "polling strategy kind %d", kind)
	}
	return broker.PollingStrategy{Kind: kind, Value: value}
}

// partitioning reads [kind u8][len u8][value].
func (d *decoder) partitioning() broker.Partitioning {
	kind := broker.PartitioningKind(d.u8("partitioning kind"))
	n := d.u8("partitioning length")
	raw := d.take(int(n), "partitioning value")
	if d.err != nil {
		return broker.Partitioning{}
	}
	p := broker.Partitioning{Kind: kind}
	switch kind {
	case broker.Balanced:
		if n != 0 {
			d.fail(broker.ErrInvalidCommand, "balanced partitioning with %d value bytes", n)
		}
	case broker.PartitionID:
		if n != 4 {
			d.fail(broker.ErrInvalidCommand, "partition id partitioning with %d value bytes", n)
			break
		}
		p.Partition = binary.LittleEndian.Uint32(raw)
	case broker.MessagesKey:
		p.Key = raw
	default:
		d.fail(broker.ErrInvalidCommand, "partitioning kind %d", kind)
	}
	return p
}

// bool8 reads a u8 flag where any non-zero value is true.
func (d *decoder) bool8(what string) bool { return d.u8(what) != 0 }
