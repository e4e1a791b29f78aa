package iggy

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/internal/xxh32"
)

// recorder is the real Embedded connector with every publish request
// recorded.
type recorder struct {
	*connector.Embedded
	mu   sync.Mutex
	reqs []connector.PublishRequest
}

func (r *recorder) Publish(ctx context.Context, req connector.PublishRequest) error {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.Embedded.Publish(ctx, req)
}

func testConfig(t *testing.T) Config {
	cfg := Defaults()
	cfg.Embedded.DataDir = filepath.Join(t.TempDir(), "iggy")
	cfg.Embedded.TCPPort = ""
	return cfg
}

func open(t *testing.T, cfg Config, conn connector.Connector) *Transport {
	t.Helper()
	tr, err := NewTransport(t.Context(), cfg, WithConnector(conn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr
}

func TestNewTransportRejects(t *testing.T) {
	ctx := t.Context()
	bad := testConfig(t)
	bad.Topology.DomainPartitions = 0
	var ce *ConfigError
	if _, err := NewTransport(ctx, bad); !errors.As(err, &ce) || ce.Key != "topology.domain_partitions" {
		t.Fatalf("invalid config: %v", err)
	}

	// Remote mode against an address where nothing listens fails within
	// the caller's deadline instead of dialling forever.
	remote := testConfig(t)
	remote.Mode = connector.ModeRemote
	remote.Remote.Addresses = []string{deadAddress(t)}
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := NewTransport(short, remote); !errors.Is(err, connector.ErrConnection) {
		t.Fatalf("remote mode with nothing listening: %v", err)
	}

	noDir := testConfig(t)
	noDir.Embedded.DataDir = filepath.Join(t.TempDir(), "file")
	if err := writeFile(noDir.Embedded.DataDir); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTransport(ctx, noDir); err == nil {
		t.Fatal("data dir that is a file accepted")
	}
}

// deadAddress returns a loopback address nothing listens on.
func deadAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestTopologyAndRetention(t *testing.T) {
	cfg := testConfig(t)
	conn := connector.NewEmbedded()
	tr := open(t, cfg, conn)
	b := conn.Broker()

	day := uint64(24 * time.Hour / time.Microsecond)
	want := []struct {
		topic  string
		parts  uint32
		expiry uint64
		size   uint64
	}{
		{TopicDomain, 8, 30 * day, 10 << 30},
		{TopicSystem, 8, 7 * day, math.MaxUint64},
		{TopicDLQ, 1, 365 * day, math.MaxUint64},
	}
	for _, w := range want {
		info, err := b.Topic(broker.ByName("rustok"), broker.ByName(w.topic))
		if err != nil {
			t.Fatalf("topic %s: %v", w.topic, err)
		}
		if info.PartitionsCount != w.parts || info.MessageExpiry != w.expiry || info.MaxTopicSize != w.size {
			t.Errorf("topic %s: %d partitions, expiry %d µs, max size %d", w.topic, info.PartitionsCount,
				info.MessageExpiry, info.MaxTopicSize)
		}
	}
	if err := tr.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}

	// Reopening with more partitions and other retention adjusts the topics.
	cfg.Topology.DomainPartitions = 12
	cfg.Retention.DomainMaxAgeDays = 0
	conn = connector.NewEmbedded()
	open(t, cfg, conn)
	info, _ := conn.Broker().Topic(broker.ByName("rustok"), broker.ByName(TopicDomain))
	if info.PartitionsCount != 12 || info.MessageExpiry != math.MaxUint64 {
		t.Errorf("after reopen: %d partitions, expiry %d", info.PartitionsCount, info.MessageExpiry)
	}
}

func TestPublishBatchGroupsByTopicAndTenant(t *testing.T) {
	rec := &recorder{Embedded: connector.NewEmbedded()}
	tr := open(t, testConfig(t), rec)
	a, b := uuid.New(), uuid.New()
	ord := func(tn uuid.UUID) *events.Envelope {
		return events.NewEnvelope(tn, nil, &events.OrderPlaced{OrderID: uuid.New(), Currency: "EUR"})
	}
	sys := events.NewEnvelope(a, nil, &events.TenantUpdated{TenantID: a})

	envs := []*events.Envelope{ord(a), ord(a), ord(b), sys, ord(a), ord(a), ord(a)}
	if err := tr.PublishBatch(t.Context(), envs); err != nil {
		t.Fatal(err)
	}

	want := []struct {
		topic  string
		tenant uuid.UUID
		n      int
	}{{TopicDomain, a, 2}, {TopicDomain, b, 1}, {TopicSystem, a, 1}, {TopicDomain, a, 3}}
	if len(rec.reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(rec.reqs), len(want))
	}
	next := 0
	for i, w := range want {
		r := rec.reqs[i]
		if r.Topic != w.topic || string(r.PartitionKey) != string(w.tenant[:]) || len(r.Messages) != w.n {
			t.Errorf("request %d: topic %s key % x, %d messages", i, r.Topic, r.PartitionKey, len(r.Messages))
		}
		for _, m := range r.Messages {
			if m.ID != envs[next].ID {
				t.Errorf("request %d: message out of order", i)
			}
			next++
		}
	}

	if err := tr.PublishBatch(t.Context(), nil); err != nil || len(rec.reqs) != len(want) {
		t.Errorf("empty batch: %v, %d requests", err, len(rec.reqs))
	}
	if err := tr.PublishBatch(t.Context(), []*events.Envelope{ord(a), nil}); err == nil {
		t.Error("nil envelope accepted")
	}
}

