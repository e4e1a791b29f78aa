package broker

import (
	"slices"
	"testing"
)

var gName = ByName("g")

func groupC() Consumer { return Consumer{Kind: GroupConsumer, ID: gName} }

func assignment(t *testing.T, b *Broker) map[uint32][]uint32 {
	t.Helper()
	g, err := b.Group(sName, tName, gName)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint32][]uint32{}
	for _, m := range g.Members {
		p := slices.Clone(m.Partitions)
		slices.Sort(p)
		out[m.ClientID] = p
	}
	return out
}

func wantAssignment(t *testing.T, b *Broker, want map[uint32][]uint32) {
	t.Helper()
	got := assignment(t, b)
	if len(got) != len(want) {
		t.Fatalf("assignment %v, want %v", got, want)
	}
	for c, p := range want {
		if !slices.Equal(got[c], p) {
			t.Fatalf("assignment %v, want %v", got, want)
		}
	}
}

func groupPoll(t *testing.T, b *Broker, client uint32, auto bool) PollResult {
	t.Helper()
	return poll(t, b, PollRequest{Consumer: groupC(), ClientID: client,
		Strategy: PollingStrategy{Kind: StrategyNext}, Count: 100, AutoCommit: auto})
}

func TestGroupsCRUD(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 2)

	g, err := b.CreateGroup(sName, tName, "g")
	if err != nil || g.ID != 0 || g.PartitionsCount != 2 || g.MembersCount != 0 {
		t.Fatalf("CreateGroup = %+v, %v", g, err)
	}
	_, err = b.CreateGroup(sName, tName, "g")
	wantCode(t, err, ErrConsumerGroupNameExists)
	_, err = b.CreateGroup(sName, tName, "")
	wantCode(t, err, ErrInvalidConsumerGroupName)
	_, err = b.CreateGroup(sName, ByID(5), "x")
	wantCode(t, err, ErrTopicNotFound)
	_, err = b.CreateGroup(ByID(5), tName, "x")
	wantCode(t, err, ErrStreamNotFound)
	b.CreateGroup(sName, tName, "h")

	_, err = b.Group(sName, tName, ByName("G"))
	wantCode(t, err, ErrConsumerGroupNotFound)
	if got, err := b.Group(sName, tName, ByID(1)); err != nil || got.Name != "h" {
		t.Fatalf("Group(1) = %+v %v", got, err)
	}
	if list, _ := b.Groups(sName, tName); len(list) != 2 || list[0].Name != "g" {
		t.Fatalf("Groups = %+v", list)
	}

	wantCode(t, b.JoinGroup(sName, tName, ByID(9), 1), ErrConsumerGroupNotFound)
	wantCode(t, b.LeaveGroup(sName, tName, gName, 1), ErrConsumerGroupMemberNotFound)
	wantCode(t, b.DeleteGroup(sName, tName, ByID(9)), ErrConsumerGroupNotFound)

	if err := b.DeleteGroup(sName, tName, ByID(0)); err != nil {
		t.Fatal(err)
	}
	if again, _ := b.CreateGroup(sName, tName, "again"); again.ID != 0 {
		t.Fatalf("group id %d, want the freed 0", again.ID)
	}
}

func TestGroupJoinLeaveRebalance(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 4)
	b.CreateGroup(sName, tName, "g")

	// The first member gets every partition; joining twice changes nothing.
	b.JoinGroup(sName, tName, gName, 10)
	b.JoinGroup(sName, tName, gName, 10)
	wantAssignment(t, b, map[uint32][]uint32{10: {0, 1, 2, 3}})

	// A second member takes its fair share from the end of the first's
	// list at once, since the first never polled those partitions.
	b.JoinGroup(sName, tName, gName, 20)
	wantAssignment(t, b, map[uint32][]uint32{10: {0, 1}, 20: {2, 3}})

	b.JoinGroup(sName, tName, gName, 30)
	got := assignment(t, b)
	if len(got[30]) != 1 || len(got[10])+len(got[20])+len(got[30]) != 4 {
		t.Fatalf("third member: %v", got)
	}

	// Leaving deals partition i to member i mod members, in join order.
	if err := b.LeaveGroup(sName, tName, gName, 20); err != nil {
		t.Fatal(err)
	}
	wantAssignment(t, b, map[uint32][]uint32{10: {0, 2}, 30: {1, 3}})

	// Adding partitions rebalances too.
	b.CreatePartitions(sName, tName, 1)
	wantAssignment(t, b, map[uint32][]uint32{10: {0, 2, 4}, 30: {1, 3}})

	b.DisconnectClient(10)
	wantAssignment(t, b, map[uint32][]uint32{30: {0, 1, 2, 3, 4}})
	g, _ := b.Group(sName, tName, gName)
	if g.Members[0].ID != 2 {
		t.Fatalf("member id %d, want 2 (group-local numbering)", g.Members[0].ID)
	}
}

