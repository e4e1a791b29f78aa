package broker

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"

	"github.com/zeebo/xxh3"
)

// defaultTailWindow is how much of the last segment recovery verifies message by
// message when its index looks sound: frames before the window are trusted
// to the index, frames inside it (and any the index misses) are read and
// checksummed. A torn write only ever damages the tail, so this bounds the
// cost of opening a large partition without weakening torn-tail repair.
const defaultTailWindow = 4 << 20

// scanResult is what a scan of a segment's log found.
type scanResult struct {
	// entries index the valid frames found, in order.
	entries []indexEntry
	// end is the position just past the last valid frame.
	end int64
}

// scanFrames reads frames from r starting at pos, the position of message
// rel of a segment with the given base offset, and stops at the first
// frame that is torn, over the limits, out of offset sequence or failing
// its checksum, or at size. It never reads past size.
func scanFrames(r io.ReaderAt, size int64, base uint64, rel uint32, pos int64) (scanResult, error) {
	res := scanResult{end: pos}
	br := bufio.NewReaderSize(io.NewSectionReader(r, pos, size-pos), 1<<20)
	var frame []byte

	for size-pos >= FrameHeaderSize {
		var h [FrameHeaderSize]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return res, fmt.Errorf("read frame header at %d: %w", pos, err)
		}

		n := frameLen(h[:])
		if checkFrameLimits(h[:]) != nil || n > size-pos ||
			le.Uint64(h[offOffset:]) != base+uint64(rel) {
			break
		}

		frame = append(frame[:0], h[:]...)
		frame = append(frame, make([]byte, n-FrameHeaderSize)...)
		if _, err := io.ReadFull(br, frame[FrameHeaderSize:]); err != nil {
			return res, fmt.Errorf("read frame at %d: %w", pos, err)
		}
		if le.Uint64(frame[offChecksum:]) != xxh3.Hash(frame[offID:]) {
			break
		}

		ts := le.Uint64(frame[offTimestamp:])
		if k := len(res.entries); k > 0 && ts < res.entries[k-1].ts {
			break
		}

		res.entries = append(res.entries, indexEntry{rel: rel, pos: uint32(pos), ts: ts})
		rel++
		pos += n
		res.end = pos
	}
	return res, nil
}

// loadIndex reads the index of s and returns its longest sound prefix:
// entry i has relative offset i, positions start at 0 and increase,
// stay below logSize, and timestamps never decrease.
func loadIndex(s *segment, logSize int64) ([]indexEntry, error) {
	st, err := s.idx.Stat()
	if err != nil {
		return nil, fmt.Errorf("broker: stat index %s: %w", s.indexPath(), err)
	}

	n := st.Size() / indexEntrySize
	br := bufio.NewReaderSize(io.NewSectionReader(s.idx, 0, n*indexEntrySize), 64<<10)
	entries := make([]indexEntry, 0, n)

	for i := int64(0); i < n; i++ {
		var b [indexEntrySize]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("broker: read index %s: %w", s.indexPath(), err)
		}

		e := readIndexEntry(b[:])
		if !entryFollows(entries, e, logSize) {
			break
		}
		entries = append(entries, e)
	}
	return entries, nil
}

func entryFollows(prev []indexEntry, e indexEntry, logSize int64) bool {
	k := len(prev)
	if e.rel != uint32(k) || int64(e.pos) >= logSize {
		return false
	}
	if k == 0 {
		return e.pos == 0
	}
	last := prev[k-1]
	return e.pos > last.pos && e.ts >= last.ts
}

// recoverReport says what recovering one segment changed.
type recoverReport struct {
	truncatedBytes int64
	indexRebuilt   bool
	// indexed is how many entries the index file held before recovery.
	indexed int
}

