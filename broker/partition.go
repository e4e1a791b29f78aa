package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// partitionConfig is what a partition needs from the broker's options.
type partitionConfig struct {
	segmentSize int64
	fsync       FsyncPolicy
	log         *slog.Logger
	// tailWindow is how many bytes at the end of the last segment
	// recovery always verifies (defaultTailWindow).
	tailWindow int64
}

// partition is one append-only sequence of messages: segments in offset
// order, the last one active. mu guards every field below it; appends take
// it for writing, reads for reading, so partitions never wait on each
// other.
type partition struct {
	id        uint32
	createdAt uint64
	dir       string
	cfg       partitionConfig
	offsets   *offsetStore

	mu       sync.RWMutex
	segs     []*segment
	next     uint64 // the offset the next message takes
	lastTs   uint64 // the newest append timestamp, µs
	deleted  bool   // set when the partition's topic or stream is gone
	unsynced bool   // the active segment has writes not yet synced

	// Scratch buffers reused by appends (under mu).
	batch   []byte
	ends    []int
	entries []byte
}

func partitionDir(topicDir string, id uint32) string {
	return filepath.Join(topicDir, "partitions", fmt.Sprint(id))
}

// createPartition makes a fresh partition directory (removing any stale
// one) with an empty first segment.
func createPartition(dir string, id uint32, createdAt uint64, cfg partitionConfig) (*partition, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("broker: clear partition dir %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("broker: create partition dir %s: %w", dir, err)
	}

	p, err := openPartition(dir, id, createdAt, cfg)
	if err != nil || cfg.fsync == FsyncNever {
		return p, err
	}

	// Make the directory and the first segment's names durable, so a
	// synced append cannot end up in a file a power loss unlinks. The
	// topic's own directories are synced by its creator.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := syncDir(d); err != nil {
			p.closeSegments()
			return nil, err
		}
	}
	return p, nil
}

// openPartition opens the segments in dir and recovers the last one.
func openPartition(dir string, id uint32, createdAt uint64, cfg partitionConfig) (*partition, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("broker: create partition dir %s: %w", dir, err)
	}
	offsets, err := openOffsetStore(filepath.Join(dir, "offsets"), cfg.fsync == FsyncEveryAppend)
	if err != nil {
		return nil, err
	}

	p := &partition{id: id, createdAt: createdAt, dir: dir, cfg: cfg, offsets: offsets}
	if err := p.loadSegments(); err != nil {
		p.closeSegments()
		return nil, err
	}
	if err := p.clampOffsets(); err != nil {
		p.closeSegments()
		return nil, err
	}
	return p, nil
}

// clampOffsets brings stored offsets beyond the recovered end of the
// partition back to its last offset (or removes them when it is empty)
// and tells the operator about each one.
func (p *partition) clampOffsets() error {
	changed, err := p.offsets.clampTo(p.next)
	for _, c := range changed {
		if c.deleted {
			p.cfg.log.Warn("broker: deleted a stored offset of a partition that recovery left empty",
				"consumer", c.key.name(), "old_offset", c.old)
			continue
		}
		p.cfg.log.Warn("broker: moved a stored offset back to the partition's last offset after recovery",
			"consumer", c.key.name(), "old_offset", c.old, "new_offset", c.new)
	}
	return err
}

// loadSegments opens every segment: sealed ones are checked cheaply and
// rebuilt if the check fails, the last one is recovered.
func (p *partition) loadSegments() error {
	bases, err := listSegments(p.dir)
	if err != nil {
		return err
	}
	if len(bases) == 0 {
		s, err := createSegment(p.dir, 0)
		if err != nil {
			return err
		}
		p.segs = []*segment{s}
		return nil
	}

	for i, base := range bases {
		s, err := openSegmentFiles(p.dir, base)
		if err != nil {
			return err
		}
		p.segs = append(p.segs, s)

		if err := p.loadSegment(s, i == len(bases)-1); err != nil {
			return err
		}
		if i > 0 && s.base != p.segs[i-1].end() {
			return fmt.Errorf("broker: segment %s starts at %d, previous ends at %d: %w",
				s.logPath(), s.base, p.segs[i-1].end(), ErrCorrupt)
		}
	}

	last := p.segs[len(p.segs)-1]
	p.next = last.end()
	for _, s := range p.segs {
		p.lastTs = max(p.lastTs, s.lastTs)
	}
	return nil
}

func (p *partition) loadSegment(s *segment, last bool) error {
	if !last {
		ok, err := checkSealed(s)
		if err != nil || ok {
			return err
		}
	}

	rep, err := recoverSegment(s, p.cfg.tailWindow, !last)
	if err != nil {
		return err
	}
	logRecovery(p.cfg.log, s, rep)
	return nil
}

func (p *partition) active() *segment { return p.segs[len(p.segs)-1] }

// errGone is what operations on a deleted partition return.
func (p *partition) errGone() error {
	return ErrPartitionNotFound.With("partition %d was deleted", p.id)
}

// appendBatch stamps and writes the frames of batch (frame i ends at
// ends[i]) with offsets from p.next and one timestamp, rolling over to new
// segments as they fill. The caller holds p.mu for writing. On error a
// prefix of the batch may have been appended; the partition stays
// consistent.
func (p *partition) appendBatch(batch []byte, ends []int, now uint64) (first, last uint64, err error) {
	if p.deleted {
		return 0, 0, p.errGone()
	}

	ts := max(now, p.lastTs)
	first = p.next
	stampFrames(batch, ends, first, ts)

	for done := 0; done < len(ends); {
		n, err := p.writeChunk(batch, ends, done, ts)
		if err != nil {
			return first, p.next - 1, err
		}
		done += n
	}

	p.lastTs = ts
	if err := p.syncAfterAppend(); err != nil {
		return first, p.next - 1, err
	}
	return first, p.next - 1, nil
}