func TestGroupPollRotatesAndSharesOffsets(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 2)
	b.CreateGroup(sName, tName, "g")
	appendTo(t, b, 0, 0, 3)
	appendTo(t, b, 1, 100, 5)

	_, err := b.Poll(sName, tName, PollRequest{Consumer: groupC(), ClientID: 1, Count: 1,
		Strategy: PollingStrategy{Kind: StrategyNext}})
	wantCode(t, err, ErrConsumerGroupMemberNotFound)

	b.JoinGroup(sName, tName, gName, 1)
	r0 := groupPoll(t, b, 1, true)
	r1 := groupPoll(t, b, 1, true)
	if r0.Partition != 0 || r1.Partition != 1 {
		t.Fatalf("rotation read partitions %d then %d", r0.Partition, r1.Partition)
	}
	checkRun(t, r0.Messages, 0, 0, 3)
	checkRun(t, r1.Messages, 0, 100, 5)

	// Offsets belong to the group: a new member continues where the
	// first stopped, and sees only new messages.
	b.LeaveGroup(sName, tName, gName, 1)
	b.JoinGroup(sName, tName, gName, 2)
	appendTo(t, b, 0, 3, 2)
	got := groupPoll(t, b, 2, true)
	if got.Partition != 0 {
		t.Fatalf("read partition %d", got.Partition)
	}
	checkRun(t, got.Messages, 3, 3, 2)
	if res := groupPoll(t, b, 2, true); res.Partition != 1 || len(res.Messages) != 0 {
		t.Fatalf("partition 1 again: %+v", res)
	}

	off, ok, err := b.GetOffset(groupC(), 99, sName, tName, ptr(1))
	if err != nil || !ok || off.StoredOffset != 4 {
		t.Fatalf("group offset without membership = %+v %v %v", off, ok, err)
	}
}

func TestGroupExplicitPartitionAndStoreRules(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 2)
	b.CreateGroup(sName, tName, "g")
	appendTo(t, b, 0, 0, 2)
	appendTo(t, b, 1, 0, 2)
	b.JoinGroup(sName, tName, gName, 1)
	b.JoinGroup(sName, tName, gName, 2)
	wantAssignment(t, b, map[uint32][]uint32{1: {0}, 2: {1}})

	// Polling a partition the member does not own returns nothing.
	res := poll(t, b, PollRequest{Consumer: groupC(), ClientID: 1, Partition: ptr(1), Count: 10,
		Strategy: PollingStrategy{Kind: StrategyFirst}})
	if len(res.Messages) != 0 || res.Partition != 0 {
		t.Fatalf("foreign partition poll = %+v", res)
	}

	wantCode(t, b.StoreOffset(groupC(), 1, sName, tName, ptr(1), 0), ErrNotResolvedConsumer)
	wantCode(t, b.StoreOffset(groupC(), 3, sName, tName, nil, 0), ErrConsumerGroupMemberNotFound)
	wantCode(t, b.StoreOffset(Consumer{Kind: GroupConsumer, ID: ByID(7)}, 1, sName, tName, nil, 0), ErrConsumerGroupNotFound)
	wantCode(t, b.DeleteOffset(groupC(), 1, sName, tName, nil), ErrConsumerOffsetNotFound)

	// Without a partition the store goes to the member's current one.
	if err := b.StoreOffset(groupC(), 2, sName, tName, nil, 1); err != nil {
		t.Fatal(err)
	}
	if off, ok, _ := b.GetOffset(groupC(), 0, sName, tName, ptr(1)); !ok || off.StoredOffset != 1 {
		t.Fatalf("stored group offset = %+v %v", off, ok)
	}
	if _, ok, _ := b.GetOffset(groupC(), 0, sName, tName, nil); ok {
		t.Fatal("partition 0 has a group offset it was never given")
	}
	if err := b.DeleteOffset(groupC(), 2, sName, tName, ptr(1)); err != nil {
		t.Fatal(err)
	}
}

