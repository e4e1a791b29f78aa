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

// Timings of a remote group member.
const (
	// remoteRecountEvery is how often a member rereads the topic's
	// partition count.
	remoteRecountEvery = time.Second
	// remoteBufferRecheck is the age after which a member checks, before
	// handing out the next buffered message, that the server still
	// assigns it the buffered partition.
	remoteBufferRecheck = 250 * time.Millisecond
)

// remoteGroup is one member of a consumer group, on a connection of its
// own since the server counts membership per connection.
//
// The wire protocol does not tell a client which partitions are its own:
// GetConsumerGroup lists members by a group-local number, not by
// connection. A member therefore learns ownership from polls with an
// explicit partition, which the server answers only for partitions the
// caller owns (an unowned one answers partition 0, offset 0, no
// messages). Partition 0 needs a poll of one message from offset 0 to tell
// an owned but empty partition from an unowned one.
//
// For each owned partition the member keeps a read cursor, initialised
// from the group's stored offset (stored + 1, or 0 when nothing is
// stored), and reads with the Offset strategy and auto-commit off, so
// polling never moves the group's offsets: only Commit does. When the
// connection is replaced, the member joins again and every cursor starts
// over from the stored offset.
type remoteGroup struct {
	r        *Remote
	sess     *session
	path     topicPath
	group    string
	gid      iggcon.Identifier
	consumer iggcon.Consumer

	mu      sync.Mutex        // serialises Recv and TryRecv; guards the fields below
	gen     uint64            // connection the cursors belong to
	cursors map[uint32]uint64 // next offset to read per partition known to be owned
	buf     []Message         // fetched, not yet returned; one partition
	bufAt   time.Time         // when buf was fetched or last checked
	turn    uint32            // partition the next fetch polls first
	parts   uint32            // partition count, read at partsAt
	partsAt time.Time
	idle    *idleWait

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
// out its first message; nil when no partition has anything new.
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

	if len(g.buf) > 0 {
		if err := g.recheck(ctx); err != nil {
			return nil, err
		}
	}
	if len(g.buf) == 0 {
		if err := g.fetch(ctx); err != nil {
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
	}
}

// recheck drops the buffer when it is older than remoteBufferRecheck and
// its partition is no longer assigned to this member.
func (g *remoteGroup) recheck(ctx context.Context) error {
	if time.Since(g.bufAt) < remoteBufferRecheck {
		return nil
	}

	p := g.buf[0].Partition
	owned, err := g.owns(ctx, p)
	if err != nil {
		return err
	}
	if !owned {
		delete(g.cursors, p)
		g.buf = nil
		return nil
	}
	g.bufAt = time.Now()
	return nil
}

// fetch polls the partitions in turn, starting after the one that gave
// the last batch, and buffers the first non-empty batch.
func (g *remoteGroup) fetch(ctx context.Context) error {
	n, err := g.partitions(ctx)
	if err != nil {
		return err
	}

	for i := range n {
		p := (g.turn + i) % n
		msgs, err := g.poll(ctx, p)
		if err != nil {
			return err
		}

		if len(msgs) > 0 {
			g.turn = (p + 1) % n
			g.buf, g.bufAt = msgs, time.Now()
			return nil
		}
	}
	return nil
}

// partitions returns the topic's partition count, reread every
// remoteRecountEvery.
func (g *remoteGroup) partitions(ctx context.Context) (uint32, error) {
	if g.parts > 0 && time.Since(g.partsAt) < remoteRecountEvery {
		return g.parts, nil
	}

	n, err := topicPartitions(ctx, g.sess, g.path)
	if err != nil {
		return 0, fmt.Errorf("connector: group %s on %s: %w", g.group, g.path, err)
	}
	g.parts, g.partsAt = n, time.Now()
	return n, nil
}

// poll reads the next batch of partition p if this member owns it. It
// starts a cursor for a partition newly found owned and drops the cursor
// of one found no longer owned.
func (g *remoteGroup) poll(ctx context.Context, p uint32) ([]Message, error) {
	next, known := g.cursors[p]
	if !known {
		var err error
		if next, known, err = g.start(ctx, p); err != nil || !known {
			return nil, err
		}
	}

	res, err := g.read(ctx, p, next, remotePollBatch)
	if err != nil || g.replaced() {
		return nil, err
	}

	if len(res.Messages) > 0 {
		msgs := fromPolled(g.r.opts.logger, g.path, p, res)
		g.cursors[p] = msgs[len(msgs)-1].Offset + 1
		return msgs, nil
	}

	owned := res.PartitionId == p && (p != 0 || res.CurrentOffset > 0)
	if !owned && p == 0 && next > 0 {
		// Partition 0 with at most one message answers like an unowned
		// one; a read from offset 0 tells them apart.
		if owned, err = g.owns(ctx, 0); err != nil {
			return nil, err
		}
	}
	if !owned {
		delete(g.cursors, p)
	}
	return nil, nil
}

// start checks that p is owned and, if so, sets its cursor from the
// group's stored offset.
func (g *remoteGroup) start(ctx context.Context, p uint32) (uint64, bool, error) {
	owned, err := g.owns(ctx, p)
	if err != nil || !owned {
		return 0, false, err
	}

	var info *iggcon.ConsumerOffsetInfo
	part := p
	err = g.sess.do(ctx, func(_ context.Context, c iggcon.Client) error {
		var err error
		info, err = c.GetConsumerOffset(g.consumer, g.path.sid, g.path.tid, &part)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("connector: group %s offset of %s partition %d: %w", g.group, g.path, p, err)
	}
	if g.replaced() {
		return 0, false, nil
	}

	next := uint64(0)
	if info != nil {
		next = info.StoredOffset + 1
	}
	g.cursors[p] = next
	return next, true, nil
}

// owns asks the server whether p is assigned to this member: a poll of no
// message answers with p's number only for an owned partition. For
// partition 0 that answer is the unowned one too, so it reads one message
// from offset 0 instead: an owned partition 0 that holds any message
// returns it.
func (g *remoteGroup) owns(ctx context.Context, p uint32) (bool, error) {
	count := uint32(0)
	if p == 0 {
		count = 1
	}

	res, err := g.read(ctx, p, 0, count)
	if err != nil {
		return false, err
	}
	if p == 0 {
		return len(res.Messages) > 0 || res.CurrentOffset > 0, nil
	}
	return res.PartitionId == p, nil
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
