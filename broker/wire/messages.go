package wire

import (
	"encoding/binary"

	"github.com/iggyflow/iggyflow/broker"
)

// AppendMessage appends m as a message frame with checksum 0 and reserved
// 0, the form a client sends. The server sets the checksum when it stores
// the message.
func AppendMessage(b []byte, m broker.Message) []byte {
	b = appendU64(b, 0)
	b = append(b, m.ID[:]...)
	b = appendU64(b, m.Offset)
	b = appendU64(b, m.Timestamp)
	b = appendU64(b, m.OriginTimestamp)
	b = appendU32(b, uint32(len(m.Headers)))
	b = appendU32(b, uint32(len(m.Payload)))
	b = appendU64(b, 0)
	b = append(b, m.Payload...)
	return append(b, m.Headers...)
}

// AppendMessages appends each message as a frame, back to back.
func AppendMessages(b []byte, msgs []broker.Message) []byte {
	for _, m := range msgs {
		b = AppendMessage(b, m)
	}
	return b
}

// ParseMessages decodes count frames from b, which must hold exactly them.
// Payloads and headers alias b. A short or inconsistent frame is 3.
func ParseMessages(b []byte, count uint32) ([]broker.Message, error) {
	out := make([]broker.Message, 0, min(int(count), len(b)/MessageHeaderSize))
	for i := uint32(0); i < count; i++ {
		if len(b) < MessageHeaderSize {
			return nil, broker.ErrInvalidCommand.With("message %d: %d bytes left", i, len(b))
		}
		p := int(binary.LittleEndian.Uint32(b[msgPayloadLen:]))
		h := int(binary.LittleEndian.Uint32(b[msgHeadersLen:]))
		if int64(p)+int64(h) > int64(len(b)-MessageHeaderSize) {
			return nil, broker.ErrInvalidCommand.With("message %d: body of %d bytes, %d left", i, p+h, len(b)-MessageHeaderSize)
		}
		var m broker.Message
		copy(m.ID[:], b[msgID:msgID+16])
		m.Offset = binary.LittleEndian.Uint64(b[msgOffset:])
		m.Timestamp = binary.LittleEndian.Uint64(b[msgTimestamp:])
		m.OriginTimestamp = binary.LittleEndian.Uint64(b[msgOriginTimestamp:])
		body := b[MessageHeaderSize : MessageHeaderSize+p+h]
		m.Payload = body[:p:p]
		if h > 0 {
			m.Headers = body[p:]
		}
		out = append(out, m)
		b = b[MessageHeaderSize+p+h:]
	}
	if len(b) != 0 {
		return nil, broker.ErrInvalidCommand.With("%d bytes after %d messages", len(b), count)
	}
	return out, nil
}

// PollHeaderSize is the size of the PollMessages response header.
const PollHeaderSize = 16

// AppendPollHeader writes the PollMessages response header
// [partition_id u32][current_offset u64][messages_count u32]; the frames
// follow it.
func AppendPollHeader(b []byte, partition uint32, currentOffset uint64, count uint32) []byte {
	b = appendU32(b, partition)
	b = appendU64(b, currentOffset)
	return appendU32(b, count)
}
