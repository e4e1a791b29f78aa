package broker

import (
	"crypto/rand"
	"encoding/binary"

	"github.com/zeebo/xxh3"
)

// Layout of the 64-byte message frame header (see the package doc).
const (
	// FrameHeaderSize is the size of a message frame header in bytes.
	FrameHeaderSize = 64

	offChecksum   = 0
	offID         = 8
	offOffset     = 24
	offTimestamp  = 32
	offOrigin     = 40
	offHeadersLen = 48
	offPayloadLen = 52
	offReserved   = 56
)

// Message limits, as the Iggy server enforces them.
const (
	// MaxPayloadSize is the largest payload in bytes (error 4022 above).
	MaxPayloadSize = 64_000_000
	// MaxUserHeadersSize is the largest user-headers block in bytes
	// (error 4017 above).
	MaxUserHeadersSize = 100_000
)

var le = binary.LittleEndian

// FrameSize returns the encoded size of m in bytes.
func FrameSize(m *Message) int {
	return FrameHeaderSize + len(m.Payload) + len(m.Headers)
}

// AppendFrame appends the frame of m to dst as m stands (offset,
// timestamps and id as given, checksum computed) and returns the result.
func AppendFrame(dst []byte, m *Message) []byte {
	start := len(dst)
	dst = appendFrameUnsummed(dst, m)
	le.PutUint64(dst[start+offChecksum:], xxh3.Hash(dst[start+offID:]))
	return dst
}

// appendFrameUnsummed is AppendFrame leaving the checksum zero, for
// frames stampFrames checksums once their offset is known.
func appendFrameUnsummed(dst []byte, m *Message) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, FrameHeaderSize)...)
	dst = append(dst, m.Payload...)
	dst = append(dst, m.Headers...)

	h := dst[start : start+FrameHeaderSize]
	copy(h[offID:offID+16], m.ID[:])
	le.PutUint64(h[offOffset:], m.Offset)
	le.PutUint64(h[offTimestamp:], m.Timestamp)
	le.PutUint64(h[offOrigin:], m.OriginTimestamp)
	le.PutUint32(h[offHeadersLen:], uint32(len(m.Headers)))
	le.PutUint32(h[offPayloadLen:], uint32(len(m.Payload)))
	return dst
}

// frameLen reads the total frame size from a header.
func frameLen(h []byte) int64 {
	return FrameHeaderSize + int64(le.Uint32(h[offPayloadLen:])) +
		int64(le.Uint32(h[offHeadersLen:]))
}

// checkFrameLimits reports the Iggy error for a header whose payload or
// user headers are over the limits.
func checkFrameLimits(h []byte) error {
	if p := le.Uint32(h[offPayloadLen:]); p > MaxPayloadSize {
		return ErrTooBigMessagePayload.With("payload of %d bytes", p)
	}
	if u := le.Uint32(h[offHeadersLen:]); u > MaxUserHeadersSize {
		return ErrTooBigUserHeaders.With("user headers of %d bytes", u)
	}
	return nil
}

// frameValid reports whether f is one whole frame with a good checksum.
func frameValid(f []byte) bool {
	return len(f) >= FrameHeaderSize && int64(len(f)) == frameLen(f) &&
		le.Uint64(f[offChecksum:]) == xxh3.Hash(f[offID:])
}

// splitFrames checks that frames holds exactly count frames within the
// limits and appends each frame's end position to ends.
func splitFrames(frames []byte, count uint32, ends []int) ([]int, error) {
	if count == 0 {
		return ends, ErrInvalidMessagesCount.With("no messages")
	}

	pos := 0
	for i := uint32(0); i < count; i++ {
		if len(frames)-pos < FrameHeaderSize {
			return ends, ErrTooSmallMessage.With("message %d: %d bytes left", i, len(frames)-pos)
		}

		h := frames[pos : pos+FrameHeaderSize]
		if err := checkFrameLimits(h); err != nil {
			return ends, err
		}

		n := frameLen(h)
		if n > int64(len(frames)-pos) {
			return ends, ErrInvalidMessagesSize.With("message %d: %d bytes past the end", i, n-int64(len(frames)-pos))
		}
		pos += int(n)
		ends = append(ends, pos)
	}

	if pos != len(frames) {
		return ends, ErrInvalidMessagesSize.With("%d bytes after %d messages", len(frames)-pos, count)
	}
	return ends, nil
}

// stampFrames sets offset, timestamp, reserved, a random id where the id is
// zero, and the checksum of every frame of batch (frame i ends at ends[i]).
func stampFrames(batch []byte, ends []int, firstOffset, timestamp uint64) {
	var ids [16 * 64]byte
	used := len(ids)

	pos := 0
	for i, end := range ends {
		f := batch[pos:end]
		if zeroID(f[offID : offID+16]) {
			if used == len(ids) {
				_, _ = rand.Read(ids[:])
				used = 0
			}
			putRandomID(f[offID:offID+16], ids[used:used+16])
			used += 16
		}

		le.PutUint64(f[offOffset:], firstOffset+uint64(i))
		le.PutUint64(f[offTimestamp:], timestamp)
		le.PutUint64(f[offReserved:], 0)
		le.PutUint64(f[offChecksum:], xxh3.Hash(f[offID:]))
		pos = end
	}
}

func zeroID(id []byte) bool {
	return le.Uint64(id) == 0 && le.Uint64(id[8:]) == 0
}

// putRandomID writes a version-4 UUID made of rnd into id.
func putRandomID(id, rnd []byte) {
	copy(id, rnd)
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
}

// decodeFrames turns count frames laid back to back into messages whose
// Payload and Headers alias frames.
func decodeFrames(frames []byte, count uint32) []Message {
	msgs := make([]Message, 0, count)
	for len(frames) >= FrameHeaderSize {
		n := int(frameLen(frames))
		if n > len(frames) {
			break
		}
		msgs = append(msgs, decodeFrame(frames[:n:n]))
		frames = frames[n:]
	}
	return msgs
}

// decodeFrame decodes one whole frame; Payload and Headers alias f, with
// their capacity cut at their end so an append to one cannot overwrite
// the next.
func decodeFrame(f []byte) Message {
	var m Message
	copy(m.ID[:], f[offID:offID+16])
	m.Offset = le.Uint64(f[offOffset:])
	m.Timestamp = le.Uint64(f[offTimestamp:])
	m.OriginTimestamp = le.Uint64(f[offOrigin:])

	p := int(le.Uint32(f[offPayloadLen:]))
	body := f[FrameHeaderSize:]
	m.Payload = body[:p:p]
	if len(body) > p {
		m.Headers = body[p:len(body):len(body)]
	}
	return m
}

// DecodeFrames decodes count frames laid back to back (a PollFrames
// result) into messages whose Payload and Headers alias frames. It
// returns ErrInvalidMessagesSize when frames do not hold exactly count
// whole frames.
func DecodeFrames(frames []byte, count uint32) ([]Message, error) {
	if count == 0 && len(frames) == 0 {
		return nil, nil
	}
	if _, err := splitFrames(frames, count, nil); err != nil {
		return nil, err
	}
	return decodeFrames(frames, count), nil
}
