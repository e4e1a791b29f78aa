package broker

import "github.com/iggyflow/iggyflow/internal/xxh32"

// consumerKey maps a consumer to its offset key: a single consumer's id is
// its number, or XXH32 of its name; a group's is the group id.
func consumerKey(c Consumer, g *group) offsetKey {
	if c.Kind == GroupConsumer {
		return offsetKey{groupSpace, g.id}
	}
	if c.ID.IsName() {
		return offsetKey{consumerSpace, xxh32.Sum([]byte(c.ID.Name), 0)}
	}
	return offsetKey{consumerSpace, c.ID.ID}
}

// pollTarget is a resolved poll: which partition, and for a group poll the
// group and member it rotated.
type pollTarget struct {
	t     *topic
	part  *partition
	g     *group
	m     *member
	key   offsetKey
	empty bool // a group member with nothing to read
}

// resolvePoll resolves the consumer and partition of a poll.
func (b *Broker) resolvePoll(sid, tid Identifier, req PollRequest) (pollTarget, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return pollTarget{}, err
	}

	switch req.Consumer.Kind {
	case SingleConsumer:
		pid := uint32(0)
		if req.Partition != nil {
			pid = *req.Partition
		}
		part, err := t.partition(pid)
		return pollTarget{t: t, part: part, key: consumerKey(req.Consumer, nil)}, err

	case GroupConsumer:
		return b.resolveGroupPoll(t, req)
	}
	return pollTarget{}, ErrInvalidCommand.With("unknown consumer kind %d", req.Consumer.Kind)
}

// resolveGroupPoll advances the member's rotation. The caller holds b.mu.
func (b *Broker) resolveGroupPoll(t *topic, req PollRequest) (pollTarget, error) {
	t.gmu.Lock()
	defer t.gmu.Unlock()

	g, err := t.group(req.Consumer.ID)
	if err != nil {
		return pollTarget{}, err
	}
	m := g.member(req.ClientID)
	if m == nil {
		return pollTarget{}, ErrConsumerGroupMemberNotFound.With("client %d in group %d", req.ClientID, g.id)
	}
	g.expire(b.opts.Now())

	pid, ok := g.pollPartition(m, req.Partition)
	target := pollTarget{t: t, g: g, m: m, key: consumerKey(req.Consumer, g), empty: !ok}
	if ok {
		target.part, err = t.partition(pid)
	}
	return target, err
}

// Poll reads up to req.Count messages from one partition, starting where
// req.Strategy says (see the package doc), and with AutoCommit stores the
// offset of the last one returned. A group member with no partition to
// read gets an empty result for partition 0. Errors: 1009, 2010, 3007,
// 5000, 5006, 3 unknown strategy.
func (b *Broker) Poll(sid, tid Identifier, req PollRequest) (PollResult, error) {
	pid, cur, n, frames, err := b.PollFrames(sid, tid, req)
	if err != nil {
		return PollResult{}, err
	}
	return PollResult{Partition: pid, CurrentOffset: cur, Messages: decodeFrames(frames, n)}, nil
}

// PollFrames is Poll returning the selected messages as encoded frames
// back to back (ready for a PollMessages response) and their count. The
// frames come from one ReadAt per segment touched and belong to the
// caller. A poll returns at most 64 MiB of frames (and at least one
// message when any is due).
func (b *Broker) PollFrames(sid, tid Identifier, req PollRequest) (partition uint32, currentOffset uint64, count uint32, frames []byte, err error) {
	tg, err := b.resolvePoll(sid, tid, req)
	if err != nil || tg.empty {
		return 0, 0, 0, nil, err
	}

	frames, count, cur, err := b.readFor(tg, req)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	if count == 0 {
		return tg.part.id, cur, 0, nil, nil
	}

	last := le.Uint64(lastFrame(frames)[offOffset:])
	if tg.g != nil {
		tg.t.gmu.Lock()
		tg.m.polled[tg.part.id] = last
		tg.t.gmu.Unlock()
	}

	if req.AutoCommit {
		if err := b.commit(tg, last); err != nil {
			return 0, 0, 0, nil, err
		}
	}
	return tg.part.id, cur, count, frames, nil
}

// readFor reads the frames a resolved poll asks for.
func (b *Broker) readFor(tg pollTarget, req PollRequest) ([]byte, uint32, uint64, error) {
	p := tg.part
	stored, hasStored := p.offsets.get(tg.key)

	p.mu.RLock()
	defer p.mu.RUnlock()

	if p.deleted {
		return nil, 0, 0, p.errGone()
	}
	cur := p.currentOffset()

	start, ok, err := p.startOffset(req.Strategy, req.Count, stored, hasStored)
	if err != nil || !ok {
		return nil, 0, cur, err
	}
	frames, n, err := p.read(start, req.Count)
	return frames, n, cur, err
}

// commit stores off for the poll's consumer and lets a pending group
// revocation complete.
func (b *Broker) commit(tg pollTarget, off uint64) error {
	if tg.g == nil {
		return tg.part.offsets.put(tg.key, off)
	}

	// Under gmu, so a group deleted meanwhile leaves no offset behind for
	// a later group that reuses its id.
	tg.t.gmu.Lock()
	defer tg.t.gmu.Unlock()

	if g, ok := tg.t.groups.get(tg.g.id); !ok || g != tg.g {
		return ErrConsumerGroupNotFound.With("group %d was deleted", tg.g.id)
	}
	if err := tg.part.offsets.put(tg.key, off); err != nil {
		return err
	}
	tg.g.committed(tg.m, tg.part.id, off)
	return nil
}

// lastFrame returns the last frame of whole frames laid back to back.
func lastFrame(frames []byte) []byte {
	pos := 0
	for {
		n := int(frameLen(frames[pos:]))
		if pos+n >= len(frames) {
			return frames[pos:]
		}
		pos += n
	}
}
