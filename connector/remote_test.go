package connector_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/server"
	"github.com/iggyflow/iggyflow/broker/users"
	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/internal/xxh32"
)

// The SDK writes its leader checks to the standard logger at every login.
func init() { log.SetOutput(io.Discard) }

// remoteServer is a real broker and users store on a temp dir, served over
// TCP on a loopback port.
type remoteServer struct {
	addr string
	dir  string
	b    *broker.Broker
	srv  *server.Server
}

// remoteCheapArgon2 keeps logins fast; hashing cost is not tested here.
var remoteCheapArgon2 = users.Argon2Params{Memory: 64, Time: 1, Threads: 1}

// startRemoteServer serves a fresh broker on 127.0.0.1 (a free port unless
// addr names one), with root iggy/iggy. It is shut down at cleanup.
func startRemoteServer(t testing.TB, addr string, opts ...server.Option) *remoteServer {
	t.Helper()
	return serveRemoteDir(t, t.TempDir(), addr, opts...)
}

func serveRemoteDir(t testing.TB, dir, addr string, opts ...server.Option) *remoteServer {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	b, err := broker.Open(broker.Options{DataDir: dir, SegmentSize: 1 << 20, CleanerInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	u, err := users.Open(users.Options{DataDir: dir, AllowDefaultRoot: true, Argon2: remoteCheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(b, u, opts...)
	if err := srv.Listen(addr); err != nil {
		b.Close()
		t.Fatal(err)
	}

	s := &remoteServer{addr: srv.Addr().String(), dir: dir, b: b, srv: srv}
	t.Cleanup(s.stop)
	return s
}

// stop shuts the server down and closes the broker; stopping twice does
// nothing.
func (s *remoteServer) stop() {
	if s.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	_ = s.b.Close()
	s.srv, s.b = nil, nil
}

// remoteConfig is a connector config for the given addresses, as root.
func remoteConfig(addrs ...string) connector.Config {
	return connector.Config{Mode: connector.ModeRemote, Remote: connector.RemoteConfig{
		Addresses: addrs, Protocol: "tcp", Username: "iggy", Password: "iggy",
	}}
}

// connectRemote connects a Remote with fast test timings; it is shut down
// at cleanup.
func connectRemote(t testing.TB, cfg connector.Config, opts ...connector.RemoteOption) *connector.Remote {
	t.Helper()
	opts = append([]connector.RemoteOption{
		connector.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond),
		connector.WithConnectTimeout(2 * time.Second),
	}, opts...)
	r := connector.NewRemote(opts...)
	if err := r.Connect(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	return r
}

// remoteTopic ensures stream s and topic t with n partitions.
func remoteTopic(t testing.TB, c connector.Connector, n uint32) {
	t.Helper()
	if err := c.EnsureStream(t.Context(), "s"); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureTopic(t.Context(), "s", connector.TopicSpec{Name: "t", Partitions: n}); err != nil {
		t.Fatal(err)
	}
}

// remotePublish sends payloads to s/t in one request keyed by key.
func remotePublish(t testing.TB, c connector.Connector, key string, payloads ...string) {
	t.Helper()
	req := connector.PublishRequest{Stream: "s", Topic: "t", PartitionKey: []byte(key)}
	for _, p := range payloads {
		req.Messages = append(req.Messages, connector.OutMessage{Headers: map[string]string{"k": key}, Payload: []byte(p)})
	}
	if err := c.Publish(t.Context(), req); err != nil {
		t.Fatal(err)
	}
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}

func recvN(t *testing.T, sub interface {
	Recv(context.Context) (*connector.Message, error)
}, n int) []*connector.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out []*connector.Message
	for len(out) < n {
		m, err := sub.Recv(ctx)
		if err != nil {
			t.Fatalf("recv %d of %d: %v", len(out)+1, n, err)
		}
		out = append(out, m)
	}
	return out
}

func payloads(ms []*connector.Message) string {
	s := ""
	for i, m := range ms {
		if i > 0 {
			s += ","
		}
		s += string(m.Payload)
	}
	return s
}

func TestRemoteConfigErrors(t *testing.T) {
	srv := startRemoteServer(t, "")
	missingCA := filepath.Join(t.TempDir(), "none.pem")
	notPEM := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		edit func(*connector.Config)
	}{
		{"protocol http", func(c *connector.Config) { c.Remote.Protocol = "http" }},
		{"protocol quic", func(c *connector.Config) { c.Remote.Protocol = "quic" }},
		{"no address", func(c *connector.Config) { c.Remote.Addresses = nil }},
		{"address without port", func(c *connector.Config) { c.Remote.Addresses = []string{"127.0.0.1"} }},
		{"address without host", func(c *connector.Config) { c.Remote.Addresses = []string{":8090"} }},
		{"port zero", func(c *connector.Config) { c.Remote.Addresses = []string{"127.0.0.1:0"} }},
		{"no username", func(c *connector.Config) { c.Remote.Username = "" }},
		{"mode embedded", func(c *connector.Config) { c.Mode = connector.ModeEmbedded }},
		{"missing CA file", func(c *connector.Config) { c.Remote.TLSEnabled, c.Remote.TLSCAFile = true, missingCA }},
		{"CA file without PEM", func(c *connector.Config) { c.Remote.TLSEnabled, c.Remote.TLSCAFile = true, notPEM }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := remoteConfig(srv.addr)
			tc.edit(&cfg)
			r := connector.NewRemote()
			err := r.Connect(t.Context(), cfg)
			if !errors.Is(err, connector.ErrRemoteConfig) {
				t.Fatalf("Connect = %v, want ErrRemoteConfig", err)
			}
			if r.IsConnected() {
				t.Fatal("connected after a configuration error")
			}
		})
	}
}

func TestRemoteNotConnected(t *testing.T) {
	r := connector.NewRemote()
	ctx := t.Context()
	if r.IsConnected() {
		t.Fatal("connected before Connect")
	}
	checks := map[string]error{
		"EnsureStream": r.EnsureStream(ctx, "s"),
		"Publish":      r.Publish(ctx, connector.PublishRequest{Stream: "s", Topic: "t"}),
		"Health":       r.Health(ctx),
	}
	_, checks["SubscribeGroup"] = r.SubscribeGroup(ctx, "s", "t", "g")
	_, checks["Read"] = r.Read(ctx, connector.ReadRequest{Stream: "s", Topic: "t", Count: 1})
	for name, err := range checks {
		if !errors.Is(err, connector.ErrNotConnected) {
			t.Errorf("%s before Connect: %v, want ErrNotConnected", name, err)
		}
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown before Connect: %v", err)
	}
}

func TestRemoteTopologyIsIdempotent(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(srv.addr))
	ctx := t.Context()

	for range 2 {
		remoteTopic(t, r, 2)
	}
	if n, err := r.Partitions(ctx, "s", "t"); err != nil || n != 2 {
		t.Fatalf("Partitions = %d, %v; want 2", n, err)
	}

	spec := connector.TopicSpec{Name: "t", Partitions: 5, MessageExpiry: time.Hour, MaxSizeBytes: 1 << 30}
	if err := r.EnsureTopic(ctx, "s", spec); err != nil {
		t.Fatal(err)
	}
	info, err := srv.b.Topic(broker.ByName("s"), broker.ByName("t"))
	if err != nil {
		t.Fatal(err)
	}
	if info.PartitionsCount != 5 || info.MessageExpiry != uint64(time.Hour/time.Microsecond) || info.MaxTopicSize != 1<<30 {
		t.Fatalf("topic after EnsureTopic = %+v", info)
	}

	spec.Partitions = 3 // fewer partitions never removes any
	if err := r.EnsureTopic(ctx, "s", spec); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.Partitions(ctx, "s", "t"); n != 5 {
		t.Fatalf("partitions shrank to %d", n)
	}

	if _, err := r.Partitions(ctx, "s", "missing"); err == nil {
		t.Fatal("Partitions of a missing topic succeeded")
	}
}

