package connector_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/internal/brokerproc/proctest"
)

// TestRemoteBrokerChild is the broker child process of the tests below;
// in a normal run it skips.
func TestRemoteBrokerChild(t *testing.T) { proctest.Child(t) }

const brokerChild = "TestRemoteBrokerChild"

// seqChecker follows per-tenant sequence numbers received at least once:
// a number at or below the highest seen is a duplicate, the next one is
// progress, anything beyond it is a gap.
type seqChecker struct {
	mu    sync.Mutex
	high  map[string]int
	dups  int
	gaps  []string
	total int
}

func newSeqChecker(tenants []string) *seqChecker {
	c := &seqChecker{high: map[string]int{}}
	for _, tn := range tenants {
		c.high[tn] = -1
	}
	return c
}

func (c *seqChecker) see(tenant string, seq int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total++
	switch h := c.high[tenant]; {
	case seq <= h:
		c.dups++
	case seq == h+1:
		c.high[tenant] = seq
	default:
		c.gaps = append(c.gaps, fmt.Sprintf("%s: %d after %d", tenant, seq, h))
	}
}

// reached reports whether every tenant's highest number is at least n-1.
func (c *seqChecker) reached(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range c.high {
		if h < n-1 {
			return false
		}
	}
	return true
}

// TestRemoteSurvivesBrokerKill publishes keyed sequences for several
// tenants while a group member consumes them, SIGKILLs the broker process
// mid-run and starts it again on the same data dir and port. Every
// published event must arrive at least once, each tenant's in order.
func TestRemoteSurvivesBrokerKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts broker processes")
	}
	dir := t.TempDir()
	p := proctest.Start(t, brokerChild, dir, "127.0.0.1:0")
	addr := p.Addr

	cfg := remoteConfig(addr)
	logs := &logCounter{}
	opts := []connector.RemoteOption{connector.WithHeartbeat(100 * time.Millisecond),
		connector.WithPollInterval(time.Millisecond, 20*time.Millisecond),
		connector.WithRemoteLogger(slog.New(logs))}
	prod := connectRemote(t, cfg, opts...)
	remoteTopic(t, prod, 4)
	cons := connectRemote(t, cfg, opts...)
	g, err := cons.SubscribeGroup(t.Context(), "s", "t", "survivors")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	const perTenant = 150
	tenants := []string{"t0", "t1", "t2", "t3", "t4", "t5"}
	chk := newSeqChecker(tenants)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	var published atomic.Int64
	consumed := make(chan error, 1)
	go func() { consumed <- consume(ctx, g, chk, perTenant) }()

	produced := make(chan error, 1)
	go func() { produced <- produce(ctx, prod, tenants, perTenant, &published) }()

	// Kill the broker a third of the way through, then bring it back.
	total := int64(perTenant * len(tenants))
	waitFor(t, "a third of the events published", func() bool { return published.Load() >= total/3 })
	p.Kill()
	atKill := published.Load()
	time.Sleep(300 * time.Millisecond)
	proctest.Start(t, brokerChild, dir, addr)

	if err := <-produced; err != nil {
		t.Fatalf("producer: %v", err)
	}
	if err := <-consumed; err != nil {
		t.Fatalf("consumer: %v", err)
	}

	if atKill == total {
		t.Fatal("everything was published before the kill; the kill tested nothing")
	}
	// The publishing and the group connection both broke and came back.
	if lost, up := logs.count("iggy connection lost"), logs.count("iggy connection up"); lost < 2 || up < 5 {
		t.Fatalf("%d connections lost and %d up; want both connections of both Remotes lost and remade", lost, up)
	}
	chk.mu.Lock()
	defer chk.mu.Unlock()
	if len(chk.gaps) > 0 {
		t.Fatalf("out of order or lost: %v", chk.gaps)
	}
	t.Logf("published %d events (%d before the kill), received %d with %d duplicates",
		total, atKill, chk.total, chk.dups)
}

// produce publishes perTenant numbered events per tenant, round-robin over
// tenants, one per request. A publish that fails is sent again, so each
// tenant's numbers reach the log in order.
func produce(ctx context.Context, r *connector.Remote, tenants []string, perTenant int, done *atomic.Int64) error {
	for seq := range perTenant {
		for _, tn := range tenants {
			req := connector.PublishRequest{Stream: "s", Topic: "t", PartitionKey: []byte(tn),
				Messages: []connector.OutMessage{{Payload: fmt.Appendf(nil, "%s:%d", tn, seq)}}}
			for {
				err := r.Publish(ctx, req)
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					return fmt.Errorf("publish %s:%d: %w", tn, seq, err)
				}
			}
			done.Add(1)
		}
	}
	return nil
}

// consume receives until every tenant reached perTenant-1, committing
// every seventh message; what is not committed when a connection breaks
// is delivered again, which the checker counts as duplicates.
func consume(ctx context.Context, g connector.GroupSubscriber, chk *seqChecker, perTenant int) error {
	for !chk.reached(perTenant) {
		m, err := g.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("not everything arrived: %w", err)
			}
			continue
		}

		tn, num, _ := strings.Cut(string(m.Payload), ":")
		seq, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("payload %q", m.Payload)
		}
		chk.see(tn, seq)
		if seq%7 != 0 {
			continue // leave some deliveries uncommitted, to be delivered again
		}

		if err := g.Commit(ctx, m.Partition, m.Offset); err != nil &&
			!errors.Is(err, connector.ErrConnection) && !errors.Is(err, connector.ErrNotAssigned) {
			return fmt.Errorf("commit: %w", err)
		}
	}
	return nil
}

// TestRemoteFailsOverToNextAddress runs two broker processes; the
// connector uses the first until it is killed, then the second.
func TestRemoteFailsOverToNextAddress(t *testing.T) {
	if testing.Short() {
		t.Skip("starts broker processes")
	}
	first := proctest.Start(t, brokerChild, t.TempDir(), "127.0.0.1:0")
	second := proctest.Start(t, brokerChild, t.TempDir(), "127.0.0.1:0")
	for _, a := range []string{first.Addr, second.Addr} {
		remoteTopic(t, connectRemote(t, remoteConfig(a)), 1)
	}

	r := connectRemote(t, remoteConfig(first.Addr, second.Addr), connector.WithHeartbeat(-1))
	remotePublish(t, r, "k", "to-first")
	first.Kill()
	remotePublish(t, r, "k", "to-second")

	onSecond := connectRemote(t, remoteConfig(second.Addr))
	msgs, err := onSecond.Read(t.Context(), connector.ReadRequest{Stream: "s", Topic: "t", Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || string(msgs[0].Payload) != "to-second" {
		t.Fatalf("second broker holds %d messages: %v", len(msgs), msgs)
	}

	// With the first address dead from the start, Connect goes to the
	// second at once.
	start := time.Now()
	connectRemote(t, remoteConfig(first.Addr, second.Addr))
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("connect past a dead first address took %s", d)
	}
}

// logCounter is a slog handler that counts records by message.
type logCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCounter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *logCounter) WithGroup(string) slog.Handler            { return c }

func (c *logCounter) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[r.Message]++
	return nil
}

func (c *logCounter) count(msg string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[msg]
}
