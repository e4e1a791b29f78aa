package broker

import (
	"testing"
	"time"
)

func segmentsOf(t *testing.T, b *Broker, partition uint32) PartitionInfo {
	t.Helper()
	ti, err := b.Topic(sName, tName)
	if err != nil {
		t.Fatal(err)
	}
	return ti.Partitions[partition]
}

func firstPoll(t *testing.T, b *Broker, partition uint32) []Message {
	t.Helper()
	return poll(t, b, PollRequest{Consumer: single(1), Partition: ptr(partition), Count: 1000,
		Strategy: PollingStrategy{Kind: StrategyFirst}}).Messages
}

func TestCleanerExpiry(t *testing.T) {
	clock := newClock()
	b := openTest(t, t.TempDir(), func(o *Options) {
		o.Now = clock.now
		o.SegmentSize = int64(10 * frameBytes)
	})
	defer mustClose(t, b)
	b.CreateStream("s")
	b.CreateTopic(sName, TopicConfig{Name: "t", Partitions: 1, MessageExpiry: uint64(time.Minute.Microseconds())})

	// Segments [0,10) and [10,20) written at t0, [20,30) at t0+30s, and
	// the active [30,35) at t0+60s.
	appendTo(t, b, 0, 0, 20)
	clock.advance(30 * time.Second)
	appendTo(t, b, 0, 20, 10)
	clock.advance(30 * time.Second)
	appendTo(t, b, 0, 30, 5)

	// At t0+60s the first two segments are exactly one expiry old.
	if n := b.RunCleaner(); n != 2 {
		t.Fatalf("cleaner deleted %d segments, want 2", n)
	}
	checkRun(t, firstPoll(t, b, 0), 20, 20, 15)

	// Much later everything sealed is gone but the active segment stays.
	clock.advance(time.Hour)
	if n := b.RunCleaner(); n != 1 {
		t.Fatalf("cleaner deleted %d segments, want 1", n)
	}
	p := segmentsOf(t, b, 0)
	if p.SegmentsCount != 1 || p.MessagesCount != 5 || p.CurrentOffset != 34 {
		t.Fatalf("after expiry: %+v", p)
	}
	checkRun(t, firstPoll(t, b, 0), 30, 30, 5)

	// Offsets continue, and an offset poll below the first stored offset
	// starts at the first stored one.
	if res := appendTo(t, b, 0, 35, 1); res.FirstOffset != 35 {
		t.Fatalf("append after cleaning at %d", res.FirstOffset)
	}
	checkRun(t, pollOffset(t, b, 0, 3, 100).Messages, 30, 30, 6)
}

func TestCleanerMaxSize(t *testing.T) {
	clock := newClock()
	seg := int64(10 * frameBytes)
	b := openTest(t, t.TempDir(), func(o *Options) {
		o.Now = clock.now
		o.SegmentSize = seg
	})
	defer mustClose(t, b)
	b.CreateStream("s")
	b.CreateTopic(sName, TopicConfig{Name: "t", Partitions: 2, MaxTopicSize: uint64(4 * seg)})

	// Partition 1 gets the oldest segment, then partition 0 three, then
	// partition 1 two more; every append seals the previous segment.
	appendTo(t, b, 1, 0, 10)
	clock.advance(time.Second)
	appendTo(t, b, 0, 0, 30)
	clock.advance(time.Second)
	appendTo(t, b, 1, 10, 20)

	// 60 messages = 6 segments = 150 % of max; the limit is 90 % (3.6
	// segments), so the three oldest go: partition 1's first, then
	// partition 0's first two.
	if n := b.RunCleaner(); n != 3 {
		t.Fatalf("cleaner deleted %d segments, want 3", n)
	}
	checkRun(t, firstPoll(t, b, 0), 20, 20, 10)
	checkRun(t, firstPoll(t, b, 1), 10, 10, 20)

	if n := b.RunCleaner(); n != 0 {
		t.Fatalf("second run deleted %d segments", n)
	}
}

func TestCleanerNeverDeletesActiveSegment(t *testing.T) {
	clock := newClock()
	b := openTest(t, t.TempDir(), func(o *Options) { o.Now = clock.now; o.SegmentSize = 1 << 20 })
	defer mustClose(t, b)
	b.CreateStream("s")
	b.CreateTopic(sName, TopicConfig{Name: "t", Partitions: 1, MessageExpiry: 1, MaxTopicSize: 1 << 20})
	appendTo(t, b, 0, 0, 50)

	clock.advance(time.Hour)
	if n := b.RunCleaner(); n != 0 {
		t.Fatalf("deleted %d segments from a partition with only an active one", n)
	}
	checkRun(t, firstPoll(t, b, 0), 0, 0, 50)
}

func TestBackgroundCleanerRuns(t *testing.T) {
	b := openTest(t, t.TempDir(), func(o *Options) {
		o.SegmentSize = int64(5 * frameBytes)
		o.CleanerInterval = 10 * time.Millisecond
	})
	defer mustClose(t, b)
	b.CreateStream("s")
	b.CreateTopic(sName, TopicConfig{Name: "t", Partitions: 1, MessageExpiry: 1})
	appendTo(t, b, 0, 0, 12)

	deadline := time.Now().Add(10 * time.Second)
	for segmentsOf(t, b, 0).SegmentsCount != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("background cleaner left %+v", segmentsOf(t, b, 0))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
