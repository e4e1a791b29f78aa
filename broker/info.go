package broker

// StreamInfo describes a stream. Sizes and counts are sums over its topics.
type StreamInfo struct {
	ID uint32
	// Name is unique among streams, compared case-sensitively.
	Name string
	// CreatedAt is in microseconds since the Unix epoch.
	CreatedAt   uint64
	TopicsCount uint32
	// SizeBytes is the size of the stream's segment files in bytes.
	SizeBytes uint64
	// MessagesCount counts the messages still stored.
	MessagesCount uint64
	// Topics is filled by Stream (sorted by id) and left nil by Streams.
	Topics []TopicInfo
}

// TopicInfo describes a topic. Sizes and counts are sums over partitions.
type TopicInfo struct {
	ID       uint32
	StreamID uint32
	Name     string
	// CreatedAt is in microseconds since the Unix epoch.
	CreatedAt       uint64
	PartitionsCount uint32
	// MessageExpiry is in microseconds; math.MaxUint64 means never.
	MessageExpiry uint64
	// Compression is 1 (none) or 2 (gzip); it is stored, never applied.
	Compression uint8
	// MaxTopicSize is in bytes; math.MaxUint64 means unlimited.
	MaxTopicSize uint64
	// ReplicationFactor is stored and echoed only; at least 1.
	ReplicationFactor uint8
	// SizeBytes is the size of the topic's segment files in bytes.
	SizeBytes uint64
	// MessagesCount counts the messages still stored.
	MessagesCount uint64
	// Partitions is filled by Topic and CreateTopic, nil from Topics.
	Partitions []PartitionInfo
}

// PartitionInfo describes one partition of a topic.
type PartitionInfo struct {
	ID uint32
	// CreatedAt is in microseconds since the Unix epoch.
	CreatedAt     uint64
	SegmentsCount uint32
	// CurrentOffset is the last assigned offset, 0 when empty: tell an
	// empty partition from one message by MessagesCount.
	CurrentOffset uint64
	// SizeBytes is the size of the partition's segment files in bytes.
	SizeBytes uint64
	// MessagesCount counts the messages still stored (retention removes
	// whole segments, so it may be below CurrentOffset+1).
	MessagesCount uint64
}

// TopicConfig is what CreateTopic and UpdateTopic take.
type TopicConfig struct {
	// Name is 1..255 bytes of UTF-8, unique in the stream.
	Name string
	// Partitions is the partition count, 0..1000 (CreateTopic only).
	Partitions uint32
	// Compression is 1 (none) or 2 (gzip); 0 means 1.
	Compression uint8
	// MessageExpiry is in microseconds; 0 and math.MaxUint64 mean never.
	MessageExpiry uint64
	// MaxTopicSize is in bytes; 0 and math.MaxUint64 mean unlimited. A
	// limit below Options.SegmentSize is rejected by CreateTopic (1019).
	MaxTopicSize uint64
	// ReplicationFactor is stored only; 0 means 1.
	ReplicationFactor uint8
}

// MemberInfo is one member of a consumer group.
type MemberInfo struct {
	// ID is the group-local member number (0, 1, ...), not the client id.
	ID       uint32
	ClientID uint32
	// Partitions are the partitions assigned to the member.
	Partitions []uint32
}

// GroupInfo describes a consumer group.
type GroupInfo struct {
	ID   uint32
	Name string
	// PartitionsCount is the topic's partition count (a group covers all).
	PartitionsCount uint32
	MembersCount    uint32
	// Members are in join order.
	Members []MemberInfo
}

// AppendResult says where an append went: one partition, offsets
// FirstOffset..LastOffset inclusive.
type AppendResult struct {
	Partition   uint32
	FirstOffset uint64
	LastOffset  uint64
}

// PollRequest is what Poll and PollFrames take.
type PollRequest struct {
	Consumer Consumer
	// ClientID identifies the caller's connection; it matters for group
	// consumers (membership) only.
	ClientID uint32
	// Partition is required for a single consumer (nil means 0); for a
	// group consumer nil rotates over the member's partitions.
	Partition *uint32
	Strategy  PollingStrategy
	// Count is the maximum number of messages returned; 0 returns none.
	Count uint32
	// AutoCommit stores the offset of the last returned message.
	AutoCommit bool
}

// PollResult is what Poll returns.
type PollResult struct {
	// Partition is the partition that was read.
	Partition uint32
	// CurrentOffset is the partition's last assigned offset (0 if empty).
	CurrentOffset uint64
	// Messages share one buffer: their Payload and Headers slices alias
	// it and stay valid as long as the caller keeps them.
	Messages []Message
}

// OffsetInfo is a stored consumer offset.
type OffsetInfo struct {
	Partition uint32
	// CurrentOffset is the partition's last assigned offset (0 if empty).
	CurrentOffset uint64
	// StoredOffset is the last processed offset the consumer stored.
	StoredOffset uint64
}

// Stats counts what the broker holds, for Iggy's GetStats.
type Stats struct {
	Streams        uint32
	Topics         uint32
	Partitions     uint32
	Segments       uint32
	ConsumerGroups uint32
	Messages       uint64
	// SizeBytes is the size of all segment files.
	SizeBytes uint64
}
