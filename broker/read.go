package broker

import "fmt"

// maxPollBytes bounds the frames one poll returns, whatever its count: a
// poll returns at least one message and stops before this many bytes.
const maxPollBytes = 64 << 20

// readPlan is one segment's share of a read: messages [rel, rel+n) at
// bytes [from, to) of the log.
type readPlan struct {
	seg      *segment
	rel, n   uint32
	from, to int64
}

// read returns up to count frames starting at offset start (or at the
// first stored offset after it), back to back, with one ReadAt per
// segment touched. The caller holds p.mu for reading.
func (p *partition) read(start uint64, count uint32) ([]byte, uint32, error) {
	plans, total, err := p.planRead(start, count)
	if err != nil || len(plans) == 0 {
		return nil, 0, err
	}

	buf := make([]byte, total)
	var n uint32
	at := int64(0)
	for _, pl := range plans {
		size := pl.to - pl.from
		if err := pl.seg.readAt(buf[at:at+size], pl.from); err != nil {
			return nil, 0, err
		}
		at += size
		n += pl.n
	}

	if err := checkRead(buf, n, plans[0].seg.base+uint64(plans[0].rel)); err != nil {
		return nil, 0, fmt.Errorf("broker: partition %d: %w", p.id, err)
	}
	return buf, n, nil
}

// planRead maps [start, start+count) onto segments, within maxPollBytes.
func (p *partition) planRead(start uint64, count uint32) ([]readPlan, int64, error) {
	var plans []readPlan
	var total int64

	for i := p.segmentAt(start); i < len(p.segs) && count > 0; i++ {
		s := p.segs[i]
		if s.count == 0 {
			continue
		}

		rel := uint32(0)
		if start > s.base {
			rel = uint32(start - s.base)
		}
		n := min(count, s.count-rel)

		from, to, err := s.span(rel, n)
		if err != nil {
			return nil, 0, err
		}

		// Past the byte budget: take what fits (the first message of a
		// read always goes in) and stop.
		if left := maxPollBytes - total; to-from > left {
			if n, err = s.fitBytes(rel, n, from, left); err != nil {
				return nil, 0, err
			}
			if to, err = s.position(rel + n); err != nil {
				return nil, 0, err
			}
			if len(plans) == 0 || to-from <= left {
				plans = append(plans, readPlan{s, rel, n, from, to})
				total += to - from
			}
			break
		}

		plans = append(plans, readPlan{s, rel, n, from, to})
		total += to - from
		count -= n
	}
	return plans, total, nil
}

// checkRead walks the frames read and confirms they are n whole frames
// with consecutive offsets from first. A mismatch means the index points
// at the wrong bytes.
func checkRead(buf []byte, n uint32, first uint64) error {
	pos := 0
	for i := uint32(0); i < n; i++ {
		if len(buf)-pos < FrameHeaderSize {
			return fmt.Errorf("frame %d of a read is cut short: %w", first+uint64(i), ErrCorrupt)
		}
		h := buf[pos:]
		if got := le.Uint64(h[offOffset:]); got != first+uint64(i) {
			return fmt.Errorf("index points at offset %d where %d was expected: %w", got, first+uint64(i), ErrCorrupt)
		}
		pos += int(frameLen(h))
		if pos > len(buf) {
			return fmt.Errorf("frame %d of a read runs past it: %w", first+uint64(i), ErrCorrupt)
		}
	}

	if pos != len(buf) {
		return fmt.Errorf("%d stray bytes after a read: %w", len(buf)-pos, ErrCorrupt)
	}
	return nil
}

// startOffset resolves where a poll starts for the given strategy, and
// whether there is anything to read. stored is the consumer's stored
// offset, if any. The caller holds p.mu for reading.
func (p *partition) startOffset(st PollingStrategy, count uint32, stored uint64, hasStored bool) (uint64, bool, error) {
	if p.next == 0 || count == 0 {
		return 0, false, nil
	}
	first, cur := p.firstOffset(), p.next-1

	switch st.Kind {
	case StrategyOffset:
		if st.Value > cur {
			return 0, false, nil
		}
		return max(st.Value, first), true, nil

	case StrategyTimestamp:
		off, ok, err := p.offsetAtTime(st.Value)
		return off, ok, err

	case StrategyFirst:
		return first, first <= cur, nil

	case StrategyLast:
		n := min(uint64(count), cur+1)
		return max(cur+1-n, first), first <= cur, nil

	case StrategyNext:
		if !hasStored {
			return first, first <= cur, nil
		}
		if stored >= cur {
			return 0, false, nil
		}
		return max(stored+1, first), true, nil
	}
	return 0, false, ErrInvalidCommand.With("unknown polling strategy %d", st.Kind)
}

// offsetAtTime finds the first message with a timestamp >= ts.
func (p *partition) offsetAtTime(ts uint64) (uint64, bool, error) {
	for _, s := range p.segs {
		if s.count == 0 || s.lastTs < ts {
			continue
		}
		rel, err := s.firstAtOrAfter(ts)
		if err != nil {
			return 0, false, err
		}
		if rel < s.count {
			return s.base + uint64(rel), true, nil
		}
	}
	return 0, false, nil
}
