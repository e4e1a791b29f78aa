package wire

import (
	"bytes"
	"math"
	"reflect"
	"testing"

	bs "github.com/apache/iggy/foreign/go/binary_serialization"
	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"github.com/iggyflow/iggyflow/broker"
)

// The tests below decode this package's responses with the official SDK's
// own deserializers and compare field by field.

func TestSDKReadsStreamsTopicsGroups(t *testing.T) {
	stream := broker.StreamInfo{ID: 4, Name: "orders", CreatedAt: 11, TopicsCount: 1, SizeBytes: 300,
		MessagesCount: 3, Topics: []broker.TopicInfo{sampleTopic()}}
	sd, err := bs.DeserializeStream(AppendStreamDetails(nil, stream))
	if err != nil {
		t.Fatal(err)
	}
	if sd.Id != 4 || sd.Name != "orders" || sd.CreatedAt != 11 || sd.TopicsCount != 1 || sd.SizeBytes != 300 ||
		sd.MessagesCount != 3 || len(sd.Topics) != 1 || sd.Topics[0].Name != "tp" {
		t.Fatalf("stream %+v", sd)
	}
	if ss := bs.DeserializeStreams(AppendStreams(nil, []broker.StreamInfo{stream, {ID: 5, Name: "x"}})); len(ss) != 2 || ss[1].Name != "x" {
		t.Fatalf("streams %+v", ss)
	}

	td, err := bs.DeserializeTopic(AppendTopicDetails(nil, sampleTopic()))
	if err != nil {
		t.Fatal(err)
	}
	want := iggcon.Topic{Id: 2, Name: "tp", CreatedAt: 7, PartitionsCount: 2, MessageExpiry: iggcon.IggyExpiryNeverExpire,
		CompressionAlgorithm: 1, MaxTopicSize: 1 << 20, ReplicationFactor: 1, Size: 300, MessagesCount: 3}
	if td.Topic != want {
		t.Fatalf("topic\n got %+v\nwant %+v", td.Topic, want)
	}
	if len(td.Partitions) != 2 || td.Partitions[0] != (iggcon.PartitionContract{Id: 0, CreatedAt: 7, SegmentsCount: 1,
		CurrentOffset: 2, SizeBytes: 300, MessagesCount: 3}) || td.Partitions[1].Id != 1 {
		t.Fatalf("partitions %+v", td.Partitions)
	}

	gd := bs.DeserializeConsumerGroup(AppendGroupDetails(nil, sampleGroup()))
	if gd.Id != 0 || gd.Name != "cg" || gd.PartitionsCount != 3 || gd.MembersCount != 2 ||
		!reflect.DeepEqual(gd.Members, []iggcon.ConsumerGroupMember{
			{ID: 0, PartitionsCount: 2, Partitions: []uint32{0, 2}},
			{ID: 1, PartitionsCount: 1, Partitions: []uint32{1}}}) {
		t.Fatalf("group %+v", gd)
	}
	gs := bs.DeserializeConsumerGroups(AppendGroups(nil, []broker.GroupInfo{sampleGroup(), {ID: 1, Name: "b"}}))
	if len(gs) != 2 || gs[1].Name != "b" || gs[0].MembersCount != 2 {
		t.Fatalf("groups %+v", gs)
	}

	off := bs.DeserializeOffset(AppendOffset(nil, broker.OffsetInfo{Partition: 2, CurrentOffset: 9, StoredOffset: 4}))
	if *off != (iggcon.ConsumerOffsetInfo{PartitionId: 2, CurrentOffset: 9, StoredOffset: 4}) {
		t.Fatalf("offset %+v", off)
	}
}

func TestSDKReadsPolledMessages(t *testing.T) {
	msgs := []broker.Message{helloMessage(), {Offset: 1, Timestamp: 5, Payload: []byte("data"),
		Headers: AppendHeaders(nil, []Header{{KeyKind: HeaderString, Key: []byte("k"), ValueKind: HeaderUint8, Value: []byte{7}}})}}
	resp := AppendMessages(AppendPollHeader(nil, 3, 1, 2), msgs)
	pm, err := bs.DeserializeFetchMessagesResponse(resp, iggcon.MESSAGE_COMPRESSION_NONE)
	if err != nil {
		t.Fatal(err)
	}
	if pm.PartitionId != 3 || pm.CurrentOffset != 1 || pm.MessageCount != 2 || len(pm.Messages) != 2 {
		t.Fatalf("poll %+v", pm)
	}
	m := pm.Messages[1]
	if string(m.Payload) != "data" || m.Header.Offset != 1 || m.Header.Timestamp != 5 {
		t.Fatalf("message %+v", m)
	}
	hs, err := iggcon.DeserializeHeaders(m.UserHeaders)
	if err != nil || len(hs) != 1 || string(hs[0].Key.Value) != "k" || hs[0].Value.Value[0] != 7 {
		t.Fatalf("headers %+v, %v", hs, err)
	}
	if pm.Messages[0].Header.Id != iggcon.MessageID(helloMessage().ID) || pm.Messages[0].Header.OriginTimestamp != 1000 {
		t.Fatalf("first message %+v", pm.Messages[0].Header)
	}
}

