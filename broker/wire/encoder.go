package wire

import (
	"encoding/binary"
	"math"

	"github.com/iggyflow/iggyflow/broker"
)

// Identifier kinds on the wire.
const (
	idNumeric = 1
	idString  = 2
)

func appendU8(b []byte, v uint8) []byte   { return append(b, v) }
func appendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
func appendF32(b []byte, v float32) []byte {
	return binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendStr8 writes [len u8][bytes]; s must be at most 255 bytes long.
func appendStr8(b []byte, s string) []byte {
	b = append(b, uint8(len(s)))
	return append(b, s...)
}

// appendStr32 writes [len u32][bytes].
func appendStr32(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}

// AppendIdentifier writes an identifier: numeric unless id.Name is set.
func AppendIdentifier(b []byte, id broker.Identifier) []byte {
	if id.IsName() {
		b = append(b, idString)
		return appendStr8(b, id.Name)
	}
	b = append(b, idNumeric, 4)
	return appendU32(b, id.ID)
}

// AppendConsumer writes [kind u8][identifier].
func AppendConsumer(b []byte, c broker.Consumer) []byte {
	b = append(b, uint8(c.Kind))
	return AppendIdentifier(b, c.ID)
}

// AppendOptionalPartition writes the 5-byte optional partition id.
func AppendOptionalPartition(b []byte, p *uint32) []byte {
	if p == nil {
		return append(b, 0, 0, 0, 0, 0)
	}
	b = append(b, 1)
	return appendU32(b, *p)
}

// AppendStrategy writes [kind u8][value u64].
func AppendStrategy(b []byte, s broker.PollingStrategy) []byte {
	b = append(b, uint8(s.Kind))
	return appendU64(b, s.Value)
}

// AppendPartitioning writes [kind u8][len u8][value].
func AppendPartitioning(b []byte, p broker.Partitioning) []byte {
	switch p.Kind {
	case broker.PartitionID:
		b = append(b, uint8(p.Kind), 4)
		return appendU32(b, p.Partition)
	case broker.MessagesKey:
		b = append(b, uint8(p.Kind), uint8(len(p.Key)))
		return append(b, p.Key...)
	default:
		return append(b, uint8(p.Kind), 0)
	}
}
