package broker

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iggyflow/iggyflow/internal/syncbuf"
)

// openLogged opens dir with a logger writing into logs.
func openLogged(t *testing.T, dir string, logs *syncbuf.Buffer) *Broker {
	t.Helper()
	return openTest(t, dir, func(o *Options) {
		o.SegmentSize = 1 << 20
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
}

// storeBoth stores offset off for single consumer 1 and, through a poll of
// member 1 with auto-commit, for group g on partition 0.
func storeBoth(t *testing.T, b *Broker, off uint64) {
	t.Helper()
	if err := b.StoreOffset(single(1), 0, sName, tName, ptr(0), off); err != nil {
		t.Fatalf("StoreOffset: %v", err)
	}
	if err := b.JoinGroup(sName, tName, gName, 1); err != nil {
		t.Fatalf("JoinGroup: %v", err)
	}
	if err := b.StoreOffset(groupC(), 1, sName, tName, ptr(0), off); err != nil {
		t.Fatalf("StoreOffset group: %v", err)
	}
}

func storedOffset(t *testing.T, b *Broker, c Consumer) (uint64, bool) {
	t.Helper()
	info, ok, err := b.GetOffset(c, 0, sName, tName, ptr(0))
	if err != nil {
		t.Fatalf("GetOffset: %v", err)
	}
	return info.StoredOffset, ok
}

// TestRecoveryClampsStoredOffsetsPastTheTail covers offset reuse after a
// torn tail: recovery cut message 19, but consumer 1 and group g had
// stored 19 as consumed. Without clamping the next append takes offset 19
// again and both pollers skip it, since they resume from stored + 1 = 20:
// the new message is never delivered.
func TestRecoveryClampsStoredOffsetsPastTheTail(t *testing.T) {
	dir := t.TempDir()
	b := openTest(t, dir, func(o *Options) { o.SegmentSize = 1 << 20 })
	setup(t, b, 1)
	appendTo(t, b, 0, 0, 20)
	if _, err := b.CreateGroup(sName, tName, "g"); err != nil {
		t.Fatal(err)
	}
	storeBoth(t, b, 19)
	mustClose(t, b)

	log := filepath.Join(partitionPath(dir, 0), segmentName(0)+logExt)
	st, _ := os.Stat(log)
	if err := os.Truncate(log, st.Size()-10); err != nil {
		t.Fatal(err)
	}

	var logs syncbuf.Buffer
	b = openLogged(t, dir, &logs)
	for _, c := range []Consumer{single(1), groupC()} {
		if v, ok := storedOffset(t, b, c); !ok || v != 18 {
			t.Fatalf("consumer %+v: stored offset %d, %v after recovery; want 18", c, v, ok)
		}
	}
	for _, key := range []string{"stream=0", "topic=0", "partition=0", "consumer=consumer-1",
		"consumer=group-0", "old_offset=19", "new_offset=18"} {
		if !strings.Contains(logs.String(), key) {
			t.Errorf("recovery log lacks %q:\n%s", key, logs.String())
		}
	}

	// The message that takes offset 19 now reaches both pollers.
	appendTo(t, b, 0, 100, 1)
	res := poll(t, b, PollRequest{Consumer: single(1), Partition: ptr(0),
		Strategy: PollingStrategy{Kind: StrategyNext}, Count: 10})
	checkRun(t, res.Messages, 19, 100, 1)
	if err := b.JoinGroup(sName, tName, gName, 2); err != nil {
		t.Fatal(err)
	}
	checkRun(t, groupPoll(t, b, 2, false).Messages, 19, 100, 1)
	mustClose(t, b)

	// The clamp was persisted, not only made in memory.
	b = openTest(t, dir, func(o *Options) { o.SegmentSize = 1 << 20 })
	defer mustClose(t, b)
	if v, ok := storedOffset(t, b, groupC()); !ok || v != 18 {
		t.Fatalf("after a clean reopen the group offset is %d, %v; want 18", v, ok)
	}
}

// TestRecoveryDeletesStoredOffsetsOfAnEmptiedPartition covers the case
// where recovery cuts the only message: an offset of 0 stored for it would
// make a poller skip the next message, which takes offset 0 again.
func TestRecoveryDeletesStoredOffsetsOfAnEmptiedPartition(t *testing.T) {
	dir := t.TempDir()
	b := openTest(t, dir, func(o *Options) { o.SegmentSize = 1 << 20 })
	setup(t, b, 1)
	appendTo(t, b, 0, 0, 1)
	if _, err := b.CreateGroup(sName, tName, "g"); err != nil {
		t.Fatal(err)
	}
	storeBoth(t, b, 0)
	mustClose(t, b)

	log := filepath.Join(partitionPath(dir, 0), segmentName(0)+logExt)
	if err := os.Truncate(log, int64(frameBytes)/2); err != nil {
		t.Fatal(err)
	}

	var logs syncbuf.Buffer
	b = openLogged(t, dir, &logs)
	defer mustClose(t, b)
	for _, c := range []Consumer{single(1), groupC()} {
		if v, ok := storedOffset(t, b, c); ok {
			t.Fatalf("consumer %+v: stored offset %d survived an emptied partition", c, v)
		}
	}
	if !strings.Contains(logs.String(), "old_offset=0") {
		t.Errorf("recovery log lacks the deleted offset:\n%s", logs.String())
	}

	appendTo(t, b, 0, 100, 1)
	res := poll(t, b, PollRequest{Consumer: single(1), Partition: ptr(0),
		Strategy: PollingStrategy{Kind: StrategyNext}, Count: 10})
	checkRun(t, res.Messages, 0, 100, 1)
}
