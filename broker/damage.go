package broker

import (
	"fmt"
	"io"

	"github.com/zeebo/xxh3"
)

// damageScanChunk is how much of a log laterFrame reads at a time.
const damageScanChunk = 1 << 20

// laterFrame decides whether the damage recovery found at pos, where the
// frame of offset want should start, is a torn tail. It looks at every
// byte position q after pos for a frame that fits in the log, is within
// the limits, passes its checksum and carries offset want+k with
// 1 <= k <= (q-pos)/FrameHeaderSize: the offset a frame at q would carry
// if the k frames between pos and q (each at least one header long) were
// intact. Finding one means whole messages were written after the damage,
// which a torn write cannot do. It reports the first such frame.
//
// The search reads the rest of the log once, so it costs nothing for a
// torn tail (a part of one frame) and a sequential read of the rest of the
// segment when the damage is earlier.
func laterFrame(r io.ReaderAt, size int64, want uint64, pos int64) (off uint64, at int64, found bool, err error) {
	buf := make([]byte, damageScanChunk+FrameHeaderSize)
	for start := pos + 1; start+FrameHeaderSize <= size; start += damageScanChunk {
		n := min(int64(len(buf)), size-start)
		if _, err := r.ReadAt(buf[:n], start); err != nil && err != io.EOF {
			return 0, 0, false, fmt.Errorf("read at %d: %w", start, err)
		}

		for i := int64(0); i < damageScanChunk && i+FrameHeaderSize <= n; i++ {
			q := start + i
			h := buf[i : i+FrameHeaderSize]
			off := le.Uint64(h[offOffset:])
			if off <= want || off-want > uint64((q-pos)/FrameHeaderSize) {
				continue
			}

			ok, err := validFrameAt(r, size, q, h)
			if err != nil {
				return 0, 0, false, err
			}
			if ok {
				return off, q, true, nil
			}
		}
	}
	return 0, 0, false, nil
}

// validFrameAt reports whether the frame whose header h was read at q is
// within the limits, fits before size and passes its checksum.
func validFrameAt(r io.ReaderAt, size, q int64, h []byte) (bool, error) {
	n := frameLen(h)
	if checkFrameLimits(h) != nil || q+n > size {
		return false, nil
	}

	frame := make([]byte, n)
	if _, err := r.ReadAt(frame, q); err != nil {
		return false, fmt.Errorf("read frame at %d: %w", q, err)
	}
	return le.Uint64(frame[offChecksum:]) == xxh3.Hash(frame[offID:]), nil
}

// damagedError is the error for a log damaged before valid frames: the
// message of offset off at byte pos is bad, the message of offset next at
// byte nextPos is whole.
func damagedError(path string, off uint64, pos int64, next uint64, nextPos int64) error {
	return fmt.Errorf("broker: segment %s is damaged at offset %d (byte %d) but holds valid messages after it "+
		"(offset %d at byte %d), so this is not a torn write and nothing was truncated; to open the broker, "+
		"move the segment's .log and .index files out of the partition directory (losing all its messages) "+
		"or truncate the .log to %d bytes by hand (losing the messages from offset %d on): %w",
		path, off, pos, next, nextPos, pos, off, ErrCorrupt)
}

// sealedDamagedError is the error for a sealed segment whose log is
// damaged at byte pos, where the message of offset off should start. Later
// segments follow it, so cutting it would leave a gap in the offsets.
func sealedDamagedError(path string, off uint64, pos int64) error {
	return fmt.Errorf("broker: sealed segment %s is damaged at offset %d (byte %d) and was left as it is; "+
		"to open the broker, restore the file from a copy, or move it and every segment before it out of the "+
		"partition directory (losing their messages, as if retention had deleted them): %w",
		path, off, pos, ErrCorrupt)
}
