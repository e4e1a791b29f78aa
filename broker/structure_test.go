package broker

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestStreamsCRUD(t *testing.T) {
	clock := newClock()
	b := openTest(t, t.TempDir(), func(o *Options) { o.Now = clock.now })
	defer mustClose(t, b)

	s0, err := b.CreateStream("orders")
	if err != nil {
		t.Fatal(err)
	}
	if s0.ID != 0 || s0.Name != "orders" || s0.CreatedAt != uint64(clock.now().UnixMicro()) {
		t.Fatalf("first stream = %+v", s0)
	}
	s1, _ := b.CreateStream("Orders") // case-sensitive: a different name
	if s1.ID != 1 {
		t.Fatalf("second stream id = %d", s1.ID)
	}

	_, err = b.CreateStream("orders")
	wantCode(t, err, ErrStreamNameExists)
	for _, bad := range []string{"", strings.Repeat("x", 256), "\xff\xfe"} {
		_, err = b.CreateStream(bad)
		wantCode(t, err, ErrInvalidStreamName)
	}

	for _, id := range []Identifier{ByID(1), ByName("Orders")} {
		got, err := b.Stream(id)
		if err != nil || got.ID != 1 || got.Name != "Orders" {
			t.Fatalf("Stream(%s) = %+v, %v", id, got, err)
		}
	}
	for _, id := range []Identifier{ByID(2), ByName("ORDERS")} {
		_, err = b.Stream(id)
		wantCode(t, err, ErrStreamNotFound)
	}

	if err := b.UpdateStream(ByID(0), "orders"); err != nil {
		t.Fatalf("rename to own name: %v", err)
	}
	wantCode(t, b.UpdateStream(ByID(0), "Orders"), ErrStreamNameExists)
	wantCode(t, b.UpdateStream(ByID(7), "x"), ErrStreamNotFound)
	if err := b.UpdateStream(ByName("orders"), "sales"); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Stream(ByID(0)); got.Name != "sales" {
		t.Fatalf("renamed stream = %q", got.Name)
	}

	wantCode(t, b.DeleteStream(ByName("nope")), ErrStreamNotFound)
	if err := b.DeleteStream(ByID(0)); err != nil {
		t.Fatal(err)
	}
	if n := len(b.Streams()); n != 1 {
		t.Fatalf("%d streams after delete", n)
	}
}

func TestIDReuseIsLIFO(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)

	for _, n := range []string{"a", "b", "c", "d"} {
		if _, err := b.CreateStream(n); err != nil {
			t.Fatal(err)
		}
	}
	b.DeleteStream(ByID(1))
	b.DeleteStream(ByID(3))
	b.DeleteStream(ByID(0))

	// Freed 1, 3, 0: reused 0, 3, 1, then new ids continue at 4.
	for _, want := range []uint32{0, 3, 1, 4} {
		s, err := b.CreateStream("n" + string(rune('0'+want)))
		if err != nil {
			t.Fatal(err)
		}
		if s.ID != want {
			t.Fatalf("new stream got id %d, want %d", s.ID, want)
		}
	}
}

func TestIDReuseSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	b := openTest(t, dir)
	setup(t, b, 1)
	for _, n := range []string{"t1", "t2", "t3"} {
		b.CreateTopic(sName, TopicConfig{Name: n})
	}
	b.DeleteTopic(sName, ByID(1))
	b.DeleteTopic(sName, ByID(2))
	mustClose(t, b)

	b = openTest(t, dir)
	defer mustClose(t, b)
	for _, want := range []uint32{2, 1, 4} {
		ti, err := b.CreateTopic(sName, TopicConfig{Name: "again" + string(rune('0'+want))})
		if err != nil {
			t.Fatal(err)
		}
		if ti.ID != want {
			t.Fatalf("topic id %d after restart, want %d", ti.ID, want)
		}
	}
}

