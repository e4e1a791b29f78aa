package wire

import "github.com/iggyflow/iggyflow/broker"

// Compression algorithm bytes; anything else is error 3.
const (
	CompressionNone uint8 = 1
	CompressionGzip uint8 = 2
)

// TopicPath names a topic: [stream identifier][topic identifier].
type TopicPath struct {
	Stream broker.Identifier
	Topic  broker.Identifier
}

func (p TopicPath) appendTo(b []byte) []byte {
	return AppendIdentifier(AppendIdentifier(b, p.Stream), p.Topic)
}

func (d *decoder) topicPath() TopicPath {
	return TopicPath{Stream: d.identifier("stream id"), Topic: d.identifier("topic id")}
}

// GetTopic (300): [stream][topic].
type GetTopic struct{ TopicPath }

// DeleteTopic (303): [stream][topic].
type DeleteTopic struct{ TopicPath }

// PurgeTopic (305): [stream][topic].
type PurgeTopic struct{ TopicPath }

// GetConsumerGroups (601): [stream][topic].
type GetConsumerGroups struct{ TopicPath }

func (GetTopic) Code() Code          { return CodeGetTopic }
func (DeleteTopic) Code() Code       { return CodeDeleteTopic }
func (PurgeTopic) Code() Code        { return CodePurgeTopic }
func (GetConsumerGroups) Code() Code { return CodeGetConsumerGroups }

func (r GetTopic) AppendTo(b []byte) []byte          { return r.appendTo(b) }
func (r DeleteTopic) AppendTo(b []byte) []byte       { return r.appendTo(b) }
func (r PurgeTopic) AppendTo(b []byte) []byte        { return r.appendTo(b) }
func (r GetConsumerGroups) AppendTo(b []byte) []byte { return r.appendTo(b) }

func decodeGetTopic(d *decoder) Request          { return GetTopic{d.topicPath()} }
func decodeDeleteTopic(d *decoder) Request       { return DeleteTopic{d.topicPath()} }
func decodePurgeTopic(d *decoder) Request        { return PurgeTopic{d.topicPath()} }
func decodeGetConsumerGroups(d *decoder) Request { return GetConsumerGroups{d.topicPath()} }

// TopicSettings are the fields CreateTopic and UpdateTopic share, in wire
// order after the identifiers: [compression u8][message_expiry u64]
// [max_topic_size u64][replication_factor u8][name].
type TopicSettings struct {
	Compression uint8
	// MessageExpiry is in µs; 0 server default, math.MaxUint64 never.
	MessageExpiry uint64
	// MaxTopicSize is in bytes; 0 server default, math.MaxUint64 unlimited.
	MaxTopicSize uint64
	// ReplicationFactor 0 means not given.
	ReplicationFactor uint8
	Name              string
}

func (s TopicSettings) appendTo(b []byte) []byte {
	b = append(b, s.Compression)
	b = appendU64(b, s.MessageExpiry)
	b = appendU64(b, s.MaxTopicSize)
	b = append(b, s.ReplicationFactor)
	return appendStr8(b, s.Name)
}

func (d *decoder) topicSettings() TopicSettings {
	s := TopicSettings{Compression: d.u8("compression")}
	s.MessageExpiry = d.u64("message expiry")
	s.MaxTopicSize = d.u64("max topic size")
	s.ReplicationFactor = d.u8("replication factor")
	s.Name = d.name("topic name")
	if d.err == nil && s.Compression != CompressionNone && s.Compression != CompressionGzip {
		d.fail(broker.ErrInvalidCommand, "compression algorithm %d", s.Compression)
	}
	return s
}

// Config returns the broker topic configuration for the settings.
func (s TopicSettings) Config(partitions uint32) broker.TopicConfig {
	return broker.TopicConfig{
		Name: s.Name, Partitions: partitions, Compression: s.Compression,
		MessageExpiry: s.MessageExpiry, MaxTopicSize: s.MaxTopicSize,
		ReplicationFactor: s.ReplicationFactor,
	}
}

// CreateTopic (302): [stream][partitions_count u32][settings].
type CreateTopic struct {
	Stream     broker.Identifier
	Partitions uint32
	TopicSettings
}

func (CreateTopic) Code() Code { return CodeCreateTopic }

func (r CreateTopic) AppendTo(b []byte) []byte {
	b = appendU32(AppendIdentifier(b, r.Stream), r.Partitions)
	return r.TopicSettings.appendTo(b)
}

func decodeCreateTopic(d *decoder) Request {
	r := CreateTopic{Stream: d.identifier("stream id"), Partitions: d.u32("partitions count")}
	r.TopicSettings = d.topicSettings()
	return r
}

// UpdateTopic (304): [stream][topic][settings].
type UpdateTopic struct {
	TopicPath
	TopicSettings
}

func (UpdateTopic) Code() Code { return CodeUpdateTopic }

func (r UpdateTopic) AppendTo(b []byte) []byte {
	return r.TopicSettings.appendTo(r.TopicPath.appendTo(b))
}

func decodeUpdateTopic(d *decoder) Request {
	r := UpdateTopic{TopicPath: d.topicPath()}
	r.TopicSettings = d.topicSettings()
	return r
}

// CreatePartitions (402): [stream][topic][count u32].
type CreatePartitions struct {
	TopicPath
	Count uint32
}

// DeletePartitions (403): [stream][topic][count u32].
type DeletePartitions struct {
	TopicPath
	Count uint32
}

func (CreatePartitions) Code() Code { return CodeCreatePartitions }
func (DeletePartitions) Code() Code { return CodeDeletePartitions }

func (r CreatePartitions) AppendTo(b []byte) []byte { return appendU32(r.appendTo(b), r.Count) }
func (r DeletePartitions) AppendTo(b []byte) []byte { return appendU32(r.appendTo(b), r.Count) }

func decodeCreatePartitions(d *decoder) Request {
	return CreatePartitions{TopicPath: d.topicPath(), Count: d.u32("partitions count")}
}

func decodeDeletePartitions(d *decoder) Request {
	return DeletePartitions{TopicPath: d.topicPath(), Count: d.u32("partitions count")}
}
