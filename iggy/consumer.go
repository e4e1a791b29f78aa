package iggy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/events"
)

// Delivery is one received message.
type Delivery struct {
	// Envelope is the decoded event; nil inside a *DecodeError.
	Envelope *events.Envelope
	// Topic, Partition and Offset locate the message in the stream.
	Topic     string
	Partition uint32
	Offset    uint64
	// Timestamp is the broker's append time.
	Timestamp time.Time
	// MessageID is the message id, which iggyflow sets to the event id.
	MessageID uuid.UUID
	// Headers are the message's user headers.
	Headers map[string]string
	// Payload is the encoded envelope as stored.
	Payload []byte

	consumer *Consumer // nil for Replay deliveries
	eventID  uuid.UUID
}

// EventID is the event id of the delivery: the envelope's, or the
// event_id header's when the payload did not decode, or the message id.
func (d *Delivery) EventID() uuid.UUID { return d.eventID }

// SubscribeOption configures SubscribeAsGroup.
type SubscribeOption func(*subscribeOptions)

type subscribeOptions struct{ topic string }

// WithTopic makes the consumer read topic instead of TopicDomain; it must
// be TopicDomain, TopicSystem or TopicDLQ.
func WithTopic(topic string) SubscribeOption {
	return func(o *subscribeOptions) { o.topic = topic }
}

// Consumer is one member of a consumer group. Receive and Ack may be
// called from several goroutines.
type Consumer struct {
	t     *Transport
	group string
	topic string
	sub   connector.GroupSubscriber

	mu     sync.Mutex // guards acks and serialises commits
	acks   map[uint32]*ackQueue
	closed bool
}

// SubscribeAsGroup joins consumer group (creating it if needed) on the
// domain topic, or the topic given with WithTopic. Each call adds one
// member; partitions are shared among a group's members.
func (t *Transport) SubscribeAsGroup(ctx context.Context, group string, opts ...SubscribeOption) (*Consumer, error) {
	o := subscribeOptions{topic: TopicDomain}
	for _, opt := range opts {
		opt(&o)
	}
	if !knownTopic(o.topic) {
		return nil, fmt.Errorf("%w: topic %q is not %s, %s or %s", ErrBadOptions, o.topic, TopicDomain, TopicSystem, TopicDLQ)
	}
	if group == "" || len(group) > 255 {
		return nil, fmt.Errorf("%w: group name must be 1..255 bytes", ErrBadOptions)
	}

	if err := t.check(); err != nil {
		return nil, err
	}

	sub, err := t.conn.SubscribeGroup(ctx, t.stream(), o.topic, group)
	if err != nil {
		return nil, fmt.Errorf("iggy: subscribe group %s to %s: %w", group, o.topic, err)
	}

	c := &Consumer{t: t, group: group, topic: o.topic, sub: sub, acks: make(map[uint32]*ackQueue)}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, errors.Join(ErrClosed, sub.Close())
	}
	t.consumers[c] = struct{}{}
	t.mu.Unlock()
	return c, nil
}

func knownTopic(topic string) bool {
	return topic == TopicDomain || topic == TopicSystem || topic == TopicDLQ
}

// Group returns the consumer group's name.
func (c *Consumer) Group() string { return c.group }

// Topic returns the topic the consumer reads.
func (c *Consumer) Topic() string { return c.topic }

// Receive waits for the next message of a partition assigned to this
// member. A message that does not decode is returned as a *DecodeError
// carrying its Delivery, which must be acknowledged or moved to the DLQ
// like any other.
func (c *Consumer) Receive(ctx context.Context) (*Delivery, error) {
	m, err := c.sub.Recv(ctx)
	if err != nil {
		if c.isClosed() {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("iggy: receive (group %s, topic %s): %w", c.group, c.topic, err)
	}

	d := c.t.delivery(m)
	d.consumer = c
	env, decodeErr := c.t.decode(m.Headers, m.Payload)
	if decodeErr == nil {
		d.Envelope, d.eventID = env, env.ID
	}

	if err := c.track(d); err != nil {
		return nil, err
	}
	if decodeErr != nil {
		return nil, &DecodeError{Delivery: d, Err: decodeErr}
	}
	return d, nil
}

// delivery builds a Delivery from a message, without decoding it.
func (t *Transport) delivery(m *connector.Message) *Delivery {
	d := &Delivery{
		Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp,
		MessageID: uuid.UUID(m.ID), Headers: m.Headers, Payload: m.Payload,
	}

	d.eventID = d.MessageID
	if id, err := uuid.Parse(m.Headers[HeaderEventID]); err == nil {
		d.eventID = id
	}
	return d
}

// track records a delivery as waiting for its acknowledgement.
func (c *Consumer) track(d *Delivery) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	q := c.acks[d.Partition]
	if q == nil {
		q = newAckQueue()
		c.acks[d.Partition] = q
	}
	q.add(d.Offset)
	c.mu.Unlock()

	c.t.mu.Lock()
	c.t.pending[d.eventID] = append(c.t.pending[d.eventID], d)
	c.t.mu.Unlock()
	return nil
}