func TestRemotePublishReadSubscribe(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(srv.addr))
	remoteTopic(t, r, 3)
	ctx := t.Context()

	before := time.Now()
	id := [16]byte{1, 2, 3}
	err := r.Publish(ctx, connector.PublishRequest{Stream: "s", Topic: "t", PartitionKey: []byte("tenant-a"),
		Messages: []connector.OutMessage{
			{ID: id, Headers: map[string]string{"event_id": "e1", "tenant_id": "a"}, Payload: []byte("m0")},
			{Payload: []byte("m1")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	remotePublish(t, r, "tenant-a", "m2", "m3")

	// The partition is XXH32 of the key, as Embedded computes it.
	want := partitionOf(t, srv, "tenant-a")
	msgs, err := r.Read(ctx, connector.ReadRequest{Stream: "s", Topic: "t", Partition: want, Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 4 || string(msgs[0].Payload) != "m0" || string(msgs[3].Payload) != "m3" {
		t.Fatalf("Read got %d messages: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	if m.ID != id || m.Headers["event_id"] != "e1" || m.Headers["tenant_id"] != "a" || m.Offset != 0 ||
		m.Partition != want || m.Stream != "s" || m.Topic != "t" {
		t.Fatalf("first message %+v", m)
	}
	if m.Timestamp.Before(before.Add(-time.Second)) || time.Since(m.Timestamp) > time.Minute {
		t.Fatalf("timestamp %v", m.Timestamp)
	}

	from2, err := r.Read(ctx, connector.ReadRequest{Stream: "s", Topic: "t", Partition: want, From: connector.ReadFrom{Offset: 2}, Count: 1})
	if err != nil || len(from2) != 1 || string(from2[0].Payload) != "m2" {
		t.Fatalf("Read from offset 2 = %v, %v", from2, err)
	}
	late, err := r.Read(ctx, connector.ReadRequest{Stream: "s", Topic: "t", Partition: want,
		From: connector.ReadFrom{Since: time.Now().Add(time.Hour)}, Count: 10})
	if err != nil || len(late) != 0 {
		t.Fatalf("Read since the future = %v, %v", late, err)
	}

	sub, err := r.Subscribe(ctx, "s", "t", want)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if got := payloads(recvN(t, sub, 4)); got != "m0,m1,m2,m3" {
		t.Fatalf("Subscribe got %s", got)
	}
	remotePublish(t, r, "tenant-a", "m4")
	if got := payloads(recvN(t, sub, 1)); got != "m4" {
		t.Fatalf("Subscribe after a new publish got %s", got)
	}

	if _, err := r.Subscribe(ctx, "s", "t", 3); err == nil {
		t.Fatal("Subscribe to partition 3 of 3 succeeded")
	}
	if err := r.Publish(ctx, connector.PublishRequest{Stream: "s", Topic: "t",
		Messages: []connector.OutMessage{{Payload: nil}}}); err == nil {
		t.Fatal("Publish of an empty payload succeeded")
	}
}

// partitionOf returns the partition a key maps to in s/t: XXH32 of its
// bytes modulo the partition count.
func partitionOf(t *testing.T, srv *remoteServer, key string) uint32 {
	t.Helper()
	info, err := srv.b.Topic(broker.ByName("s"), broker.ByName("t"))
	if err != nil {
		t.Fatal(err)
	}
	return xxh32.Sum([]byte(key), 0) % info.PartitionsCount
}

// TestRemoteHeadersMatchEmbedded checks that Remote writes the user-headers
// block byte for byte as EncodeHeaders does, so either connector reads
// what the other wrote.
func TestRemoteHeadersMatchEmbedded(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(srv.addr))
	remoteTopic(t, r, 1)

	h := map[string]string{"event_id": "0190", "content_type": "application/json", "z": "last"}
	err := r.Publish(t.Context(), connector.PublishRequest{Stream: "s", Topic: "t",
		Messages: []connector.OutMessage{{ID: [16]byte{9}, Headers: h, Payload: []byte("p")}}})
	if err != nil {
		t.Fatal(err)
	}

	part := uint32(0)
	res, err := srv.b.Poll(broker.ByName("s"), broker.ByName("t"), broker.PollRequest{
		Consumer: broker.Consumer{Kind: broker.SingleConsumer, ID: broker.ByID(1)}, ClientID: 1,
		Partition: &part, Strategy: broker.PollingStrategy{Kind: broker.StrategyOffset}, Count: 1,
	})
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("poll = %+v, %v", res, err)
	}
	want, _ := connector.EncodeHeaders(h)
	if got := res.Messages[0].Headers; string(got) != string(want) {
		t.Fatalf("stored headers\n% x\nwant\n% x", got, want)
	}
	if res.Messages[0].ID != [16]byte{9} {
		t.Fatalf("stored id % x", res.Messages[0].ID)
	}
}

func TestRemoteLongAndEmptyKeys(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(srv.addr))
	remoteTopic(t, r, 4)

	// A key the wire cannot carry is hashed locally; a key of the same
	// bytes always lands in the same partition.
	long := make([]byte, 300)
	for i := range long {
		long[i] = byte(i)
	}
	for _, key := range [][]byte{long, {}} {
		for i := range 3 {
			err := r.Publish(t.Context(), connector.PublishRequest{Stream: "s", Topic: "t", PartitionKey: key,
				Messages: []connector.OutMessage{{Payload: fmt.Appendf(nil, "%d-%d", len(key), i)}}})
			if err != nil {
				t.Fatalf("publish with a %d-byte key: %v", len(key), err)
			}
		}
	}

	per := map[string]map[uint32]bool{}
	for p := range uint32(4) {
		msgs, err := r.Read(t.Context(), connector.ReadRequest{Stream: "s", Topic: "t", Partition: p, Count: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			k := string(m.Payload[:len(m.Payload)-2])
			if per[k] == nil {
				per[k] = map[uint32]bool{}
			}
			per[k][p] = true
		}
	}
	for k, ps := range per {
		if len(ps) != 1 {
			t.Errorf("key of length %s spread over partitions %v", k, ps)
		}
	}
	if len(per) != 2 {
		t.Errorf("found keys %v, want two", per)
	}
}

func TestRemoteGroupCommitAndResume(t *testing.T) {
	srv := startRemoteServer(t, "")
	cfg := remoteConfig(srv.addr)
	r := connectRemote(t, cfg)
	remoteTopic(t, r, 3)
	ctx := t.Context()

	for _, key := range []string{"a", "b", "c", "d"} {
		remotePublish(t, r, key, key+"0", key+"1", key+"2")
	}

	g, err := r.SubscribeGroup(ctx, "s", "t", "workers")
	if err != nil {
		t.Fatal(err)
	}
	got := recvN(t, g, 12)
	seen := map[string]bool{}
	var last = map[uint32]uint64{}
	for _, m := range got {
		seen[string(m.Payload)] = true
		last[m.Partition] = max(last[m.Partition], m.Offset)
	}
	if len(seen) != 12 {
		t.Fatalf("received %d distinct messages of 12: %s", len(seen), payloads(got))
	}
	if m, err := g.TryRecv(ctx); err != nil || m != nil {
		t.Fatalf("TryRecv with nothing left = %v, %v", m, err)
	}

	// Commit every partition but the first message's one; after a restart
	// only that partition's messages come again.
	keep := got[0].Partition
	for p, off := range last {
		if p != keep {
			if err := g.Commit(ctx, p, off); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Recv(ctx); !errors.Is(err, connector.ErrSubscriptionClosed) {
		t.Fatalf("Recv after Close: %v", err)
	}

	g2, err := r.SubscribeGroup(ctx, "s", "t", "workers")
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close()
	n := int(last[keep]) + 1
	again := recvN(t, g2, n)
	for _, m := range again {
		if m.Partition != keep {
			t.Fatalf("redelivered %s from committed partition %d", m.Payload, m.Partition)
		}
	}
	if m, err := g2.TryRecv(ctx); err != nil || m != nil {
		t.Fatalf("more than the uncommitted partition came again: %v, %v", m, err)
	}
}

func TestRemoteCommitNotAssigned(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(srv.addr))
	remoteTopic(t, r, 1)
	remotePublish(t, r, "k", "x")
	ctx := t.Context()

	first, err := r.SubscribeGroup(ctx, "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := r.SubscribeGroup(ctx, "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()

	// The only partition belongs to the first member.
	if m := recvN(t, first, 1)[0]; string(m.Payload) != "x" {
		t.Fatalf("first member got %s", m.Payload)
	}
	if m, err := second.TryRecv(ctx); err != nil || m != nil {
		t.Fatalf("second member got %v, %v", m, err)
	}
	if err := second.Commit(ctx, 0, 0); !errors.Is(err, connector.ErrNotAssigned) {
		t.Fatalf("Commit by the member without the partition: %v, want ErrNotAssigned", err)
	}
	if err := first.Commit(ctx, 0, 0); err != nil {
		t.Fatalf("Commit by the owner: %v", err)
	}
}

// TestRemoteGroupMembersSplitPartitions checks that two members of one
// group share the partitions and together receive everything once.
func TestRemoteGroupMembersSplitPartitions(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(srv.addr))
	remoteTopic(t, r, 4)
	ctx := t.Context()

	a, err := r.SubscribeGroup(ctx, "s", "t", "pair")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := r.SubscribeGroup(ctx, "s", "t", "pair")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	keys := []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"}
	for _, k := range keys {
		remotePublish(t, r, k, k)
	}

	seen := map[string]int{}
	partsOf := map[int]map[uint32]bool{0: {}, 1: {}}
	deadline := time.Now().Add(10 * time.Second)
	for len(seen) < len(keys) && time.Now().Before(deadline) {
		for i, g := range []connector.GroupSubscriber{a, b} {
			m, err := g.TryRecv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if m == nil {
				continue
			}
			seen[string(m.Payload)]++
			partsOf[i][m.Partition] = true
			if err := g.Commit(ctx, m.Partition, m.Offset); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(seen) != len(keys) {
		t.Fatalf("received %v, want all of %v", seen, keys)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s received %d times", k, n)
		}
	}
	for p := range partsOf[0] {
		if partsOf[1][p] {
			t.Errorf("partition %d read by both members", p)
		}
	}
	if len(partsOf[0]) == 0 || len(partsOf[1]) == 0 {
		t.Errorf("partitions per member %v: both should read", partsOf)
	}
}

func TestRemoteFirstAddressDead(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(deadAddr(t), srv.addr))
	remoteTopic(t, r, 1)
	remotePublish(t, r, "k", "via second")
	if !r.IsConnected() {
		t.Fatal("not connected through the second address")
	}
	g, err := r.SubscribeGroup(t.Context(), "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if got := payloads(recvN(t, g, 1)); got != "via second" {
		t.Fatalf("got %s", got)
	}
}

func TestRemoteConnectIsBounded(t *testing.T) {
	// Nothing listens: every address fails at once and the retry window
	// bounds the whole Connect.
	r := connector.NewRemote(connector.WithRetryWindow(300*time.Millisecond),
		connector.WithReconnectBackoff(50*time.Millisecond, 100*time.Millisecond))
	start := time.Now()
	err := r.Connect(t.Context(), remoteConfig(deadAddr(t), deadAddr(t)))
	if !errors.Is(err, connector.ErrConnection) {
		t.Fatalf("Connect to dead addresses = %v, want ErrConnection", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Connect took %s", d)
	}

	// A server that accepts but never answers: the SDK would wait for the
	// login reply forever; the connect timeout ends it.
	silent := silentServer(t)
	r = connector.NewRemote(connector.WithRetryWindow(0), connector.WithConnectTimeout(300*time.Millisecond))
	start = time.Now()
	err = r.Connect(t.Context(), remoteConfig(silent))
	if !errors.Is(err, connector.ErrConnection) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Connect to a silent server = %v, want ErrConnection and a deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Connect to a silent server took %s", d)
	}

	// A context that ends stops the retries.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	r = connector.NewRemote()
	start = time.Now()
	if err := r.Connect(ctx, remoteConfig(deadAddr(t))); err == nil {
		t.Fatal("Connect succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Connect ignored its context for %s", d)
	}
}

// silentServer accepts connections on loopback and reads without ever
// answering.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	return l.Addr().String()
}

func TestRemoteBadCredentials(t *testing.T) {
	srv := startRemoteServer(t, "")
	cfg := remoteConfig(srv.addr)
	cfg.Remote.Password = "wrong"
	r := connector.NewRemote()
	start := time.Now()
	err := r.Connect(t.Context(), cfg)
	if err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	if errors.Is(err, connector.ErrConnection) {
		t.Fatalf("a refused login is reported as a connection problem: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("a refused login was retried for %s", d)
	}
}

func TestRemoteReconnectsAfterServerRestart(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(srv.addr), connector.WithHeartbeat(50*time.Millisecond))
	remoteTopic(t, r, 2)
	remotePublish(t, r, "k", "before")
	g, err := r.SubscribeGroup(t.Context(), "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	first := recvN(t, g, 1)[0]

	// Stop the server: the heartbeat notices and IsConnected flips.
	dir, addr := srv.dir, srv.addr
	srv.stop()
	waitFor(t, "IsConnected to turn false", func() bool { return !r.IsConnected() })
	if err := r.Health(t.Context()); err == nil {
		t.Fatal("Health succeeded with the server down")
	}

	// A publish made while the server is down succeeds once it is back.
	done := make(chan error, 1)
	go func() {
		done <- r.Publish(context.Background(), connector.PublishRequest{Stream: "s", Topic: "t",
			PartitionKey: []byte("k"), Messages: []connector.OutMessage{{Payload: []byte("during")}}})
	}()
	time.Sleep(200 * time.Millisecond)
	serveRemoteDir(t, dir, addr)
	if err := <-done; err != nil {
		t.Fatalf("publish across the restart: %v", err)
	}
	waitFor(t, "IsConnected to turn true", r.IsConnected)

	// Nothing was committed: the member joins again and reads everything
	// from the start.
	got := payloads(recvN(t, g, 2))
	if got != "before,during" {
		t.Fatalf("after the restart got %s, want before,during (first delivery was %s)", got, first.Payload)
	}
	if err := g.Commit(t.Context(), first.Partition, 1); err != nil {
		t.Fatalf("commit on the new connection: %v", err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRemoteShutdown(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(srv.addr))
	remoteTopic(t, r, 1)
	ctx := t.Context()

	g, err := r.SubscribeGroup(ctx, "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := r.Subscribe(ctx, "s", "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 2)
	go func() { _, err := g.Recv(context.Background()); waiting <- err }()
	go func() { _, err := sub.Recv(context.Background()); waiting <- err }()

	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case err := <-waiting:
			if err == nil {
				t.Error("Recv returned a message after Shutdown")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Recv still blocked 5s after Shutdown")
		}
	}
	if r.IsConnected() {
		t.Error("connected after Shutdown")
	}
	if err := r.Publish(ctx, connector.PublishRequest{Stream: "s", Topic: "t"}); !errors.Is(err, connector.ErrNotConnected) {
		t.Errorf("Publish after Shutdown: %v", err)
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}

	// The group's member left with its connection.
	waitFor(t, "the member to leave", func() bool {
		info, err := srv.b.Group(broker.ByName("s"), broker.ByName("t"), broker.ByName("g"))
		return err == nil && len(info.Members) == 0
	})
}

func TestRemoteRecvHonoursContext(t *testing.T) {
	srv := startRemoteServer(t, "")
	r := connectRemote(t, remoteConfig(srv.addr))
	remoteTopic(t, r, 2)
	g, err := r.SubscribeGroup(t.Context(), "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := g.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Recv = %v, want a deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Recv returned %s after its deadline", d)
	}
}

// selfSigned returns a server TLS config for 127.0.0.1 and a CA file with
// its certificate.
func selfSigned(t *testing.T) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "iggyflow remote test"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    []string{"broker.test"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, ca
}

func TestRemoteTLS(t *testing.T) {
	serverTLS, ca := selfSigned(t)
	srv := startRemoteServer(t, "", server.WithTLS(serverTLS))

	cfg := remoteConfig(srv.addr)
	cfg.Remote.TLSEnabled, cfg.Remote.TLSCAFile = true, ca
	r := connectRemote(t, cfg)
	remoteTopic(t, r, 1)
	remotePublish(t, r, "k", "secret")
	g, err := r.SubscribeGroup(t.Context(), "s", "t", "g")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if got := payloads(recvN(t, g, 1)); got != "secret" {
		t.Fatalf("over TLS got %s", got)
	}

	named := cfg
	named.Remote.TLSServerName = "broker.test"
	connectRemote(t, named)

	for name, edit := range map[string]func(*connector.Config){
		"system pool": func(c *connector.Config) { c.Remote.TLSCAFile = "" },
		"wrong name":  func(c *connector.Config) { c.Remote.TLSServerName = "other.test" },
		"plain TCP":   func(c *connector.Config) { c.Remote.TLSEnabled = false },
	} {
		bad := cfg
		edit(&bad)
		r := connector.NewRemote(connector.WithConnectTimeout(time.Second), connector.WithRetryWindow(time.Second))
		start := time.Now()
		if err := r.Connect(t.Context(), bad); err == nil {
			t.Errorf("%s: Connect succeeded", name)
			r.Shutdown(context.Background())
			continue
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("%s: Connect failed only after %s", name, d)
		}
	}

	// A TLS client on a plain server gets no handshake: the connect
	// timeout ends the attempt.
	plain := startRemoteServer(t, "")
	onPlain := remoteConfig(plain.addr)
	onPlain.Remote.TLSEnabled, onPlain.Remote.TLSCAFile = true, ca
	start := time.Now()
	r = connector.NewRemote(connector.WithConnectTimeout(300*time.Millisecond), connector.WithRetryWindow(0))
	if err := r.Connect(t.Context(), onPlain); !errors.Is(err, connector.ErrConnection) {
		t.Fatalf("TLS to a plain server = %v, want ErrConnection", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("TLS to a plain server failed only after %s", d)
	}
}

// stallProxy forwards loopback TCP to a target; stall makes every
// connection open at that moment stop passing the server's answers, as a
// server that accepts but no longer answers would. Later connections pass
// traffic normally.
type stallProxy struct {
	addr    string
	mu      sync.Mutex
	stalled chan struct{} // closed by stall for the connections open then
}

func startStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{addr: l.Addr().String(), stalled: make(chan struct{})}
	var conns []net.Conn
	var connsMu sync.Mutex
	t.Cleanup(func() {
		l.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
	})

	go func() {
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			connsMu.Lock()
			conns = append(conns, client, server)
			connsMu.Unlock()

			p.mu.Lock()
			stalled := p.stalled
			p.mu.Unlock()
			go func() { _, _ = io.Copy(server, client) }()
			go forwardUntil(client, server, stalled)
		}
	}()
	return p
}

// forwardUntil copies from src to dst until stalled is closed, then reads
// on without forwarding.
func forwardUntil(dst io.Writer, src io.Reader, stalled <-chan struct{}) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-stalled:
		default:
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *stallProxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.stalled)
	p.stalled = make(chan struct{})
}

func TestRemoteHeartbeatFailsOverFromSilentServer(t *testing.T) {
	srv := startRemoteServer(t, "")
	proxy := startStallProxy(t, srv.addr)
	logs := &logCounter{}
	r := connectRemote(t, remoteConfig(proxy.addr), connector.WithHeartbeat(50*time.Millisecond),
		connector.WithConnectTimeout(300*time.Millisecond), connector.WithRemoteLogger(slog.New(logs)))
	remoteTopic(t, r, 1)

	// The server stops answering on the open connection: no error ever
	// comes, but the heartbeat's unanswered ping drops the connection and
	// the next one connects afresh.
	proxy.stall()
	waitFor(t, "the silent connection to be dropped", func() bool { return logs.count("iggy connection lost") > 0 })
	waitFor(t, "a new connection", func() bool { return r.IsConnected() && logs.count("iggy connection up") >= 2 })
	remotePublish(t, r, "k", "after the stall")
}
