package connector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/iggyflow/iggyflow/broker"
)

// embeddedGroup is one member of a consumer group. It keeps a read cursor
// per partition the group assigns to it, initialised from the group's
// stored offset (stored + 1, or 0 when nothing is stored), and reads with
// the Offset strategy so that polling never moves the group's offsets:
// only Commit does.
type embeddedGroup struct {
	e             *Embedded
	stream, topic string
	group         string
	client        uint32
	consumer      broker.Consumer

	mu      sync.Mutex        // serialises Recv and guards the fields below
	cursors map[uint32]uint64 // next offset to read per owned partition
	buf     []Message         // fetched, not yet returned; one partition
	turn    int               // rotation over owned partitions

	closed chan struct{}
	once   sync.Once
	left   error
}

// SubscribeGroup joins the consumer group (creating it if needed) as a new
// member with its own client id.
func (e *Embedded) SubscribeGroup(ctx context.Context, stream, topic, group string) (GroupSubscriber, error) {
	b, err := e.ready(ctx)
	if err != nil {
		return nil, err
	}
	sid, tid, gid := broker.ByName(stream), broker.ByName(topic), broker.ByName(group)

	if _, err := b.Group(sid, tid, gid); errors.Is(err, broker.ErrConsumerGroupNotFound) {
		_, err = b.CreateGroup(sid, tid, group)
		if err != nil && !errors.Is(err, broker.ErrConsumerGroupNameExists) {
			return nil, fmt.Errorf("connector: create group %s on %s/%s: %w", group, stream, topic, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("connector: group %s on %s/%s: %w", group, stream, topic, err)
	}

	client := broker.NewClientID()
	if err := b.JoinGroup(sid, tid, gid, client); err != nil {
		return nil, fmt.Errorf("connector: join group %s on %s/%s: %w", group, stream, topic, err)
	}

	return &embeddedGroup{
		e: e, stream: stream, topic: topic, group: group, client: client,
		consumer: broker.Consumer{Kind: broker.GroupConsumer, ID: gid},
		cursors:  make(map[uint32]uint64),
		closed:   make(chan struct{}),
	}, nil
}

// Recv returns the next message of a partition assigned to this member.
// It waits for an append when none has anything new, and re-reads the
// assignment at least every GroupRecheck while waiting.
func (g *embeddedGroup) Recv(ctx context.Context) (*Message, error) {
	g.mu.Lock()
	defer g.mu.Unlock()

	for {
		owned, changed, err := g.round(ctx)
		if err != nil {
			return nil, err
		}

		if m, ok := g.pop(owned); ok {
			return m, nil
		}

		if err := g.wait(ctx, changed); err != nil {
			return nil, err
		}
	}
}

// TryRecv is Recv without waiting: it returns nil, nil when no partition
// assigned to this member has anything new now.
func (g *embeddedGroup) TryRecv(ctx context.Context) (*Message, error) {
	g.mu.Lock()
	defer g.mu.Unlock()

	owned, _, err := g.round(ctx)
	if err != nil {
		return nil, err
	}

	m, _ := g.pop(owned)
	return m, nil
}

// round re-reads the assignment, forgets partitions no longer assigned and,
// when the buffer is empty, fetches the next batch. It returns the owned
// partitions and the channel of the next append, taken before polling.
func (g *embeddedGroup) round(ctx context.Context) ([]uint32, <-chan struct{}, error) {
	select {
	case <-g.closed:
		return nil, nil, ErrSubscriptionClosed
	default:
	}

	b, err := g.e.ready(ctx)
	if err != nil {
		return nil, nil, err
	}
	sid, tid := broker.ByName(g.stream), broker.ByName(g.topic)

	changed, err := b.Changed(sid, tid)
	if err != nil {
		return nil, nil, fmt.Errorf("connector: group %s on %s/%s: %w", g.group, g.stream, g.topic, err)
	}

	owned, err := g.assigned(b)
	if err != nil {
		return nil, nil, err
	}
	g.forget(owned)

	if len(g.buf) == 0 {
		if err := g.fetch(b, owned); err != nil {
			return nil, nil, err
		}
	}
	return owned, changed, nil
}

// assigned returns the partitions the group gives this member now.
func (g *embeddedGroup) assigned(b *broker.Broker) ([]uint32, error) {
	info, err := b.Group(broker.ByName(g.stream), broker.ByName(g.topic), broker.ByName(g.group))
	if err != nil {
		return nil, fmt.Errorf("connector: group %s on %s/%s: %w", g.group, g.stream, g.topic, err)
	}

	for _, m := range info.Members {
		if m.ClientID == g.client {
			return slices.Sorted(slices.Values(m.Partitions)), nil
		}
	}
	return nil, fmt.Errorf("connector: group %s on %s/%s: client %d: %w",
		g.group, g.stream, g.topic, g.client, broker.ErrConsumerGroupMemberNotFound)
}

// forget drops the cursors and buffered messages of partitions this member
// no longer owns: another member reads them from the stored offset now, and
// if one comes back its cursor starts again from the stored offset.
func (g *embeddedGroup) forget(owned []uint32) {
	for p := range g.cursors {
		if !slices.Contains(owned, p) {
			delete(g.cursors, p)
		}
	}

	if len(g.buf) > 0 && !slices.Contains(owned, g.buf[0].Partition) {
		g.buf = nil
	}
}

// fetch polls the owned partitions in turn, starting after the one polled
// last, and buffers the first non-empty batch.
func (g *embeddedGroup) fetch(b *broker.Broker, owned []uint32) error {
	for i := range owned {
		p := owned[(g.turn+i)%len(owned)]
		msgs, err := g.poll(b, p)
		if err != nil {
			return err
		}

		if len(msgs) > 0 {
			g.turn = (g.turn + i + 1) % len(owned)
			g.buf = g.e.convert(g.stream, g.topic, p, msgs)
			return nil
		}
	}
	return nil
}

func (g *embeddedGroup) poll(b *broker.Broker, p uint32) ([]broker.Message, error) {
	sid, tid := broker.ByName(g.stream), broker.ByName(g.topic)
	next, ok := g.cursors[p]
	if !ok {
		info, stored, err := b.GetOffset(g.consumer, g.client, sid, tid, &p)
		if err != nil {
			return nil, fmt.Errorf("connector: group %s offset of %s/%s partition %d: %w",
				g.group, g.stream, g.topic, p, err)
		}
		if stored {
			next = info.StoredOffset + 1
		}
	}

	part := p
	res, err := b.Poll(sid, tid, broker.PollRequest{
		Consumer:  g.consumer,
		ClientID:  g.client,
		Partition: &part,
		Strategy:  broker.PollingStrategy{Kind: broker.StrategyOffset, Value: next},
		Count:     pollBatch,
	})
	if err != nil {
		return nil, fmt.Errorf("connector: group %s poll %s/%s partition %d: %w",
			g.group, g.stream, g.topic, p, err)
	}

	if n := len(res.Messages); n > 0 {
		next = res.Messages[n-1].Offset + 1
	}
	g.cursors[p] = next
	return res.Messages, nil
}

// pop returns the next buffered message if its partition is still owned.
func (g *embeddedGroup) pop(owned []uint32) (*Message, bool) {
	if len(g.buf) == 0 || !slices.Contains(owned, g.buf[0].Partition) {
		return nil, false
	}
	m := g.buf[0]
	g.buf = g.buf[1:]
	return &m, true
}

func (g *embeddedGroup) wait(ctx context.Context, changed <-chan struct{}) error {
	t := time.NewTimer(GroupRecheck)
	defer t.Stop()

	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-g.closed:
		return ErrSubscriptionClosed
	case <-g.e.stopped():
		return ErrNotConnected
	case <-changed:
	case <-t.C:
	}
	return nil
}

// Commit stores offset as the group's last processed offset of partition.
func (g *embeddedGroup) Commit(ctx context.Context, partition uint32, offset uint64) error {
	b, err := g.e.ready(ctx)
	if err != nil {
		return err
	}

	p := partition
	err = b.StoreOffset(g.consumer, g.client, broker.ByName(g.stream), broker.ByName(g.topic), &p, offset)
	if errors.Is(err, broker.ErrNotResolvedConsumer) {
		err = fmt.Errorf("%w: %w", ErrNotAssigned, err)
	}
	if err != nil {
		return fmt.Errorf("connector: group %s commit %s/%s partition %d offset %d: %w",
			g.group, g.stream, g.topic, partition, offset, err)
	}
	return nil
}

// Close leaves the group, so its partitions go to the other members. A
// Recv waiting in another goroutine returns ErrSubscriptionClosed.
func (g *embeddedGroup) Close() error {
	g.once.Do(func() {
		close(g.closed)
		b, err := g.e.broker()
		if err != nil {
			return // the broker is gone and the membership with it
		}

		err = b.LeaveGroup(broker.ByName(g.stream), broker.ByName(g.topic), broker.ByName(g.group), g.client)
		if err != nil {
			g.left = fmt.Errorf("connector: leave group %s on %s/%s: %w", g.group, g.stream, g.topic, err)
		}
	})
	return g.left
}
