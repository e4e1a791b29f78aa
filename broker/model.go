package broker

import (
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// stream is a named set of topics. Its fields are guarded by Broker.mu.
type stream struct {
	id        uint32
	name      string
	createdAt uint64
	dir       string
	topics    slab[*topic]
}

// topic is a named set of partitions with retention settings. Fields
// without a note are guarded by Broker.mu.
type topic struct {
	id          uint32
	streamID    uint32
	name        string
	createdAt   uint64
	dir         string
	compression uint8
	expiry      uint64 // µs, math.MaxUint64 never
	maxSize     uint64 // bytes, math.MaxUint64 unlimited
	replication uint8
	parts       []*partition

	// balanced is the round-robin counter of Balanced appends.
	balanced atomic.Uint32
	// changed is closed and cleared by the next append (see Changed).
	changed atomic.Pointer[chan struct{}]

	// gmu guards the groups' membership state. Creating or deleting a
	// group holds both Broker.mu (write) and gmu, so either one is enough
	// to read the groups slab.
	gmu    sync.Mutex
	groups slab[*group]
}

func streamDir(dataDir string, id uint32) string {
	return filepath.Join(dataDir, "streams", fmt.Sprint(id))
}

func topicDir(streamDir string, id uint32) string {
	return filepath.Join(streamDir, "topics", fmt.Sprint(id))
}

// notify wakes whoever waits on Changed for this topic.
func (t *topic) notify() {
	if t.changed.Load() == nil {
		return
	}
	if ch := t.changed.Swap(nil); ch != nil {
		close(*ch)
	}
}

// waitChan returns the channel the next append closes.
func (t *topic) waitChan() <-chan struct{} {
	for {
		if ch := t.changed.Load(); ch != nil {
			return *ch
		}
		ch := make(chan struct{})
		if t.changed.CompareAndSwap(nil, &ch) {
			return ch
		}
	}
}

// resolveExpiry maps the wire's "0 = server default" to never.
func resolveExpiry(v uint64) uint64 {
	if v == 0 {
		return math.MaxUint64
	}
	return v
}

// resolveMaxSize maps the wire's "0 = server default" to unlimited.
func resolveMaxSize(v uint64) uint64 {
	if v == 0 {
		return math.MaxUint64
	}
	return v
}

func (t *topic) info(withPartitions bool) TopicInfo {
	ti := TopicInfo{ID: t.id, StreamID: t.streamID, Name: t.name, CreatedAt: t.createdAt,
		PartitionsCount: uint32(len(t.parts)), MessageExpiry: t.expiry, Compression: t.compression,
		MaxTopicSize: t.maxSize, ReplicationFactor: t.replication}

	for _, p := range t.parts {
		pi := p.info()
		ti.SizeBytes += pi.SizeBytes
		ti.MessagesCount += pi.MessagesCount
		if withPartitions {
			ti.Partitions = append(ti.Partitions, pi)
		}
	}
	return ti
}

func (s *stream) info(withTopics bool) StreamInfo {
	si := StreamInfo{ID: s.id, Name: s.name, CreatedAt: s.createdAt}
	for _, t := range s.topics.all() {
		ti := t.info(false)
		si.TopicsCount++
		si.SizeBytes += ti.SizeBytes
		si.MessagesCount += ti.MessagesCount
		if withTopics {
			si.Topics = append(si.Topics, ti)
		}
	}
	return si
}
