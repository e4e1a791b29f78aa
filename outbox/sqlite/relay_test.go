package sqlite

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

// TestConcurrentRelaysKeepTenantOrder runs three relays on one file while
// events are being committed, and checks that every event arrives once
// and that each tenant's events arrive in commit order.
func TestConcurrentRelaysKeepTenantOrder(t *testing.T) {
	s := openTemp(t)
	bus := outbox.NewBus(s)
	sink := events.NewMemoryTransport()

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, w := range []string{"r1", "r2", "r3"} {
		cfg := outbox.RelayConfig{WorkerID: w, BatchSize: 7, PollInterval: 5 * time.Millisecond}
		r := outbox.NewRelay(s, sink, cfg, outbox.WithBus(bus))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(ctx); err != nil {
				t.Errorf("Run %s: %v", w, err)
			}
		}()
	}

	tenants := []uuid.UUID{uuid.New(), uuid.New(), uuid.New(), uuid.New()}
	var all []uuid.UUID
	byTenant := map[uuid.UUID][]uuid.UUID{}
	for i := 0; i < 200; i++ {
		tenant := tenants[i%len(tenants)]
		tx, err := s.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, err := bus.PublishInTx(ctx, tx, tenant, nil, &events.OrderPlaced{OrderID: uuid.New(), Total: int64(i), Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		all = append(all, id)
		byTenant[tenant] = append(byTenant[tenant], id)
	}

	deadline := time.Now().Add(20 * time.Second)
	for len(sink.Published()) < len(all) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	checkExactlyOnce(t, sink.Published(), all, byTenant)
}

type countingHook struct {
	mu     sync.Mutex
	rounds []outbox.RoundReport
}

func (h *countingHook) ObserveRound(r outbox.RoundReport) {
	h.mu.Lock()
	h.rounds = append(h.rounds, r)
	h.mu.Unlock()
}

func TestMetricsHookSeesEveryRound(t *testing.T) {
	s := openTemp(t)
	publishSpreadT(t, s, 2, 3)

	sink := events.NewMemoryTransport()
	sink.FailNext(1, nil)
	hook := &countingHook{}
	cfg := outbox.RelayConfig{WorkerID: "w", BatchSize: 4, BackoffBase: time.Millisecond, BackoffMax: time.Millisecond}
	r := outbox.NewRelay(s, sink, cfg, outbox.WithMetricsHook(hook))

	deadline := time.Now().Add(5 * time.Second)
	for len(sink.Published()) < 6 && time.Now().Before(deadline) {
		if _, err := r.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}

	var claimed, published, failed, heldBack int
	for _, rep := range hook.rounds {
		claimed += rep.Claimed
		published += rep.Published
		failed += rep.Failed
		heldBack += rep.HeldBack
		if rep.Worker != "w" || rep.Duration <= 0 || len(rep.Latencies) != rep.Published {
			t.Fatalf("round report %+v", rep)
		}
	}
	m := r.Metrics()
	// The injected failure hits the first envelope of the first batch
	// (tenants alternate in it): that row counts a failed attempt, its
	// tenant's row behind it goes back unattempted, and the other tenant's
	// two rows are published in the same round.
	if published != 6 || failed != 1 || heldBack != 1 || uint64(published) != m.Succeeded || uint64(failed) != m.Failed {
		t.Fatalf("hook saw %d published %d failed %d held back; metrics %+v; want 6, 1 and 1", published, failed, heldBack, m)
	}
	if claimed != published+failed+heldBack {
		t.Fatalf("hook saw %d claimed, want %d", claimed, published+failed+heldBack)
	}
}

// publishSpreadT is publishSpread for tests.
func publishSpreadT(t *testing.T, s *Store, tenants, perTenant int) {
	t.Helper()
	bus := outbox.NewBus(s)
	ctx := t.Context()
	for i := 0; i < perTenant; i++ {
		for j := 0; j < tenants; j++ {
			tx, err := s.DB().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			tenant := uuid.NewSHA1(uuid.NameSpaceOID, []byte{byte(j)})
			if _, err := bus.PublishInTx(ctx, tx, tenant, nil, &events.OrderPlaced{OrderID: uuid.New(), Total: 1, Currency: "EUR"}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
}
