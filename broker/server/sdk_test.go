package server

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	ierror "github.com/apache/iggy/foreign/go/errors"

	"github.com/iggyflow/iggyflow/internal/xxh32"
)

// The tests in this file drive the official Go SDK v0.8.0 against the
// server over loopback TCP and check its answers and error codes.

func TestSDKSessions(t *testing.T) {
	f := start(t)
	c := f.connect(t)

	must(t, c.Ping())
	_, err := c.GetStreams()
	wantErr(t, err, ierror.ErrUnauthenticated)
	_, err = c.LoginUser("iggy", "wrong")
	wantErr(t, err, ierror.ErrInvalidCredentials)
	_, err = c.LoginUser("nobody", "iggy")
	wantErr(t, err, ierror.ErrInvalidCredentials)
	_, err = c.LoginUser("ig", "iggy")
	wantErr(t, err, ierror.ErrInvalidUsername)

	id, err := c.LoginUser("iggy", "iggy")
	if err != nil || id.UserId != 0 {
		t.Fatalf("login: %+v, %v", id, err)
	}
	if _, err := c.GetStreams(); err != nil {
		t.Fatalf("after login: %v", err)
	}
	must(t, c.LogoutUser())
	_, err = c.GetStreams()
	wantErr(t, err, ierror.ErrUnauthenticated)
	wantErr(t, c.LogoutUser(), ierror.ErrUnauthenticated)
}

