package broker

import "fmt"

// Identifier names a stream, topic, consumer group, user or consumer either
// by its numeric id or by its name, as Iggy identifiers do.
type Identifier struct {
	// Name is used when it is not empty; otherwise ID is.
	Name string
	ID   uint32
}

// ByID returns an identifier for a numeric id.
func ByID(id uint32) Identifier { return Identifier{ID: id} }

// ByName returns an identifier for a name.
func ByName(name string) Identifier { return Identifier{Name: name} }

// IsName reports whether the identifier is a name.
func (i Identifier) IsName() bool { return i.Name != "" }

func (i Identifier) String() string {
	if i.IsName() {
		return fmt.Sprintf("%q", i.Name)
	}
	return fmt.Sprintf("#%d", i.ID)
}

// Message is one record of a partition. On disk and on the wire it is the
// Iggy 0.8.0 message frame: a 64-byte header, the payload, then the raw
// user-headers block.
type Message struct {
	// ID is the 128-bit message id (little-endian on the wire); zero asks
	// the broker to assign a random one.
	ID [16]byte
	// Offset is assigned by the broker: 0, 1, 2, ... per partition.
	Offset uint64
	// Timestamp is the broker's append time in microseconds since the Unix
	// epoch, the same for every message of one append.
	Timestamp uint64
	// OriginTimestamp is the producer's clock in microseconds, kept as sent.
	OriginTimestamp uint64
	// Headers is the encoded Iggy user-headers block, stored opaquely.
	Headers []byte
	Payload []byte
}

// PartitioningKind selects how an append picks its partition.
type PartitioningKind uint8

// Partitioning kinds, numbered as on the Iggy wire.
const (
	Balanced    PartitioningKind = 1
	PartitionID PartitioningKind = 2
	MessagesKey PartitioningKind = 3
)

// Partitioning says which partition an append goes to.
type Partitioning struct {
	Kind PartitioningKind
	// Partition is used with PartitionID.
	Partition uint32
	// Key is used with MessagesKey: partition = XXH32(key, seed 0) mod count.
	Key []byte
}

// StrategyKind selects where a poll starts.
type StrategyKind uint8

// Polling strategies, numbered as on the Iggy wire.
const (
	StrategyOffset    StrategyKind = 1
	StrategyTimestamp StrategyKind = 2
	StrategyFirst     StrategyKind = 3
	StrategyLast      StrategyKind = 4
	StrategyNext      StrategyKind = 5
)

// PollingStrategy is a strategy and its value (an offset, or a timestamp in
// microseconds since the Unix epoch).
type PollingStrategy struct {
	Kind  StrategyKind
	Value uint64
}

// ConsumerKind tells a single consumer from a consumer group.
type ConsumerKind uint8

// Consumer kinds, numbered as on the Iggy wire.
const (
	SingleConsumer ConsumerKind = 1
	GroupConsumer  ConsumerKind = 2
)

// Consumer is who polls and whose offsets are stored.
type Consumer struct {
	Kind ConsumerKind
	ID   Identifier
}
