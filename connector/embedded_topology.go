package connector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/iggyflow/iggyflow/broker"
)

// EnsureStream creates the stream unless it exists.
func (e *Embedded) EnsureStream(ctx context.Context, name string) error {
	b, err := e.ready(ctx)
	if err != nil {
		return err
	}

	_, err = b.Stream(broker.ByName(name))
	if err == nil {
		return nil
	}
	if !errors.Is(err, broker.ErrStreamNotFound) {
		return fmt.Errorf("connector: ensure stream %s: %w", name, err)
	}

	if _, err := b.CreateStream(name); err != nil && !errors.Is(err, broker.ErrStreamNameExists) {
		return fmt.Errorf("connector: create stream %s: %w", name, err)
	}
	return nil
}

// EnsureTopic creates the topic unless it exists. An existing topic with
// fewer partitions than spec gets more (never fewer), and its expiry and
// maximum size are set to spec's.
func (e *Embedded) EnsureTopic(ctx context.Context, stream string, spec TopicSpec) error {
	b, err := e.ready(ctx)
	if err != nil {
		return err
	}
	sid, tid := broker.ByName(stream), broker.ByName(spec.Name)
	cfg := topicConfig(spec)

	info, err := b.Topic(sid, tid)
	if errors.Is(err, broker.ErrTopicNotFound) {
		_, err = b.CreateTopic(sid, cfg)
		if err == nil || errors.Is(err, broker.ErrTopicNameExists) {
			return nil
		}
		return fmt.Errorf("connector: create topic %s/%s: %w", stream, spec.Name, err)
	}
	if err != nil {
		return fmt.Errorf("connector: ensure topic %s/%s: %w", stream, spec.Name, err)
	}

	if info.PartitionsCount < cfg.Partitions {
		if err := b.CreatePartitions(sid, tid, cfg.Partitions-info.PartitionsCount); err != nil {
			return fmt.Errorf("connector: add partitions to %s/%s: %w", stream, spec.Name, err)
		}
	}

	if !sameRetention(info, cfg) {
		cfg.Partitions = max(cfg.Partitions, info.PartitionsCount)
		if err := b.UpdateTopic(sid, tid, cfg); err != nil {
			return fmt.Errorf("connector: update topic %s/%s: %w", stream, spec.Name, err)
		}
	}
	return nil
}

// topicConfig maps a spec to the broker's units: expiry in microseconds
// with MaxUint64 for never, size with MaxUint64 for unlimited.
func topicConfig(spec TopicSpec) broker.TopicConfig {
	cfg := broker.TopicConfig{
		Name:              spec.Name,
		Partitions:        spec.Partitions,
		MessageExpiry:     math.MaxUint64,
		MaxTopicSize:      math.MaxUint64,
		ReplicationFactor: max(spec.ReplicationFactor, 1),
	}
	if spec.MessageExpiry > 0 {
		cfg.MessageExpiry = uint64(spec.MessageExpiry / time.Microsecond)
	}
	if spec.MaxSizeBytes > 0 {
		cfg.MaxTopicSize = spec.MaxSizeBytes
	}
	return cfg
}

func sameRetention(info broker.TopicInfo, cfg broker.TopicConfig) bool {
	return info.MessageExpiry == cfg.MessageExpiry && info.MaxTopicSize == cfg.MaxTopicSize
}

// Partitions returns the topic's partition count.
func (e *Embedded) Partitions(ctx context.Context, stream, topic string) (uint32, error) {
	b, err := e.ready(ctx)
	if err != nil {
		return 0, err
	}

	info, err := b.Topic(broker.ByName(stream), broker.ByName(topic))
	if err != nil {
		return 0, fmt.Errorf("connector: topic %s/%s: %w", stream, topic, err)
	}
	return info.PartitionsCount, nil
}

// ready returns the broker if ctx is live and the connector connected.
func (e *Embedded) ready(ctx context.Context) (*broker.Broker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return e.broker()
}
