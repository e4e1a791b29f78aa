package broker

import (
	"math"
	"time"
)

// sizeThreshold is the share of MaxTopicSize above which the cleaner
// deletes the oldest sealed segments, in percent.
const sizeThreshold = 90

// RunCleaner enforces message expiry and max topic size once, now, and
// returns how many segments it deleted. Only whole sealed segments are
// deleted, never a partition's active one. Unlike Iggy's cleaner, stored
// offsets do not hold segments back: a consumer that falls behind loses
// the deleted messages and its next poll starts at the first offset still
// stored. Errors are logged.
func (b *Broker) RunCleaner() int {
	now := b.opts.nowMicros()
	deleted := 0
	for _, t := range b.cleanerTopics() {
		deleted += b.expireTopic(t, now)
		deleted += b.shrinkTopic(t)
	}
	return deleted
}

// cleanTopic is a snapshot of what the cleaner needs from a topic.
type cleanTopic struct {
	streamID, topicID uint32
	expiry, maxSize   uint64
	parts             []*partition
}

func (b *Broker) cleanerTopics() []cleanTopic {
	b.mu.RLock()
	defer b.mu.RUnlock()

	var out []cleanTopic
	for _, s := range b.streams.all() {
		for _, t := range s.topics.all() {
			if t.expiry == math.MaxUint64 && t.maxSize == math.MaxUint64 {
				continue
			}
			out = append(out, cleanTopic{s.id, t.id, t.expiry, t.maxSize, append([]*partition(nil), t.parts...)})
		}
	}
	return out
}

// expireTopic deletes, per partition, the sealed segments whose last
// message is at least expiry old.
func (b *Broker) expireTopic(t cleanTopic, now uint64) int {
	if t.expiry == math.MaxUint64 {
		return 0
	}

	deleted := 0
	for _, p := range t.parts {
		for p.dropOldest(func(s *segment) bool { return now >= s.lastTs && now-s.lastTs >= t.expiry }) {
			deleted++
		}
	}
	return deleted
}

// shrinkTopic deletes the oldest sealed segments across the topic's
// partitions while the topic is at or above 90 % of its max size.
func (b *Broker) shrinkTopic(t cleanTopic) int {
	if t.maxSize == math.MaxUint64 {
		return 0
	}
	limit := t.maxSize / 100 * sizeThreshold

	deleted := 0
	for topicSize(t.parts) >= limit {
		oldest := oldestSealed(t.parts)
		if oldest == nil || !oldest.dropOldest(func(*segment) bool { return true }) {
			break
		}
		deleted++
	}
	return deleted
}

func topicSize(parts []*partition) uint64 {
	var n uint64
	for _, p := range parts {
		n += p.info().SizeBytes
	}
	return n
}

// oldestSealed returns the partition whose first sealed segment has the
// oldest last message, or nil when no partition has a sealed segment.
func oldestSealed(parts []*partition) *partition {
	var best *partition
	var bestTs uint64
	for _, p := range parts {
		p.mu.RLock()
		if !p.deleted && len(p.segs) > 1 && (best == nil || p.segs[0].lastTs < bestTs) {
			best, bestTs = p, p.segs[0].lastTs
		}
		p.mu.RUnlock()
	}
	return best
}

// startBackground starts the cleaner and, with FsyncInterval, the syncer.
func (b *Broker) startBackground() {
	if b.opts.CleanerInterval > 0 {
		b.every(b.opts.CleanerInterval, func() { b.RunCleaner() })
	}
	if b.opts.Fsync == FsyncInterval {
		b.every(b.opts.FsyncInterval, b.syncAll)
	}
}

// every runs fn every d until Close.
func (b *Broker) every(d time.Duration, fn func()) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		tick := time.NewTicker(d)
		defer tick.Stop()

		for {
			select {
			case <-b.stop:
				return
			case <-tick.C:
				fn()
			}
		}
	}()
}

// syncAll syncs every partition with unsynced appends.
func (b *Broker) syncAll() {
	for _, p := range b.allPartitions() {
		if err := p.syncIfDirty(); err != nil {
			b.log.Error("broker: background sync failed", "partition", p.id, "err", err)
		}
	}
}

func (b *Broker) allPartitions() []*partition {
	b.mu.RLock()
	defer b.mu.RUnlock()

	var out []*partition
	for _, s := range b.streams.all() {
		for _, t := range s.topics.all() {
			out = append(out, t.parts...)
		}
	}
	return out
}
