package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
	"github.com/iggyflow/iggyflow/outbox"
	"github.com/iggyflow/iggyflow/outbox/sqlite"
)

// pipeline is an SQLite outbox and an iggy transport over an embedded
// broker, both in a temporary directory.
type pipeline struct {
	store     *sqlite.Store
	bus       *outbox.Bus
	transport *iggy.Transport
}

func newPipeline(b *testing.B, sync string) *pipeline {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()

	store, err := sqlite.Open(ctx, filepath.Join(dir, "outbox.db"), sqlite.WithSynchronous(sync))
	if err != nil {
		b.Fatal(err)
	}
	cfg := iggy.Defaults()
	cfg.Embedded.DataDir = filepath.Join(dir, "iggy")
	cfg.Embedded.TCPPort = ""
	transport, err := iggy.NewTransport(ctx, cfg)
	if err != nil {
		store.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		transport.Shutdown(context.Background())
		store.Close()
	})
	return &pipeline{store: store, bus: outbox.NewBus(store), transport: transport}
}

var benchTenants = func() []uuid.UUID {
	t := make([]uuid.UUID, 64)
	for i := range t {
		t[i] = uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "bench-tenant-%d", i))
	}
	return t
}()

func order(i int) events.DomainEvent {
	return &events.OrderPlaced{OrderID: uuid.New(), Total: int64(i), Currency: "EUR"}
}

// commit writes n events in transactions of perTx.
func (p *pipeline) commit(b *testing.B, n, perTx int) {
	b.Helper()
	ctx := context.Background()
	for done := 0; done < n; {
		tx, err := p.store.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < perTx && done < n; j, done = j+1, done+1 {
			if _, err := p.bus.PublishInTx(ctx, tx, benchTenants[done%len(benchTenants)], nil, order(done)); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRelaySQLiteToBroker measures the relay from rows already
// committed in SQLite to the embedded broker: claim, decode, encode,
// append to the domain topic's partitions, mark dispatched. One iteration
// is one event; events/s is the figure to read.
func BenchmarkRelaySQLiteToBroker(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		for _, batch := range []int{100, 1000} {
			b.Run(fmt.Sprintf("sync=%s/batch=%d", sync, batch), func(b *testing.B) {
				p := newPipeline(b, sync)
				p.commit(b, b.N, 1000)
				relay := outbox.NewRelay(p.store, p.transport, outbox.RelayConfig{WorkerID: "bench", BatchSize: batch})

				ctx := context.Background()
				b.ResetTimer()
				start := time.Now()
				relayed := 0
				for relayed < b.N {
					n, err := relay.RunOnce(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if n == 0 {
						b.Fatalf("relay stopped after %d of %d events", relayed, b.N)
					}
					relayed += n
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkCommitToHandler measures the time from a transaction's commit
// to a consumer group's handler receiving the event, with one event per
// transaction committed at a steady rate and the relay woken by the bus.
// It reports the p50 and p99 of that latency; b.N is the number of
// events, and the run takes b.N / rate seconds.
//
// Each transaction commits on its own, so with sync=FULL every commit waits
// for an fsync; where the disk cannot do rate commits a second, the
// achieved events/s it reports falls short of the rate asked for.
func BenchmarkCommitToHandler(b *testing.B) {
	for _, syncMode := range []string{"FULL", "NORMAL"} {
		b.Run(fmt.Sprintf("sync=%s/rate=1000", syncMode), func(b *testing.B) {
			benchCommitToHandler(b, syncMode, 1000)
		})
	}
}

func benchCommitToHandler(b *testing.B, syncMode string, rate int) {
	p := newPipeline(b, syncMode)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	relay := outbox.NewRelay(p.store, p.transport, outbox.RelayConfig{WorkerID: "bench"}, outbox.WithBus(p.bus))
	go relay.Run(ctx)
	consumer, err := p.transport.SubscribeAsGroup(ctx, "latency")
	if err != nil {
		b.Fatal(err)
	}
	defer consumer.Close()

	var committed sync.Map
	latencies := make(chan time.Duration, b.N)
	go func() {
		for range b.N {
			d, err := consumer.Receive(ctx)
			if err != nil {
				return
			}
			at, ok := committed.Load(d.Envelope.ID)
			for !ok {
				// The handler can run before the producer has stored the commit
				// time; the commit happened, so wait for the bookkeeping.
				time.Sleep(10 * time.Microsecond)
				at, ok = committed.Load(d.Envelope.ID)
			}
			latencies <- time.Since(at.(time.Time))
			consumer.Ack(ctx, d)
		}
	}()

	b.ResetTimer()
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	next := time.Now()
	for i := range b.N {
		time.Sleep(time.Until(next))
		next = next.Add(interval)

		tx, err := p.store.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		id, err := p.bus.PublishInTx(ctx, tx, benchTenants[i%len(benchTenants)], nil, order(i))
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		committed.Store(id, time.Now())
	}
	achieved := float64(b.N) / time.Since(start).Seconds()

	got := make([]time.Duration, 0, b.N)
	timeout := time.After(30 * time.Second)
	for len(got) < b.N {
		select {
		case l := <-latencies:
			got = append(got, l)
		case <-timeout:
			b.Fatalf("only %d of %d events reached the handler", len(got), b.N)
		}
	}
	b.StopTimer()
	slices.Sort(got)
	b.ReportMetric(ms(got[len(got)/2]), "p50_ms")
	b.ReportMetric(ms(got[len(got)*99/100]), "p99_ms")
	b.ReportMetric(achieved, "events/s")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
