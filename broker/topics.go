package broker

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// maxPartitions is the most partitions a topic may be created with and the
// most one CreatePartitions call may add.
const maxPartitions = 1000

// topicSettings validates and resolves the retention and metadata fields
// of cfg (0 means the default for each).
func (b *Broker) topicSettings(cfg TopicConfig) (compression uint8, expiry, maxSize uint64, repl uint8, err error) {
	if !validName(cfg.Name) {
		return 0, 0, 0, 0, ErrInvalidTopicName.With("%q", cfg.Name)
	}

	compression = cfg.Compression
	if compression == 0 {
		compression = 1
	}
	if compression > 2 {
		return 0, 0, 0, 0, ErrInvalidCommand.With("unknown compression algorithm %d", cfg.Compression)
	}

	repl = max(cfg.ReplicationFactor, 1)
	return compression, resolveExpiry(cfg.MessageExpiry), resolveMaxSize(cfg.MaxTopicSize), repl, nil
}

// CreateTopic creates a topic with cfg.Partitions partitions (ids 0..n-1).
// Errors: 1009, 2014 invalid name, 2013 name taken, 2015 more than 1000
// partitions, 3 unknown compression, 1019 max size below SegmentSize.
func (b *Broker) CreateTopic(sid Identifier, cfg TopicConfig) (TopicInfo, error) {
	compression, expiry, maxSize, repl, err := b.topicSettings(cfg)
	if err != nil {
		return TopicInfo{}, err
	}
	if cfg.Partitions > maxPartitions {
		return TopicInfo{}, ErrTooManyPartitions.With("%d partitions", cfg.Partitions)
	}
	if maxSize != math.MaxUint64 && maxSize < uint64(b.opts.SegmentSize) {
		return TopicInfo{}, ErrInvalidTopicSize.With("max size %d is below the segment size %d", maxSize, b.opts.SegmentSize)
	}

	b.mu.Lock()
	defer b.mu.Unlock()

	s, err := b.stream(sid)
	if err != nil {
		return TopicInfo{}, err
	}
	if _, _, err := b.topic(sid, ByName(cfg.Name)); err == nil {
		return TopicInfo{}, ErrTopicNameExists.With("%q in stream %d", cfg.Name, s.id)
	}

	t := &topic{streamID: s.id, name: cfg.Name, createdAt: b.opts.nowMicros(), compression: compression,
		expiry: expiry, maxSize: maxSize, replication: repl}
	t.id = s.topics.insert(t)
	t.dir = topicDir(s.dir, t.id)

	if err := b.createTopicFiles(s, t, cfg.Partitions); err != nil {
		s.topics.remove(t.id)
		return TopicInfo{}, err
	}
	if err := b.persist(); err != nil {
		return TopicInfo{}, err
	}
	return t.info(true), nil
}

func (b *Broker) createTopicFiles(s *stream, t *topic, n uint32) error {
	if err := os.RemoveAll(t.dir); err != nil {
		return fmt.Errorf("broker: clear topic dir %s: %w", t.dir, err)
	}
	if err := b.addPartitions(s, t, n); err != nil {
		dropTopic(t)
		os.RemoveAll(t.dir)
		return err
	}
	if b.opts.Fsync == FsyncNever || n == 0 {
		return nil
	}

	// topic dir, topics, stream dir, streams, DataDir.
	for d := t.dir; ; d = filepath.Dir(d) {
		if err := syncDir(d); err != nil {
			return err
		}
		if d == filepath.Clean(b.opts.DataDir) || filepath.Dir(d) == d {
			return nil
		}
	}
}

// addPartitions appends n fresh partitions to t. The caller holds b.mu.
func (b *Broker) addPartitions(s *stream, t *topic, n uint32) error {
	for i := uint32(0); i < n; i++ {
		id := uint32(len(t.parts))
		p, err := createPartition(partitionDir(t.dir, id), id, b.opts.nowMicros(), b.partitionConfig(s, t, id))
		if err != nil {
			return err
		}
		t.parts = append(t.parts, p)
	}
	return nil
}

// Topic returns a topic with its partitions. Errors: 1009, 2010.
func (b *Broker) Topic(sid, tid Identifier) (TopicInfo, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return TopicInfo{}, err
	}
	return t.info(true), nil
}