func TestSDKReadsUsersAndTokens(t *testing.T) {
	perms := Permissions{Global: GlobalPermissions{ReadUsers: true},
		Streams: []StreamPermissions{{StreamID: 3, SendMessages: true,
			Topics: []TopicPermissions{{TopicID: 1, PollMessages: true}}}}}
	ud, err := bs.DeserializeUser(AppendUserDetails(nil, UserInfo{ID: 2, CreatedAt: 8, Status: UserInactive,
		Username: "bob", Permissions: perms.Encode()}))
	if err != nil {
		t.Fatal(err)
	}
	if ud.Id != 2 || ud.Username != "bob" || ud.Status != iggcon.Inactive || ud.CreatedAt != 8 ||
		!ud.Permissions.Global.ReadUsers || !ud.Permissions.Streams[3].SendMessages ||
		!ud.Permissions.Streams[3].Topics[1].PollMessages {
		t.Fatalf("user %+v perms %+v", ud, ud.Permissions)
	}
	if ud, err := bs.DeserializeUser(AppendUserDetails(nil, UserInfo{Status: UserActive, Username: "iggy"})); err != nil || ud.Permissions != nil {
		t.Fatalf("user without permissions %+v, %v", ud, err)
	}
	us, err := bs.DeserializeUsers(AppendUserHeader(AppendUserHeader(nil, UserInfo{Status: UserActive, Username: "iggy"}),
		UserInfo{ID: 1, Status: UserInactive, Username: "bob"}))
	if err != nil || len(us) != 2 || us[1].Username != "bob" || us[1].Status != iggcon.Inactive {
		t.Fatalf("users %+v, %v", us, err)
	}

	tok, _ := bs.DeserializeAccessToken(AppendRawToken(nil, "secret-token"))
	if tok.Token != "secret-token" {
		t.Fatalf("token %+v", tok)
	}
	ts, err := bs.DeserializeAccessTokens(AppendTokens(nil, []TokenInfo{{Name: "a"}, {Name: "bcd", ExpiryAt: 7}}))
	if err != nil || len(ts) != 2 || ts[1].Name != "bcd" {
		t.Fatalf("tokens %+v, %v", ts, err)
	}
	if id := bs.DeserializeLogInResponse(AppendIdentity(nil, 9)); id.UserId != 9 {
		t.Fatalf("identity %+v", id)
	}
}

