package iggy

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/events"
)

// RetryGroup is the consumer group that records how far RetryFromDLQ got
// in the dlq topic, so each entry is retried once.
const RetryGroup = "iggyflow-dlq-retry"

// MoveToDLQ publishes env to the dlq topic with a dlq_reason header
// (reason cut to 255 bytes; "unspecified" when empty) and an
// original_topic header naming TopicFor(env.EventType).
func (t *Transport) MoveToDLQ(ctx context.Context, env *events.Envelope, reason string) error {
	if err := t.check(); err != nil {
		return err
	}
	if env == nil {
		return fmt.Errorf("iggy: move to dlq: nil envelope")
	}

	extra := map[string]string{HeaderDLQReason: dlqReason(reason), HeaderOriginalTopic: TopicFor(env.EventType)}
	msg, err := t.message(env, extra)
	if err != nil {
		return fmt.Errorf("iggy: move to dlq: %w", err)
	}

	if err := t.send(ctx, t.dlqRequest(msg, env.TenantID[:])); err != nil {
		return err
	}
	t.log.Warn("event moved to dlq", "event_id", env.ID, "event_type", env.EventType, "reason", extra[HeaderDLQReason])
	return nil
}

// parkRaw publishes an already encoded message to the dlq topic.
func (t *Transport) parkRaw(ctx context.Context, msg connector.OutMessage, eventID uuid.UUID, tenant string) error {
	if err := t.check(); err != nil {
		return err
	}

	var key []byte
	if id, err := uuid.Parse(tenant); err == nil {
		key = id[:]
	}
	if err := t.send(ctx, t.dlqRequest(msg, key)); err != nil {
		return err
	}

	t.log.Warn("message moved to dlq", "event_id", eventID, "topic", msg.Headers[HeaderOriginalTopic],
		"reason", msg.Headers[HeaderDLQReason])
	return nil
}

func (t *Transport) dlqRequest(msg connector.OutMessage, key []byte) connector.PublishRequest {
	if key == nil {
		key = []byte{0}
	}
	return connector.PublishRequest{Stream: t.stream(), Topic: TopicDLQ, PartitionKey: key,
		Messages: []connector.OutMessage{msg}}
}

// dlqReason makes reason a valid header value: 1..255 bytes of UTF-8.
func dlqReason(reason string) string {
	if reason == "" {
		return "unspecified"
	}

	if len(reason) > 255 {
		cut := 255
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut]
	}
	return reason
}

// RetryOptions bound a RetryFromDLQ pass.
type RetryOptions struct {
	// Limit is the most entries to re-publish; 0 means all.
	Limit int
	// EventTypes, when not empty, selects the entries to re-publish by
	// event type; the others stay in the dlq for a later pass.
	EventTypes []string
}

// RetryFromDLQ re-publishes dlq entries to their original topic with
// retry_count incremented and returns how many it re-published. Progress
// is recorded in the consumer group RetryGroup, committed after every
// entry, so an entry is retried once even across processes and restarts.
//
// Entries the pass does not retry (filtered out by EventTypes, or not
// decodable) are appended again at the dlq's end so a later pass can
// retry them; the pass stops when it reaches the first entry it put back,
// when the dlq holds nothing more, or at Limit. A put-back entry gets a
// new offset and timestamp, so its expiry starts again.
func (t *Transport) RetryFromDLQ(ctx context.Context, opts RetryOptions) (int, error) {
	if opts.Limit < 0 {
		return 0, fmt.Errorf("%w: retry limit %d is negative", ErrBadOptions, opts.Limit)
	}
	if err := t.check(); err != nil {
		return 0, err
	}

	sub, err := t.conn.SubscribeGroup(ctx, t.stream(), TopicDLQ, RetryGroup)
	if err != nil {
		return 0, fmt.Errorf("iggy: retry from dlq: %w", err)
	}
	defer sub.Close()

	pass := uuid.NewString()
	retried := 0
	for opts.Limit == 0 || retried < opts.Limit {
		m, err := sub.TryRecv(ctx)
		if err != nil {
			return retried, fmt.Errorf("iggy: retry from dlq: %w", err)
		}
		if m == nil || m.Headers[headerDLQPass] == pass {
			break
		}

		did, err := t.retryEntry(ctx, m, opts.EventTypes, pass)
		if err != nil {
			return retried, err
		}
		if did {
			retried++
		}

		if err := sub.Commit(ctx, m.Partition, m.Offset); err != nil {
			return retried, fmt.Errorf("iggy: retry from dlq: %w", err)
		}
	}
	return retried, nil
}

// retryEntry re-publishes one dlq entry, or puts it back at the dlq's end
// marked with pass when it is filtered out or does not decode.
func (t *Transport) retryEntry(ctx context.Context, m *connector.Message, types []string, pass string) (bool, error) {
	env, err := t.decode(m.Headers, m.Payload)
	if err != nil || (len(types) > 0 && !slices.Contains(types, env.EventType)) {
		return false, t.putBack(ctx, m, pass)
	}

	topic := m.Headers[HeaderOriginalTopic]
	if !knownTopic(topic) || topic == TopicDLQ {
		topic = TopicFor(env.EventType)
	}

	retry := *env
	retry.RetryCount++
	msg, err := t.message(&retry, nil)
	if err != nil {
		return false, fmt.Errorf("iggy: retry event %s: %w", env.ID, err)
	}

	req := connector.PublishRequest{Stream: t.stream(), Topic: topic, PartitionKey: PartitionKey(env.TenantID),
		Messages: []connector.OutMessage{msg}}
	if err := t.send(ctx, req); err != nil {
		return false, err
	}
	t.log.Info("event retried from dlq", "event_id", env.ID, "topic", topic, "retry_count", retry.RetryCount)
	return true, nil
}

func (t *Transport) putBack(ctx context.Context, m *connector.Message, pass string) error {
	h := make(map[string]string, len(m.Headers)+1)
	for k, v := range m.Headers {
		h[k] = v
	}
	h[headerDLQPass] = pass

	msg := connector.OutMessage{ID: m.ID, Headers: h, Payload: m.Payload}
	key := []byte{0}
	if id, err := uuid.Parse(m.Headers[HeaderTenantID]); err == nil {
		key = id[:]
	}
	return t.send(ctx, t.dlqRequest(msg, key))
}
