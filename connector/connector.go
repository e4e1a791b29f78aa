// Package connector is the connection layer between the iggy transport and
// an Iggy-compatible broker. It has exactly two modes: Embedded runs the
// broker inside the process; Remote talks to an Iggy server over TCP with
// the official Iggy Go SDK.
package connector

import (
	"context"
	"errors"
	"time"
)

// Mode selects the connector implementation.
type Mode string

// The two connector modes.
const (
	ModeEmbedded Mode = "embedded"
	ModeRemote   Mode = "remote"
)

// Config is what a connector needs to connect; iggy.Config turns into it.
type Config struct {
	Mode     Mode
	Embedded EmbeddedConfig
	Remote   RemoteConfig
}

// EmbeddedConfig configures the in-process broker.
type EmbeddedConfig struct {
	// DataDir holds the broker's files. Default ./data/iggy.
	DataDir string
	// TCPAddr is where the broker serves Iggy's TCP protocol; empty serves
	// nothing. Default 127.0.0.1:8090 when loaded from configuration.
	TCPAddr string
}

// RemoteConfig configures the connection to an Iggy server.
type RemoteConfig struct {
	// Addresses are tried in order; the next one is used on connection loss.
	Addresses []string
	// Protocol must be "tcp".
	Protocol   string
	Username   string
	Password   string
	TLSEnabled bool
	// TLSCAFile is a PEM file of CAs to trust; empty uses the system pool.
	TLSCAFile string
	// TLSServerName overrides the name checked in the server certificate.
	TLSServerName string
}

// TopicSpec describes a topic the transport needs.
type TopicSpec struct {
	Name       string
	Partitions uint32
	// MessageExpiry removes messages older than this; 0 keeps them forever.
	MessageExpiry time.Duration
	// MaxSizeBytes bounds the topic's size; 0 leaves it unbounded.
	MaxSizeBytes uint64
	// ReplicationFactor is passed to the server; 0 means 1.
	ReplicationFactor uint8
}

// OutMessage is one message to publish.
type OutMessage struct {
	// ID is the message id; iggyflow puts the event UUID here.
	ID      [16]byte
	Headers map[string]string
	Payload []byte
}

// PublishRequest sends messages to one topic. All messages of a request go
// to the same partition, in order.
type PublishRequest struct {
	Stream string
	Topic  string
	// PartitionKey picks the partition by XXH32(key) mod partition count;
	// nil balances round-robin.
	PartitionKey []byte
	Messages     []OutMessage
}

// Message is a message read back from a partition.
type Message struct {
	Stream    string
	Topic     string
	Partition uint32
	Offset    uint64
	// Timestamp is the broker's append time.
	Timestamp time.Time
	ID        [16]byte
	Headers   map[string]string
	Payload   []byte
}

// ReadFrom says where a bounded read starts.
type ReadFrom struct {
	// Offset is the first offset to read, unless Since is set.
	Offset uint64
	// Since, when not zero, starts at the first message appended at or
	// after it.
	Since time.Time
}

// ReadRequest reads at most Count messages of one partition without
// touching any stored offset.
type ReadRequest struct {
	Stream    string
	Topic     string
	Partition uint32
	From      ReadFrom
	Count     uint32
}

// Subscriber receives messages from one partition, from its first offset.
type Subscriber interface {
	// Recv blocks until a message arrives or ctx ends.
	Recv(ctx context.Context) (*Message, error)
	// Close stops the subscription.
	Close() error
}

// GroupSubscriber receives messages as a member of a consumer group. The
// group's offsets live on the server; nothing is committed until Commit.
// After a restart, delivery resumes after the last committed offset of each
// partition, so an uncommitted message is delivered again.
type GroupSubscriber interface {
	// Recv blocks until a message of a partition assigned to this member
	// arrives or ctx ends.
	Recv(ctx context.Context) (*Message, error)
	// TryRecv is Recv without waiting: it returns nil, nil when no
	// partition assigned to this member has a message ready now (one round
	// of polls over the assigned partitions). A caller that must drain
	// what is there and then stop, such as a DLQ retry pass, uses it.
	TryRecv(ctx context.Context) (*Message, error)
	// Commit stores offset as the group's last processed offset of the
	// partition. It fails with an error wrapping ErrNotAssigned when the
	// partition is no longer assigned to this member (after a rebalance);
	// its new owner then reads from the last committed offset.
	Commit(ctx context.Context, partition uint32, offset uint64) error
	// Close leaves the group.
	Close() error
}

// Connector is a connection to an Iggy-compatible broker.
type Connector interface {
	// Connect opens the connection (or starts the embedded broker).
	Connect(ctx context.Context, cfg Config) error
	// IsConnected reports whether the connection is up now.
	IsConnected() bool
	// EnsureStream creates the stream unless it exists.
	EnsureStream(ctx context.Context, name string) error
	// EnsureTopic creates the topic unless it exists; an existing topic
	// with fewer partitions gets more, and retention settings are updated.
	EnsureTopic(ctx context.Context, stream string, spec TopicSpec) error
	// Partitions returns the topic's partition count.
	Partitions(ctx context.Context, stream, topic string) (uint32, error)
	// Publish appends the request's messages and returns once they are
	// accepted by the broker.
	Publish(ctx context.Context, req PublishRequest) error
	// Subscribe reads one partition from its first offset.
	Subscribe(ctx context.Context, stream, topic string, partition uint32) (Subscriber, error)
	// SubscribeGroup joins (creating if needed) a consumer group.
	SubscribeGroup(ctx context.Context, stream, topic, group string) (GroupSubscriber, error)
	// Read returns a bounded range of one partition, touching no offsets.
	Read(ctx context.Context, req ReadRequest) ([]Message, error)
	// Health checks that the broker answers.
	Health(ctx context.Context) error
	// Shutdown closes the connection (or stops the embedded broker).
	Shutdown(ctx context.Context) error
}

// ErrNotConnected is returned by calls made before Connect or after Shutdown.
var ErrNotConnected = errors.New("connector: not connected")

// ErrNotAssigned is wrapped by GroupSubscriber.Commit when the partition
// is not assigned to the member committing.
var ErrNotAssigned = errors.New("connector: partition not assigned to this group member")
