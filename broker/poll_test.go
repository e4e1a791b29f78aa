package broker

import (
	"testing"
	"time"
)

func single(id uint32) Consumer { return Consumer{Kind: SingleConsumer, ID: ByID(id)} }

func poll(t testing.TB, b *Broker, req PollRequest) PollResult {
	t.Helper()
	res, err := b.Poll(sName, tName, req)
	if err != nil {
		t.Fatalf("Poll(%+v): %v", req, err)
	}
	return res
}

func TestPollStrategies(t *testing.T) {
	clock := newClock()
	b := openTest(t, t.TempDir(), func(o *Options) { o.Now = clock.now })
	defer mustClose(t, b)
	setup(t, b, 1)

	// Three appends of 4 messages, one second apart: offsets 0-3, 4-7, 8-11.
	var stamps []uint64
	for i := 0; i < 3; i++ {
		stamps = append(stamps, uint64(clock.now().UnixMicro()))
		appendTo(t, b, 0, 4*i, 4)
		clock.advance(time.Second)
	}

	tests := []struct {
		name      string
		st        PollingStrategy
		count     uint32
		first     uint64
		n         int
		wantEmpty bool
	}{
		{"offset", PollingStrategy{Kind: StrategyOffset, Value: 5}, 3, 5, 3, false},
		{"offset clipped by end", PollingStrategy{Kind: StrategyOffset, Value: 10}, 5, 10, 2, false},
		{"offset at current", PollingStrategy{Kind: StrategyOffset, Value: 11}, 5, 11, 1, false},
		{"offset past current", PollingStrategy{Kind: StrategyOffset, Value: 12}, 5, 0, 0, true},
		{"timestamp of second batch", PollingStrategy{Kind: StrategyTimestamp, Value: stamps[1]}, 100, 4, 8, false},
		{"timestamp between batches", PollingStrategy{Kind: StrategyTimestamp, Value: stamps[1] + 1}, 100, 8, 4, false},
		{"timestamp before all", PollingStrategy{Kind: StrategyTimestamp, Value: 1}, 2, 0, 2, false},
		{"timestamp after all", PollingStrategy{Kind: StrategyTimestamp, Value: stamps[2] + 1}, 5, 0, 0, true},
		{"first", PollingStrategy{Kind: StrategyFirst}, 2, 0, 2, false},
		{"last", PollingStrategy{Kind: StrategyLast}, 3, 9, 3, false},
		{"last more than stored", PollingStrategy{Kind: StrategyLast}, 50, 0, 12, false},
		{"count zero", PollingStrategy{Kind: StrategyFirst}, 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := poll(t, b, PollRequest{Consumer: single(1), Strategy: tt.st, Count: tt.count})
			if res.CurrentOffset != 11 {
				t.Errorf("current offset %d, want 11", res.CurrentOffset)
			}
			if tt.wantEmpty {
				if len(res.Messages) != 0 {
					t.Fatalf("got %d messages, want none", len(res.Messages))
				}
				return
			}
			checkRun(t, res.Messages, tt.first, int(tt.first), tt.n)
		})
	}
}