// TestGroupRevocationWaitsForCommit checks the cooperative move: a
// partition the old owner has polled moves only after it commits what it
// was handed, or after the rebalance timeout.
func TestGroupRevocationWaitsForCommit(t *testing.T) {
	clock := newClock()
	b := openTest(t, t.TempDir(), func(o *Options) { o.Now = clock.now })
	defer mustClose(t, b)
	setup(t, b, 2)
	b.CreateGroup(sName, tName, "g")
	appendTo(t, b, 0, 0, 3)
	appendTo(t, b, 1, 0, 3)

	b.JoinGroup(sName, tName, gName, 1)
	groupPoll(t, b, 1, false) // partition 0
	groupPoll(t, b, 1, false) // partition 1, handed offsets 0..2

	b.JoinGroup(sName, tName, gName, 2)
	wantAssignment(t, b, map[uint32][]uint32{1: {0, 1}, 2: {}})

	// A commit short of what was handed does not release the partition.
	if err := b.StoreOffset(groupC(), 1, sName, tName, ptr(1), 1); err != nil {
		t.Fatal(err)
	}
	wantAssignment(t, b, map[uint32][]uint32{1: {0, 1}, 2: {}})
	if err := b.StoreOffset(groupC(), 1, sName, tName, ptr(1), 2); err != nil {
		t.Fatal(err)
	}
	wantAssignment(t, b, map[uint32][]uint32{1: {0}, 2: {1}})

	// With a third partition and a third member, the timeout moves it.
	b.CreatePartitions(sName, tName, 1)
	appendTo(t, b, 2, 0, 1)
	wantAssignment(t, b, map[uint32][]uint32{1: {0, 2}, 2: {1}})
	poll(t, b, PollRequest{Consumer: groupC(), ClientID: 1, Partition: ptr(2), Count: 5,
		Strategy: PollingStrategy{Kind: StrategyFirst}})

	b.JoinGroup(sName, tName, gName, 3)
	wantAssignment(t, b, map[uint32][]uint32{1: {0, 2}, 2: {1}, 3: {}})
	clock.advance(rebalanceTimeout)
	wantAssignment(t, b, map[uint32][]uint32{1: {0}, 2: {1}, 3: {2}})
}

func TestGroupsSurviveRestartWithoutMembers(t *testing.T) {
	dir := t.TempDir()
	b := openTest(t, dir)
	setup(t, b, 1)
	b.CreateGroup(sName, tName, "g")
	b.JoinGroup(sName, tName, gName, 1)
	appendTo(t, b, 0, 0, 4)
	groupPoll(t, b, 1, true)
	mustClose(t, b)

	b = openTest(t, dir)
	defer mustClose(t, b)
	g, err := b.Group(sName, tName, gName)
	if err != nil || g.MembersCount != 0 {
		t.Fatalf("group after restart = %+v, %v", g, err)
	}
	b.JoinGroup(sName, tName, gName, 5)
	appendTo(t, b, 0, 4, 1)
	checkRun(t, groupPoll(t, b, 5, true).Messages, 4, 4, 1)

	// Deleting the group deletes its offsets: a new group with the
	// reused id starts from the first message.
	b.DeleteGroup(sName, tName, gName)
	b.CreateGroup(sName, tName, "g")
	b.JoinGroup(sName, tName, gName, 5)
	checkRun(t, groupPoll(t, b, 5, true).Messages, 0, 0, 5)
}

func TestGroupMemberWithoutPartitionsGetsEmptyResult(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 1)
	b.CreateGroup(sName, tName, "g")
	appendTo(t, b, 0, 0, 2)
	b.JoinGroup(sName, tName, gName, 1)
	b.JoinGroup(sName, tName, gName, 2)

	res := groupPoll(t, b, 2, true)
	if res.Partition != 0 || res.CurrentOffset != 0 || len(res.Messages) != 0 {
		t.Fatalf("idle member poll = %+v", res)
	}
}
