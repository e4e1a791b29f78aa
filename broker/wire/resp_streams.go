package wire

import (
	"sort"

	"github.com/iggyflow/iggyflow/broker"
)

// Response layouts for streams, topics, partitions and groups.
//
//	stream header (33+n): id u32 | created_at u64 | topics_count u32 |
//	                      size_bytes u64 | messages_count u64 | name str8
//	topic header (51+n):  id u32 | created_at u64 | partitions_count u32 |
//	                      message_expiry u64 | compression u8 |
//	                      max_topic_size u64 | replication_factor u8 |
//	                      size_bytes u64 | messages_count u64 | name str8
//	partition (40):       id u32 | created_at u64 | segments_count u32 |
//	                      current_offset u64 | size_bytes u64 |
//	                      messages_count u64
//	group header (13+n):  id u32 | partitions_count u32 | members_count u32 |
//	                      name str8
//	member:               member_id u32 | partitions_count u32 |
//	                      partition_id u32 x partitions_count

// AppendStreamHeader writes a stream header (CreateStream's response).
func AppendStreamHeader(b []byte, s broker.StreamInfo) []byte {
	b = appendU32(b, s.ID)
	b = appendU64(b, s.CreatedAt)
	b = appendU32(b, s.TopicsCount)
	b = appendU64(b, s.SizeBytes)
	b = appendU64(b, s.MessagesCount)
	return appendStr8(b, s.Name)
}

// AppendStreamDetails writes GetStream's response: the stream header and
// one topic header per topic, in topic id order.
func AppendStreamDetails(b []byte, s broker.StreamInfo) []byte {
	b = AppendStreamHeader(b, s)
	return AppendTopics(b, s.Topics)
}

// AppendStreams writes GetStreams' response: headers in id order.
func AppendStreams(b []byte, streams []broker.StreamInfo) []byte {
	return appendByID(b, streams, func(s broker.StreamInfo) uint32 { return s.ID }, AppendStreamHeader)
}

// appendByID encodes items in id order without reordering the caller's
// slice.
func appendByID[T any](b []byte, items []T, id func(T) uint32, enc func([]byte, T) []byte) []byte {
	sorted := append([]T(nil), items...)
	sort.SliceStable(sorted, func(i, j int) bool { return id(sorted[i]) < id(sorted[j]) })
	for _, it := range sorted {
		b = enc(b, it)
	}
	return b
}

// AppendTopicHeader writes a topic header.
func AppendTopicHeader(b []byte, t broker.TopicInfo) []byte {
	b = appendU32(b, t.ID)
	b = appendU64(b, t.CreatedAt)
	b = appendU32(b, t.PartitionsCount)
	b = appendU64(b, t.MessageExpiry)
	b = append(b, t.Compression)
	b = appendU64(b, t.MaxTopicSize)
	b = append(b, t.ReplicationFactor)
	b = appendU64(b, t.SizeBytes)
	b = appendU64(b, t.MessagesCount)
	return appendStr8(b, t.Name)
}

// AppendTopicDetails writes GetTopic's and CreateTopic's response: the
// topic header and one entry per partition, in partition id order.
func AppendTopicDetails(b []byte, t broker.TopicInfo) []byte {
	b = AppendTopicHeader(b, t)
	return appendByID(b, t.Partitions, func(p broker.PartitionInfo) uint32 { return p.ID }, AppendPartitionInfo)
}

// AppendTopics writes topic headers in id order (GetTopics' response).
func AppendTopics(b []byte, topics []broker.TopicInfo) []byte {
	return appendByID(b, topics, func(t broker.TopicInfo) uint32 { return t.ID }, AppendTopicHeader)
}

// AppendPartitionInfo writes a 40-byte partition entry.
func AppendPartitionInfo(b []byte, p broker.PartitionInfo) []byte {
	b = appendU32(b, p.ID)
	b = appendU64(b, p.CreatedAt)
	b = appendU32(b, p.SegmentsCount)
	b = appendU64(b, p.CurrentOffset)
	b = appendU64(b, p.SizeBytes)
	return appendU64(b, p.MessagesCount)
}

// AppendGroupHeader writes a consumer group header (CreateConsumerGroup's
// response).
func AppendGroupHeader(b []byte, g broker.GroupInfo) []byte {
	b = appendU32(b, g.ID)
	b = appendU32(b, g.PartitionsCount)
	b = appendU32(b, g.MembersCount)
	return appendStr8(b, g.Name)
}

// AppendGroupDetails writes GetConsumerGroup's response: the header and one
// entry per member with its partitions.
func AppendGroupDetails(b []byte, g broker.GroupInfo) []byte {
	b = AppendGroupHeader(b, g)
	for _, m := range g.Members {
		b = appendU32(b, m.ID)
		b = appendU32(b, uint32(len(m.Partitions)))
		for _, p := range m.Partitions {
			b = appendU32(b, p)
		}
	}
	return b
}

// AppendGroups writes group headers in id order (GetConsumerGroups).
func AppendGroups(b []byte, groups []broker.GroupInfo) []byte {
	return appendByID(b, groups, func(g broker.GroupInfo) uint32 { return g.ID }, AppendGroupHeader)
}

// AppendOffset writes GetConsumerOffset's 20-byte response
// [partition_id u32][current_offset u64][stored_offset u64].
func AppendOffset(b []byte, o broker.OffsetInfo) []byte {
	b = appendU32(b, o.Partition)
	b = appendU64(b, o.CurrentOffset)
	return appendU64(b, o.StoredOffset)
}
