package wire

import (
	"encoding/binary"

	"github.com/iggyflow/iggyflow/broker"
)

// Message frame layout and batch limits.
const (
	// MessageHeaderSize is the size of a message frame's fixed header.
	MessageHeaderSize = 64
	// IndexEntrySize is the size of one SendMessages index entry.
	IndexEntrySize = 16
	// MaxMessagePayload is the server's payload limit per message (4022).
	MaxMessagePayload = 64_000_000
	// MaxUserHeaders is the server's user-headers limit per message (4017).
	MaxUserHeaders = 100_000
)

// Offsets of the message header fields.
const (
	msgID              = 8
	msgOffset          = 24
	msgTimestamp       = 32
	msgOriginTimestamp = 40
	msgHeadersLen      = 48
	msgPayloadLen      = 52
)

// PollMessages (100): [consumer][stream][topic][partition 5 bytes]
// [strategy 9 bytes][count u32][auto_commit u8].
type PollMessages struct {
	Consumer broker.Consumer
	TopicPath
	Partition  *uint32
	Strategy   broker.PollingStrategy
	Count      uint32
	AutoCommit bool
}

func (PollMessages) Code() Code { return CodePollMessages }

func (r PollMessages) AppendTo(b []byte) []byte {
	b = AppendConsumer(b, r.Consumer)
	b = r.TopicPath.appendTo(b)
	b = AppendOptionalPartition(b, r.Partition)
	b = AppendStrategy(b, r.Strategy)
	b = appendU32(b, r.Count)
	return appendBool(b, r.AutoCommit)
}

func decodePollMessages(d *decoder) Request {
	r := PollMessages{Consumer: d.consumer()}
	r.TopicPath = d.topicPath()
	r.Partition = d.partition()
	r.Strategy = d.strategy()
	r.Count = d.u32("count")
	r.AutoCommit = d.bool8("auto commit")
	return r
}

// SendMessages (101):
//
//	[metadata_length u32][stream][topic][partitioning][count u32]
//	[count x index entry [0 u32][end_position u32][0 u64]]
//	[message area: count frames back to back]
//
// Identifier problems are 6; a batch that breaks the index rules is one of
// 4009, 4031-4036, 4100, 10011, as on the real server.
type SendMessages struct {
	TopicPath
	Partitioning broker.Partitioning
	// Count is the number of messages in Frames.
	Count uint32
	// Frames is the message area. A decoded request aliases the payload.
	Frames []byte
}

func (SendMessages) Code() Code { return CodeSendMessages }

// AppendTo writes the request, deriving the index block from Frames.
func (r SendMessages) AppendTo(b []byte) []byte {
	meta := r.TopicPath.appendTo(nil)
	meta = AppendPartitioning(meta, r.Partitioning)
	meta = appendU32(meta, r.Count)

	b = appendU32(b, uint32(len(meta)))
	b = append(b, meta...)
	end := 0
	for i := uint32(0); i < r.Count; i++ {
		end += frameSize(r.Frames[end:])
		b = appendU32(b, 0)
		b = appendU32(b, uint32(end))
		b = appendU64(b, 0)
	}
	return append(b, r.Frames...)
}

// frameSize returns the size of the frame at the start of b, or len(b) when
// b is too short to hold a header.
func frameSize(b []byte) int {
	if len(b) < MessageHeaderSize {
		return len(b)
	}
	n := MessageHeaderSize + int(binary.LittleEndian.Uint32(b[msgPayloadLen:])) +
		int(binary.LittleEndian.Uint32(b[msgHeadersLen:]))
	return min(n, len(b))
}

func decodeSendMessages(d *decoder) Request {
	mlen := d.u32("metadata length")
	meta := d.take(int(mlen), "metadata")
	if d.err != nil {
		return nil
	}

	md := newDecoder(meta)
	md.idErr = broker.ErrInvalidIdentifier
	r := SendMessages{TopicPath: md.topicPath()}
	md.idErr = nil
	r.Partitioning = md.partitioning()
	r.Count = md.u32("messages count")
	if md.err != nil {
		d.err = md.err
		return nil
	}
	if r.Count == 0 {
		d.fail(broker.ErrInvalidMessagesCount, "no messages")
		return nil
	}

	if int64(r.Count)*IndexEntrySize > int64(d.remaining()) {
		d.fail(broker.ErrInvalidIndexesByteSize, "%d index entries, %d bytes left", r.Count, d.remaining())
		return nil
	}
	index := d.take(int(r.Count)*IndexEntrySize, "index")
	r.Frames = d.take(d.remaining(), "messages")
	if err := ValidateBatch(r.Count, index, r.Frames); err != nil {
		d.err = err
		return nil
	}
	r.Partitioning.Key = append([]byte(nil), r.Partitioning.Key...)
	return r
}

// ValidateBatch checks a SendMessages index block against its message area
// as the real server does: each index entry's offset and timestamp fields
// are zero (4031, 4032), end positions never decrease (10011), message i
// spans from the end of message i-1 to its own end position (the last one
// to the end of the area) and its header lengths fill exactly that span
// (4033), sizes stay within the payload and header limits (4022, 4017), the
// last end position is the end of the area (4036), and header offsets
// never decrease (4100).
func ValidateBatch(count uint32, index, area []byte) error {
	start := 0
	var lastOffset uint64
	for i := 0; i < int(count); i++ {
		e := index[i*IndexEntrySize : (i+1)*IndexEntrySize]
		if binary.LittleEndian.Uint32(e[0:4]) != 0 {
			return broker.ErrNonZeroOffset.With("index entry %d", i)
		}
		if binary.LittleEndian.Uint64(e[8:16]) != 0 {
			return broker.ErrNonZeroTimestamp.With("index entry %d", i)
		}
		pos := int(binary.LittleEndian.Uint32(e[4:8]))
		if pos < start {
			return broker.ErrCannotReadIndexPosition.With("index entry %d ends at %d before %d", i, pos, start)
		}
		end := pos
		if i == int(count)-1 {
			if pos != len(area) {
				return broker.ErrInvalidMessagesSize.With("index ends at %d, message area is %d bytes", pos, len(area))
			}
			end = len(area)
		}
		if end > len(area) {
			return broker.ErrMissingIndex.With("message %d ends at %d past the %d-byte area", i, end, len(area))
		}
		offset, err := checkFrame(i, area[start:end])
		if err != nil {
			return err
		}
		if offset < lastOffset {
			return broker.ErrInvalidOffset.With("message %d offset %d after %d", i, offset, lastOffset)
		}
		lastOffset, start = offset, end
	}
	return nil
}

// checkFrame checks that msg is exactly one message frame and returns its
// header offset.
func checkFrame(i int, msg []byte) (uint64, error) {
	if len(msg) < MessageHeaderSize {
		return 0, broker.ErrMissingIndex.With("message %d is %d bytes, below the header size", i, len(msg))
	}
	p := binary.LittleEndian.Uint32(msg[msgPayloadLen:])
	h := binary.LittleEndian.Uint32(msg[msgHeadersLen:])
	if p > MaxMessagePayload {
		return 0, broker.ErrTooBigMessagePayload.With("message %d payload of %d bytes", i, p)
	}
	if h > MaxUserHeaders {
		return 0, broker.ErrTooBigUserHeaders.With("message %d headers of %d bytes", i, h)
	}
	if MessageHeaderSize+int(p)+int(h) != len(msg) {
		return 0, broker.ErrMissingIndex.With("message %d spans %d bytes, its header says %d",
			i, len(msg), MessageHeaderSize+int(p)+int(h))
	}
	return binary.LittleEndian.Uint64(msg[msgOffset:]), nil
}
