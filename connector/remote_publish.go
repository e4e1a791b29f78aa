package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"github.com/iggyflow/iggyflow/internal/xxh32"
)

// Publish sends the request's messages in one SendMessages call: to the
// partition of XXH32(PartitionKey) when a key is given, else balanced
// round-robin by the server. Keys of 1..255 bytes are sent for the server
// to hash; other lengths (the wire cannot carry them) are hashed here the
// same way and sent as a partition id. When the connection breaks the
// call is sent again on a new one, so the messages may be appended twice.
// An empty payload is refused: the SDK cannot send one.
func (r *Remote) Publish(ctx context.Context, req PublishRequest) error {
	s, err := r.session(ctx)
	if err != nil {
		return err
	}
	path, err := newTopicPath(req.Stream, req.Topic)
	if err != nil {
		return err
	}

	msgs, err := outMessages(req.Messages)
	if err != nil {
		return fmt.Errorf("connector: publish to %s: %w", path, err)
	}

	part, err := r.partitioning(ctx, s, path, req.PartitionKey)
	if err != nil {
		return fmt.Errorf("connector: publish to %s: %w", path, err)
	}

	err = s.do(ctx, func(_ context.Context, c iggcon.Client) error {
		return c.SendMessages(path.sid, path.tid, part, msgs)
	})
	if err != nil {
		return fmt.Errorf("connector: publish %d messages to %s: %w", len(msgs), path, err)
	}
	return nil
}

// outMessages builds the SDK's messages, with the user headers in the
// same encoding as Embedded writes.
func outMessages(in []OutMessage) ([]iggcon.IggyMessage, error) {
	if len(in) == 0 {
		return nil, errors.New("no messages")
	}

	out := make([]iggcon.IggyMessage, len(in))
	for i, m := range in {
		h, err := EncodeHeaders(m.Headers)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}

		msg, err := iggcon.NewIggyMessage(m.Payload, iggcon.WithID(m.ID), withRawHeaders(h))
		if err != nil {
			return nil, fmt.Errorf("message %d (%d bytes): %w", i, len(m.Payload), err)
		}
		out[i] = msg
	}
	return out, nil
}

// withRawHeaders sets an encoded user-headers block as it is; the SDK's
// own option takes entries and would encode them again.
func withRawHeaders(h []byte) iggcon.IggyMessageOpt {
	return func(m *iggcon.IggyMessage) {
		if h != nil {
			m.UserHeaders = h
		}
	}
}

// partitioning maps a partition key to the SDK's partitioning.
func (r *Remote) partitioning(ctx context.Context, s *session, path topicPath, key []byte) (iggcon.Partitioning, error) {
	switch {
	case key == nil:
		return iggcon.None(), nil
	case len(key) >= 1 && len(key) <= 255:
		return iggcon.EntityIdBytes(key)
	}

	n, err := topicPartitions(ctx, s, path)
	if err != nil {
		return iggcon.Partitioning{}, err
	}
	if n == 0 {
		return iggcon.Partitioning{}, errors.New("topic has no partitions")
	}
	return iggcon.PartitionId(xxh32.Sum(key, 0) % n), nil
}

// Read returns at most req.Count messages of one partition, from
// req.From.Since when it is set, else from req.From.Offset. It polls as a
// single consumer with auto-commit off, so it stores no offset.
func (r *Remote) Read(ctx context.Context, req ReadRequest) ([]Message, error) {
	s, err := r.session(ctx)
	if err != nil {
		return nil, err
	}
	path, err := newTopicPath(req.Stream, req.Topic)
	if err != nil {
		return nil, err
	}

	strategy := iggcon.OffsetPollingStrategy(req.From.Offset)
	if !req.From.Since.IsZero() {
		strategy = iggcon.TimestampPollingStrategy(sinceMicros(req.From.Since))
	}

	r.mu.Lock()
	reader := r.reader
	r.mu.Unlock()

	var res *iggcon.PolledMessage
	part := req.Partition
	err = s.do(ctx, func(_ context.Context, c iggcon.Client) error {
		var err error
		res, err = c.PollMessages(path.sid, path.tid, reader, strategy, req.Count, false, &part)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connector: read %s partition %d: %w", path, req.Partition, err)
	}
	return fromPolled(r.opts.logger, path, req.Partition, res), nil
}

// fromPolled turns polled SDK messages into connector messages. A headers
// block that does not decode (only a foreign producer can write one) is
// dropped with a warning rather than hiding the message.
func fromPolled(log *slog.Logger, path topicPath, partition uint32, res *iggcon.PolledMessage) []Message {
	out := make([]Message, len(res.Messages))
	for i, m := range res.Messages {
		h, err := DecodeHeaders(m.UserHeaders)
		if err != nil {
			log.Warn("dropping undecodable user headers", "stream", path.stream, "topic", path.topic,
				"partition", partition, "offset", m.Header.Offset, "err", err)
			h = nil
		}

		out[i] = Message{
			Stream: path.stream, Topic: path.topic, Partition: partition, Offset: m.Header.Offset,
			Timestamp: time.UnixMicro(int64(m.Header.Timestamp)).UTC(),
			ID:        m.Header.Id, Headers: h, Payload: m.Payload,
		}
	}
	return out
}

// sinceMicros is t in µs since the Unix epoch, 0 for earlier times.
func sinceMicros(t time.Time) uint64 {
	return uint64(max(t.UnixMicro(), 0))
}