func TestTopicsCRUD(t *testing.T) {
	b := openTest(t, t.TempDir(), func(o *Options) { o.SegmentSize = 1 << 20 })
	defer mustClose(t, b)
	if _, err := b.CreateStream("s"); err != nil {
		t.Fatal(err)
	}

	ti, err := b.CreateTopic(sName, TopicConfig{Name: "t", Partitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	if ti.ID != 0 || ti.PartitionsCount != 3 || len(ti.Partitions) != 3 || ti.Compression != 1 ||
		ti.MessageExpiry != math.MaxUint64 || ti.MaxTopicSize != math.MaxUint64 || ti.ReplicationFactor != 1 {
		t.Fatalf("created topic = %+v", ti)
	}
	for i, p := range ti.Partitions {
		if p.ID != uint32(i) || p.SegmentsCount != 1 {
			t.Fatalf("partition %d = %+v", i, p)
		}
	}

	errs := []struct {
		name string
		sid  Identifier
		cfg  TopicConfig
		want *Error
	}{
		{"missing stream", ByID(5), TopicConfig{Name: "x"}, ErrStreamNotFound},
		{"duplicate", sName, TopicConfig{Name: "t"}, ErrTopicNameExists},
		{"empty name", sName, TopicConfig{}, ErrInvalidTopicName},
		{"too many partitions", sName, TopicConfig{Name: "x", Partitions: 1001}, ErrTooManyPartitions},
		{"bad compression", sName, TopicConfig{Name: "x", Compression: 3}, ErrInvalidCommand},
		{"max size below segment", sName, TopicConfig{Name: "x", MaxTopicSize: 1<<20 - 1}, ErrInvalidTopicSize},
	}
	for _, tt := range errs {
		_, err := b.CreateTopic(tt.sid, tt.cfg)
		if err == nil || CodeOf(err) != tt.want.Code {
			t.Errorf("%s: error %v, want %d", tt.name, err, tt.want.Code)
		}
	}

	t1, err := b.CreateTopic(sName, TopicConfig{Name: "T", Compression: 2, MessageExpiry: 5e6,
		MaxTopicSize: 1 << 20, ReplicationFactor: 3})
	if err != nil {
		t.Fatal(err)
	}
	if t1.ID != 1 || t1.Compression != 2 || t1.MessageExpiry != 5e6 || t1.MaxTopicSize != 1<<20 || t1.ReplicationFactor != 3 {
		t.Fatalf("configured topic = %+v", t1)
	}

	cfg := TopicConfig{Name: "renamed", MessageExpiry: 0, MaxTopicSize: 100}
	if err := b.UpdateTopic(sName, ByName("T"), cfg); err != nil {
		t.Fatal(err)
	}
	got, err := b.Topic(sName, ByID(1))
	if err != nil || got.Name != "renamed" || got.MessageExpiry != math.MaxUint64 || got.MaxTopicSize != 100 {
		t.Fatalf("updated topic = %+v, %v", got, err)
	}
	wantCode(t, b.UpdateTopic(sName, ByID(1), TopicConfig{Name: "t"}), ErrTopicNameExists)
	wantCode(t, b.UpdateTopic(sName, ByID(9), TopicConfig{Name: "z"}), ErrTopicNotFound)
	if err := b.UpdateTopic(sName, ByID(1), TopicConfig{Name: "renamed"}); err != nil {
		t.Fatalf("update keeping own name: %v", err)
	}

	_, err = b.Topic(sName, ByName("Renamed"))
	wantCode(t, err, ErrTopicNotFound)
	_, err = b.Topic(ByName("S"), ByID(0))
	wantCode(t, err, ErrStreamNotFound)

	list, err := b.Topics(sName)
	if err != nil || len(list) != 2 || list[0].ID != 0 || list[1].ID != 1 {
		t.Fatalf("Topics = %+v, %v", list, err)
	}
	if s, _ := b.Stream(sName); s.TopicsCount != 2 || len(s.Topics) != 2 {
		t.Fatalf("stream = %+v", s)
	}

	wantCode(t, b.DeleteTopic(sName, ByID(7)), ErrTopicNotFound)
	if err := b.DeleteTopic(sName, ByName("t")); err != nil {
		t.Fatal(err)
	}
	_, err = b.Topic(sName, ByID(0))
	wantCode(t, err, ErrTopicNotFound)
}

func TestPartitionsCreateDelete(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 2)
	appendTo(t, b, 1, 0, 3)

	wantCode(t, b.CreatePartitions(sName, tName, 0), ErrTooManyPartitions)
	wantCode(t, b.CreatePartitions(sName, tName, 1001), ErrTooManyPartitions)
	wantCode(t, b.CreatePartitions(sName, ByID(4), 1), ErrTopicNotFound)
	if err := b.CreatePartitions(sName, tName, 3); err != nil {
		t.Fatal(err)
	}
	ti, _ := b.Topic(sName, tName)
	if ti.PartitionsCount != 5 || ti.Partitions[4].ID != 4 {
		t.Fatalf("after create: %+v", ti)
	}

	wantCode(t, b.DeletePartitions(sName, tName, 0), ErrTooManyPartitions)
	wantCode(t, b.DeletePartitions(sName, tName, 6), ErrInvalidPartitionsCount)
	if err := b.DeletePartitions(sName, tName, 4); err != nil {
		t.Fatal(err)
	}
	ti, _ = b.Topic(sName, tName)
	if ti.PartitionsCount != 1 || ti.MessagesCount != 0 {
		t.Fatalf("after delete: %+v", ti)
	}

	// The re-created partition 1 starts empty: the old data went with it.
	if err := b.CreatePartitions(sName, tName, 1); err != nil {
		t.Fatal(err)
	}
	if got := pollOffset(t, b, 1, 0, 10); len(got.Messages) != 0 {
		t.Fatalf("re-created partition has %d old messages", len(got.Messages))
	}
}

func TestPurge(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 2)
	appendTo(t, b, 0, 0, 4)
	appendTo(t, b, 1, 0, 2)
	one := uint32(1)
	if err := b.StoreOffset(Consumer{Kind: SingleConsumer, ID: ByID(3)}, 0, sName, tName, &one, 1); err != nil {
		t.Fatal(err)
	}

	if err := b.PurgeTopic(sName, tName); err != nil {
		t.Fatal(err)
	}
	ti, _ := b.Topic(sName, tName)
	if ti.MessagesCount != 0 || ti.SizeBytes != 0 || ti.PartitionsCount != 2 {
		t.Fatalf("after purge: %+v", ti)
	}
	if _, ok, _ := b.GetOffset(Consumer{Kind: SingleConsumer, ID: ByID(3)}, 0, sName, tName, &one); ok {
		t.Fatalf("offset survived purge")
	}
	if res := appendTo(t, b, 0, 10, 1); res.FirstOffset != 0 {
		t.Fatalf("offsets after purge start at %d", res.FirstOffset)
	}

	wantCode(t, b.PurgeStream(ByID(8)), ErrStreamNotFound)
	if err := b.PurgeStream(sName); err != nil {
		t.Fatal(err)
	}
	if st := b.Stats(); st.Messages != 0 || st.Partitions != 2 || st.Topics != 1 {
		t.Fatalf("stats after purge: %+v", st)
	}
}

func TestStats(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 3)
	b.CreateStream("other")
	b.CreateGroup(sName, tName, "g")
	appendTo(t, b, 0, 0, 5)
	appendTo(t, b, 2, 0, 2)

	st := b.Stats()
	want := Stats{Streams: 2, Topics: 1, Partitions: 3, Segments: 3, ConsumerGroups: 1, Messages: 7}
	got := st
	got.SizeBytes = 0
	if got != want {
		t.Fatalf("Stats = %+v, want %+v", st, want)
	}
	if st.SizeBytes != uint64(7*(FrameHeaderSize+len(payloadOf(0)))) {
		t.Fatalf("SizeBytes = %d", st.SizeBytes)
	}
}

// A second Open of a data dir that is open already fails with a sentinel
// and advice, and succeeds once the first broker is closed.
func TestOpenRefusesADataDirInUse(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(Options{DataDir: dir})
	if !errors.Is(err, ErrDataDirInUse) || !strings.Contains(err.Error(), "mode: remote") {
		t.Fatalf("second Open = %v, want ErrDataDirInUse with advice", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(Options{DataDir: dir})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}
