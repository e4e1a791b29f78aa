package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

// seedCommitted commits n valid events spread over 64 tenants, 1,000 per
// transaction.
func seedCommitted(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	bus := outbox.NewBus(s)
	tenants := make([]uuid.UUID, 64)
	for i := range tenants {
		tenants[i] = uuid.New()
	}

	for done := 0; done < n; {
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 1000 && done < n; j, done = j+1, done+1 {
			ev := &events.OrderPlaced{OrderID: uuid.New(), Total: int64(done), Currency: "EUR"}
			if _, err := bus.PublishInTx(ctx, tx, tenants[done%len(tenants)], nil, ev); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRelayToMemoryTransport measures the relay alone, from rows
// already committed in SQLite to an events.MemoryTransport: claim,
// decode, publish, mark dispatched. One iteration is one event.
func BenchmarkRelayToMemoryTransport(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		for _, batch := range []int{100, 1000} {
			b.Run(fmt.Sprintf("sync=%s/batch=%d", sync, batch), func(b *testing.B) {
				benchRelay(b, sync, batch)
			})
		}
	}
}

func benchRelay(b *testing.B, sync string, batch int) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "outbox.db"), WithSynchronous(sync))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seedCommitted(b, s, b.N)

	sink := events.NewMemoryTransport()
	r := outbox.NewRelay(s, sink, outbox.RelayConfig{WorkerID: "bench", BatchSize: batch})
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	start := time.Now()
	for {
		n, err := r.RunOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	elapsed := time.Since(start)
	cpu := cpuTime(b) - cpu0
	b.StopTimer()

	if got := len(sink.Published()); got != b.N {
		b.Fatalf("published %d of %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/event")
}

// cpuTime is the process's user plus system CPU time. On a shared machine
// it says what an event costs even when wall time is stretched by other
// load.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPublishInTx measures Bus.PublishInTx: build, validate, encode
// and insert one OrderPlaced. "shared-tx" writes every event in one open
// transaction, committed every 1,000 events (the commit is timed and
// amortised); "tx-per-event" adds a BEGIN and COMMIT to every event, the
// cost a request with one event pays. p50 and p99 are of single calls.
func BenchmarkPublishInTx(b *testing.B) {
	b.Run("shared-tx", func(b *testing.B) { benchPublish(b, 1000) })
	b.Run("tx-per-event", func(b *testing.B) { benchPublish(b, 1) })
}

func benchPublish(b *testing.B, perTx int) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "outbox.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	bus := outbox.NewBus(s)
	tenant := uuid.New()
	lat := make([]time.Duration, 0, b.N)

	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	var tx outbox.Tx
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if tx == nil {
			if tx, err = s.DB().BeginTx(ctx, nil); err != nil {
				b.Fatal(err)
			}
		}
		ev := &events.OrderPlaced{OrderID: uuid.New(), Total: int64(i), Currency: "EUR"}
		if _, err := bus.PublishInTx(ctx, tx, tenant, nil, ev); err != nil {
			b.Fatal(err)
		}
		if (i+1)%perTx == 0 || i == b.N-1 {
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			tx = nil
		}
		lat = append(lat, time.Since(t0))
	}
	cpu := cpuTime(b) - cpu0
	b.StopTimer()

	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/event")
}
