package connector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/broker"
)

func connected(t *testing.T, opts ...EmbeddedOption) (*Embedded, string) {
	t.Helper()
	dir := t.TempDir()
	e := NewEmbedded(opts...)
	if err := e.Connect(t.Context(), Config{Mode: ModeEmbedded, Embedded: EmbeddedConfig{DataDir: dir}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e, dir
}

func withTopic(t *testing.T, e *Embedded, partitions uint32) {
	t.Helper()
	ctx := t.Context()
	if err := e.EnsureStream(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if err := e.EnsureTopic(ctx, "s", TopicSpec{Name: "t", Partitions: partitions}); err != nil {
		t.Fatal(err)
	}
}

func publish(t *testing.T, c Connector, key string, payloads ...string) {
	t.Helper()
	req := PublishRequest{Stream: "s", Topic: "t", PartitionKey: []byte(key)}
	for _, p := range payloads {
		req.Messages = append(req.Messages, OutMessage{Headers: map[string]string{"k": key}, Payload: []byte(p)})
	}
	if err := c.Publish(t.Context(), req); err != nil {
		t.Fatal(err)
	}
}

func TestNewModes(t *testing.T) {
	if c, err := New(ModeEmbedded, nil); err != nil {
		t.Fatalf("New(embedded) err = %v", err)
	} else if _, ok := c.(*Embedded); !ok {
		t.Fatalf("New(embedded) = %T, want *Embedded", c)
	}
	if c, err := New(ModeRemote, nil); err != nil {
		t.Fatalf("New(remote) err = %v", err)
	} else if _, ok := c.(*Remote); !ok {
		t.Fatalf("New(remote) = %T, want *Remote", c)
	}
	if _, err := New("kafka", nil); err == nil || !strings.Contains(err.Error(), `unknown mode "kafka"`) {
		t.Fatalf("New(kafka) err = %v", err)
	}
}

func TestEmbeddedLifecycle(t *testing.T) {
	e := NewEmbedded()
	ctx := t.Context()
	if e.IsConnected() {
		t.Fatal("connected before Connect")
	}
	if err := e.EnsureStream(ctx, "s"); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("EnsureStream before Connect: %v", err)
	}
	if err := e.Connect(ctx, Config{Mode: ModeEmbedded}); err == nil {
		t.Fatal("Connect with an empty data dir succeeded")
	}

	cfg := Config{Mode: ModeEmbedded, Embedded: EmbeddedConfig{DataDir: t.TempDir(), TCPAddr: "127.0.0.1:0"}}
	if err := e.Connect(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if !e.IsConnected() || e.Health(ctx) != nil || e.Broker() == nil {
		t.Fatal("not healthy after Connect")
	}

	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if e.IsConnected() || !errors.Is(e.Health(ctx), ErrNotConnected) {
		t.Fatal("healthy after Shutdown")
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

func TestEmbeddedSharedBrokerStaysOpen(t *testing.T) {
	b, err := broker.Open(broker.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	e := NewEmbedded(WithBroker(b))
	if err := e.Connect(t.Context(), Config{}); err != nil {
		t.Fatal(err)
	}
	withTopic(t, e, 1)
	if err := e.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}

	if _, err := b.Topic(broker.ByName("s"), broker.ByName("t")); err != nil {
		t.Fatalf("shared broker unusable after Shutdown: %v", err)
	}
}

func TestEnsureTopicGrowsAndUpdates(t *testing.T) {
	e, _ := connected(t)
	ctx := t.Context()
	withTopic(t, e, 2)
	withTopic(t, e, 2) // idempotent

	spec := TopicSpec{Name: "t", Partitions: 5, MessageExpiry: 2 * time.Hour, MaxSizeBytes: 1 << 30}
	if err := e.EnsureTopic(ctx, "s", spec); err != nil {
		t.Fatal(err)
	}
	n, err := e.Partitions(ctx, "s", "t")
	if err != nil || n != 5 {
		t.Fatalf("Partitions = %d, %v; want 5", n, err)
	}

	info, err := e.Broker().Topic(broker.ByName("s"), broker.ByName("t"))
	if err != nil {
		t.Fatal(err)
	}
	if info.MessageExpiry != uint64(2*time.Hour/time.Microsecond) || info.MaxTopicSize != 1<<30 {
		t.Fatalf("expiry %d µs, max size %d", info.MessageExpiry, info.MaxTopicSize)
	}

	// Fewer partitions never shrink the topic; zero retention means none.
	if err := e.EnsureTopic(ctx, "s", TopicSpec{Name: "t", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	info, _ = e.Broker().Topic(broker.ByName("s"), broker.ByName("t"))
	if info.PartitionsCount != 5 || info.MessageExpiry != math.MaxUint64 || info.MaxTopicSize != math.MaxUint64 {
		t.Fatalf("after shrinking spec: %+v", info)
	}

	if _, err := e.Partitions(ctx, "s", "missing"); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Fatalf("Partitions of a missing topic: %v", err)
	}
}

func TestPublishKeyAndRead(t *testing.T) {
	e, _ := connected(t)
	withTopic(t, e, 4)
	ctx := t.Context()

	before := time.Now()
	publish(t, e, "tenant-a", "a0", "a1")
	time.Sleep(2 * time.Millisecond)
	mid := time.Now()
	publish(t, e, "tenant-a", "a2")

	var part uint32
	found := false
	for p := range uint32(4) {
		msgs, err := e.Read(ctx, ReadRequest{Stream: "s", Topic: "t", Partition: p, Count: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			continue
		}
		if found {
			t.Fatalf("one key landed in two partitions")
		}
		found, part = true, p
		for i, m := range msgs {
			if string(m.Payload) != fmt.Sprintf("a%d", i) || m.Offset != uint64(i) || m.Headers["k"] != "tenant-a" ||
				m.Partition != p || m.Timestamp.Before(before.Truncate(time.Microsecond)) {
				t.Fatalf("message %d = %+v", i, m)
			}
		}
	}

	msgs, err := e.Read(ctx, ReadRequest{Stream: "s", Topic: "t", Partition: part, From: ReadFrom{Offset: 1}, Count: 1})
	if err != nil || len(msgs) != 1 || string(msgs[0].Payload) != "a1" {
		t.Fatalf("read from offset 1 count 1: %v %+v", err, msgs)
	}

	msgs, err = e.Read(ctx, ReadRequest{Stream: "s", Topic: "t", Partition: part, From: ReadFrom{Since: mid}, Count: 10})
	if err != nil || len(msgs) != 1 || string(msgs[0].Payload) != "a2" {
		t.Fatalf("read since mid: %v %+v", err, msgs)
	}
}

func TestPublishRejectsBadHeaders(t *testing.T) {
	e, _ := connected(t)
	withTopic(t, e, 1)
	err := e.Publish(t.Context(), PublishRequest{Stream: "s", Topic: "t",
		Messages: []OutMessage{{Headers: map[string]string{"k": ""}, Payload: []byte("x")}}})
	if !errors.Is(err, ErrBadHeaders) {
		t.Fatalf("err = %v", err)
	}
}

func TestSubscribeWaitsForAppend(t *testing.T) {
	e, _ := connected(t)
	withTopic(t, e, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	sub, err := e.Subscribe(ctx, "s", "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	got := make(chan string, 3)
	go func() {
		for range 3 {
			m, err := sub.Recv(ctx)
			if err != nil {
				got <- "error: " + err.Error()
				return
			}
			got <- string(m.Payload)
		}
	}()

	publish(t, e, "k", "first")
	if v := <-got; v != "first" {
		t.Fatalf("got %q", v)
	}
	publish(t, e, "k", "second", "third")
	if a, b := <-got, <-got; a != "second" || b != "third" {
		t.Fatalf("got %q, %q", a, b)
	}

	if _, err := e.Subscribe(ctx, "s", "t", 1); !errors.Is(err, broker.ErrPartitionNotFound) {
		t.Fatalf("subscribe to a missing partition: %v", err)
	}
}

func TestSubscribeCloseAndShutdownWakeRecv(t *testing.T) {
	e, _ := connected(t)
	withTopic(t, e, 1)
	ctx := t.Context()

	sub, _ := e.Subscribe(ctx, "s", "t", 0)
	grp, err := e.SubscribeGroup(ctx, "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}

	errs := make(chan error, 2)
	go func() { _, err := sub.Recv(ctx); errs <- err }()
	go func() { _, err := grp.Recv(ctx); errs <- err }()

	time.Sleep(20 * time.Millisecond)
	_ = sub.Close()
	if err := <-errs; !errors.Is(err, ErrSubscriptionClosed) {
		t.Fatalf("Recv after Close: %v", err)
	}

	_ = e.Shutdown(ctx)
	if err := <-errs; !errors.Is(err, ErrNotConnected) {
		t.Fatalf("group Recv after Shutdown: %v", err)
	}
}

func TestGroupCommitAndResume(t *testing.T) {
	e, dir := connected(t)
	withTopic(t, e, 1)
	ctx := t.Context()
	publish(t, e, "k", "m0", "m1", "m2", "m3")

	g, err := e.SubscribeGroup(ctx, "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		m, err := g.Recv(ctx)
		if err != nil || string(m.Payload) != fmt.Sprintf("m%d", i) {
			t.Fatalf("recv %d: %v %v", i, m, err)
		}
		if i == 1 {
			if err := g.Commit(ctx, m.Partition, m.Offset); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart of the broker keeps the group's offset: reading resumes
	// after the last commit (m1), so m2 comes again.
	_ = e.Shutdown(ctx)
	e2 := NewEmbedded()
	if err := e2.Connect(ctx, Config{Embedded: EmbeddedConfig{DataDir: dir}}); err != nil {
		t.Fatal(err)
	}
	defer e2.Shutdown(ctx)

	g2, err := e2.SubscribeGroup(ctx, "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close()
	for _, want := range []string{"m2", "m3"} {
		m, err := g2.Recv(ctx)
		if err != nil || string(m.Payload) != want {
			t.Fatalf("after restart got %v %v, want %s", m, err, want)
		}
	}

	m, err := g2.TryRecv(ctx)
	if m != nil || err != nil {
		t.Fatalf("TryRecv on a drained partition = %v, %v", m, err)
	}
}

func TestGroupMembersSplitPartitions(t *testing.T) {
	e, _ := connected(t)
	withTopic(t, e, 4)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	a, _ := e.SubscribeGroup(ctx, "s", "t", "g")
	b, _ := e.SubscribeGroup(ctx, "s", "t", "g")
	defer b.Close()

	info, err := e.Broker().Group(broker.ByName("s"), broker.ByName("t"), broker.ByName("g"))
	if err != nil || info.MembersCount != 2 {
		t.Fatalf("group %+v, %v", info, err)
	}

	keys := []string{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"}
	for _, k := range keys {
		publish(t, e, k, k)
	}

	// Each member reads only its own partitions; together they see each
	// message once.
	seen := map[string]GroupSubscriber{}
	for _, s := range []GroupSubscriber{a, b} {
		for {
			m, err := s.TryRecv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if m == nil {
				break
			}
			if _, dup := seen[string(m.Payload)]; dup {
				t.Fatalf("%s seen twice", m.Payload)
			}
			seen[string(m.Payload)] = s
		}
	}

	if len(seen) != len(keys) {
		// A cooperative rebalance may still be pending for the second
		// member; the first keeps what it owns until it commits.
		t.Logf("seen %d of %d before the handover completed", len(seen), len(keys))
	}

	// After the first member leaves, the second owns every partition and
	// reads what the first had not committed; what it read itself before
	// stays read (its cursors are kept for partitions it kept).
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	info, _ = e.Broker().Group(broker.ByName("s"), broker.ByName("t"), broker.ByName("g"))
	if info.MembersCount != 1 || len(info.Members[0].Partitions) != 4 {
		t.Fatalf("after leave: %+v", info)
	}

	got := map[string]bool{}
	for k, s := range seen {
		if s == b {
			got[k] = true
		}
	}
	for len(got) < len(keys) {
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatalf("recv after rebalance (%d of %d): %v", len(got), len(keys), err)
		}
		got[string(m.Payload)] = true
	}
}

func TestGroupCommitNotAssigned(t *testing.T) {
	e, _ := connected(t)
	withTopic(t, e, 2)
	ctx := t.Context()
	for _, k := range []string{"k0", "k1", "k2", "k3", "k4", "k5"} {
		publish(t, e, k, k)
	}

	a, _ := e.SubscribeGroup(ctx, "s", "t", "g")
	defer a.Close()
	b, _ := e.SubscribeGroup(ctx, "s", "t", "g")
	defer b.Close()

	owner := map[uint32]uint32{}
	info, _ := e.Broker().Group(broker.ByName("s"), broker.ByName("t"), broker.ByName("g"))
	for _, m := range info.Members {
		for _, p := range m.Partitions {
			owner[p] = m.ClientID
		}
	}
	bClient := b.(*embeddedGroup).client

	for p := range uint32(2) {
		err := b.Commit(ctx, p, 0)
		if owner[p] == bClient && err != nil {
			t.Errorf("commit on own partition %d: %v", p, err)
		}
		if owner[p] != bClient && !errors.Is(err, ErrNotAssigned) {
			t.Errorf("commit on partition %d owned by client %d: %v, want ErrNotAssigned", p, owner[p], err)
		}
	}
}
