package broker

import "errors"

// CreateGroup creates a consumer group over all partitions of a topic.
// Errors: 1009, 2010, 5005 invalid name, 5004 name taken.
func (b *Broker) CreateGroup(sid, tid Identifier, name string) (GroupInfo, error) {
	if !validName(name) {
		return GroupInfo{}, ErrInvalidConsumerGroupName.With("%q", name)
	}

	b.mu.Lock()
	defer b.mu.Unlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return GroupInfo{}, err
	}

	t.gmu.Lock()
	if _, err := t.group(ByName(name)); err == nil {
		t.gmu.Unlock()
		return GroupInfo{}, ErrConsumerGroupNameExists.With("%q in topic %d", name, t.id)
	}
	g := &group{name: name}
	g.id = t.groups.insert(g)
	info := g.info(uint32(len(t.parts)))
	t.gmu.Unlock()

	// A reused id must not inherit offsets a crash left behind.
	var errs []error
	for _, p := range t.parts {
		_, err := p.offsets.delete(offsetKey{groupSpace, g.id})
		errs = append(errs, err)
	}
	errs = append(errs, b.persist())
	return info, errors.Join(errs...)
}

// inGroup resolves a group and runs f on it with the broker's read lock
// and the topic's group lock held. Errors: 1009, 2010, 5000.
func (b *Broker) inGroup(sid, tid, gid Identifier, f func(t *topic, g *group) error) error {
	b.mu.RLock()
	defer b.mu.RUnlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return err
	}

	t.gmu.Lock()
	defer t.gmu.Unlock()

	g, err := t.group(gid)
	if err != nil {
		return err
	}
	return f(t, g)
}

// Group returns a group with its members. Errors: 1009, 2010, 5000.
func (b *Broker) Group(sid, tid, gid Identifier) (GroupInfo, error) {
	var info GroupInfo
	err := b.inGroup(sid, tid, gid, func(t *topic, g *group) error {
		g.expire(b.opts.Now())
		info = g.info(uint32(len(t.parts)))
		return nil
	})
	return info, err
}

// Groups returns the groups of a topic sorted by id. Errors: 1009, 2010.
func (b *Broker) Groups(sid, tid Identifier) ([]GroupInfo, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return nil, err
	}

	t.gmu.Lock()
	defer t.gmu.Unlock()

	var out []GroupInfo
	for _, g := range t.groups.all() {
		out = append(out, g.info(uint32(len(t.parts))))
	}
	return out, nil
}

// DeleteGroup deletes a group and its stored offsets and frees its id.
// Errors: 1009, 2010, 5000.
func (b *Broker) DeleteGroup(sid, tid, gid Identifier) error {
	b.mu.Lock()
	defer b.mu.Unlock()

	_, t, err := b.topic(sid, tid)
	if err != nil {
		return err
	}

	t.gmu.Lock()
	g, err := t.group(gid)
	if err != nil {
		t.gmu.Unlock()
		return err
	}
	t.groups.remove(g.id)
	t.gmu.Unlock()

	errs := []error{b.persist()}
	for _, p := range t.parts {
		_, err := p.offsets.delete(offsetKey{groupSpace, g.id})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// JoinGroup makes clientID a member of a group (joining twice is a no-op)
// and rebalances cooperatively: the first member gets every partition, a
// later one takes its fair share from members above theirs once they have
// committed what they were handed (at most 30 s later). Errors: 1009,
// 2010, 5000.
func (b *Broker) JoinGroup(sid, tid, gid Identifier, clientID uint32) error {
	return b.inGroup(sid, tid, gid, func(t *topic, g *group) error {
		g.expire(b.opts.Now())
		g.join(clientID, uint32(len(t.parts)), b.opts.Now())
		return nil
	})
}

// LeaveGroup removes clientID from a group and deals its partitions anew
// (partition i to member i mod members). Errors: 1009, 2010, 5000, 5006
// not a member.
func (b *Broker) LeaveGroup(sid, tid, gid Identifier, clientID uint32) error {
	return b.inGroup(sid, tid, gid, func(t *topic, g *group) error {
		if !g.leave(clientID, uint32(len(t.parts))) {
			return ErrConsumerGroupMemberNotFound.With("client %d in group %d", clientID, g.id)
		}
		return nil
	})
}

// DisconnectClient removes clientID from every group it is a member of.
func (b *Broker) DisconnectClient(clientID uint32) {
	b.mu.RLock()
	defer b.mu.RUnlock()

	for _, s := range b.streams.all() {
		for _, t := range s.topics.all() {
			t.gmu.Lock()
			for _, g := range t.groups.all() {
				g.leave(clientID, uint32(len(t.parts)))
			}
			t.gmu.Unlock()
		}
	}
}
