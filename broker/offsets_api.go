package broker

// offsetTarget is a resolved offset operation.
type offsetTarget struct {
	t    *topic
	part *partition
	g    *group
	m    *member
	key  offsetKey
}

// resolveOffset resolves the consumer and partition of a stored-offset
// operation. A single consumer uses the given partition or 0. A group
// consumer needs membership when member is true (store, delete), then
// uses the given partition if the member holds it (else 3022) or the one
// it polled last; without membership (get) it uses the given one or 0.
func (b *Broker) resolveOffset(c Consumer, clientID uint32, sid, tid Identifier, partition *uint32, member bool) (offsetTarget, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return offsetTarget{}, err
	}

	pid := uint32(0)
	if partition != nil {
		pid = *partition
	}
	tg := offsetTarget{t: t}

	switch c.Kind {
	case SingleConsumer:
		tg.key = consumerKey(c, nil)
	case GroupConsumer:
		if pid, err = tg.resolveGroup(c, clientID, partition, member); err != nil {
			return offsetTarget{}, err
		}
	default:
		return offsetTarget{}, ErrInvalidCommand.With("unknown consumer kind %d", c.Kind)
	}

	tg.part, err = t.partition(pid)
	return tg, err
}

// resolveGroup fills the group fields of tg and returns the partition.
func (tg *offsetTarget) resolveGroup(c Consumer, clientID uint32, partition *uint32, member bool) (uint32, error) {
	tg.t.gmu.Lock()
	defer tg.t.gmu.Unlock()

	g, err := tg.t.group(c.ID)
	if err != nil {
		return 0, err
	}
	tg.g, tg.key = g, consumerKey(c, g)

	if !member {
		if partition != nil {
			return *partition, nil
		}
		return 0, nil
	}

	if tg.m = g.member(clientID); tg.m == nil {
		return 0, ErrConsumerGroupMemberNotFound.With("client %d in group %d", clientID, g.id)
	}
	return g.storePartition(tg.m, partition)
}

// StoreOffset stores offset (the last processed message) for a consumer or
// group on a partition; the next StrategyNext poll starts after it.
// Errors: 1009, 2010, 3007, 4100 offset above the current offset or an
// empty partition; for groups 5000, 5006 not a member, 3022 partition not
// assigned to the member.
func (b *Broker) StoreOffset(c Consumer, clientID uint32, sid, tid Identifier, partition *uint32, offset uint64) error {
	tg, err := b.resolveOffset(c, clientID, sid, tid, partition, true)
	if err != nil {
		return err
	}

	p := tg.part
	p.mu.RLock()
	gone, next := p.deleted, p.next
	p.mu.RUnlock()

	if gone {
		return p.errGone()
	}
	if next == 0 || offset > next-1 {
		return ErrInvalidOffset.With("offset %d, partition %d has %d", offset, p.id, next)
	}

	return b.commit(pollTarget{t: tg.t, part: p, g: tg.g, m: tg.m, key: tg.key}, offset)
}

// GetOffset returns the stored offset of a consumer or group on a
// partition (a group consumer needs no membership; no partition means 0)
// and false when none is stored. Errors: 1009, 2010, 3007, 5000.
func (b *Broker) GetOffset(c Consumer, clientID uint32, sid, tid Identifier, partition *uint32) (OffsetInfo, bool, error) {
	tg, err := b.resolveOffset(c, clientID, sid, tid, partition, false)
	if err != nil {
		return OffsetInfo{}, false, err
	}

	p := tg.part
	p.mu.RLock()
	cur := p.currentOffset()
	p.mu.RUnlock()

	stored, ok := p.offsets.get(tg.key)
	if !ok {
		return OffsetInfo{}, false, nil
	}
	return OffsetInfo{Partition: p.id, CurrentOffset: cur, StoredOffset: stored}, true, nil
}

// DeleteOffset removes the stored offset of a consumer or group on a
// partition. Errors: 1009, 2010, 3007, 3021 nothing stored; for groups
// 5000, 5006, 3022 as StoreOffset.
func (b *Broker) DeleteOffset(c Consumer, clientID uint32, sid, tid Identifier, partition *uint32) error {
	tg, err := b.resolveOffset(c, clientID, sid, tid, partition, true)
	if err != nil {
		return err
	}

	found, err := tg.part.offsets.delete(tg.key)
	if err != nil {
		return err
	}
	if !found {
		return ErrConsumerOffsetNotFound.With("partition %d", tg.part.id)
	}
	return nil
}
