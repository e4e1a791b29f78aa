package connector

import (
	"context"
	"fmt"
	"time"

	"github.com/iggyflow/iggyflow/broker"
)

// Publish appends the request's messages to one partition in one append:
// the partition of XXH32(PartitionKey) when a key is given, else the next
// one round-robin. The messages are written to the broker's files (synced
// according to the fsync policy) when it returns.
func (e *Embedded) Publish(ctx context.Context, req PublishRequest) error {
	b, err := e.ready(ctx)
	if err != nil {
		return err
	}

	msgs := make([]broker.Message, len(req.Messages))
	now := uint64(time.Now().UnixMicro())
	for i, m := range req.Messages {
		h, err := EncodeHeaders(m.Headers)
		if err != nil {
			return fmt.Errorf("connector: publish to %s/%s: message %d: %w", req.Stream, req.Topic, i, err)
		}
		msgs[i] = broker.Message{ID: m.ID, Headers: h, Payload: m.Payload, OriginTimestamp: now}
	}

	p := broker.Partitioning{Kind: broker.Balanced}
	if req.PartitionKey != nil {
		p = broker.Partitioning{Kind: broker.MessagesKey, Key: req.PartitionKey}
	}

	if _, err := b.Append(broker.ByName(req.Stream), broker.ByName(req.Topic), p, msgs); err != nil {
		return fmt.Errorf("connector: publish to %s/%s: %w", req.Stream, req.Topic, err)
	}
	return nil
}

// Read returns at most req.Count messages of one partition, from
// req.From.Since when it is set, else from req.From.Offset. It stores no
// offset.
func (e *Embedded) Read(ctx context.Context, req ReadRequest) ([]Message, error) {
	b, err := e.ready(ctx)
	if err != nil {
		return nil, err
	}

	strategy := broker.PollingStrategy{Kind: broker.StrategyOffset, Value: req.From.Offset}
	if !req.From.Since.IsZero() {
		strategy = broker.PollingStrategy{Kind: broker.StrategyTimestamp, Value: micros(req.From.Since)}
	}

	e.mu.RLock()
	reader := e.reader
	e.mu.RUnlock()

	part := req.Partition
	res, err := b.Poll(broker.ByName(req.Stream), broker.ByName(req.Topic), broker.PollRequest{
		Consumer:  broker.Consumer{Kind: broker.SingleConsumer, ID: broker.ByID(reader)},
		ClientID:  reader,
		Partition: &part,
		Strategy:  strategy,
		Count:     req.Count,
	})
	if err != nil {
		return nil, fmt.Errorf("connector: read %s/%s partition %d: %w", req.Stream, req.Topic, req.Partition, err)
	}
	return e.convert(req.Stream, req.Topic, res.Partition, res.Messages), nil
}

// convert turns broker messages into connector messages. A headers block
// that does not decode (only a foreign producer can write one) is dropped
// with a warning rather than hiding the message.
func (e *Embedded) convert(stream, topic string, partition uint32, in []broker.Message) []Message {
	out := make([]Message, len(in))
	for i, m := range in {
		h, err := DecodeHeaders(m.Headers)
		if err != nil {
			e.opts.logger.Warn("dropping undecodable user headers", "stream", stream, "topic", topic,
				"partition", partition, "offset", m.Offset, "err", err)
			h = nil
		}

		out[i] = Message{
			Stream: stream, Topic: topic, Partition: partition, Offset: m.Offset,
			Timestamp: time.UnixMicro(int64(m.Timestamp)).UTC(),
			ID:        m.ID, Headers: h, Payload: m.Payload,
		}
	}
	return out
}

func micros(t time.Time) uint64 {
	if us := t.UnixMicro(); us > 0 {
		return uint64(us)
	}
	return 0
}
