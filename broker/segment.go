package broker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// indexEntrySize is the size of one index entry: relative offset u32,
// position u32, timestamp u64, all little-endian.
const indexEntrySize = 16

const (
	logExt   = ".log"
	indexExt = ".index"
)

// indexEntry locates one message of a segment.
type indexEntry struct {
	rel uint32 // offset minus the segment's base offset
	pos uint32 // byte position of the frame in the log file
	ts  uint64 // the message's append timestamp, µs
}

func putIndexEntry(b []byte, e indexEntry) {
	le.PutUint32(b[0:], e.rel)
	le.PutUint32(b[4:], e.pos)
	le.PutUint64(b[8:], e.ts)
}

func readIndexEntry(b []byte) indexEntry {
	return indexEntry{rel: le.Uint32(b[0:]), pos: le.Uint32(b[4:]), ts: le.Uint64(b[8:])}
}

// segment is one log file and its index. Its fields are guarded by the
// owning partition's lock; the files are read with ReadAt under the read
// lock and written with WriteAt under the write lock.
type segment struct {
	base  uint64
	dir   string
	log   *os.File
	idx   *os.File
	size  int64  // bytes of whole frames in the log
	count uint32 // messages, equal to index entries
	// firstTs and lastTs are the first and last message timestamps; zero
	// while the segment is empty.
	firstTs, lastTs uint64
}

func segmentName(base uint64) string { return fmt.Sprintf("%020d", base) }

func (s *segment) logPath() string {
	return filepath.Join(s.dir, segmentName(s.base)+logExt)
}

func (s *segment) indexPath() string {
	return filepath.Join(s.dir, segmentName(s.base)+indexExt)
}

// end is the offset the next message of this segment would take.
func (s *segment) end() uint64 { return s.base + uint64(s.count) }

// createSegment creates an empty segment, replacing any stale files.
func createSegment(dir string, base uint64) (*segment, error) {
	s := &segment{base: base, dir: dir}
	var err error
	if s.log, err = os.OpenFile(s.logPath(), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
		return nil, fmt.Errorf("broker: create segment %s: %w", s.logPath(), err)
	}
	if s.idx, err = os.OpenFile(s.indexPath(), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
		s.log.Close()
		return nil, fmt.Errorf("broker: create index %s: %w", s.indexPath(), err)
	}
	return s, nil
}

// openSegmentFiles opens an existing segment's files; a missing index is
// created empty (recovery rebuilds it).
func openSegmentFiles(dir string, base uint64) (*segment, error) {
	s := &segment{base: base, dir: dir}
	var err error
	if s.log, err = os.OpenFile(s.logPath(), os.O_RDWR, 0); err != nil {
		return nil, fmt.Errorf("broker: open segment %s: %w", s.logPath(), err)
	}
	if s.idx, err = os.OpenFile(s.indexPath(), os.O_RDWR|os.O_CREATE, 0o644); err != nil {
		s.log.Close()
		return nil, fmt.Errorf("broker: open index %s: %w", s.indexPath(), err)
	}
	return s, nil
}

// listSegments returns the base offsets of the segment files in dir,
// ascending.
func listSegments(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("broker: list segments in %s: %w", dir, err)
	}

	var bases []uint64
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), logExt)
		if !ok || len(name) != 20 {
			continue
		}
		if base, err := strconv.ParseUint(name, 10, 64); err == nil {
			bases = append(bases, base)
		}
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	return bases, nil
}

// write appends whole frames (batch) and their index entries (entries) at
// the segment's end. On error the files are cut back so the segment holds
// only what it held before.
func (s *segment) write(batch, entries []byte) error {
	if _, err := s.log.WriteAt(batch, s.size); err != nil {
		s.rollback()
		return fmt.Errorf("broker: write segment %s: %w", s.logPath(), err)
	}
	if _, err := s.idx.WriteAt(entries, int64(s.count)*indexEntrySize); err != nil {
		s.rollback()
		return fmt.Errorf("broker: write index %s: %w", s.indexPath(), err)
	}
	return nil
}

func (s *segment) rollback() {
	_ = s.log.Truncate(s.size)
	_ = s.idx.Truncate(int64(s.count) * indexEntrySize)
}

// entry reads index entry rel (0 <= rel < count).
func (s *segment) entry(rel uint32) (indexEntry, error) {
	var b [indexEntrySize]byte
	if _, err := s.idx.ReadAt(b[:], int64(rel)*indexEntrySize); err != nil {
		return indexEntry{}, fmt.Errorf("broker: read index %s entry %d: %w", s.indexPath(), rel, err)
	}
	return readIndexEntry(b[:]), nil
}

// position returns the log position of message rel; rel == count gives
// the end of the log.
func (s *segment) position(rel uint32) (int64, error) {
	if rel >= s.count {
		return s.size, nil
	}
	e, err := s.entry(rel)
	return int64(e.pos), err
}

// span returns the byte range of messages [rel, rel+n).
func (s *segment) span(rel, n uint32) (from, to int64, err error) {
	if from, err = s.position(rel); err != nil {
		return 0, 0, err
	}
	to, err = s.position(rel + n)
	return from, to, err
}

// fitBytes returns how many of the n messages from rel fit in limit bytes,
// at least one. It binary-searches the index.
func (s *segment) fitBytes(rel, n uint32, from int64, limit int64) (uint32, error) {
	lo, hi := uint32(1), n // the answer is in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		to, err := s.position(rel + mid)
		if err != nil {
			return 0, err
		}
		if to-from <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}

// firstAtOrAfter returns the relative offset of the first message whose
// timestamp is >= ts, or count when there is none. Timestamps never
// decrease within a partition, so the index is sorted by them.
func (s *segment) firstAtOrAfter(ts uint64) (uint32, error) {
	lo, hi := uint32(0), s.count
	for lo < hi {
		mid := lo + (hi-lo)/2
		e, err := s.entry(mid)
		if err != nil {
			return 0, err
		}
		if e.ts >= ts {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// readAt reads [from, to) of the log into dst, which must be that long.
func (s *segment) readAt(dst []byte, from int64) error {
	if _, err := s.log.ReadAt(dst, from); err != nil {
		return fmt.Errorf("broker: read segment %s at %d: %w", s.logPath(), from, err)
	}
	return nil
}

// sync flushes both files to stable storage.
func (s *segment) sync() error {
	if err := s.log.Sync(); err != nil {
		return fmt.Errorf("broker: sync segment %s: %w", s.logPath(), err)
	}
	if err := s.idx.Sync(); err != nil {
		return fmt.Errorf("broker: sync index %s: %w", s.indexPath(), err)
	}
	return nil
}

func (s *segment) close() error {
	err1 := s.log.Close()
	err2 := s.idx.Close()
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("broker: close segment %s: %w", s.logPath(), err)
	}
	return nil
}

// remove closes the segment and deletes its files.
func (s *segment) remove() error {
	cerr := s.close()
	err1 := os.Remove(s.logPath())
	err2 := os.Remove(s.indexPath())
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("broker: remove segment %s: %w", s.logPath(), err)
	}
	return cerr
}
