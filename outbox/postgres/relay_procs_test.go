package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

// Environment of a relay child process.
const (
	childEnv       = "IGGYFLOW_PG_RELAY_CHILD"
	childSchema    = "IGGYFLOW_PG_RELAY_SCHEMA"
	childWorker    = "IGGYFLOW_PG_RELAY_WORKER"
	childHangAfter = "IGGYFLOW_PG_RELAY_HANG_AFTER"
	childMarker    = "IGGYFLOW_PG_RELAY_MARKER"
)

const (
	procBatch = 50
	procLease = 1500 * time.Millisecond
)

// TestHelperRelayProcess is the body of a relay child process; it does
// nothing in a normal test run.
func TestHelperRelayProcess(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()

	schema, worker := os.Getenv(childSchema), os.Getenv(childWorker)
	store, err := Open(ctx, testURL(t), WithSchema(schema))
	if err != nil {
		t.Fatalf("child %s: open: %v", worker, err)
	}
	defer store.Close()

	hang, _ := strconv.ParseInt(os.Getenv(childHangAfter), 10, 64)
	sink := &tableSink{pool: store.Pool(), schema: schema, worker: worker,
		hangAfter: hang, marker: os.Getenv(childMarker)}
	cfg := outbox.RelayConfig{WorkerID: worker, BatchSize: procBatch, Lease: procLease,
		PollInterval: 100 * time.Millisecond}
	if err := outbox.NewRelay(store, sink, cfg).Run(ctx); err != nil {
		t.Fatalf("child %s: run: %v", worker, err)
	}
}

// startRelayChild starts a relay process on schema; hangAfter > 0 makes
// it stop after that many published batches and create marker.
func startRelayChild(t *testing.T, schema, worker string, hangAfter int, marker string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRelayProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1", childSchema+"="+schema, childWorker+"="+worker,
		childHangAfter+"="+strconv.Itoa(hangAfter), childMarker+"="+marker)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", worker, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// TestFourRelayProcessesOneKilled runs four relay processes on one
// database while events are committed, and kills one with SIGKILL after
// it published a batch it never marked. Every committed event must reach
// the sink, each tenant's events in commit order, and the only duplicates
// must be the killed worker's batch, found by event id.
func TestFourRelayProcessesOneKilled(t *testing.T) {
	s := openStore(t)
	schema := s.names.schema
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if _, err := s.Pool().Exec(ctx, fmt.Sprintf(sinkDDL, schema)); err != nil {
		t.Fatal(err)
	}

	marker := filepath.Join(t.TempDir(), "hung")
	victim := startRelayChild(t, schema, "victim", 1, marker)
	var others []*exec.Cmd
	for i := range 3 {
		others = append(others, startRelayChild(t, schema, fmt.Sprintf("relay%d", i), 0, ""))
	}

	// The victim is killed as soon as it has published a batch, while
	// events are still being committed.
	killed := make(chan error, 1)
	go func() { killed <- killWhenHung(victim, marker) }()

	const total = 2000
	want := publishEvents(ctx, t, s, tenantsN(16), total, 20)
	if err := <-killed; err != nil {
		t.Fatal(err)
	}

	got := waitForSink(ctx, t, s, schema, total)
	for _, c := range others {
		_ = c.Process.Signal(syscall.SIGTERM)
		if err := c.Wait(); err != nil {
			t.Errorf("relay exit: %v", err)
		}
	}
	checkSink(t, want, got)
}

// killWhenHung waits for the victim's marker and kills it with SIGKILL.
func killWhenHung(victim *exec.Cmd, marker string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("victim never hung after publishing")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := victim.Process.Kill(); err != nil {
		return err
	}
	_ = victim.Wait()
	return nil
}

// publishEvents commits total events through Bus.PublishInTx, perTx per
// transaction, and returns each tenant's event ids in commit order.
func publishEvents(ctx context.Context, t *testing.T, s *Store, tenants []uuid.UUID,
	total, perTx int) map[uuid.UUID][]uuid.UUID {
	t.Helper()
	bus := outbox.NewBus(s)
	want := map[uuid.UUID][]uuid.UUID{}
	for done := 0; done < total; {
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for range perTx {
			tenant := tenants[done%len(tenants)]
			id, err := bus.PublishInTx(ctx, tx, tenant, nil, &events.ProductCreated{ProductID: uuid.New()})
			if err != nil {
				t.Fatalf("publish in tx: %v", err)
			}
			want[tenant] = append(want[tenant], id)
			done++
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

type sinkRow struct {
	event, tenant uuid.UUID
	worker        string
}

// waitForSink polls the sink until it holds total distinct events and
// returns its rows in publish order.
func waitForSink(ctx context.Context, t *testing.T, s *Store, schema string, total int) []sinkRow {
	t.Helper()
	distinct := fmt.Sprintf("SELECT count(DISTINCT event_id) FROM %s.sink", schema)
	for {
		var n int
		if err := s.Pool().QueryRow(ctx, distinct).Scan(&n); err != nil {
			t.Fatalf("sink count (%d of %d events seen before): %v", n, total, err)
		}
		if n >= total {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	rows, err := s.Pool().Query(ctx, fmt.Sprintf("SELECT event_id, tenant_id, worker FROM %s.sink ORDER BY n", schema))
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sinkRow, error) {
		var x sinkRow
		return x, r.Scan(&x.event, &x.tenant, &x.worker)
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// checkSink checks delivery, order and duplicates against want.
func checkSink(t *testing.T, want map[uuid.UUID][]uuid.UUID, got []sinkRow) {
	t.Helper()
	seen := map[uuid.UUID][]string{}
	first := map[uuid.UUID][]uuid.UUID{}
	last := map[uuid.UUID][]uuid.UUID{}
	for _, r := range got {
		if len(seen[r.event]) == 0 {
			first[r.tenant] = append(first[r.tenant], r.event)
		}
		seen[r.event] = append(seen[r.event], r.worker)
	}
	inLast := map[uuid.UUID]bool{}
	for i := len(got) - 1; i >= 0; i-- {
		if r := got[i]; !inLast[r.event] {
			inLast[r.event] = true
			last[r.tenant] = append([]uuid.UUID{r.event}, last[r.tenant]...)
		}
	}

	dups := 0
	for id, workers := range seen {
		if len(workers) == 1 {
			continue
		}
		dups += len(workers) - 1
		if len(workers) != 2 || (workers[0] != "victim" && workers[1] != "victim") {
			t.Errorf("event %s published by %v: duplicates must come from the killed worker's batch", id, workers)
		}
	}
	// The killed worker published a batch it never marked, so another
	// worker must have published those rows again after the lease ran out.
	if dups == 0 || dups > procBatch {
		t.Errorf("%d duplicates, want between 1 and one batch (%d)", dups, procBatch)
	}
	t.Logf("sink: %d rows, %d duplicates", len(got), dups)

	for tenant, ids := range want {
		if fmt.Sprint(first[tenant]) != fmt.Sprint(ids) {
			t.Errorf("tenant %s: first deliveries out of commit order or missing (%d of %d)",
				tenant, len(first[tenant]), len(ids))
		}
		if fmt.Sprint(last[tenant]) != fmt.Sprint(ids) {
			t.Errorf("tenant %s: last deliveries out of commit order", tenant)
		}
	}
}
