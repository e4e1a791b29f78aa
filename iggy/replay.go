package iggy

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/iggyflow/iggyflow/connector"
)

// replayBatch is how many messages Replay reads per connector request.
const replayBatch = 256

// ReplayOptions select the range Replay reads. Every bound is optional.
type ReplayOptions struct {
	// Topic is TopicDomain (the default when empty), TopicSystem or
	// TopicDLQ.
	Topic string
	// Partitions to read, each below the topic's partition count; nil
	// reads all of them.
	Partitions []uint32
	// FromOffset and ToOffset bound the offsets read, both inclusive.
	FromOffset, ToOffset *uint64
	// Since and Until bound the broker's append time: Since inclusive,
	// Until exclusive. Reading stops at the first message at or after
	// Until, since append times grow along a partition.
	Since, Until time.Time
	// Limit is the most messages handed to the handler; 0 means no limit.
	Limit int
	// OnDecodeError is called for a message that does not decode; nil
	// stops the replay with that *DecodeError. Returning nil skips the
	// message.
	OnDecodeError func(*DecodeError) error
}

// Replay hands the selected messages to handler, partition by partition
// in ascending order and offset by offset within each, and stops at the
// end of each partition as it stands when reached. It reads with bounded
// reads that store no offset, so no consumer group moves. Deliveries
// cannot be acknowledged. A handler error stops the replay and is
// returned wrapped.
func (t *Transport) Replay(ctx context.Context, opts ReplayOptions, handler func(*Delivery) error) error {
	if err := t.check(); err != nil {
		return err
	}

	parts, err := t.replayPartitions(ctx, &opts, handler)
	if err != nil {
		return err
	}

	left := opts.Limit
	for _, p := range parts {
		n, err := t.replayPartition(ctx, opts, p, left, handler)
		if err != nil {
			return err
		}

		if opts.Limit > 0 {
			if left -= n; left == 0 {
				return nil
			}
		}
	}
	return nil
}

// replayPartitions validates opts (filling the default topic) and returns
// the partitions to read.
func (t *Transport) replayPartitions(ctx context.Context, opts *ReplayOptions, handler func(*Delivery) error) ([]uint32, error) {
	if opts.Topic == "" {
		opts.Topic = TopicDomain
	}
	if err := opts.check(handler); err != nil {
		return nil, err
	}

	count, err := t.conn.Partitions(ctx, t.stream(), opts.Topic)
	if err != nil {
		return nil, fmt.Errorf("iggy: replay %s: %w", opts.Topic, err)
	}

	if opts.Partitions == nil {
		parts := make([]uint32, count)
		for i := range parts {
			parts[i] = uint32(i)
		}
		return parts, nil
	}

	parts := slices.Compact(slices.Sorted(slices.Values(opts.Partitions)))
	for _, p := range parts {
		if p >= count {
			return nil, fmt.Errorf("%w: replay partition %d: topic %s has %d partitions",
				ErrBadOptions, p, opts.Topic, count)
		}
	}
	return parts, nil
}

func (o *ReplayOptions) check(handler func(*Delivery) error) error {
	switch {
	case handler == nil:
		return fmt.Errorf("%w: replay needs a handler", ErrBadOptions)
	case !knownTopic(o.Topic):
		return fmt.Errorf("%w: replay topic %q is not %s, %s or %s", ErrBadOptions, o.Topic, TopicDomain, TopicSystem, TopicDLQ)
	case o.Limit < 0:
		return fmt.Errorf("%w: replay limit %d is negative", ErrBadOptions, o.Limit)
	case o.FromOffset != nil && o.ToOffset != nil && *o.FromOffset > *o.ToOffset:
		return fmt.Errorf("%w: replay from offset %d is after to offset %d", ErrBadOptions, *o.FromOffset, *o.ToOffset)
	case !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until):
		return fmt.Errorf("%w: replay since %s is not before until %s", ErrBadOptions,
			o.Since.Format(time.RFC3339Nano), o.Until.Format(time.RFC3339Nano))
	}
	return nil
}

// replayPartition reads one partition and returns how many messages it
// handed to handler; limit 0 means no limit.
func (t *Transport) replayPartition(ctx context.Context, o ReplayOptions, p uint32, limit int, handler func(*Delivery) error) (int, error) {
	from := connector.ReadFrom{Since: o.Since}
	if o.FromOffset != nil {
		from = connector.ReadFrom{Offset: *o.FromOffset}
	}

	handled := 0
	for {
		msgs, err := t.conn.Read(ctx, connector.ReadRequest{
			Stream: t.stream(), Topic: o.Topic, Partition: p, From: from, Count: replayBatch,
		})
		if err != nil {
			return handled, fmt.Errorf("iggy: replay %s partition %d: %w", o.Topic, p, err)
		}
		if len(msgs) == 0 {
			return handled, nil
		}

		for i := range msgs {
			m := &msgs[i]
			if o.past(m) {
				return handled, nil
			}
			if o.before(m) {
				continue
			}

			if err := t.replayOne(m, o, handler); err != nil {
				return handled, err
			}
			if handled++; limit > 0 && handled == limit {
				return handled, nil
			}
		}
		from = connector.ReadFrom{Offset: msgs[len(msgs)-1].Offset + 1}
	}
}

// past reports whether m is beyond the range's end.
func (o *ReplayOptions) past(m *connector.Message) bool {
	return (o.ToOffset != nil && m.Offset > *o.ToOffset) || (!o.Until.IsZero() && !m.Timestamp.Before(o.Until))
}

// before reports whether m comes before the range's start.
func (o *ReplayOptions) before(m *connector.Message) bool {
	return (o.FromOffset != nil && m.Offset < *o.FromOffset) || (!o.Since.IsZero() && m.Timestamp.Before(o.Since))
}

func (t *Transport) replayOne(m *connector.Message, o ReplayOptions, handler func(*Delivery) error) error {
	d := t.delivery(m)
	env, err := t.decode(m.Headers, m.Payload)
	if err != nil {
		de := &DecodeError{Delivery: d, Err: err}
		if o.OnDecodeError == nil {
			return de
		}
		if err := o.OnDecodeError(de); err != nil {
			return fmt.Errorf("iggy: replay %s partition %d offset %d: %w", m.Topic, m.Partition, m.Offset, err)
		}
		return nil
	}

	d.Envelope, d.eventID = env, env.ID
	if err := handler(d); err != nil {
		return fmt.Errorf("iggy: replay handler at %s partition %d offset %d: %w", m.Topic, m.Partition, m.Offset, err)
	}
	return nil
}