// recoverSegment makes s hold only whole valid frames with an index that
// agrees with them: it verifies the tail window (or everything after the
// index's sound prefix), truncates a torn tail after the last valid frame,
// and rewrites the index entries that disagree or are missing. A sealed
// segment is never truncated: damage there fails with ErrCorrupt.
func recoverSegment(s *segment, window int64, sealed bool) (recoverReport, error) {
	var rep recoverReport
	st, err := s.log.Stat()
	if err != nil {
		return rep, fmt.Errorf("broker: stat segment %s: %w", s.logPath(), err)
	}
	logSize := st.Size()
	if ist, err := s.idx.Stat(); err == nil {
		rep.indexed = int(ist.Size() / indexEntrySize)
	}

	idx, err := loadIndex(s, logSize)
	if err != nil {
		return rep, err
	}

	start := scanStart(idx, logSize, window)
	var pos int64
	if start < len(idx) {
		pos = int64(idx[start].pos)
	} else if start > 0 {
		pos = int64(idx[start-1].pos) // re-verify the last indexed frame
		start--
	}

	res, err := scanFrames(s.log, logSize, s.base, uint32(start), pos)
	if err != nil {
		return rep, fmt.Errorf("broker: scan segment %s: %w", s.logPath(), err)
	}

	// The log is the truth and the index only a guide: before cutting
	// anything off, rescan from the start in case the index led the scan
	// to a wrong position.
	if res.end < logSize && start > 0 {
		start = 0
		if res, err = scanFrames(s.log, logSize, s.base, 0, 0); err != nil {
			return rep, fmt.Errorf("broker: scan segment %s: %w", s.logPath(), err)
		}
	}

	if sealed && res.end < logSize {
		return rep, sealedDamagedError(s.logPath(), s.base+uint64(start+len(res.entries)), res.end)
	}
	if err := checkTorn(s, logSize, uint32(start), res); err != nil {
		return rep, err
	}
	if err := applyScan(s, idx[:start], idx[start:], res, logSize, &rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// checkTorn returns nil when the scan of s from message rel stopped at the
// end of the log or at a torn tail, and an error wrapping ErrCorrupt when
// whole frames follow the damage (see laterFrame), which must not be cut.
func checkTorn(s *segment, logSize int64, rel uint32, res scanResult) error {
	if res.end == logSize {
		return nil
	}

	want := s.base + uint64(rel) + uint64(len(res.entries))
	next, at, found, err := laterFrame(s.log, logSize, want, res.end)
	if err != nil {
		return fmt.Errorf("broker: scan segment %s past its damage: %w", s.logPath(), err)
	}
	if found {
		return damagedError(s.logPath(), want, res.end, next, at)
	}
	return nil
}

// scanStart picks the first index entry to verify: the first one inside
// the tail window, or the end of the sound prefix if that comes first.
func scanStart(idx []indexEntry, logSize, window int64) int {
	for i, e := range idx {
		if int64(e.pos) >= logSize-window {
			return i
		}
	}
	return len(idx)
}

// applyScan truncates the log to the scan's end and makes the index equal
// trusted followed by the scanned entries.
func applyScan(s *segment, trusted, old []indexEntry, res scanResult, logSize int64, rep *recoverReport) error {
	if res.end < logSize {
		if err := s.log.Truncate(res.end); err != nil {
			return fmt.Errorf("broker: truncate segment %s: %w", s.logPath(), err)
		}
		rep.truncatedBytes = logSize - res.end
	}

	agree := 0
	for agree < len(old) && agree < len(res.entries) && old[agree] == res.entries[agree] {
		agree++
	}

	total := len(trusted) + len(res.entries)
	st, err := s.idx.Stat()
	if err != nil {
		return fmt.Errorf("broker: stat index %s: %w", s.indexPath(), err)
	}

	if agree < len(res.entries) || st.Size() != int64(total)*indexEntrySize {
		if err := rewriteIndexTail(s, len(trusted)+agree, res.entries[agree:]); err != nil {
			return err
		}
		rep.indexRebuilt = true
	}

	s.size = res.end
	s.count = uint32(total)
	setTimestamps(s, trusted, res.entries)
	return nil
}

// rewriteIndexTail keeps the first keep entries of the index file and
// writes entries after them.
func rewriteIndexTail(s *segment, keep int, entries []indexEntry) error {
	if err := s.idx.Truncate(int64(keep) * indexEntrySize); err != nil {
		return fmt.Errorf("broker: truncate index %s: %w", s.indexPath(), err)
	}

	buf := make([]byte, len(entries)*indexEntrySize)
	for i, e := range entries {
		putIndexEntry(buf[i*indexEntrySize:], e)
	}
	if _, err := s.idx.WriteAt(buf, int64(keep)*indexEntrySize); err != nil {
		return fmt.Errorf("broker: rewrite index %s: %w", s.indexPath(), err)
	}
	return nil
}

func setTimestamps(s *segment, trusted, scanned []indexEntry) {
	s.firstTs, s.lastTs = 0, 0
	switch {
	case len(trusted) > 0:
		s.firstTs = trusted[0].ts
	case len(scanned) > 0:
		s.firstTs = scanned[0].ts
	}

	switch {
	case len(scanned) > 0:
		s.lastTs = scanned[len(scanned)-1].ts
	case len(trusted) > 0:
		s.lastTs = trusted[len(trusted)-1].ts
	}
}

// checkSealed verifies a sealed segment cheaply: the index must be sound
// at both ends and its last entry must point at a frame that ends exactly
// at the end of the log. It returns false when the segment needs a scan.
func checkSealed(s *segment) (bool, error) {
	lst, err := s.log.Stat()
	if err != nil {
		return false, fmt.Errorf("broker: stat segment %s: %w", s.logPath(), err)
	}
	ist, err := s.idx.Stat()
	if err != nil {
		return false, fmt.Errorf("broker: stat index %s: %w", s.indexPath(), err)
	}

	n := ist.Size() / indexEntrySize
	if n == 0 || ist.Size()%indexEntrySize != 0 || n > int64(^uint32(0)) {
		return false, nil
	}
	s.count, s.size = uint32(n), lst.Size()

	first, err1 := s.entry(0)
	last, err2 := s.entry(uint32(n - 1))
	if err1 != nil || err2 != nil {
		return false, nil
	}
	if first.rel != 0 || first.pos != 0 || last.rel != uint32(n-1) || int64(last.pos)+FrameHeaderSize > s.size {
		return false, nil
	}

	var h [FrameHeaderSize]byte
	if _, err := s.log.ReadAt(h[:], int64(last.pos)); err != nil {
		return false, nil
	}
	if int64(last.pos)+frameLen(h[:]) != s.size || le.Uint64(h[offOffset:]) != s.base+uint64(n-1) {
		return false, nil
	}

	s.firstTs, s.lastTs = first.ts, last.ts
	return true, nil
}

// logRecovery tells the operator what recovery changed in a segment.
func logRecovery(log *slog.Logger, s *segment, rep recoverReport) {
	if rep.truncatedBytes > 0 {
		log.Warn("broker: truncated a torn or corrupt segment tail",
			"segment", s.logPath(), "truncated_bytes", rep.truncatedBytes,
			"messages_kept", s.count)
	}
	if rep.indexRebuilt {
		log.Warn("broker: rebuilt a segment index that disagreed with its log",
			"segment", s.indexPath(), "entries", s.count)
	}
	if lost := rep.indexed - int(s.count); lost > 0 && rep.truncatedBytes == 0 {
		log.Warn("broker: the segment holds fewer messages than its index listed; the log was shortened "+
			"outside the broker and those messages are gone",
			"segment", s.logPath(), "indexed", rep.indexed, "messages_kept", s.count, "lost", lost)
	}
}