// Topics returns a stream's topics (without partition lists) sorted by
// id. Error: 1009.
func (b *Broker) Topics(sid Identifier) ([]TopicInfo, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()

	s, err := b.stream(sid)
	if err != nil {
		return nil, err
	}

	var out []TopicInfo
	for _, t := range s.topics.all() {
		out = append(out, t.info(false))
	}
	return out, nil
}

// UpdateTopic changes a topic's name, compression, expiry, max size and
// replication factor (cfg.Partitions is ignored; there is no segment-size
// check on update). Errors: 1009, 2010, 2014, 2013, 3.
func (b *Broker) UpdateTopic(sid, tid Identifier, cfg TopicConfig) error {
	compression, expiry, maxSize, repl, err := b.topicSettings(cfg)
	if err != nil {
		return err
	}

	b.mu.Lock()
	defer b.mu.Unlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return err
	}
	if _, other, err := b.topic(sid, ByName(cfg.Name)); err == nil && other != t {
		return ErrTopicNameExists.With("%q", cfg.Name)
	}

	t.name, t.compression, t.expiry, t.maxSize, t.replication = cfg.Name, compression, expiry, maxSize, repl
	return b.persist()
}

// DeleteTopic deletes a topic with its messages, offsets and groups, and
// frees its id. Errors: 1009, 2010.
func (b *Broker) DeleteTopic(sid, tid Identifier) error {
	b.mu.Lock()
	defer b.mu.Unlock()

	s, t, err := b.topic(sid, tid)
	if err != nil {
		return err
	}

	s.topics.remove(t.id)
	if err := b.persist(); err != nil {
		return err
	}

	errs := []error{dropTopic(t)}
	if err := os.RemoveAll(t.dir); err != nil {
		errs = append(errs, fmt.Errorf("broker: remove topic dir %s: %w", t.dir, err))
	}
	return errors.Join(errs...)
}

// PurgeTopic deletes every message and stored offset of the topic, keeping
// its partitions and groups; offsets restart at 0. Errors: 1009, 2010.
func (b *Broker) PurgeTopic(sid, tid Identifier) error {
	b.mu.RLock()
	defer b.mu.RUnlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return err
	}
	return purgeTopic(t)
}

// CreatePartitions adds count partitions after the existing ones and
// rebalances every group of the topic. Errors: 1009, 2010, 2015 when count
// is not in 1..1000.
func (b *Broker) CreatePartitions(sid, tid Identifier, count uint32) error {
	if count == 0 || count > maxPartitions {
		return ErrTooManyPartitions.With("%d partitions", count)
	}

	b.mu.Lock()
	defer b.mu.Unlock()

	s, t, err := b.topic(sid, tid)
	if err != nil {
		return err
	}

	addErr := b.addPartitions(s, t, count)
	t.rebalanceAll()
	return errors.Join(addErr, b.persist())
}

// DeletePartitions removes the last count partitions with their messages
// and offsets and rebalances every group of the topic. Errors: 1009, 2010,
// 2015 count 0, 2019 count above the partition count.
func (b *Broker) DeletePartitions(sid, tid Identifier, count uint32) error {
	if count == 0 {
		return ErrTooManyPartitions.With("0 partitions")
	}

	b.mu.Lock()
	defer b.mu.Unlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return err
	}
	if int(count) > len(t.parts) {
		return ErrInvalidPartitionsCount.With("cannot delete %d of %d partitions", count, len(t.parts))
	}

	gone := t.parts[len(t.parts)-int(count):]
	t.parts = t.parts[:len(t.parts)-int(count)]
	t.rebalanceAll()
	if err := b.persist(); err != nil {
		return err
	}

	var errs []error
	for _, p := range gone {
		errs = append(errs, p.markDeleted())
		if err := os.RemoveAll(p.dir); err != nil {
			errs = append(errs, fmt.Errorf("broker: remove partition dir %s: %w", p.dir, err))
		}
	}
	return errors.Join(errs...)
}

// rebalanceAll deals the partitions of every group anew.
func (t *topic) rebalanceAll() {
	t.gmu.Lock()
	defer t.gmu.Unlock()

	for _, g := range t.groups.all() {
		g.full(uint32(len(t.parts)))
	}
}