func TestPublishBatchSplitsLargeGroups(t *testing.T) {
	rec := &recorder{Embedded: connector.NewEmbedded()}
	tr := open(t, testConfig(t), rec)
	tenant := uuid.New()
	envs := make([]*events.Envelope, maxRequestMessages+5)
	for i := range envs {
		envs[i] = events.NewEnvelope(tenant, nil, &events.OrderPlaced{OrderID: uuid.New(), Currency: "EUR"})
	}

	if err := tr.PublishBatch(t.Context(), envs); err != nil {
		t.Fatal(err)
	}
	if len(rec.reqs) != 2 || len(rec.reqs[0].Messages) != maxRequestMessages || len(rec.reqs[1].Messages) != 5 {
		t.Fatalf("requests: %d", len(rec.reqs))
	}
}

func TestSubscribeAsGroupRejects(t *testing.T) {
	tr := open(t, testConfig(t), connector.NewEmbedded())
	for _, c := range []struct {
		group string
		opts  []SubscribeOption
	}{{"", nil}, {"g", []SubscribeOption{WithTopic("orders")}}} {
		if _, err := tr.SubscribeAsGroup(t.Context(), c.group, c.opts...); !errors.Is(err, ErrBadOptions) {
			t.Errorf("SubscribeAsGroup(%q): %v", c.group, err)
		}
	}
}

// tenantFor returns a tenant whose events land in partition p of n.
func tenantFor(p, n uint32) uuid.UUID {
	for {
		id := uuid.New()
		if xxh32.Sum(id[:], 0)%n == p {
			return id
		}
	}
}

func TestAckOfMovedPartitionIsSkipped(t *testing.T) {
	cfg := testConfig(t)
	cfg.Topology.DomainPartitions = 2
	tr := open(t, cfg, connector.NewEmbedded())
	ctx := t.Context()
	var envs []*events.Envelope
	for p := range uint32(2) {
		envs = append(envs, events.NewEnvelope(tenantFor(p, 2), nil,
			&events.OrderPlaced{OrderID: uuid.New(), Currency: "EUR"}))
	}
	if err := tr.PublishBatch(ctx, envs); err != nil {
		t.Fatal(err)
	}

	// a joins first and owns both partitions; it receives both messages.
	a, _ := tr.SubscribeAsGroup(ctx, "g")
	defer a.Close()
	var onOne *Delivery
	for range 2 {
		d, err := a.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d.Partition == 1 {
			onOne = d
		}
	}

	// b and c join, c leaves: a full rebalance deals partition 0 to a and
	// partition 1 to b while a still holds its delivery from partition 1.
	b, _ := tr.SubscribeAsGroup(ctx, "g")
	defer b.Close()
	c, _ := tr.SubscribeAsGroup(ctx, "g")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	if err := a.Ack(ctx, onOne); err != nil {
		t.Fatalf("ack after the partition moved: %v", err)
	}

	// b, the new owner, receives the message again.
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	got, err := b.Receive(rctx)
	if err != nil || got.Envelope.ID != onOne.Envelope.ID {
		t.Fatalf("new owner got %v, %v; want event %s", got, err, onOne.Envelope.ID)
	}
}

func writeFile(path string) error { return os.WriteFile(path, []byte("x"), 0o600) }

// Asking for fewer partitions than a topic has changes nothing on the
// broker, and the transport says so instead of pretending.
func TestFewerPartitionsThanTheTopicHasIsLogged(t *testing.T) {
	cfg := testConfig(t)
	first, err := NewTransport(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	cfg.Topology.DomainPartitions = 4
	tr, err := NewTransport(t.Context(), cfg, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(context.Background())

	out := logs.String()
	if !strings.Contains(out, "more partitions than configured") ||
		!strings.Contains(out, "topic=domain partitions=8 configured=4") {
		t.Fatalf("no warning about the 8 partitions of a topic configured with 4:\n%s", out)
	}
}

// failingPublish is the embedded connector with its n-th Publish call
// (1-based) failing, to see what PublishBatch reports when the broker
// refuses one request of a batch.
type failingPublish struct {
	*connector.Embedded
	failAt, calls int
}

func (f *failingPublish) Publish(ctx context.Context, req connector.PublishRequest) error {
	f.calls++
	if f.calls == f.failAt {
		return errors.New("broker refused the request")
	}
	return f.Embedded.Publish(ctx, req)
}

// A batch whose second request fails reports, as an *events.BatchError,
// that exactly the envelopes of the first request went out.
func TestPublishBatchReportsThePublishedPrefix(t *testing.T) {
	conn := &failingPublish{Embedded: connector.NewEmbedded(), failAt: 2}
	tr := open(t, testConfig(t), conn)
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	envs := []*events.Envelope{
		events.NewEnvelope(a, nil, &events.OrderPlaced{OrderID: uuid.New(), Currency: "EUR"}),
		events.NewEnvelope(a, nil, &events.OrderPlaced{OrderID: uuid.New(), Currency: "EUR"}),
		events.NewEnvelope(b, nil, &events.OrderPlaced{OrderID: uuid.New(), Currency: "EUR"}),
		events.NewEnvelope(c, nil, &events.OrderPlaced{OrderID: uuid.New(), Currency: "EUR"}),
	}

	err := tr.PublishBatch(t.Context(), envs)
	var be *events.BatchError
	if !errors.As(err, &be) || be.Published != 2 {
		t.Fatalf("PublishBatch = %v, want a BatchError with 2 published (tenant a's request)", err)
	}

	var got []uuid.UUID
	err = tr.Replay(t.Context(), ReplayOptions{}, func(d *Delivery) error {
		got = append(got, d.Envelope.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !slices.Contains(got, envs[0].ID) || !slices.Contains(got, envs[1].ID) {
		t.Fatalf("broker holds %v, want the first two envelopes only", got)
	}
}
