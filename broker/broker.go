package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"unicode/utf8"
)

// Broker is an Iggy-compatible storage core: streams, topics, partitions,
// consumer offsets and groups, kept under one data directory. It is safe
// for concurrent use; appends to different partitions do not wait on each
// other.
type Broker struct {
	opts Options
	log  *slog.Logger
	lock *os.File // holds an exclusive flock on DataDir/LOCK

	// mu guards the structure: the streams slab and everything reachable
	// from it except what partition.mu and topic.gmu guard.
	mu      sync.RWMutex
	streams slab[*stream]
	closed  bool

	stop chan struct{}
	wg   sync.WaitGroup
}

// Open opens or creates the broker stored in opts.DataDir, recovering
// every partition (see the package doc), and starts the background
// cleaner and syncer. Only one Broker may have a directory open at a time.
func Open(opts Options) (*Broker, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("broker: create data dir %s: %w", opts.DataDir, err)
	}

	b := &Broker{opts: opts, log: opts.Logger, stop: make(chan struct{})}
	if b.lock, err = lockDir(opts.DataDir); err != nil {
		return nil, err
	}

	if err := b.load(); err != nil {
		b.closePartitions()
		b.lock.Close()
		return nil, err
	}

	b.startBackground()
	return b, nil
}

// ErrDataDirInUse is returned by Open when another process has the data
// directory open.
var ErrDataDirInUse = errors.New("broker: data dir in use")

func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("broker: open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("broker: data dir %s is in use by another process (%w): %w; "+
			"stop it, or reach its broker over TCP with mode: remote", dir, err, ErrDataDirInUse)
	}
	return f, nil
}

// load rebuilds the structure from meta.json and opens every partition.
func (b *Broker) load() error {
	m, found, err := readMeta(b.opts.DataDir)
	if err != nil {
		return err
	}

	ids := make([]uint32, len(m.Streams))
	vals := make([]*stream, len(m.Streams))
	for i, sm := range m.Streams {
		s, err := b.loadStream(sm)
		ids[i], vals[i] = sm.ID, s
		if err != nil {
			b.streams = restoreSlab(m.StreamSlots, m.StreamFree, ids[:i+1], vals[:i+1])
			return err
		}
	}
	b.streams = restoreSlab(m.StreamSlots, m.StreamFree, ids, vals)

	// Only metadata that was read can say a directory belongs to a deleted
	// object; without meta.json nothing is removed.
	if !found {
		return nil
	}
	return b.sweepOrphans()
}

func (b *Broker) loadStream(sm streamMeta) (*stream, error) {
	s := &stream{id: sm.ID, name: sm.Name, createdAt: sm.CreatedAt, dir: streamDir(b.opts.DataDir, sm.ID)}

	var ids []uint32
	var vals []*topic
	defer func() { s.topics = restoreSlab(sm.TopicSlots, sm.TopicFree, ids, vals) }()

	for _, tm := range sm.Topics {
		t := &topic{id: tm.ID, streamID: s.id, name: tm.Name, createdAt: tm.CreatedAt,
			dir: topicDir(s.dir, tm.ID), compression: tm.Compression, expiry: tm.MessageExpiry,
			maxSize: tm.MaxTopicSize, replication: tm.ReplicationFactor}
		ids, vals = append(ids, t.id), append(vals, t)

		if err := b.loadTopic(s, t, tm); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (b *Broker) loadTopic(s *stream, t *topic, tm topicMeta) error {
	var gids []uint32
	var gvals []*group
	for _, gm := range tm.Groups {
		gids, gvals = append(gids, gm.ID), append(gvals, &group{id: gm.ID, name: gm.Name})
	}
	t.groups = restoreSlab(tm.GroupSlots, tm.GroupFree, gids, gvals)

	for _, pm := range tm.Partitions {
		p, err := openPartition(partitionDir(t.dir, pm.ID), pm.ID, pm.CreatedAt, b.partitionConfig(s, t, pm.ID))
		if err != nil {
			return fmt.Errorf("broker: open stream %d topic %d partition %d: %w", s.id, t.id, pm.ID, err)
		}
		t.parts = append(t.parts, p)
	}
	return nil
}

func (b *Broker) partitionConfig(s *stream, t *topic, id uint32) partitionConfig {
	return partitionConfig{
		segmentSize: b.opts.SegmentSize,
		fsync:       b.opts.Fsync,
		log:         b.log.With("stream", s.id, "topic", t.id, "partition", id),
		tailWindow:  defaultTailWindow,
	}
}

// Close stops the background work, syncs and closes every partition and
// releases the data directory. Calls after the first return nil.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()

	close(b.stop)
	b.wg.Wait()

	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.closePartitions()
	return errors.Join(err, b.lock.Close())
}

func (b *Broker) closePartitions() error {
	var errs []error
	for _, s := range b.streams.all() {
		for _, t := range s.topics.all() {
			for _, p := range t.parts {
				errs = append(errs, p.close())
			}
			t.notify()
		}
	}
	return errors.Join(errs...)
}

var errClosed = ErrGeneric.With("broker is closed")

// stream resolves id. The caller holds b.mu.
func (b *Broker) stream(id Identifier) (*stream, error) {
	if b.closed {
		return nil, errClosed
	}

	var s *stream
	var ok bool
	if id.IsName() {
		s, ok = b.streams.find(func(s *stream) bool { return s.name == id.Name })
	} else {
		s, ok = b.streams.get(id.ID)
	}
	if !ok {
		return nil, ErrStreamNotFound.With("stream %s", id)
	}
	return s, nil
}

// topic resolves a stream and a topic. The caller holds b.mu.
func (b *Broker) topic(sid, tid Identifier) (*stream, *topic, error) {
	s, err := b.stream(sid)
	if err != nil {
		return nil, nil, err
	}

	var t *topic
	var ok bool
	if tid.IsName() {
		t, ok = s.topics.find(func(t *topic) bool { return t.name == tid.Name })
	} else {
		t, ok = s.topics.get(tid.ID)
	}
	if !ok {
		return nil, nil, ErrTopicNotFound.With("topic %s in stream %s", tid, sid)
	}
	return s, t, nil
}

// group resolves a group of t. The caller holds b.mu or t.gmu.
func (t *topic) group(id Identifier) (*group, error) {
	var g *group
	var ok bool
	if id.IsName() {
		g, ok = t.groups.find(func(g *group) bool { return g.name == id.Name })
	} else {
		g, ok = t.groups.get(id.ID)
	}
	if !ok {
		return nil, ErrConsumerGroupNotFound.With("group %s in topic %d", id, t.id)
	}
	return g, nil
}

// partition returns partition id of t. The caller holds b.mu.
func (t *topic) partition(id uint32) (*partition, error) {
	if int(id) >= len(t.parts) {
		return nil, ErrPartitionNotFound.With("partition %d of topic %d", id, t.id)
	}
	return t.parts[id], nil
}

// validName checks the Iggy name rule: 1..255 bytes of UTF-8.
func validName(name string) bool {
	return len(name) >= 1 && len(name) <= 255 && utf8.ValidString(name)
}
