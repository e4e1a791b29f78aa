package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

// discardTransport counts published envelopes and drops them.
type discardTransport struct{ n atomic.Int64 }

func (d *discardTransport) Publish(ctx context.Context, env *events.Envelope) error {
	d.n.Add(1)
	return nil
}

func (d *discardTransport) PublishBatch(ctx context.Context, envs []*events.Envelope) error {
	d.n.Add(int64(len(envs)))
	return nil
}

func (d *discardTransport) Acknowledge(context.Context, uuid.UUID) error { return nil }

func (d *discardTransport) ReliabilityLevel() events.ReliabilityLevel { return events.InMemory }

// copyBacklog loads n committed pending events of tenants round-robin
// with COPY, bypassing Insert, so that a relay benchmark times only the
// relay.
func copyBacklog(b *testing.B, s *Store, tenants []uuid.UUID, n int) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	rows := make([][]any, n)
	for i := range rows {
		env := events.NewEnvelope(tenants[i%len(tenants)], nil, &events.ProductCreated{ProductID: uuid.New()})
		payload, err := events.JSON.Marshal(env)
		if err != nil {
			b.Fatal(err)
		}
		rows[i] = []any{env.ID, env.TenantID, env.EventType, int32(env.SchemaVersion), payload,
			"pending", int32(0), now, now}
	}

	cols := []string{"id", "tenant_id", "event_type", "schema_version", "payload",
		"status", "retry_count", "next_attempt_at", "created_at"}
	table := pgx.Identifier{s.names.schema, "sys_events"}
	if _, err := s.Pool().CopyFrom(ctx, table, cols, pgx.CopyFromRows(rows)); err != nil {
		b.Fatalf("copy backlog: %v", err)
	}
	if _, err := s.Pool().Exec(ctx, s.names.expand("ANALYZE {events}")); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRelay drains a committed backlog of b.N events over 1024
// tenants (loaded with COPY, round-robin) with 1, 2 and 4 relays, each
// its own outbox.Relay calling RunOnce in a loop on one shared store (a
// pool of four connections), to a transport that counts and discards,
// with the tenant rule on and off. It reports events/s.
func BenchmarkRelay(b *testing.B) {
	for _, ordered := range []bool{true, false} {
		for _, batch := range []int{100, 1000} {
			for _, workers := range []int{1, 2, 4} {
				name := fmt.Sprintf("ordered=%t/batch=%d/workers=%d", ordered, batch, workers)
				b.Run(name, func(b *testing.B) { benchRelay(b, ordered, batch, workers) })
			}
		}
	}
}