func TestSDKStreamsTopicsPartitions(t *testing.T) {
	f := start(t)
	c := f.root(t)

	s, err := c.CreateStream("orders")
	if err != nil || s.Id != 0 || s.Name != "orders" || s.TopicsCount != 0 {
		t.Fatalf("create stream: %+v, %v", s, err)
	}
	_, err = c.CreateStream("orders")
	wantErr(t, err, ierror.ErrStreamNameAlreadyExists)
	if s2, _ := c.CreateStream("billing"); s2 == nil || s2.Id != 1 {
		t.Fatalf("second stream %+v", s2)
	}

	got, err := c.GetStream(str("orders"))
	if err != nil || got.Id != 0 {
		t.Fatalf("get by name: %+v, %v", got, err)
	}
	_, err = c.GetStream(num(99))
	wantErr(t, err, ierror.ErrStreamIdNotFound)
	_, err = c.GetStream(str("Orders"))
	wantErr(t, err, ierror.ErrStreamIdNotFound)
	if all, err := c.GetStreams(); err != nil || len(all) != 2 || all[0].Name != "orders" || all[1].Name != "billing" {
		t.Fatalf("streams %+v, %v", all, err)
	}

	must(t, c.UpdateStream(num(0), "orders-v2"))
	wantErr(t, c.UpdateStream(num(0), "billing"), ierror.ErrStreamNameAlreadyExists)
	wantErr(t, c.UpdateStream(num(7), "x"), ierror.ErrStreamIdNotFound)
	if got, err := c.GetStream(str("orders-v2")); err != nil || got.Id != 0 {
		t.Fatalf("renamed: %+v, %v", got, err)
	}

	td, err := c.CreateTopic(num(0), "events", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if td.Id != 0 || td.PartitionsCount != 2 || len(td.Partitions) != 2 || td.Partitions[1].Id != 1 ||
		td.MessageExpiry != iggcon.IggyExpiryNeverExpire || td.MaxTopicSize != math.MaxUint64 || td.ReplicationFactor != 1 {
		t.Fatalf("create topic: %+v", td)
	}
	_, err = c.CreateTopic(num(0), "events", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
	wantErr(t, err, ierror.ErrTopicNameAlreadyExists)
	_, err = c.CreateTopic(num(9), "events", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
	wantErr(t, err, ierror.ErrStreamIdNotFound)
	_, err = c.CreateTopic(num(0), "tiny", 1, iggcon.CompressionAlgorithmNone, 0, 1000, nil)
	wantErr(t, err, ierror.ErrInvalidTopicSize)

	_, err = c.GetTopic(num(0), str("nope"))
	wantErr(t, err, ierror.ErrTopicIdNotFound)
	_, err = c.GetTopic(num(42), num(0))
	wantErr(t, err, ierror.ErrTopicIdNotFound)
	if ts, err := c.GetTopics(num(42)); err != nil || len(ts) != 0 {
		t.Fatalf("topics of a missing stream: %+v, %v", ts, err)
	}

	rf := uint8(3)
	must(t, c.UpdateTopic(num(0), str("events"), "events-v2", iggcon.CompressionAlgorithmGzip, iggcon.Hour, 1<<30, &rf))
	td, err = c.GetTopic(str("orders-v2"), num(0))
	if err != nil || td.Name != "events-v2" || td.MessageExpiry != iggcon.Hour || td.CompressionAlgorithm != 2 ||
		td.MaxTopicSize != 1<<30 || td.ReplicationFactor != 3 {
		t.Fatalf("updated topic: %+v, %v", td, err)
	}
	wantErr(t, c.UpdateTopic(num(0), num(5), "x", iggcon.CompressionAlgorithmNone, 0, 0, nil), ierror.ErrTopicIdNotFound)

	must(t, c.CreatePartitions(num(0), num(0), 3))
	must(t, c.DeletePartitions(num(0), num(0), 1))
	td, _ = c.GetTopic(num(0), num(0))
	if td.PartitionsCount != 4 || len(td.Partitions) != 4 || td.Partitions[3].Id != 3 {
		t.Fatalf("after partition changes: %+v", td)
	}
	wantErr(t, c.CreatePartitions(num(0), num(0), 1001), ierror.ErrTooManyPartitions)
	wantErr(t, c.DeletePartitions(num(0), num(0), 0), ierror.ErrTooManyPartitions)
	wantErr(t, c.DeletePartitions(num(0), num(0), 99), ierror.ErrError) // 2019, unknown to the SDK

	if s, _ := c.GetStream(num(0)); s.TopicsCount != 1 || len(s.Topics) != 1 || s.Topics[0].Name != "events-v2" {
		t.Fatalf("stream details %+v", s)
	}
	must(t, c.DeleteTopic(num(0), num(0)))
	wantErr(t, c.DeleteTopic(num(0), num(0)), ierror.ErrTopicIdNotFound)
	must(t, c.DeleteStream(str("orders-v2")))
	wantErr(t, c.DeleteStream(num(0)), ierror.ErrStreamIdNotFound)
	if s, _ := c.CreateStream("reuse"); s == nil || s.Id != 0 {
		t.Fatalf("freed id 0 not reused: %+v", s)
	}
}

// topic creates stream "s" and topic "t" with n partitions.
func topic(t *testing.T, c iggcon.Client, n uint32) {
	t.Helper()
	_, err := c.CreateStream("s")
	must(t, err)
	_, err = c.CreateTopic(str("s"), "t", n, iggcon.CompressionAlgorithmNone, 0, 0, nil)
	must(t, err)
}

func poll(t *testing.T, c iggcon.Client, consumer iggcon.Consumer, part *uint32, s iggcon.PollingStrategy, n uint32, commit bool) *iggcon.PolledMessage {
	t.Helper()
	pm, err := c.PollMessages(str("s"), str("t"), consumer, s, n, commit, part)
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

func TestSDKSendAndPoll(t *testing.T) {
	f := start(t)
	c := f.root(t)
	topic(t, c, 3)
	p0, p1, p2 := uint32(0), uint32(1), uint32(2)
	me := iggcon.DefaultConsumer()

	// Balanced: one partition per call, starting at 0.
	must(t, c.SendMessages(str("s"), str("t"), iggcon.None(), messages(t, "a0", "a1", "a2")))
	before := uint64(time.Now().UnixMicro())
	must(t, c.SendMessages(str("s"), str("t"), iggcon.None(), messages(t, "b0")))
	if got := payloads(poll(t, c, me, &p0, iggcon.FirstPollingStrategy(), 10, false)); !slices.Equal(got, []string{"a0", "a1", "a2"}) {
		t.Fatalf("partition 0: %v", got)
	}
	pm := poll(t, c, me, &p1, iggcon.FirstPollingStrategy(), 10, false)
	if !slices.Equal(payloads(pm), []string{"b0"}) || pm.PartitionId != 1 || pm.CurrentOffset != 0 {
		t.Fatalf("partition 1: %+v", pm)
	}
	if ts := pm.Messages[0].Header.Timestamp; ts < before-1_000_000 || ts > uint64(time.Now().UnixMicro()) {
		t.Fatalf("server timestamp %d", ts)
	}

	// Partition id and messages key.
	must(t, c.SendMessages(str("s"), str("t"), iggcon.PartitionId(2), messages(t, "c0", "c1")))
	key, _ := iggcon.EntityIdString("tenant-42")
	must(t, c.SendMessages(str("s"), str("t"), key, messages(t, "k0")))
	keyPart := xxh32.Sum([]byte("tenant-42"), 0) % 3
	found := slices.Contains(payloads(poll(t, c, me, &keyPart, iggcon.LastPollingStrategy(), 1, false)), "k0")
	if !found {
		t.Fatalf("keyed message not in partition %d", keyPart)
	}
	wantErr(t, c.SendMessages(str("s"), str("t"), iggcon.PartitionId(9), messages(t, "x")), ierror.ErrPartitionNotFound)
	wantErr(t, c.SendMessages(str("s"), str("nope"), iggcon.None(), messages(t, "x")), ierror.ErrTopicIdNotFound)
	wantErr(t, c.SendMessages(num(8), str("t"), iggcon.None(), messages(t, "x")), ierror.ErrStreamIdNotFound)

	// Every strategy on partition 0 (offsets 0..2).
	cases := []struct {
		name string
		s    iggcon.PollingStrategy
		n    uint32
		want []string
	}{
		{"offset", iggcon.OffsetPollingStrategy(1), 10, []string{"a1", "a2"}},
		{"offset past the end", iggcon.OffsetPollingStrategy(3), 10, []string{}},
		{"first", iggcon.FirstPollingStrategy(), 2, []string{"a0", "a1"}},
		{"last", iggcon.LastPollingStrategy(), 2, []string{"a1", "a2"}},
		{"timestamp", iggcon.TimestampPollingStrategy(0), 10, []string{"a0", "a1", "a2"}},
		{"timestamp in the future", iggcon.TimestampPollingStrategy(uint64(time.Now().Add(time.Hour).UnixMicro())), 10, []string{}},
		{"count 0", iggcon.FirstPollingStrategy(), 0, []string{}},
	}
	for _, tc := range cases {
		if got := payloads(poll(t, c, me, &p0, tc.s, tc.n, false)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	// Next with auto-commit walks forward; offsets are per consumer.
	alice := iggcon.NewSingleConsumer(str("alice"))
	if got := payloads(poll(t, c, alice, &p0, iggcon.NextPollingStrategy(), 2, true)); !slices.Equal(got, []string{"a0", "a1"}) {
		t.Fatalf("next 1: %v", got)
	}
	if got := payloads(poll(t, c, alice, &p0, iggcon.NextPollingStrategy(), 2, true)); !slices.Equal(got, []string{"a2"}) {
		t.Fatalf("next 2: %v", got)
	}
	off, err := c.GetConsumerOffset(alice, str("s"), str("t"), &p0)
	if err != nil || off == nil || off.StoredOffset != 2 || off.CurrentOffset != 2 || off.PartitionId != 0 {
		t.Fatalf("alice's offset %+v, %v", off, err)
	}
	if got := payloads(poll(t, c, me, &p0, iggcon.NextPollingStrategy(), 1, false)); !slices.Equal(got, []string{"a0"}) {
		t.Fatalf("another consumer's next: %v", got)
	}
	_ = p2
}

func TestSDKMessageFields(t *testing.T) {
	f := start(t)
	c := f.root(t)
	topic(t, c, 1)
	p0 := uint32(0)

	k, _ := iggcon.NewHeaderKeyString("event_id")
	hdrs := []iggcon.HeaderEntry{
		{Key: k, Value: iggcon.HeaderValue{Kind: iggcon.String, Value: []byte("e-1")}},
		{Key: iggcon.NewHeaderKeyInt32(7), Value: iggcon.HeaderValue{Kind: iggcon.Uint64, Value: make([]byte, 8)}},
	}
	id := [16]byte{0xde, 0xad, 0xbe, 0xef}
	withID, _ := iggcon.NewIggyMessage([]byte("with id"), iggcon.WithID(id), iggcon.WithUserHeaders(hdrs))
	noID, _ := iggcon.NewIggyMessage([]byte("no id"))
	must(t, c.SendMessages(str("s"), str("t"), iggcon.None(), []iggcon.IggyMessage{withID, noID}))

	pm := poll(t, c, iggcon.DefaultConsumer(), &p0, iggcon.FirstPollingStrategy(), 10, false)
	if len(pm.Messages) != 2 || pm.MessageCount != 2 {
		t.Fatalf("polled %+v", pm)
	}
	got := pm.Messages[0]
	if got.Header.Id != id || got.Header.Offset != 0 || got.Header.OriginTimestamp != withID.Header.OriginTimestamp ||
		got.Header.PayloadLength != 7 || got.Header.Checksum == 0 {
		t.Fatalf("header %+v", got.Header)
	}
	back, err := iggcon.DeserializeHeaders(got.UserHeaders)
	if err != nil || !reflect.DeepEqual(back, hdrs) {
		t.Fatalf("headers %+v, %v", back, err)
	}
	if second := pm.Messages[1].Header; second.Id == ([16]byte{}) || second.Offset != 1 || second.Timestamp != got.Header.Timestamp {
		t.Fatalf("second header %+v", second)
	}

	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i)
	}
	m, _ := iggcon.NewIggyMessage(big)
	must(t, c.SendMessages(str("s"), str("t"), iggcon.PartitionId(0), []iggcon.IggyMessage{m}))
	pm = poll(t, c, iggcon.DefaultConsumer(), &p0, iggcon.OffsetPollingStrategy(2), 1, false)
	if len(pm.Messages) != 1 || !slices.Equal(pm.Messages[0].Payload, big) {
		t.Fatal("1 MiB payload did not come back intact")
	}
}

func TestSDKOffsets(t *testing.T) {
	f := start(t)
	c := f.root(t)
	topic(t, c, 2)
	p0, p1 := uint32(0), uint32(1)
	bob := iggcon.NewSingleConsumer(num(7))

	if off, err := c.GetConsumerOffset(bob, str("s"), str("t"), &p0); err != nil || off != nil {
		t.Fatalf("nothing stored: %+v, %v", off, err)
	}
	if off, err := c.GetConsumerOffset(bob, str("s"), str("missing"), &p0); err != nil || off != nil {
		t.Fatalf("missing topic: %+v, %v", off, err)
	}
	wantErr(t, c.StoreConsumerOffset(bob, str("s"), str("t"), 0, &p0), ierror.ErrInvalidOffset)

	must(t, c.SendMessages(str("s"), str("t"), iggcon.PartitionId(1), messages(t, "m0", "m1", "m2")))
	must(t, c.StoreConsumerOffset(bob, str("s"), str("t"), 1, &p1))
	wantErr(t, c.StoreConsumerOffset(bob, str("s"), str("t"), 3, &p1), ierror.ErrInvalidOffset)
	off, err := c.GetConsumerOffset(bob, str("s"), str("t"), &p1)
	if err != nil || off == nil || *off != (iggcon.ConsumerOffsetInfo{PartitionId: 1, CurrentOffset: 2, StoredOffset: 1}) {
		t.Fatalf("stored: %+v, %v", off, err)
	}
	if got := payloads(poll(t, c, bob, &p1, iggcon.NextPollingStrategy(), 5, false)); !slices.Equal(got, []string{"m2"}) {
		t.Fatalf("next after stored offset: %v", got)
	}
	wantErr(t, c.StoreConsumerOffset(bob, str("s"), str("t"), 0, u32p(5)), ierror.ErrPartitionNotFound)
	wantErr(t, c.StoreConsumerOffset(bob, str("x"), str("t"), 0, &p1), ierror.ErrStreamIdNotFound)

	must(t, c.DeleteConsumerOffset(bob, str("s"), str("t"), &p1))
	wantErr(t, c.DeleteConsumerOffset(bob, str("s"), str("t"), &p1), ierror.ErrConsumerOffsetNotFound)
	if off, _ := c.GetConsumerOffset(bob, str("s"), str("t"), &p1); off != nil {
		t.Fatalf("offset after delete: %+v", off)
	}
}

func u32p(v uint32) *uint32 { return &v }

func TestSDKConsumerGroups(t *testing.T) {
	f := start(t)
	a := f.root(t)
	topic(t, a, 2)

	g, err := a.CreateConsumerGroup(str("s"), str("t"), "workers")
	if err != nil || g.Id != 0 || g.Name != "workers" || g.PartitionsCount != 2 || g.MembersCount != 0 {
		t.Fatalf("create group %+v, %v", g, err)
	}
	_, err = a.CreateConsumerGroup(str("s"), str("t"), "workers")
	wantErr(t, err, ierror.ErrConsumerGroupNameAlreadyExists)
	for _, path := range [][3]iggcon.Identifier{{str("s"), str("t"), str("idle")}, {str("s"), str("x"), num(0)}, {num(5), num(0), num(0)}} {
		_, err = a.GetConsumerGroup(path[0], path[1], path[2])
		wantErr(t, err, ierror.ErrConsumerGroupIdNotFound)
	}
	wantErr(t, a.JoinConsumerGroup(str("s"), str("t"), str("idle")), ierror.ErrConsumerGroupIdNotFound)

	must(t, a.JoinConsumerGroup(str("s"), str("t"), str("workers")))
	must(t, a.JoinConsumerGroup(str("s"), str("t"), str("workers"))) // twice is fine
	gd, err := a.GetConsumerGroup(str("s"), str("t"), num(0))
	if err != nil || gd.MembersCount != 1 || len(gd.Members) != 1 || !slices.Equal(gd.Members[0].Partitions, []uint32{0, 1}) {
		t.Fatalf("one member: %+v, %v", gd, err)
	}

	b := f.root(t)
	must(t, b.JoinConsumerGroup(str("s"), str("t"), str("workers")))
	if gd, _ := a.GetConsumerGroup(str("s"), str("t"), num(0)); gd.MembersCount != 2 {
		t.Fatalf("two members: %+v", gd)
	}
	if gs, err := a.GetConsumerGroups(str("s"), str("t")); err != nil || len(gs) != 1 || gs[0].MembersCount != 2 {
		t.Fatalf("groups %+v, %v", gs, err)
	}

	// GetClients sees both members with one group each.
	clients, err := a.GetClients()
	must(t, err)
	members := 0
	for _, ci := range clients {
		if ci.ConsumerGroupsCount == 1 {
			members++
			d, err := a.GetClient(ci.ID)
			if err != nil || d.ConsumerGroups[len(d.ConsumerGroups)-1] != (iggcon.ConsumerGroupInfo{StreamId: 0, TopicId: 0, GroupId: 0}) {
				t.Fatalf("client %d: %+v, %v", ci.ID, d, err)
			}
		}
	}
	if members != 2 {
		t.Fatalf("%d clients in a group, want 2: %+v", members, clients)
	}

	// Group polls read the member's partitions and share the group offset.
	must(t, a.SendMessages(str("s"), str("t"), iggcon.PartitionId(0), messages(t, "p0")))
	must(t, a.SendMessages(str("s"), str("t"), iggcon.PartitionId(1), messages(t, "p1")))
	must(t, b.LeaveConsumerGroup(str("s"), str("t"), str("workers")))
	wantErr(t, b.LeaveConsumerGroup(str("s"), str("t"), str("workers")), ierror.ErrConsumerGroupMemberNotFound)
	group := iggcon.NewGroupConsumer(str("workers"))
	var seen []string
	for i := 0; i < 4; i++ {
		seen = append(seen, payloads(poll(t, a, group, nil, iggcon.NextPollingStrategy(), 10, true))...)
	}
	slices.Sort(seen)
	if !slices.Equal(seen, []string{"p0", "p1"}) {
		t.Fatalf("group polls saw %v", seen)
	}
	off, err := a.GetConsumerOffset(group, str("s"), str("t"), u32p(1))
	if err != nil || off == nil || off.StoredOffset != 0 {
		t.Fatalf("group offset %+v, %v", off, err)
	}

	// Disconnecting leaves the group.
	a.Close()
	c := f.root(t)
	deadline := time.Now().Add(5 * time.Second)
	for {
		gd, err := c.GetConsumerGroup(str("s"), str("t"), num(0))
		must(t, err)
		if gd.MembersCount == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("member still in the group after disconnect: %+v", gd)
		}
		time.Sleep(10 * time.Millisecond)
	}
	must(t, c.DeleteConsumerGroup(str("s"), str("t"), str("workers")))
	wantErr(t, c.DeleteConsumerGroup(str("s"), str("t"), str("workers")), ierror.ErrConsumerGroupIdNotFound)
}

func TestSDKUsersAndPermissions(t *testing.T) {
	f := start(t)
	root := f.root(t)

	u, err := root.CreateUser("alice", "secret1", iggcon.Active, &iggcon.Permissions{
		Global: iggcon.GlobalPermissions{ReadStreams: true}})
	if err != nil || u.Id != 1 || u.Username != "alice" || u.Permissions == nil || !u.Permissions.Global.ReadStreams {
		t.Fatalf("create user %+v, %v", u, err)
	}
	_, err = root.CreateUser("alice", "secret1", iggcon.Active, nil)
	wantErr(t, err, ierror.ErrUserAlreadyExists)
	_, err = root.CreateUser("al", "secret1", iggcon.Active, nil)
	wantErr(t, err, ierror.ErrInvalidUsername)
	_, err = root.CreateUser("bob", "pw", iggcon.Active, nil)
	wantErr(t, err, ierror.ErrInvalidPassword)

	if all, err := root.GetUsers(); err != nil || len(all) != 2 || all[1].Username != "alice" {
		t.Fatalf("users %+v, %v", all, err)
	}
	_, err = root.GetUser(num(9))
	wantErr(t, err, ierror.ErrResourceNotFound)
	if got, err := root.GetUser(num(0)); err != nil || got.Username != "iggy" || !got.Permissions.Global.ManageServers {
		t.Fatalf("root user %+v, %v", got, err)
	}

	inactive := iggcon.Inactive
	name := "alicia"
	must(t, root.UpdateUser(str("alice"), &name, &inactive))
	other := f.connect(t)
	_, err = other.LoginUser("alicia", "secret1")
	wantErr(t, err, ierror.ErrUserInactive)
	active := iggcon.Active
	must(t, root.UpdateUser(num(1), nil, &active))
	wantErr(t, root.ChangePassword(num(1), "wrong", "secret2"), ierror.ErrInvalidCredentials)
	must(t, root.ChangePassword(num(1), "secret1", "secret2"))
	wantErr(t, root.DeleteUser(num(0)), ierror.ErrCannotDeleteUser)
	wantErr(t, root.UpdatePermissions(num(0), nil), ierror.ErrCannotChangePermissions)
	wantErr(t, root.DeleteUser(num(33)), ierror.ErrResourceNotFound)

	// Alice may read streams but manage nothing.
	_, err = other.LoginUser("alicia", "secret2")
	must(t, err)
	_, err = root.CreateStream("mine")
	must(t, err)
	_, err = root.CreateStream("theirs")
	must(t, err)
	if ss, err := other.GetStreams(); err != nil || len(ss) != 2 {
		t.Fatalf("alice reads streams: %+v, %v", ss, err)
	}
	_, err = other.CreateStream("x")
	wantErr(t, err, ierror.ErrUnauthorized)
	_, err = other.GetUsers()
	wantErr(t, err, ierror.ErrUnauthorized)
	_, err = other.GetStats()
	wantErr(t, err, ierror.ErrUnauthorized)
	if me, err := other.GetUser(str("alicia")); err != nil || me.Id != 1 {
		t.Fatalf("reading oneself: %+v, %v", me, err)
	}
	_, err = other.GetUser(num(0))
	wantErr(t, err, ierror.ErrUnauthorized)

	// Stream-level rights: manage topics in "mine" only. They apply to the
	// open session at once.
	must(t, root.UpdatePermissions(num(1), &iggcon.Permissions{Streams: map[int]*iggcon.StreamPermissions{
		0: {ManageTopics: true, SendMessages: true, PollMessages: true}}}))
	_, err = other.CreateTopic(str("mine"), "t", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
	must(t, err)
	_, err = other.CreateTopic(str("theirs"), "t", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
	wantErr(t, err, ierror.ErrUnauthorized)
	must(t, other.SendMessages(str("mine"), str("t"), iggcon.None(), messages(t, "hello")))
	_, err = other.GetStreams()
	wantErr(t, err, ierror.ErrUnauthorized)
	must(t, other.ChangePassword(str("alicia"), "secret2", "secret3"))

	must(t, root.DeleteUser(str("alicia")))
	_, err = root.GetUser(num(1))
	wantErr(t, err, ierror.ErrResourceNotFound)
	_, err = other.GetTopics(num(0))
	wantErr(t, err, ierror.ErrUnauthenticated)
}

func TestSDKPersonalAccessTokens(t *testing.T) {
	f := start(t)
	root := f.root(t)

	_, err := root.GetPersonalAccessTokens()
	if err == nil {
		t.Fatal("the SDK reports an empty token list as an error; got none")
	}
	tok, err := root.CreatePersonalAccessToken("ci-token", 0)
	if err != nil || len(tok.Token) != 68 {
		t.Fatalf("token %+v, %v", tok, err)
	}
	_, err = root.CreatePersonalAccessToken("ci-token", 0)
	wantErr(t, err, ierror.ErrPersonalAccessTokenAlreadyExists)
	_, err = root.CreatePersonalAccessToken("ab", 0)
	wantErr(t, err, ierror.ErrInvalidPersonalAccessTokenName)
	list, err := root.GetPersonalAccessTokens()
	if err != nil || len(list) != 1 || list[0].Name != "ci-token" {
		t.Fatalf("tokens %+v, %v", list, err)
	}

	c := f.connect(t)
	id, err := c.LoginWithPersonalAccessToken(tok.Token)
	if err != nil || id.UserId != 0 {
		t.Fatalf("token login %+v, %v", id, err)
	}
	if _, err := c.GetStreams(); err != nil {
		t.Fatalf("after token login: %v", err)
	}
	_, err = f.connect(t).LoginWithPersonalAccessToken("not-a-token")
	wantErr(t, err, ierror.ErrResourceNotFound)

	must(t, root.DeletePersonalAccessToken("ci-token"))
	wantErr(t, root.DeletePersonalAccessToken("ci-token"), ierror.ErrResourceNotFound)
	_, err = f.connect(t).LoginWithPersonalAccessToken(tok.Token)
	wantErr(t, err, ierror.ErrResourceNotFound)
}

func TestSDKSystem(t *testing.T) {
	f := start(t)
	root := f.root(t)
	topic(t, root, 3)
	must(t, root.SendMessages(str("s"), str("t"), iggcon.None(), messages(t, "a", "b")))
	_, err := root.CreateConsumerGroup(str("s"), str("t"), "g")
	must(t, err)
	anon := f.connect(t)
	must(t, anon.Ping())

	st, err := root.GetStats()
	must(t, err)
	if st.StreamsCount != 1 || st.TopicsCount != 1 || st.PartitionsCount != 3 || st.MessagesCount != 2 ||
		st.ConsumerGroupsCount != 1 || st.ClientsCount != 2 || st.IggyServerVersion != "0.8.0" ||
		st.IggyServerSemver != 8000 || st.ProcessId == 0 || st.MessagesSizeBytes == 0 {
		t.Fatalf("stats %+v", st)
	}

	meta, err := root.GetClusterMetadata()
	must(t, err)
	if len(meta.Nodes) != 1 || meta.Nodes[0].IP != "127.0.0.1" ||
		fmt.Sprintf("127.0.0.1:%d", meta.Nodes[0].Endpoints.Tcp) != f.addr ||
		meta.Nodes[0].Role != iggcon.RoleLeader || meta.Nodes[0].Status != iggcon.Healthy {
		t.Fatalf("metadata %+v", meta)
	}

	clients, err := root.GetClients()
	must(t, err)
	if len(clients) != 2 {
		t.Fatalf("clients %+v", clients)
	}
	users := map[uint32]bool{}
	for _, ci := range clients {
		users[ci.UserID] = true
		if ci.Transport != string(iggcon.Tcp) || xxh32.Sum([]byte(ci.Address), 0) != ci.ID {
			t.Fatalf("client %+v: id is not XXH32 of its address", ci)
		}
	}
	if !users[0] || !users[0xFFFFFFFF] {
		t.Fatalf("want a root and an anonymous client: %+v", clients)
	}
	_, err = root.GetClient(0)
	wantErr(t, err, ierror.ErrInvalidClientId)
	if ci := root.GetConnectionInfo(); ci.ServerAddress != f.addr || ci.Protocol != iggcon.Tcp {
		t.Fatalf("connection info %+v", ci)
	}
}
