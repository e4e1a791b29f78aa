package broker

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// frameBytes is the frame size of payloadOf(i) messages.
var frameBytes = FrameHeaderSize + len(payloadOf(0))

func partitionPath(dir string, partition uint32) string {
	return filepath.Join(dir, "streams", "0", "topics", "0", "partitions", fmtU(partition))
}

func fmtU(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

func TestSegmentRollover(t *testing.T) {
	dir := t.TempDir()
	const perSegment = 10
	b := openTest(t, dir, func(o *Options) { o.SegmentSize = int64(perSegment * frameBytes) })
	defer mustClose(t, b)
	setup(t, b, 1)

	// 7 appends of 6 messages: 42 messages, 10 per segment, the batches
	// split across segment boundaries.
	for i := 0; i < 7; i++ {
		appendTo(t, b, 0, 6*i, 6)
	}

	ti, _ := b.Topic(sName, tName)
	if p := ti.Partitions[0]; p.SegmentsCount != 5 || p.MessagesCount != 42 || p.CurrentOffset != 41 {
		t.Fatalf("partition = %+v", p)
	}

	bases, err := listSegments(partitionPath(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{0, 10, 20, 30, 40}; !equalU64(bases, want) {
		t.Fatalf("segment bases %v, want %v", bases, want)
	}
	for _, base := range bases[:4] {
		st, err := os.Stat(filepath.Join(partitionPath(dir, 0), segmentName(base)+logExt))
		if err != nil || st.Size() != int64(perSegment*frameBytes) {
			t.Fatalf("segment %d: size %v, %v", base, st.Size(), err)
		}
	}

	// Polls that start inside one segment and end in a later one.
	checkRun(t, pollOffset(t, b, 0, 7, 25).Messages, 7, 7, 25)
	checkRun(t, pollOffset(t, b, 0, 0, 100).Messages, 0, 0, 42)
	checkRun(t, pollOffset(t, b, 0, 39, 100).Messages, 39, 39, 3)
}

func TestOversizedMessageGetsOwnSegment(t *testing.T) {
	b := openTest(t, t.TempDir(), func(o *Options) { o.SegmentSize = 2048 })
	defer mustClose(t, b)
	setup(t, b, 1)

	big := Message{Payload: make([]byte, 5000)}
	in := []Message{{Payload: []byte("a")}, big, {Payload: []byte("b")}}
	if _, err := b.Append(sName, tName, Partitioning{Kind: Balanced}, in); err != nil {
		t.Fatal(err)
	}

	ti, _ := b.Topic(sName, tName)
	if n := ti.Partitions[0].SegmentsCount; n != 3 {
		t.Fatalf("%d segments, want 3", n)
	}
	got := pollOffset(t, b, 0, 0, 10).Messages
	if len(got) != 3 || len(got[1].Payload) != 5000 || string(got[2].Payload) != "b" {
		t.Fatalf("read back %d messages", len(got))
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	adjust := func(o *Options) { o.SegmentSize = int64(8 * frameBytes); o.Now = clock.now }

	b := openTest(t, dir, adjust)
	setup(t, b, 2)
	b.CreateStream("second")
	b.CreateTopic(ByName("second"), TopicConfig{Name: "x", Partitions: 1, MessageExpiry: 9e6, Compression: 2})
	appendTo(t, b, 0, 0, 30)
	appendTo(t, b, 1, 0, 5)
	if _, err := b.CreateGroup(sName, tName, "workers"); err != nil {
		t.Fatal(err)
	}
	b.StoreOffset(single(4), 0, sName, tName, ptr(1), 3)
	before, _ := b.Stream(sName)
	mustClose(t, b)

	b = openTest(t, dir, adjust)
	defer mustClose(t, b)

	after, err := b.Stream(sName)
	if err != nil {
		t.Fatal(err)
	}
	if after.Name != before.Name || after.CreatedAt != before.CreatedAt || after.MessagesCount != 35 ||
		after.SizeBytes != before.SizeBytes || len(after.Topics) != 1 {
		t.Fatalf("stream after restart = %+v, before %+v", after, before)
	}
	x, err := b.Topic(ByName("second"), ByName("x"))
	if err != nil || x.MessageExpiry != 9e6 || x.Compression != 2 || x.PartitionsCount != 1 {
		t.Fatalf("second topic = %+v, %v", x, err)
	}

	checkRun(t, pollOffset(t, b, 0, 0, 100).Messages, 0, 0, 30)
	checkRun(t, pollOffset(t, b, 1, 0, 100).Messages, 0, 0, 5)
	if off, ok, _ := b.GetOffset(single(4), 0, sName, tName, ptr(1)); !ok || off.StoredOffset != 3 {
		t.Fatalf("offset after restart: %+v %v", off, ok)
	}
	if g, err := b.Group(sName, tName, ByName("workers")); err != nil || g.ID != 0 {
		t.Fatalf("group after restart: %+v %v", g, err)
	}

	// Appends continue at the next offset.
	if res := appendTo(t, b, 0, 30, 3); res.FirstOffset != 30 {
		t.Fatalf("append after restart starts at %d", res.FirstOffset)
	}
	checkRun(t, pollOffset(t, b, 0, 25, 100).Messages, 25, 25, 8)
}

func TestSecondOpenOfSameDirFails(t *testing.T) {
	dir := t.TempDir()
	b := openTest(t, dir)
	defer mustClose(t, b)

	if _, err := Open(Options{DataDir: dir}); err == nil {
		t.Fatal("a second broker opened the same directory")
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, o := range []Options{
		{},
		{DataDir: t.TempDir(), SegmentSize: 10},
		{DataDir: t.TempDir(), SegmentSize: MaxSegmentSize + 1},
		{DataDir: t.TempDir(), Fsync: 7},
	} {
		if b, err := Open(o); err == nil {
			b.Close()
			t.Errorf("Open(%+v) succeeded", o)
		}
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOpenRemovesOrphanedDirectories(t *testing.T) {
	dir := t.TempDir()
	b := openTest(t, dir)
	setup(t, b, 3)
	for _, name := range []string{"gone", "keep"} {
		if _, err := b.CreateStream(name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.CreateTopic(sName, TopicConfig{Name: "gone-topic", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		b.DeleteStream(ByName("gone")),
		b.DeleteTopic(sName, ByName("gone-topic")),
		b.DeletePartitions(sName, tName, 1),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, b)

	// What a crash right after persisting those deletes would leave: the
	// deleted objects' directories, ids meta.json lists as freed.
	orphans := []string{
		filepath.Join(dir, "streams", "1"),
		filepath.Join(dir, "streams", "0", "topics", "1"),
		filepath.Join(dir, "streams", "0", "topics", "0", "partitions", "2"),
	}
	for _, o := range orphans {
		if err := os.MkdirAll(filepath.Join(o, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	b = openTest(t, dir)
	defer mustClose(t, b)
	for _, o := range orphans {
		if _, err := os.Stat(o); !os.IsNotExist(err) {
			t.Errorf("%s survived Open: %v", o, err)
		}
	}
	if _, err := os.Stat(partitionPath(dir, 1)); err != nil {
		t.Fatalf("a live partition was removed: %v", err)
	}
	if _, err := b.Stream(ByName("keep")); err != nil {
		t.Fatalf("the live stream after the deleted one: %v", err)
	}
}

// Regression: a meta.json that lists fewer streams than the data holds (an
// old backup put back, or a replaced file) made Open delete the unknown
// stream directories, and the next stream created took id 0 and cleared
// what was left. Open must refuse and leave the data alone.
func TestOpenRefusesDataMetaNeverListed(t *testing.T) {
	dir := t.TempDir()
	b := openTest(t, dir)
	setup(t, b, 1)
	if _, err := b.Append(sName, tName, Partitioning{Kind: Balanced}, []Message{{Payload: []byte("keep me")}}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, b)

	if err := os.WriteFile(filepath.Join(dir, metaFileName), []byte(`{"version":1,"stream_slots":0,"streams":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(Options{DataDir: dir, CleanerInterval: -1})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Join(dir, "streams", "0")) {
		t.Fatalf("Open over data meta.json never listed = %v, want ErrCorrupt naming streams/0", err)
	}
	seg := filepath.Join(partitionPath(dir, 0), "00000000000000000000.log")
	if st, err := os.Stat(seg); err != nil || st.Size() == 0 {
		t.Fatalf("segment after the refused Open: %v, %v", st, err)
	}
}
