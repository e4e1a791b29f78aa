package broker

import (
	"slices"
	"time"
)

// rebalanceTimeout is how long a partition pending revocation waits for
// its old owner to commit before it moves anyway (Iggy's default
// consumer_group.rebalancing_timeout).
const rebalanceTimeout = 30 * time.Second

// member is one client in a consumer group.
type member struct {
	id       uint32 // group-local: 0, 1, ...
	clientID uint32
	parts    []uint32
	// next is the index into parts the next rotating poll reads; cur is
	// the one the last poll read (what a store without partition uses).
	next, cur int
	// polled is the last offset this member was handed per partition.
	polled map[uint32]uint64
}

// revocation is a partition moving from one member to another once the
// old owner has committed what it was handed.
type revocation struct {
	partition uint32
	from, to  uint32 // member ids
	since     time.Time
}

// group is a consumer group: its identity is persisted, its membership
// lives only as long as the clients. Guarded by topic.gmu.
type group struct {
	id      uint32
	name    string
	members []*member // in join order
	pending []revocation
}

func (g *group) member(clientID uint32) *member {
	for _, m := range g.members {
		if m.clientID == clientID {
			return m
		}
	}
	return nil
}

func (g *group) memberByID(id uint32) *member {
	for _, m := range g.members {
		if m.id == id {
			return m
		}
	}
	return nil
}

func (g *group) info(partitions uint32) GroupInfo {
	gi := GroupInfo{ID: g.id, Name: g.name, PartitionsCount: partitions, MembersCount: uint32(len(g.members))}
	for _, m := range g.members {
		gi.Members = append(gi.Members, MemberInfo{ID: m.id, ClientID: m.clientID,
			Partitions: slices.Clone(m.parts)})
	}
	return gi
}

// join adds clientID (a no-op when it is a member) and rebalances
// cooperatively over n partitions.
func (g *group) join(clientID uint32, n uint32, now time.Time) {
	if g.member(clientID) != nil {
		return
	}

	id := uint32(0)
	for _, m := range g.members {
		id = max(id, m.id+1)
	}
	g.members = append(g.members, &member{id: id, clientID: clientID, polled: map[uint32]uint64{}})
	g.cooperative(n, now)
}

// leave removes clientID and deals all partitions anew; it reports
// whether the client was a member.
func (g *group) leave(clientID uint32, n uint32) bool {
	i := slices.IndexFunc(g.members, func(m *member) bool { return m.clientID == clientID })
	if i < 0 {
		return false
	}
	g.members = slices.Delete(g.members, i, i+1)
	g.full(n)
	return true
}

// full clears every assignment and deals partition i to member i mod m.
func (g *group) full(n uint32) {
	g.pending = nil
	for _, m := range g.members {
		m.parts, m.next, m.cur = nil, 0, 0
		clear(m.polled)
	}
	if len(g.members) == 0 {
		return
	}
	for p := uint32(0); p < n; p++ {
		m := g.members[int(p)%len(g.members)]
		m.parts = append(m.parts, p)
	}
}

// cooperative hands unowned partitions to idle members, then moves excess
// partitions from members above their fair share to members still idle,
// through revocations that complete once the old owner has committed.
func (g *group) cooperative(n uint32, now time.Time) {
	owned := map[uint32]bool{}
	for _, m := range g.members {
		for _, p := range m.parts {
			owned[p] = true
		}
	}

	idle := g.idleMembers()
	k := 0
	for p := uint32(0); p < n && len(idle) > 0; p++ {
		if !owned[p] {
			idle[k%len(idle)].parts = append(idle[k%len(idle)].parts, p)
			k++
		}
	}

	g.revokeExcess(n, now)
}

// idleMembers are members with no partitions and none on the way.
func (g *group) idleMembers() []*member {
	incoming := map[uint32]bool{}
	for _, r := range g.pending {
		incoming[r.to] = true
	}

	var idle []*member
	for _, m := range g.members {
		if len(m.parts) == 0 && !incoming[m.id] {
			idle = append(idle, m)
		}
	}
	return idle
}

