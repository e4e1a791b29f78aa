package iggy

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/events"
)

// Limits of one publish request; PublishBatch splits larger groups.
const (
	maxRequestMessages = 1000
	maxRequestBytes    = 8 << 20
)

// Publish sends one envelope to TopicFor(env.EventType), in the partition
// of its tenant. It does not validate the envelope; that is the producer's
// job (events.Envelope.Validate).
func (t *Transport) Publish(ctx context.Context, env *events.Envelope) error {
	return t.PublishBatch(ctx, []*events.Envelope{env})
}

// PublishBatch sends envelopes in order. Consecutive envelopes with the
// same topic and tenant go out as one request (split past 1000 messages or
// 8 MiB of payload); requests are sent one after another, so the order
// within every tenant is kept. On error the envelopes before the failed
// request have been sent and the rest not, and the error is an
// *events.BatchError counting the sent ones.
func (t *Transport) PublishBatch(ctx context.Context, envs []*events.Envelope) error {
	if err := t.check(); err != nil {
		return err
	}

	var req *connector.PublishRequest
	var tenant uuid.UUID
	size, sent := 0, 0
	for i, env := range envs {
		msg, err := t.message(env, nil)
		if err != nil {
			return &events.BatchError{Published: sent, Err: fmt.Errorf("iggy: publish envelope %d: %w", i, err)}
		}
		topic := TopicFor(env.EventType)

		if req != nil && (req.Topic != topic || tenant != env.TenantID ||
			len(req.Messages) == maxRequestMessages || size+len(msg.Payload) > maxRequestBytes) {
			if err := t.send(ctx, *req); err != nil {
				return &events.BatchError{Published: sent, Err: err}
			}
			sent += len(req.Messages)
			req = nil
		}

		if req == nil {
			req = &connector.PublishRequest{Stream: t.stream(), Topic: topic, PartitionKey: PartitionKey(env.TenantID)}
			tenant, size = env.TenantID, 0
		}
		req.Messages = append(req.Messages, msg)
		size += len(msg.Payload)
	}

	if req == nil {
		return nil
	}
	if err := t.send(ctx, *req); err != nil {
		return &events.BatchError{Published: sent, Err: err}
	}
	return nil
}

func (t *Transport) send(ctx context.Context, req connector.PublishRequest) error {
	if err := t.conn.Publish(ctx, req); err != nil {
		return fmt.Errorf("iggy: publish %d messages to %s/%s: %w", len(req.Messages), req.Stream, req.Topic, err)
	}
	return nil
}

// message encodes env with the configured codec and adds its headers to
// extra (which may be nil).
func (t *Transport) message(env *events.Envelope, extra map[string]string) (connector.OutMessage, error) {
	if env == nil {
		return connector.OutMessage{}, errors.New("nil envelope")
	}

	payload, err := t.codec.Marshal(env)
	if err != nil {
		return connector.OutMessage{}, fmt.Errorf("encode event %s: %w", env.ID, err)
	}

	h := extra
	if h == nil {
		h = make(map[string]string, 5)
	}
	h[HeaderEventID] = env.ID.String()
	h[HeaderEventType] = env.EventType
	h[HeaderTenantID] = env.TenantID.String()
	h[HeaderContentType] = t.codec.ContentType()
	h[HeaderSchemaVersion] = strconv.Itoa(int(env.SchemaVersion))
	return connector.OutMessage{ID: env.ID, Headers: h, Payload: payload}, nil
}

// decode reads a message's envelope with the codec its content_type header
// names, or the configured codec when it names none.
func (t *Transport) decode(headers map[string]string, payload []byte) (*events.Envelope, error) {
	codec := t.codec
	if ct, ok := headers[HeaderContentType]; ok {
		c, err := events.CodecByContentType(ct)
		if err != nil {
			return nil, err
		}
		codec = c
	}
	return codec.Unmarshal(payload)
}
