package connector

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/iggyflow/iggyflow/broker"
)

// ErrSubscriptionClosed is returned by Recv after Close.
var ErrSubscriptionClosed = errors.New("connector: subscription closed")

// pollBatch is how many messages a subscriber fetches per broker poll and
// hands out one by one.
const pollBatch = 128

// embeddedSubscriber reads one partition from offset 0 as a single
// consumer with its own client id; it stores no offsets.
type embeddedSubscriber struct {
	e             *Embedded
	stream, topic string
	partition     uint32
	client        uint32

	mu     sync.Mutex // serialises Recv
	next   uint64     // next offset to poll
	buf    []Message
	closed chan struct{}
	once   sync.Once
}

// Subscribe reads one partition from its first offset. The subscription
// stores no offset; each Subscribe starts again from the beginning.
func (e *Embedded) Subscribe(ctx context.Context, stream, topic string, partition uint32) (Subscriber, error) {
	b, err := e.ready(ctx)
	if err != nil {
		return nil, err
	}

	info, err := b.Topic(broker.ByName(stream), broker.ByName(topic))
	if err != nil {
		return nil, fmt.Errorf("connector: subscribe %s/%s: %w", stream, topic, err)
	}
	if partition >= info.PartitionsCount {
		return nil, fmt.Errorf("connector: subscribe %s/%s partition %d: %w",
			stream, topic, partition, broker.ErrPartitionNotFound)
	}

	return &embeddedSubscriber{
		e: e, stream: stream, topic: topic, partition: partition,
		client: broker.NewClientID(), closed: make(chan struct{}),
	}, nil
}

// Recv returns the next message, waiting for an append when there is none.
func (s *embeddedSubscriber) Recv(ctx context.Context) (*Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	for {
		if len(s.buf) > 0 {
			m := s.buf[0]
			s.buf = s.buf[1:]
			return &m, nil
		}

		changed, err := s.fill(ctx)
		if err != nil {
			return nil, err
		}
		if changed == nil {
			continue
		}

		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.closed:
			return nil, ErrSubscriptionClosed
		case <-s.e.stopped():
			return nil, ErrNotConnected
		case <-changed:
		}
	}
}

// fill polls one batch into the buffer. When the partition had nothing new
// it returns the channel that signals the next append; the channel is
// taken before the poll so an append in between is not missed.
func (s *embeddedSubscriber) fill(ctx context.Context) (<-chan struct{}, error) {
	select {
	case <-s.closed:
		return nil, ErrSubscriptionClosed
	default:
	}

	b, err := s.e.ready(ctx)
	if err != nil {
		return nil, err
	}
	sid, tid := broker.ByName(s.stream), broker.ByName(s.topic)

	changed, err := b.Changed(sid, tid)
	if err != nil {
		return nil, fmt.Errorf("connector: subscribe %s/%s: %w", s.stream, s.topic, err)
	}

	part := s.partition
	res, err := b.Poll(sid, tid, broker.PollRequest{
		Consumer:  broker.Consumer{Kind: broker.SingleConsumer, ID: broker.ByID(s.client)},
		ClientID:  s.client,
		Partition: &part,
		Strategy:  broker.PollingStrategy{Kind: broker.StrategyOffset, Value: s.next},
		Count:     pollBatch,
	})
	if err != nil {
		return nil, fmt.Errorf("connector: poll %s/%s partition %d: %w", s.stream, s.topic, s.partition, err)
	}

	if len(res.Messages) == 0 {
		return changed, nil
	}
	s.next = res.Messages[len(res.Messages)-1].Offset + 1
	s.buf = s.e.convert(s.stream, s.topic, s.partition, res.Messages)
	return nil, nil
}

// Close stops the subscription; a Recv waiting in another goroutine
// returns ErrSubscriptionClosed.
func (s *embeddedSubscriber) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}