func TestPollNextAndAutoCommit(t *testing.T) {
	dir := t.TempDir()
	b := openTest(t, dir)
	setup(t, b, 1)
	appendTo(t, b, 0, 0, 10)

	next := PollRequest{Consumer: single(7), Strategy: PollingStrategy{Kind: StrategyNext}, Count: 4}

	// Nothing stored: Next starts at the first offset and, without
	// auto-commit, does not move.
	checkRun(t, poll(t, b, next).Messages, 0, 0, 4)
	checkRun(t, poll(t, b, next).Messages, 0, 0, 4)

	next.AutoCommit = true
	checkRun(t, poll(t, b, next).Messages, 0, 0, 4)
	checkRun(t, poll(t, b, next).Messages, 4, 4, 4)
	off, ok, err := b.GetOffset(single(7), 0, sName, tName, nil)
	if err != nil || !ok || off.StoredOffset != 7 || off.CurrentOffset != 9 {
		t.Fatalf("stored offset = %+v %v %v", off, ok, err)
	}

	// Another consumer id has its own offset; a named consumer stores under
	// XXH32 of its name, distinct from consumer 7.
	named := next
	named.Consumer = Consumer{Kind: SingleConsumer, ID: ByName("reader")}
	checkRun(t, poll(t, b, named).Messages, 0, 0, 4)
	mustClose(t, b)

	// Auto-committed offsets survive a restart.
	b = openTest(t, dir)
	defer mustClose(t, b)
	checkRun(t, poll(t, b, next).Messages, 8, 8, 2)
	if res := poll(t, b, next); len(res.Messages) != 0 {
		t.Fatalf("Next past the end returned %d messages", len(res.Messages))
	}
	checkRun(t, poll(t, b, named).Messages, 4, 4, 4)

	// StoreOffset moves Next; DeleteOffset resets it to the first offset.
	if err := b.StoreOffset(single(7), 0, sName, tName, nil, 2); err != nil {
		t.Fatal(err)
	}
	next.AutoCommit = false
	checkRun(t, poll(t, b, next).Messages, 3, 3, 4)
	if err := b.DeleteOffset(single(7), 0, sName, tName, nil); err != nil {
		t.Fatal(err)
	}
	checkRun(t, poll(t, b, next).Messages, 0, 0, 4)
}

func TestStoredOffsetErrors(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 2)
	appendTo(t, b, 0, 0, 3)

	wantCode(t, b.StoreOffset(single(1), 0, sName, tName, nil, 3), ErrInvalidOffset)
	wantCode(t, b.StoreOffset(single(1), 0, sName, tName, ptr(1), 0), ErrInvalidOffset)
	wantCode(t, b.StoreOffset(single(1), 0, sName, tName, ptr(2), 0), ErrPartitionNotFound)
	wantCode(t, b.StoreOffset(single(1), 0, ByID(3), tName, nil, 0), ErrStreamNotFound)
	wantCode(t, b.StoreOffset(single(1), 0, sName, ByID(3), nil, 0), ErrTopicNotFound)
	wantCode(t, b.DeleteOffset(single(1), 0, sName, tName, nil), ErrConsumerOffsetNotFound)

	if err := b.StoreOffset(single(1), 0, sName, tName, nil, 2); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := b.GetOffset(single(2), 0, sName, tName, nil); ok || err != nil {
		t.Fatalf("another consumer sees an offset: %v %v", ok, err)
	}
	if _, _, err := b.GetOffset(single(1), 0, sName, tName, ptr(5)); CodeOf(err) != ErrPartitionNotFound.Code {
		t.Fatalf("GetOffset on a missing partition: %v", err)
	}

	_, err := b.Poll(sName, tName, PollRequest{Consumer: single(1), Strategy: PollingStrategy{Kind: 9}, Count: 1})
	wantCode(t, err, ErrInvalidCommand)
	_, err = b.Poll(sName, tName, PollRequest{Consumer: single(1), Partition: ptr(4), Count: 1,
		Strategy: PollingStrategy{Kind: StrategyFirst}})
	wantCode(t, err, ErrPartitionNotFound)
}

func TestPollEmptyPartition(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 1)

	for _, k := range []StrategyKind{StrategyOffset, StrategyTimestamp, StrategyFirst, StrategyLast, StrategyNext} {
		res := poll(t, b, PollRequest{Consumer: single(1), Strategy: PollingStrategy{Kind: k}, Count: 10})
		if len(res.Messages) != 0 || res.CurrentOffset != 0 {
			t.Fatalf("strategy %d on an empty partition: %+v", k, res)
		}
	}
}

func TestChangedWakesOnAppend(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 1)

	ch, err := b.Changed(sName, tName)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Fatal("closed before any append")
	default:
	}

	appendTo(t, b, 0, 0, 1)
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("not closed by an append")
	}

	ch2, _ := b.Changed(sName, tName)
	if ch2 == ch {
		t.Fatal("the closed channel was handed out again")
	}
	_, err = b.Changed(sName, ByID(3))
	wantCode(t, err, ErrTopicNotFound)
}