// writeChunk writes as many frames from ends[done:] as fit in the active
// segment (rolling first when not even one fits) and returns how many.
func (p *partition) writeChunk(batch []byte, ends []int, done int, ts uint64) (int, error) {
	s := p.active()
	from := 0
	if done > 0 {
		from = ends[done-1]
	}

	n := 0
	for done+n < len(ends) && (s.size == 0 && n == 0 || s.size+int64(ends[done+n]-from) <= p.cfg.segmentSize) {
		n++
	}
	if n == 0 {
		return 0, p.roll()
	}

	p.entries = p.entries[:0]
	pos := from
	for i := 0; i < n; i++ {
		var e [indexEntrySize]byte
		putIndexEntry(e[:], indexEntry{rel: s.count + uint32(i), pos: uint32(s.size + int64(pos-from)), ts: ts})
		p.entries = append(p.entries, e[:]...)
		pos = ends[done+i]
	}

	if err := s.write(batch[from:pos], p.entries); err != nil {
		return 0, err
	}

	if s.count == 0 {
		s.firstTs = ts
	}
	s.lastTs = ts
	s.size += int64(pos - from)
	s.count += uint32(n)
	p.next += uint64(n)
	p.unsynced = true
	return n, nil
}

// roll seals the active segment and starts a new one at p.next.
func (p *partition) roll() error {
	if p.cfg.fsync != FsyncNever {
		if err := p.active().sync(); err != nil {
			return err
		}
	}

	s, err := createSegment(p.dir, p.next)
	if err != nil {
		return err
	}
	p.segs = append(p.segs, s)
	p.unsynced = false

	if p.cfg.fsync != FsyncNever {
		return syncDir(p.dir)
	}
	return nil
}

func (p *partition) syncAfterAppend() error {
	if p.cfg.fsync != FsyncEveryAppend {
		return nil
	}
	if err := p.active().sync(); err != nil {
		return err
	}
	p.unsynced = false
	return nil
}

// syncIfDirty syncs the active segment if it has unsynced writes.
func (p *partition) syncIfDirty() error {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.deleted || !p.unsynced {
		return nil
	}
	if err := p.active().sync(); err != nil {
		return err
	}
	p.unsynced = false
	return nil
}

// currentOffset is the last assigned offset, 0 when none. The caller
// holds p.mu.
func (p *partition) currentOffset() uint64 {
	if p.next == 0 {
		return 0
	}
	return p.next - 1
}

// firstOffset is the first offset still stored; p.next when empty.
func (p *partition) firstOffset() uint64 {
	for _, s := range p.segs {
		if s.count > 0 {
			return s.base
		}
	}
	return p.next
}

// info returns the partition's counters. It takes p.mu for reading.
func (p *partition) info() PartitionInfo {
	p.mu.RLock()
	defer p.mu.RUnlock()

	pi := PartitionInfo{ID: p.id, CreatedAt: p.createdAt, SegmentsCount: uint32(len(p.segs)),
		CurrentOffset: p.currentOffset()}
	for _, s := range p.segs {
		pi.SizeBytes += uint64(s.size)
		pi.MessagesCount += uint64(s.count)
	}
	return pi
}

// purge deletes every message and stored offset; offsets restart at 0.
func (p *partition) purge() error {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.deleted {
		return p.errGone()
	}

	var errs []error
	for _, s := range p.segs {
		errs = append(errs, s.remove())
	}
	p.segs, p.next, p.lastTs = nil, 0, 0

	s, err := createSegment(p.dir, 0)
	if err != nil {
		// Without a segment the partition cannot take appends.
		p.deleted = true
		return errors.Join(append(errs, err)...)
	}
	p.segs = []*segment{s}
	errs = append(errs, p.offsets.clear())
	return errors.Join(errs...)
}

// markDeleted closes the partition's files; later calls fail with 3007.
func (p *partition) markDeleted() error {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.deleted {
		return nil
	}
	p.deleted = true
	return p.closeSegments()
}

// close syncs and closes the files.
func (p *partition) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.deleted {
		return nil
	}
	p.deleted = true

	var errs []error
	if len(p.segs) > 0 {
		errs = append(errs, p.active().sync())
	}
	errs = append(errs, p.closeSegments())
	return errors.Join(errs...)
}

func (p *partition) closeSegments() error {
	var errs []error
	for _, s := range p.segs {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

// segmentAt returns the index of the segment holding offset off, or of the
// first segment after it.
func (p *partition) segmentAt(off uint64) int {
	return sort.Search(len(p.segs), func(i int) bool { return p.segs[i].end() > off })
}

// dropOldest deletes the first segment if it is sealed and doomed says so,
// and reports whether it did.
func (p *partition) dropOldest(doomed func(*segment) bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.deleted || len(p.segs) < 2 || !doomed(p.segs[0]) {
		return false
	}

	s := p.segs[0]
	p.segs = p.segs[1:]
	if err := s.remove(); err != nil {
		p.cfg.log.Error("broker: delete segment", "segment", s.logPath(), "err", err)
	}
	p.cfg.log.Info("broker: deleted segment by retention", "segment", s.logPath(),
		"messages", s.count, "size_bytes", s.size)
	return true
}