func benchRelay(b *testing.B, ordered bool, batch, workers int) {
	s := openStore(b, WithTenantOrdering(ordered), WithNotify(false))
	copyBacklog(b, s, tenantsN(1024), b.N)
	sink := &discardTransport{}
	ctx := context.Background()

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := outbox.RelayConfig{WorkerID: fmt.Sprintf("bench-%d", w), BatchSize: batch, Lease: time.Minute}
			r := outbox.NewRelay(s, sink, cfg)
			for sink.n.Load() < int64(b.N) {
				n, err := r.RunOnce(ctx)
				if err != nil {
					b.Errorf("relay round: %v", err)
					return
				}
				if n == 0 {
					time.Sleep(200 * time.Microsecond)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	if got := sink.n.Load(); got != int64(b.N) {
		b.Fatalf("published %d events, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// BenchmarkPublishInTx measures one application transaction that writes
// an application row, then (except in app-only) publishes one event with
// Bus.PublishInTx, then commits. It reports the p50 and p99 of the
// PublishInTx call and of the whole transaction; the added cost per event
// is the difference to app-only.
func BenchmarkPublishInTx(b *testing.B) {
	cases := []struct {
		name    string
		publish bool
		pgxTx   bool
		notify  bool
	}{
		{"app-only", false, false, false},
		{"sql-tx/notify", true, false, true},
		{"sql-tx/no-notify", true, false, false},
		{"pgx-tx/notify", true, true, true},
		{"pgx-tx/no-notify", true, true, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { benchPublishInTx(b, c.publish, c.pgxTx, c.notify) })
	}
}

func benchPublishInTx(b *testing.B, publish, pgxTx, notify bool) {
	s := openStore(b, WithNotify(notify))
	ctx := context.Background()
	table := s.names.schema + ".app_rows"
	if _, err := s.Pool().Exec(ctx, "CREATE TABLE "+table+" (id uuid PRIMARY KEY)"); err != nil {
		b.Fatal(err)
	}
	bus := outbox.NewBus(s)
	tenant := uuid.New()
	insertApp := "INSERT INTO " + table + " (id) VALUES ($1)"

	calls := make([]time.Duration, 0, b.N)
	txs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		tx := beginBench(b, s, pgxTx)
		if _, err := tx.ExecContext(ctx, insertApp, uuid.New()); err != nil {
			b.Fatal(err)
		}
		if publish {
			t1 := time.Now()
			if _, err := bus.PublishInTx(ctx, tx, tenant, nil, &events.ProductCreated{ProductID: uuid.New()}); err != nil {
				b.Fatal(err)
			}
			calls = append(calls, time.Since(t1))
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		txs = append(txs, time.Since(t0))
	}
	b.StopTimer()

	if publish {
		reportPercentiles(b, calls, "call")
	}
	reportPercentiles(b, txs, "tx")
}

func beginBench(b *testing.B, s *Store, pgxTx bool) outbox.Tx {
	ctx := context.Background()
	if pgxTx {
		tx, err := s.Pool().Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return WrapTx(tx)
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	return tx
}

// reportPercentiles reports p50 and p99 of ds in microseconds.
func reportPercentiles(b *testing.B, ds []time.Duration, what string) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	at := func(p float64) float64 {
		i := min(int(p*float64(len(ds))), len(ds)-1)
		return float64(ds[i].Microseconds())
	}
	b.ReportMetric(at(0.50), what+"-p50-µs")
	b.ReportMetric(at(0.99), what+"-p99-µs")
}

// timedTransport records when each event id arrives.
type timedTransport struct {
	discardTransport
	mu      sync.Mutex
	arrived map[uuid.UUID]time.Time
}

func (t *timedTransport) PublishBatch(ctx context.Context, envs []*events.Envelope) error {
	now := time.Now()
	t.mu.Lock()
	for _, e := range envs {
		t.arrived[e.ID] = now
	}
	t.mu.Unlock()
	return t.discardTransport.PublishBatch(ctx, envs)
}

// BenchmarkCommitToPublish commits b.N single-event transactions at
// 1,000 per second while one Relay.Run, woken only by the store's
// notifications (its poll interval is 10 s), publishes them. Latency runs
// from just before tx.Commit to the transport receiving the event; p50,
// p99 and max are reported in microseconds.
func BenchmarkCommitToPublish(b *testing.B) {
	s := openStore(b)
	waitListeningB(b, s)
	bus := outbox.NewBus(s)
	sink := &timedTransport{arrived: map[uuid.UUID]time.Time{}}
	ctx, cancel := context.WithCancel(context.Background())
	relay := outbox.NewRelay(s, sink, outbox.RelayConfig{WorkerID: "latency", PollInterval: 10 * time.Second})
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()

	committed := make(map[uuid.UUID]time.Time, b.N)
	tick := time.NewTicker(time.Millisecond)
	b.ResetTimer()
	for range b.N {
		<-tick.C
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		id, err := bus.PublishInTx(ctx, tx, uuid.New(), nil, &events.ProductCreated{ProductID: uuid.New()})
		if err != nil {
			b.Fatal(err)
		}
		committed[id] = time.Now()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	tick.Stop()

	for deadline := time.Now().Add(30 * time.Second); sink.n.Load() < int64(b.N); {
		if time.Now().After(deadline) {
			b.Fatalf("published %d of %d events", sink.n.Load(), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done

	lat := make([]time.Duration, 0, b.N)
	sink.mu.Lock()
	for id, t0 := range committed {
		lat = append(lat, sink.arrived[id].Sub(t0))
	}
	sink.mu.Unlock()
	reportPercentiles(b, lat, "latency")
	b.ReportMetric(float64(slices.Max(lat).Microseconds()), "latency-max-µs")
}

// waitListeningB waits until the store's listener is connected.
func waitListeningB(b *testing.B, s *Store) {
	b.Helper()
	s.Notify()
	select {
	case <-s.listener.listening:
	case <-time.After(10 * time.Second):
		b.Fatal("listener did not start listening")
	}
}
