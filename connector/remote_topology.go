package connector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	ierror "github.com/apache/iggy/foreign/go/errors"
)

// nameID is the identifier of a stream, topic or group by name (1..255
// bytes).
func nameID(name string) (iggcon.Identifier, error) {
	id, err := iggcon.NewIdentifier(name)
	if err != nil {
		return iggcon.Identifier{}, fmt.Errorf("connector: name %q: %w", name, err)
	}
	return id, nil
}

// numericID is the identifier of a number; it cannot fail.
func numericID(n uint32) iggcon.Identifier {
	id, _ := iggcon.NewIdentifier(n)
	return id
}

// topicPath names a stream and one of its topics on the wire.
type topicPath struct {
	stream, topic string
	sid, tid      iggcon.Identifier
}

func newTopicPath(stream, topic string) (topicPath, error) {
	sid, err := nameID(stream)
	if err != nil {
		return topicPath{}, err
	}
	tid, err := nameID(topic)
	if err != nil {
		return topicPath{}, err
	}
	return topicPath{stream: stream, topic: topic, sid: sid, tid: tid}, nil
}

func (p topicPath) String() string { return p.stream + "/" + p.topic }

// EnsureStream creates the stream unless it exists. A create that races
// another client's and finds the name taken counts as success.
func (r *Remote) EnsureStream(ctx context.Context, name string) error {
	s, err := r.session(ctx)
	if err != nil {
		return err
	}
	sid, err := nameID(name)
	if err != nil {
		return err
	}

	err = s.do(ctx, func(_ context.Context, c iggcon.Client) error {
		_, err := c.GetStream(sid)
		if !errors.Is(err, ierror.ErrStreamIdNotFound) {
			return err
		}
		_, err = c.CreateStream(name)
		if errors.Is(err, ierror.ErrStreamNameAlreadyExists) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("connector: ensure stream %s: %w", name, err)
	}
	return nil
}

// EnsureTopic creates the topic unless it exists. An existing topic with
// fewer partitions than spec gets more (never fewer), and its expiry and
// maximum size are set to spec's.
func (r *Remote) EnsureTopic(ctx context.Context, stream string, spec TopicSpec) error {
	s, err := r.session(ctx)
	if err != nil {
		return err
	}
	path, err := newTopicPath(stream, spec.Name)
	if err != nil {
		return err
	}
	want := remoteTopicConfig(spec)

	err = s.do(ctx, func(_ context.Context, c iggcon.Client) error {
		t, err := c.GetTopic(path.sid, path.tid)
		if errors.Is(err, ierror.ErrTopicIdNotFound) {
			return createTopic(c, path, spec, want)
		}
		if err != nil {
			return err
		}
		return alignTopic(c, path, t, spec, want)
	})
	if err != nil {
		return fmt.Errorf("connector: ensure topic %s: %w", path, err)
	}
	return nil
}

// remoteTopic is a topic's retention in wire units: expiry in µs with
// MaxUint64 for never, size in bytes with MaxUint64 for unlimited.
type remoteTopic struct {
	expiry iggcon.Duration
	size   uint64
	rf     uint8
}

func remoteTopicConfig(spec TopicSpec) remoteTopic {
	t := remoteTopic{expiry: noExpiry, size: noLimit, rf: max(spec.ReplicationFactor, 1)}
	if spec.MessageExpiry > 0 {
		t.expiry = iggcon.Duration(spec.MessageExpiry / time.Microsecond)
	}
	if spec.MaxSizeBytes > 0 {
		t.size = spec.MaxSizeBytes
	}
	return t
}

func createTopic(c iggcon.Client, path topicPath, spec TopicSpec, want remoteTopic) error {
	rf := want.rf
	_, err := c.CreateTopic(path.sid, spec.Name, spec.Partitions, iggcon.CompressionAlgorithmNone,
		want.expiry, want.size, &rf)
	if errors.Is(err, ierror.ErrTopicNameAlreadyExists) {
		return nil
	}
	return err
}

// alignTopic adds missing partitions and updates retention that differs.
func alignTopic(c iggcon.Client, path topicPath, t *iggcon.TopicDetails, spec TopicSpec, want remoteTopic) error {
	if t.PartitionsCount < spec.Partitions {
		if err := c.CreatePartitions(path.sid, path.tid, spec.Partitions-t.PartitionsCount); err != nil {
			return fmt.Errorf("add %d partitions: %w", spec.Partitions-t.PartitionsCount, err)
		}
	}

	if t.MessageExpiry == want.expiry && t.MaxTopicSize == want.size {
		return nil
	}
	rf := want.rf
	err := c.UpdateTopic(path.sid, path.tid, t.Name, iggcon.CompressionAlgorithm(t.CompressionAlgorithm),
		want.expiry, want.size, &rf)
	if err != nil {
		return fmt.Errorf("update retention: %w", err)
	}
	return nil
}

// Partitions returns the topic's partition count.
func (r *Remote) Partitions(ctx context.Context, stream, topic string) (uint32, error) {
	s, err := r.session(ctx)
	if err != nil {
		return 0, err
	}
	path, err := newTopicPath(stream, topic)
	if err != nil {
		return 0, err
	}

	n, err := topicPartitions(ctx, s, path)
	if err != nil {
		return 0, fmt.Errorf("connector: topic %s: %w", path, err)
	}
	return n, nil
}

// topicPartitions reads the partition count of path on s.
func topicPartitions(ctx context.Context, s *session, path topicPath) (uint32, error) {
	var n uint32
	err := s.do(ctx, func(_ context.Context, c iggcon.Client) error {
		t, err := c.GetTopic(path.sid, path.tid)
		if err != nil {
			return err
		}
		n = t.PartitionsCount
		return nil
	})
	if err != nil {
		// n may still be written by a call abandoned when ctx ended.
		return 0, err
	}
	return n, nil
}

// noExpiry and noLimit are the wire values of "never" and "unlimited".
const (
	noExpiry = iggcon.Duration(math.MaxUint64)
	noLimit  = uint64(math.MaxUint64)
)