// revokeExcess gives each idle member its fair share taken from the end of
// the lists of members that hold more than theirs. Fair shares follow
// table order: the first n mod m members may hold one extra.
func (g *group) revokeExcess(n uint32, now time.Time) {
	idle := g.idleMembers()
	if len(idle) == 0 {
		return
	}

	target := map[uint32]int{}
	fair, rem := int(n)/len(g.members), int(n)%len(g.members)
	for i, m := range g.members {
		target[m.id] = fair
		if i < rem {
			target[m.id]++
		}
	}

	for _, to := range idle {
		for want := target[to.id]; want > 0; want-- {
			from, p, ok := g.pickExcess(target)
			if !ok {
				return
			}
			g.pending = append(g.pending, revocation{partition: p, from: from.id, to: to.id, since: now})
			if _, polled := from.polled[p]; !polled {
				g.complete(len(g.pending) - 1)
			}
		}
	}
}

// pickExcess finds the member furthest above its target and the last of
// its partitions not already moving.
func (g *group) pickExcess(target map[uint32]int) (*member, uint32, bool) {
	var best *member
	bestExcess := 0
	for _, m := range g.members {
		if e := g.keeping(m) - target[m.id]; e > bestExcess {
			best, bestExcess = m, e
		}
	}
	if best == nil {
		return nil, 0, false
	}

	for i := len(best.parts) - 1; i >= 0; i-- {
		if !g.moving(best.parts[i]) {
			return best, best.parts[i], true
		}
	}
	return nil, 0, false
}

// keeping counts m's partitions that are not moving away.
func (g *group) keeping(m *member) int {
	n := 0
	for _, p := range m.parts {
		if !g.moving(p) {
			n++
		}
	}
	return n
}

func (g *group) moving(p uint32) bool {
	for _, r := range g.pending {
		if r.partition == p {
			return true
		}
	}
	return false
}

// complete moves the partition of pending revocation i to its new owner.
func (g *group) complete(i int) {
	r := g.pending[i]
	g.pending = slices.Delete(g.pending, i, i+1)

	if from := g.memberByID(r.from); from != nil {
		if j := slices.Index(from.parts, r.partition); j >= 0 {
			from.parts = slices.Delete(from.parts, j, j+1)
		}
		delete(from.polled, r.partition)
		if from.cur >= len(from.parts) {
			from.cur = 0
		}
	}
	if to := g.memberByID(r.to); to != nil {
		to.parts = append(to.parts, r.partition)
	}
}

// expire completes revocations older than the rebalance timeout.
func (g *group) expire(now time.Time) {
	for i := len(g.pending) - 1; i >= 0; i-- {
		if now.Sub(g.pending[i].since) >= rebalanceTimeout {
			g.complete(i)
		}
	}
}

// committed tells the group that m stored offset off on partition p; a
// revocation of p from m completes once off reaches what m was handed.
func (g *group) committed(m *member, p uint32, off uint64) {
	for i, r := range g.pending {
		if r.partition == p && r.from == m.id && off >= m.polled[p] {
			g.complete(i)
			return
		}
	}
}

// pollPartition picks the partition a poll by m reads: the explicit one if
// m holds it, else the next in m's rotation. ok is false when there is
// nothing m may read.
func (g *group) pollPartition(m *member, explicit *uint32) (uint32, bool) {
	if explicit != nil {
		return *explicit, slices.Contains(m.parts, *explicit)
	}
	if len(m.parts) == 0 {
		return 0, false
	}

	i := m.next % len(m.parts)
	m.cur, m.next = i, i+1
	return m.parts[i], true
}

// storePartition picks the partition a store or delete of a group offset
// by m refers to: the explicit one, which m must hold, or the one m polled
// last.
func (g *group) storePartition(m *member, explicit *uint32) (uint32, error) {
	if explicit != nil {
		if !slices.Contains(m.parts, *explicit) {
			return 0, ErrNotResolvedConsumer.With("partition %d is not assigned to the member", *explicit)
		}
		return *explicit, nil
	}
	if len(m.parts) == 0 {
		return 0, ErrNotResolvedConsumer.With("the member has no partitions")
	}
	return m.parts[m.cur%len(m.parts)], nil
}
