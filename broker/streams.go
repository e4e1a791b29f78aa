package broker

import (
	"errors"
	"fmt"
	"os"
)

// CreateStream creates a stream with the next free id (freed ids first,
// most recently freed first). Errors: 1013 invalid name, 1012 name taken.
func (b *Broker) CreateStream(name string) (StreamInfo, error) {
	if !validName(name) {
		return StreamInfo{}, ErrInvalidStreamName.With("%q", name)
	}

	b.mu.Lock()
	defer b.mu.Unlock()

	if b.closed {
		return StreamInfo{}, errClosed
	}
	if _, err := b.stream(ByName(name)); err == nil {
		return StreamInfo{}, ErrStreamNameExists.With("%q", name)
	}

	s := &stream{name: name, createdAt: b.opts.nowMicros()}
	s.id = b.streams.insert(s)
	s.dir = streamDir(b.opts.DataDir, s.id)

	if err := os.RemoveAll(s.dir); err != nil {
		b.streams.remove(s.id)
		return StreamInfo{}, fmt.Errorf("broker: clear stream dir %s: %w", s.dir, err)
	}
	if err := b.persist(); err != nil {
		return StreamInfo{}, err
	}
	return s.info(false), nil
}

// Stream returns a stream with its topics. Error: 1009.
func (b *Broker) Stream(id Identifier) (StreamInfo, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()

	s, err := b.stream(id)
	if err != nil {
		return StreamInfo{}, err
	}
	return s.info(true), nil
}

// Streams returns every stream (without topic lists), sorted by id.
func (b *Broker) Streams() []StreamInfo {
	b.mu.RLock()
	defer b.mu.RUnlock()

	var out []StreamInfo
	for _, s := range b.streams.all() {
		out = append(out, s.info(false))
	}
	return out
}

// UpdateStream renames a stream; renaming to its own name is a no-op.
// Errors: 1009, 1013, 1012.
func (b *Broker) UpdateStream(id Identifier, name string) error {
	if !validName(name) {
		return ErrInvalidStreamName.With("%q", name)
	}

	b.mu.Lock()
	defer b.mu.Unlock()

	s, err := b.stream(id)
	if err != nil {
		return err
	}
	if s.name == name {
		return nil
	}
	if _, err := b.stream(ByName(name)); err == nil {
		return ErrStreamNameExists.With("%q", name)
	}

	s.name = name
	return b.persist()
}

// DeleteStream deletes a stream with its topics, messages, offsets and
// groups, and frees its id. Error: 1009.
func (b *Broker) DeleteStream(id Identifier) error {
	b.mu.Lock()
	defer b.mu.Unlock()

	s, err := b.stream(id)
	if err != nil {
		return err
	}

	b.streams.remove(s.id)
	if err := b.persist(); err != nil {
		return err
	}

	var errs []error
	for _, t := range s.topics.all() {
		errs = append(errs, dropTopic(t))
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, fmt.Errorf("broker: remove stream dir %s: %w", s.dir, err))
	}
	return errors.Join(errs...)
}

// PurgeStream deletes every message and stored offset of the stream's
// topics, keeping streams, topics, partitions and groups. Partition
// offsets restart at 0. Error: 1009.
func (b *Broker) PurgeStream(id Identifier) error {
	b.mu.RLock()
	defer b.mu.RUnlock()

	s, err := b.stream(id)
	if err != nil {
		return err
	}

	var errs []error
	for _, t := range s.topics.all() {
		errs = append(errs, purgeTopic(t))
	}
	return errors.Join(errs...)
}

// dropTopic closes a deleted topic's partitions and wakes its waiters.
func dropTopic(t *topic) error {
	var errs []error
	for _, p := range t.parts {
		errs = append(errs, p.markDeleted())
	}
	t.notify()
	return errors.Join(errs...)
}

func purgeTopic(t *topic) error {
	var errs []error
	for _, p := range t.parts {
		errs = append(errs, p.purge())
	}

	t.gmu.Lock()
	for _, g := range t.groups.all() {
		g.full(uint32(len(t.parts)))
	}
	t.gmu.Unlock()
	return errors.Join(errs...)
}
