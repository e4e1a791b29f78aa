package connector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	ierror "github.com/apache/iggy/foreign/go/errors"
)

// remotePollBatch is how many messages a remote subscriber asks for per
// poll and hands out one by one.
const remotePollBatch = 128

// remoteOwnershipRecheck is how often a remote group member asks the
// server again which partitions it owns: 250 ms. A partition assigned to
// it by a rebalance is read within that time.
const remoteOwnershipRecheck = 250 * time.Millisecond

// remoteGroup is one member of a consumer group, on a connection of its
// own since the server counts membership per connection.
//
// The wire protocol does not tell a client which partitions are its own:
// GetConsumerGroup lists members by a group-local number, not by
// connection. A member therefore learns ownership from polls with an
// explicit partition, which the server answers only for partitions the
// caller owns (an unowned one answers partition 0, offset 0, no
// messages). It asks every remoteOwnershipRecheck, and sooner when a
// partition it thought its own returned nothing although the topic says
// it holds more. Partition 0 needs a poll of one message from offset 0 to
// tell an owned partition from an unowned one, and an empty partition 0
// counts as owned until it holds a message.
//
// For each owned partition the member keeps a read cursor, initialised
// from the group's stored offset (stored + 1, or 0 when nothing is
// stored), and reads with the Offset strategy and auto-commit off, so
// polling never moves the group's offsets: only Commit does. A round reads
// the topic's partition offsets once (GetTopic) and polls only the owned
// partitions with messages past their cursor. When the connection is
// replaced, the member joins again and every cursor starts over from the
// stored offset.
type remoteGroup struct {
	r        *Remote
	sess     *session
	path     topicPath
	group    string
	gid      iggcon.Identifier
	consumer iggcon.Consumer

	mu        sync.Mutex        // serialises Recv and TryRecv; guards the fields below
	gen       uint64            // connection the cursors belong to
	cursors   map[uint32]uint64 // next offset to read per owned partition
	checkedAt time.Time         // when ownership was last asked; zero asks at the next step
	buf       []Message         // fetched, not yet returned; one partition
	turn      uint32            // partition the next fetch polls first
	idle      *idleWait

	closed chan struct{}
	once   sync.Once
	left   error
}