// Ack records that d was handled. The group's offset of d's partition is
// committed up to the last message before which everything delivered has
// been acknowledged, so an ack that overtakes an earlier delivery commits
// nothing until that one is acknowledged too. Acknowledging twice does
// nothing. When d's partition has moved to another member meanwhile, the
// commit is skipped and the new owner receives d again.
func (c *Consumer) Ack(ctx context.Context, d *Delivery) error {
	if d == nil || d.consumer != c {
		return ErrNotMine
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}

	c.t.forget(d)
	q := c.acks[d.Partition]
	if q == nil {
		return nil
	}

	off, ok := q.ack(d.Offset)
	if !ok {
		return nil
	}

	err := c.sub.Commit(ctx, d.Partition, off)
	if errors.Is(err, connector.ErrNotAssigned) {
		// The partition moved to another member, which reads it again from
		// the group's committed offset; what is waiting here is moot.
		delete(c.acks, d.Partition)
		c.t.log.Info("ack skipped: partition moved to another member", "group", c.group,
			"topic", c.topic, "partition", d.Partition, "offset", d.Offset)
		return nil
	}
	if err != nil {
		return fmt.Errorf("iggy: ack (group %s, topic %s): %w", c.group, c.topic, err)
	}
	q.committed(off)
	return nil
}

// forget removes d from the transport's unacknowledged deliveries.
func (t *Transport) forget(d *Delivery) {
	t.mu.Lock()
	defer t.mu.Unlock()

	list := t.pending[d.eventID]
	for i, x := range list {
		if x == d {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}

	if len(list) == 0 {
		delete(t.pending, d.eventID)
	} else {
		t.pending[d.eventID] = list
	}
}

// Acknowledge acks every unacknowledged delivery of the event received by
// this transport's consumers. An event id with none is ErrUnknownEvent.
func (t *Transport) Acknowledge(ctx context.Context, eventID uuid.UUID) error {
	t.mu.Lock()
	list := append([]*Delivery(nil), t.pending[eventID]...)
	t.mu.Unlock()

	if len(list) == 0 {
		return fmt.Errorf("%w: %s", ErrUnknownEvent, eventID)
	}

	var errs []error
	for _, d := range list {
		errs = append(errs, d.consumer.Ack(ctx, d))
	}
	return errors.Join(errs...)
}

// MoveToDLQ parks d on the dlq topic (with dlq_reason and, unless d comes
// from the dlq already, original_topic headers) and then acknowledges it.
// It works for a DecodeError's Delivery too: the payload is copied as is.
func (c *Consumer) MoveToDLQ(ctx context.Context, d *Delivery, reason string) error {
	if d == nil || d.consumer != c {
		return ErrNotMine
	}

	h := maps.Clone(d.Headers)
	if h == nil {
		h = make(map[string]string)
	}
	h[HeaderDLQReason] = dlqReason(reason)
	if d.Topic != TopicDLQ || h[HeaderOriginalTopic] == "" {
		h[HeaderOriginalTopic] = d.Topic
	}

	msg := connector.OutMessage{ID: d.MessageID, Headers: h, Payload: d.Payload}
	if err := c.t.parkRaw(ctx, msg, d.eventID, d.Headers[HeaderTenantID]); err != nil {
		return err
	}
	return c.Ack(ctx, d)
}

// Close leaves the group and forgets the consumer's unacknowledged
// deliveries; they are delivered again to the group's next reader.
func (c *Consumer) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.acks = nil
	c.mu.Unlock()

	c.t.mu.Lock()
	delete(c.t.consumers, c)
	for id, list := range c.t.pending {
		kept := list[:0:0]
		for _, d := range list {
			if d.consumer != c {
				kept = append(kept, d)
			}
		}
		if len(kept) == 0 {
			delete(c.t.pending, id)
		} else {
			c.t.pending[id] = kept
		}
	}
	c.t.mu.Unlock()

	if err := c.sub.Close(); err != nil {
		return fmt.Errorf("iggy: close consumer (group %s): %w", c.group, err)
	}
	return nil
}

func (c *Consumer) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}
