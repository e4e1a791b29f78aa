package broker

import "github.com/iggyflow/iggyflow/internal/xxh32"

// pickPartition resolves where an append goes. The caller holds b.mu for
// reading.
func (t *topic) pickPartition(p Partitioning) (*partition, error) {
	n := uint32(len(t.parts))
	switch p.Kind {
	case Balanced:
		if n == 0 {
			return nil, ErrTopicNotFound.With("topic %d has no partitions", t.id)
		}
		return t.parts[(t.balanced.Add(1)-1)%n], nil

	case PartitionID:
		return t.partition(p.Partition)

	case MessagesKey:
		if n == 0 {
			return nil, ErrPartitionNotFound.With("topic %d has no partitions", t.id)
		}
		return t.parts[xxh32.Sum(p.Key, 0)%n], nil
	}
	return nil, ErrInvalidCommand.With("unknown partitioning kind %d", p.Kind)
}

// appendTarget resolves the topic and partition of an append.
func (b *Broker) appendTarget(sid, tid Identifier, p Partitioning) (*topic, *partition, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return nil, nil, err
	}
	part, err := t.pickPartition(p)
	return t, part, err
}

// Append appends msgs to one partition chosen by p (Balanced advances the
// topic's round-robin once per call; MessagesKey is XXH32(key) mod the
// partition count). Every message gets the next offset and the same
// append timestamp; a zero ID is replaced by a random one. Offset and
// Timestamp of msgs are ignored. Errors: 1009, 2010, 3007, 4009 no
// messages, 4022 / 4017 payload or headers too big. On a write error a
// prefix of msgs may have been appended.
func (b *Broker) Append(sid, tid Identifier, p Partitioning, msgs []Message) (AppendResult, error) {
	if len(msgs) == 0 {
		return AppendResult{}, ErrInvalidMessagesCount.With("no messages")
	}
	for i := range msgs {
		if len(msgs[i].Payload) > MaxPayloadSize {
			return AppendResult{}, ErrTooBigMessagePayload.With("message %d: %d bytes", i, len(msgs[i].Payload))
		}
		if len(msgs[i].Headers) > MaxUserHeadersSize {
			return AppendResult{}, ErrTooBigUserHeaders.With("message %d: %d bytes", i, len(msgs[i].Headers))
		}
	}

	t, part, err := b.appendTarget(sid, tid, p)
	if err != nil {
		return AppendResult{}, err
	}

	part.mu.Lock()
	part.batch, part.ends = part.batch[:0], part.ends[:0]
	for i := range msgs {
		part.batch = appendFrameUnsummed(part.batch, &msgs[i])
		part.ends = append(part.ends, len(part.batch))
	}
	res, err := b.appendLocked(part, part.batch, part.ends)
	part.mu.Unlock()

	t.notify()
	return res, err
}

// AppendFrames appends count encoded 0.8.0 message frames laid back to
// back (the message area of a SendMessages request) without decoding them
// into Message values. The frames are validated (4009, 4037, 4036, 4022,
// 4017) and then rewritten in place: offset, timestamp, reserved field,
// random id where zero, checksum. The broker does not keep frames after
// the call. Other errors as Append.
func (b *Broker) AppendFrames(sid, tid Identifier, p Partitioning, count uint32, frames []byte) (AppendResult, error) {
	// count comes off the wire: size the slice by what frames can hold.
	ends, err := splitFrames(frames, count, make([]int, 0, min(int(count), len(frames)/FrameHeaderSize)))
	if err != nil {
		return AppendResult{}, err
	}

	t, part, err := b.appendTarget(sid, tid, p)
	if err != nil {
		return AppendResult{}, err
	}

	part.mu.Lock()
	res, err := b.appendLocked(part, frames, ends)
	part.mu.Unlock()

	t.notify()
	return res, err
}

// appendLocked writes a prepared batch. The caller holds part.mu.
func (b *Broker) appendLocked(part *partition, batch []byte, ends []int) (AppendResult, error) {
	first, last, err := part.appendBatch(batch, ends, b.opts.nowMicros())
	if err != nil {
		return AppendResult{}, err
	}
	return AppendResult{Partition: part.id, FirstOffset: first, LastOffset: last}, nil
}

// Changed returns a channel closed at the next append to the topic (or
// when the topic is deleted or the broker closed), so an in-process
// consumer can wait instead of polling in a loop. Take the channel before
// the poll whose emptiness makes you wait, so an append in between is not
// missed. Errors: 1009, 2010.
func (b *Broker) Changed(sid, tid Identifier) (<-chan struct{}, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return nil, err
	}
	return t.waitChan(), nil
}
