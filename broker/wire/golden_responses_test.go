package wire

import (
	"bytes"
	"math"
	"testing"

	"github.com/iggyflow/iggyflow/broker"
)

func sampleTopic() broker.TopicInfo {
	return broker.TopicInfo{
		ID: 2, StreamID: 1, Name: "tp", CreatedAt: 7, PartitionsCount: 2,
		MessageExpiry: math.MaxUint64, Compression: 1, MaxTopicSize: 1 << 20,
		ReplicationFactor: 1, SizeBytes: 300, MessagesCount: 3,
		Partitions: []broker.PartitionInfo{
			{ID: 1, CreatedAt: 7, SegmentsCount: 1, CurrentOffset: 0, SizeBytes: 0, MessagesCount: 0},
			{ID: 0, CreatedAt: 7, SegmentsCount: 1, CurrentOffset: 2, SizeBytes: 300, MessagesCount: 3},
		},
	}
}

func sampleGroup() broker.GroupInfo {
	return broker.GroupInfo{ID: 0, Name: "cg", PartitionsCount: 3, MembersCount: 2,
		Members: []broker.MemberInfo{
			{ID: 0, ClientID: 99, Partitions: []uint32{0, 2}},
			{ID: 1, ClientID: 98, Partitions: []uint32{1}},
		}}
}

const (
	topicHeaderHex = `02000000 0700000000000000 02000000 ffffffffffffffff 01 0000100000000000 01
		2c01000000000000 0300000000000000 02 "tp"`
	partition0Hex = `00000000 0700000000000000 01000000 0200000000000000 2c01000000000000 0300000000000000`
	partition1Hex = `01000000 0700000000000000 01000000 0000000000000000 0000000000000000 0000000000000000`
)

func TestGoldenResponses(t *testing.T) {
	stream := broker.StreamInfo{ID: 1, Name: "s", CreatedAt: 2, TopicsCount: 1, SizeBytes: 4,
		MessagesCount: 5, Topics: []broker.TopicInfo{sampleTopic()}}
	streamHex := `01000000 0200000000000000 01000000 0400000000000000 0500000000000000 01 "s"`
	user := UserInfo{ID: 1, CreatedAt: 9, Status: UserActive, Username: "bob"}
	userHex := `01000000 0900000000000000 01 03 "bob"`

	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"stream header", AppendStreamHeader(nil, stream), streamHex},
		{"stream details", AppendStreamDetails(nil, stream), streamHex + topicHeaderHex},
		{"streams in id order", AppendStreams(nil, []broker.StreamInfo{
			{ID: 3, Name: "c"}, {ID: 0, Name: "a"}}),
			`00000000 0000000000000000 00000000 0000000000000000 0000000000000000 01 "a"
			03000000 0000000000000000 00000000 0000000000000000 0000000000000000 01 "c"`},
		{"topic details with partitions in id order", AppendTopicDetails(nil, sampleTopic()),
			topicHeaderHex + partition0Hex + partition1Hex},
		{"topics", AppendTopics(nil, []broker.TopicInfo{sampleTopic()}), topicHeaderHex},
		{"group header", AppendGroupHeader(nil, sampleGroup()), `00000000 03000000 02000000 02 "cg"`},
		{"group details", AppendGroupDetails(nil, sampleGroup()),
			`00000000 03000000 02000000 02 "cg"  00000000 02000000 00000000 02000000  01000000 01000000 01000000`},
		{"groups", AppendGroups(nil, []broker.GroupInfo{{ID: 1, Name: "b"}, {ID: 0, Name: "a"}}),
			`00000000 00000000 00000000 01 "a"  01000000 00000000 00000000 01 "b"`},
		{"offset", AppendOffset(nil, broker.OffsetInfo{Partition: 1, CurrentOffset: 9, StoredOffset: 4}),
			`01000000 0900000000000000 0400000000000000`},
		{"poll header", AppendPollHeader(nil, 2, 10, 3), `02000000 0a00000000000000 03000000`},
		{"user header", AppendUserHeader(nil, user), userHex},
		{"user details without permissions", AppendUserDetails(nil, user), userHex + `00 00 00 00`},
		{"user details with permissions", AppendUserDetails(nil, UserInfo{ID: 0, Status: UserActive,
			Username: "iggy", Permissions: RootPermissions().Encode()}),
			`00000000 0000000000000000 01 04 "iggy" 01 0b000000 01010101010101010101 00`},
		{"tokens", AppendTokens(nil, []TokenInfo{{Name: "one"}, {Name: "two", ExpiryAt: 5}}),
			`03 "one" 0000000000000000  03 "two" 0500000000000000`},
		{"raw token", AppendRawToken(nil, "tok"), `03 "tok"`},
		{"identity", AppendIdentity(nil, 3), `03000000`},
		{"client header", AppendClientHeader(nil, ClientInfo{ID: 5, UserID: NoUser, Transport: TransportTCP,
			Address: "1.2.3.4:5", Groups: []ClientGroup{{1, 2, 3}}}),
			`05000000 ffffffff 01 09000000 "1.2.3.4:5" 01000000`},
		{"client with groups", AppendClient(nil, ClientInfo{ID: 5, UserID: 0, Transport: TransportTCP,
			Address: "1.2.3.4:5", Groups: []ClientGroup{{1, 2, 3}}}),
			`05000000 00000000 01 09000000 "1.2.3.4:5" 01000000 01000000 02000000 03000000`},
		{"cluster metadata", ClusterMetadata{Name: "single-node", Nodes: []ClusterNode{{
			Name: "iggy-node", IP: "127.0.0.1", TCPPort: 8090}}}.AppendTo(nil),
			`0b000000 "single-node" 01000000 09000000 "iggy-node" 09000000 "127.0.0.1"
			9a1f 0000 0000 0000 00 00`},
		{"stats", Stats{ProcessID: 1, CPUUsage: 1, StreamsCount: 2, MessagesCount: 3, Hostname: "h",
			ServerVersion: "0.8.0", ServerSemver: 8000, CacheMetrics: []CacheMetric{{Stream: 1, Hits: 2, HitRatio: 0.5}},
			ThreadsCount: 4, TotalDiskSpace: 6}.AppendTo(nil),
			`01000000 0000803f 00000000
			0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000
			0000000000000000 0000000000000000 0000000000000000
			02000000 00000000 00000000 00000000 0300000000000000 00000000 00000000
			01000000 "h" 00000000 00000000 00000000 05000000 "0.8.0" 401f0000
			01000000 01000000 00000000 00000000 0200000000000000 0000000000000000 0000003f
			04000000 0000000000000000 0600000000000000`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if want := hx(t, c.want); !bytes.Equal(c.got, want) {
				t.Fatalf("\n got % x\nwant % x", c.got, want)
			}
		})
	}
}