// SubscribeGroup opens a connection of its own, creates the consumer
// group if it does not exist and joins it as a new member.
func (r *Remote) SubscribeGroup(ctx context.Context, stream, topic, group string) (GroupSubscriber, error) {
	if _, err := r.session(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	conf := r.conf
	r.mu.Unlock()
	if conf == nil {
		return nil, ErrNotConnected
	}

	g, err := newRemoteGroup(r, conf, stream, topic, group)
	if err != nil {
		return nil, err
	}

	if err := g.sess.do(ctx, func(context.Context, iggcon.Client) error { return nil }); err != nil {
		g.sess.close()
		return nil, fmt.Errorf("connector: subscribe group %s to %s: %w", group, g.path, err)
	}
	g.gen = g.sess.generation()

	if !r.track(g, true) {
		g.sess.close()
		return nil, ErrNotConnected
	}
	return g, nil
}

func newRemoteGroup(r *Remote, conf *remoteConf, stream, topic, group string) (*remoteGroup, error) {
	path, err := newTopicPath(stream, topic)
	if err != nil {
		return nil, err
	}
	gid, err := nameID(group)
	if err != nil {
		return nil, err
	}

	g := &remoteGroup{
		r: r, path: path, group: group, gid: gid, consumer: iggcon.NewGroupConsumer(gid),
		cursors: make(map[uint32]uint64), idle: newIdleWait(r.opts.pollMin, r.opts.pollMax),
		closed: make(chan struct{}),
	}
	g.sess = newSession("group "+group+" on "+path.String(), conf, g.join)
	return g, nil
}

// join makes the connection a member: it creates the group unless it
// exists and joins it. It runs after every login.
func (g *remoteGroup) join(_ context.Context, c iggcon.Client) error {
	_, err := c.GetConsumerGroup(g.path.sid, g.path.tid, g.gid)
	if errors.Is(err, ierror.ErrConsumerGroupIdNotFound) {
		_, err = c.CreateConsumerGroup(g.path.sid, g.path.tid, g.group)
		if errors.Is(err, ierror.ErrConsumerGroupNameAlreadyExists) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("create group %s: %w", g.group, err)
	}

	if err := c.JoinConsumerGroup(g.path.sid, g.path.tid, g.gid); err != nil {
		return fmt.Errorf("join group %s: %w", g.group, err)
	}
	return nil
}

// Recv returns the next message of a partition assigned to this member,
// polling with a growing pause while none has anything new.
func (g *remoteGroup) Recv(ctx context.Context) (*Message, error) {
	g.mu.Lock()
	defer g.mu.Unlock()

	for {
		m, err := g.step(ctx)
		if err != nil {
			return nil, err
		}
		if m != nil {
			g.idle.reset()
			return m, nil
		}

		if err := g.idle.wait(ctx, g.closed, g.r.stopped()); err != nil {
			return nil, err
		}
	}
}

// TryRecv is Recv without waiting: one round of polls over the partitions.
func (g *remoteGroup) TryRecv(ctx context.Context) (*Message, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.step(ctx)
}

// step hands out a buffered message, or fetches the next batch and hands
// out its first message; nil when no owned partition has anything new.
func (g *remoteGroup) step(ctx context.Context) (*Message, error) {
	select {
	case <-g.closed:
		return nil, ErrSubscriptionClosed
	default:
	}
	if _, err := g.r.session(ctx); err != nil {
		return nil, err
	}
	g.resync()

	if len(g.buf) == 0 {
		if err := g.fetch(ctx); err != nil {
			return nil, err
		}
	} else if time.Since(g.checkedAt) >= remoteOwnershipRecheck {
		// The buffer's partition may have moved to another member.
		parts, err := g.topicState(ctx)
		if err != nil {
			return nil, err
		}
		if err := g.recheck(ctx, parts); err != nil {
			return nil, err
		}
	}

	if len(g.buf) == 0 {
		return nil, nil
	}
	m := g.buf[0]
	g.buf = g.buf[1:]
	return &m, nil
}

// resync forgets every cursor and buffered message when the connection
// was replaced: the new membership reads from the stored offsets.
func (g *remoteGroup) resync() {
	if gen := g.sess.generation(); gen != g.gen {
		g.gen = gen
		clear(g.cursors)
		g.buf = nil
		g.checkedAt = time.Time{}
	}
}

// fetch reads the topic's partition offsets, asks for ownership when it is
// due, then polls the owned partitions that hold messages past their
// cursor, starting after the one that gave the last batch, and buffers the
// first non-empty batch.
func (g *remoteGroup) fetch(ctx context.Context) error {
	parts, err := g.topicState(ctx)
	if err != nil {
		return err
	}
	if time.Since(g.checkedAt) >= remoteOwnershipRecheck {
		if err := g.recheck(ctx, parts); err != nil || g.replaced() {
			return err
		}
	}

	n := uint32(len(parts))
	for i := range n {
		p := (g.turn + i) % n
		next, owned := g.cursors[p]
		if !owned || !parts[p].holds(next) {
			continue
		}

		msgs, err := g.poll(ctx, p, next)
		if err != nil || g.replaced() {
			return err
		}
		if len(msgs) > 0 {
			g.turn = (p + 1) % n
			g.buf = msgs
			return nil
		}
		// The topic says there is more, the server gave nothing: the
		// partition is probably someone else's now.
		g.checkedAt = time.Time{}
	}
	return nil
}

// partState is what GetTopic says of one partition.
type partState struct {
	current  uint64 // last assigned offset
	messages uint64 // messages still stored
}

// holds reports whether the partition has a message at or after next.
func (s partState) holds(next uint64) bool {
	return s.messages > 0 && s.current >= next
}

// topicState returns the state of every partition of the topic, indexed
// by partition number.
func (g *remoteGroup) topicState(ctx context.Context) ([]partState, error) {
	var parts []partState
	err := g.sess.do(ctx, func(_ context.Context, c iggcon.Client) error {
		t, err := c.GetTopic(g.path.sid, g.path.tid)
		if err != nil {
			return err
		}
		parts = make([]partState, t.PartitionsCount)
		for _, p := range t.Partitions {
			if p.Id < t.PartitionsCount {
				parts[p.Id] = partState{current: p.CurrentOffset, messages: p.MessagesCount}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("connector: group %s on %s: %w", g.group, g.path, err)
	}
	return parts, nil
}

// recheck asks the server which partitions of parts (the topic's state)
// this member owns: it starts a cursor for each newly owned one and drops
// the cursor (and buffer) of each no longer owned or no longer existing.
func (g *remoteGroup) recheck(ctx context.Context, parts []partState) error {
	for p := range g.cursors {
		if p >= uint32(len(parts)) {
			delete(g.cursors, p)
		}
	}

	for p := range uint32(len(parts)) {
		owned, err := g.owns(ctx, p, parts)
		if err != nil || g.replaced() {
			return err
		}
		if err := g.mark(ctx, p, owned); err != nil || g.replaced() {
			return err
		}
	}
	g.checkedAt = time.Now()
	return nil
}

// mark records whether p is owned: a newly owned partition gets a cursor
// from the group's stored offset, a lost one loses its cursor and any
// buffered messages.
func (g *remoteGroup) mark(ctx context.Context, p uint32, owned bool) error {
	if !owned {
		delete(g.cursors, p)
		if len(g.buf) > 0 && g.buf[0].Partition == p {
			g.buf = nil
		}
		return nil
	}
	if _, ok := g.cursors[p]; ok {
		return nil
	}

	next, err := g.stored(ctx, p)
	if err != nil || g.replaced() {
		return err
	}
	g.cursors[p] = next
	return nil
}

// stored returns the offset after the group's stored offset of p, or 0
// when nothing is stored.
func (g *remoteGroup) stored(ctx context.Context, p uint32) (uint64, error) {
	var info *iggcon.ConsumerOffsetInfo
	part := p
	err := g.sess.do(ctx, func(_ context.Context, c iggcon.Client) error {
		var err error
		info, err = c.GetConsumerOffset(g.consumer, g.path.sid, g.path.tid, &part)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("connector: group %s offset of %s partition %d: %w", g.group, g.path, p, err)
	}
	if info == nil {
		return 0, nil
	}
	return info.StoredOffset + 1, nil
}

// owns asks the server whether p is assigned to this member: a poll of no
// message answers with p's number and current offset only for an owned
// partition, and with partition 0, offset 0 for an unowned one.
//
// For partition 0 that answer is ambiguous when its current offset is 0.
// An empty partition 0 counts as owned until it holds a message; one
// holding a single message is asked for it (a poll from offset 0), which
// an owned partition returns. A read of one message is used for that case
// only: the server remembers the last offset a member polled and moves a
// partition away once the member commits that far, so a probe must not
// poll an offset below what the member has read.
func (g *remoteGroup) owns(ctx context.Context, p uint32, parts []partState) (bool, error) {
	if p == 0 && parts[0].messages == 0 {
		return true, nil
	}

	res, err := g.read(ctx, p, 0, 0)
	if err != nil {
		return false, err
	}
	if p != 0 {
		return res.PartitionId == p, nil
	}
	if res.CurrentOffset > 0 || parts[0].current > 0 {
		return res.CurrentOffset > 0, nil
	}

	res, err = g.read(ctx, 0, 0, 1)
	if err != nil {
		return false, err
	}
	return len(res.Messages) > 0, nil
}

// poll reads the next batch of owned partition p from next and moves its
// cursor past it.
func (g *remoteGroup) poll(ctx context.Context, p uint32, next uint64) ([]Message, error) {
	res, err := g.read(ctx, p, next, remotePollBatch)
	if err != nil || len(res.Messages) == 0 || g.replaced() {
		return nil, err
	}

	msgs := fromPolled(g.r.opts.logger, g.path, p, res)
	g.cursors[p] = msgs[len(msgs)-1].Offset + 1
	return msgs, nil
}

// read polls partition p from offset as the group, with auto-commit off.
func (g *remoteGroup) read(ctx context.Context, p uint32, offset uint64, count uint32) (*iggcon.PolledMessage, error) {
	var res *iggcon.PolledMessage
	part := p
	err := g.sess.do(ctx, func(_ context.Context, c iggcon.Client) error {
		var err error
		res, err = c.PollMessages(g.path.sid, g.path.tid, g.consumer, iggcon.OffsetPollingStrategy(offset),
			count, false, &part)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connector: group %s poll %s partition %d: %w", g.group, g.path, p, err)
	}
	return res, nil
}

// replaced reports whether the connection changed since the cursors were
// last synced; the result of a call made on the new one is then dropped
// and the next step starts over from the stored offsets.
func (g *remoteGroup) replaced() bool {
	return g.sess.generation() != g.gen
}

// Commit stores offset as the group's last processed offset of partition.
// It fails with an error wrapping ErrNotAssigned when the server says the
// partition is not this member's.
func (g *remoteGroup) Commit(ctx context.Context, partition uint32, offset uint64) error {
	if _, err := g.r.session(ctx); err != nil {
		return err
	}

	p := partition
	err := g.sess.do(ctx, func(_ context.Context, c iggcon.Client) error {
		return c.StoreConsumerOffset(g.consumer, g.path.sid, g.path.tid, offset, &p)
	})
	if notAssigned(err) {
		err = fmt.Errorf("%w: %w", ErrNotAssigned, err)
	}
	if err != nil {
		return fmt.Errorf("connector: group %s commit %s partition %d offset %d: %w",
			g.group, g.path, partition, offset, err)
	}
	return nil
}

// Close leaves the group and closes the member's connection, so its
// partitions go to the other members. A Recv waiting in another goroutine
// returns ErrSubscriptionClosed. Leaving is not retried: a connection that
// is down has left already.
func (g *remoteGroup) Close() error {
	g.once.Do(func() {
		close(g.closed)
		g.r.track(g, false)

		ctx, cancel := context.WithTimeout(context.Background(), g.r.opts.connectTimeout)
		defer cancel()
		err := g.sess.ifUp(ctx, func(_ context.Context, c iggcon.Client) error {
			return c.LeaveConsumerGroup(g.path.sid, g.path.tid, g.gid)
		})
		if err != nil && !errors.Is(err, ErrConnection) && !errors.Is(err, context.DeadlineExceeded) {
			g.left = fmt.Errorf("connector: leave group %s on %s: %w", g.group, g.path, err)
		}
		g.sess.close()
	})
	return g.left
}