func TestSDKReadsSystemResponses(t *testing.T) {
	c := ClientInfo{ID: 7, UserID: NoUser, Transport: TransportTCP, Address: "127.0.0.1:5000",
		Groups: []ClientGroup{{Stream: 1, Topic: 2, Group: 3}}}
	cd := bs.DeserializeClient(AppendClient(nil, c))
	if cd.ID != 7 || cd.UserID != NoUser || cd.Transport != string(iggcon.Tcp) || cd.Address != "127.0.0.1:5000" ||
		cd.ConsumerGroupsCount != 1 {
		t.Fatalf("client %+v", cd)
	}
	// The SDK pre-fills its slice with zero entries, then appends.
	if last := cd.ConsumerGroups[len(cd.ConsumerGroups)-1]; last != (iggcon.ConsumerGroupInfo{StreamId: 1, TopicId: 2, GroupId: 3}) {
		t.Fatalf("client groups %+v", cd.ConsumerGroups)
	}
	cs, err := bs.DeserializeClients(AppendClientHeader(AppendClientHeader(nil, c), ClientInfo{ID: 8, Address: "x"}))
	if err != nil || len(cs) != 2 || cs[1].ID != 8 || cs[0].ConsumerGroupsCount != 1 {
		t.Fatalf("clients %+v, %v", cs, err)
	}

	meta := ClusterMetadata{Name: "single-node", Nodes: []ClusterNode{{Name: "iggy-node", IP: "127.0.0.1",
		TCPPort: 8090, HTTPPort: 3000}}}
	sdkMeta := iggcon.ClusterMetadata{Name: "single-node", Nodes: []iggcon.ClusterNode{{Name: "iggy-node",
		IP: "127.0.0.1", Endpoints: iggcon.NewTransportEndpoints(8090, 0, 3000, 0)}}}
	sdkBytes, _ := sdkMeta.MarshalBinary()
	if !bytes.Equal(meta.AppendTo(nil), sdkBytes) {
		t.Fatalf("cluster metadata\n got % x\nwant % x", meta.AppendTo(nil), sdkBytes)
	}
	var back iggcon.ClusterMetadata
	if err := back.UnmarshalBinary(meta.AppendTo(nil)); err != nil || !reflect.DeepEqual(back, sdkMeta) {
		t.Fatalf("metadata %+v, %v", back, err)
	}

	stats := Stats{ProcessID: 1, CPUUsage: 0.25, MemoryUsage: 2, StartTime: 3, StreamsCount: 4, TopicsCount: 5,
		PartitionsCount: 6, SegmentsCount: 7, MessagesCount: 8, ClientsCount: 9, ConsumerGroupsCount: 10,
		Hostname: "h", OSName: "linux", OSVersion: "v", KernelVersion: "k", ServerVersion: "0.8.0",
		ServerSemver: 8000, CacheMetrics: []CacheMetric{{Stream: 1, Topic: 2, Partition: 3, Hits: 4, Misses: 5, HitRatio: 0.5}},
		ThreadsCount: 11, FreeDiskSpace: 12, TotalDiskSpace: math.MaxUint64}
	var s iggcon.Stats
	if err := s.UnmarshalBinary(stats.AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if s.ProcessId != 1 || s.CpuUsage != 0.25 || s.StreamsCount != 4 || s.SegmentsCount != 7 || s.MessagesCount != 8 ||
		s.ConsumerGroupsCount != 10 || s.Hostname != "h" || s.KernelVersion != "k" || s.IggyServerVersion != "0.8.0" ||
		s.IggyServerSemver != 8000 || len(s.CacheMetrics) != 1 || s.CacheMetrics[0].HitRatio != 0.5 ||
		s.ThreadsCount != 11 || s.TotalDiskSpace != math.MaxUint64 {
		t.Fatalf("stats %+v", s)
	}
}

// TestSDKPrimitivesMatch compares the SDK's exported encoders of the shared
// pieces with this package's.
func TestSDKPrimitivesMatch(t *testing.T) {
	check := func(name string, sdk, ours []byte) {
		t.Helper()
		if !bytes.Equal(sdk, ours) {
			t.Errorf("%s:\n sdk  % x\n ours % x", name, sdk, ours)
		}
	}
	b, _ := num(7).MarshalBinary()
	check("numeric identifier", b, AppendIdentifier(nil, broker.ByID(7)))
	b, _ = str("orders").MarshalBinary()
	check("string identifier", b, AppendIdentifier(nil, broker.ByName("orders")))
	b, _ = iggcon.NewGroupConsumer(str("g")).MarshalBinary()
	check("group consumer", b, AppendConsumer(nil, broker.Consumer{Kind: broker.GroupConsumer, ID: broker.ByName("g")}))
	b, _ = iggcon.None().MarshalBinary()
	check("balanced", b, AppendPartitioning(nil, broker.Partitioning{Kind: broker.Balanced}))
	b, _ = iggcon.PartitionId(9).MarshalBinary()
	check("partition id", b, AppendPartitioning(nil, broker.Partitioning{Kind: broker.PartitionID, Partition: 9}))
	key := iggcon.EntityIdUlong(42)
	b, _ = key.MarshalBinary()
	check("messages key", b, AppendPartitioning(nil, broker.Partitioning{Kind: broker.MessagesKey, Key: key.Value}))

	sdkPerms := &iggcon.Permissions{Global: iggcon.GlobalPermissions{ManageUsers: true, SendMessages: true},
		Streams: map[int]*iggcon.StreamPermissions{3: {ReadTopics: true,
			Topics: map[int]*iggcon.TopicPermissions{9: {ManageTopic: true}}}}}
	b, _ = sdkPerms.MarshalBinary()
	check("permissions", b, Permissions{Global: GlobalPermissions{ManageUsers: true, SendMessages: true},
		Streams: []StreamPermissions{{StreamID: 3, ReadTopics: true,
			Topics: []TopicPermissions{{TopicID: 9, ManageTopic: true}}}}}.Encode())

	h, _ := iggcon.NewHeaderKeyString("trace")
	entries := []iggcon.HeaderEntry{{Key: h, Value: iggcon.HeaderValue{Kind: iggcon.String, Value: []byte("abc")}}}
	check("user headers", iggcon.GetHeadersBytes(entries),
		AppendHeaders(nil, []Header{{KeyKind: HeaderString, Key: []byte("trace"), ValueKind: HeaderString, Value: []byte("abc")}}))

	msg := helloMessage()
	sdkHeader := iggcon.MessageHeader{Id: msg.ID, OriginTimestamp: 1000, PayloadLength: 2}
	check("message header", sdkHeader.ToBytes(), AppendMessage(nil, msg)[:MessageHeaderSize])
}
