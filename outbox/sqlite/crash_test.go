package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

// Environment of the helper process started by TestCrashedWorkerIsTakenOver.
const (
	envCrashDB    = "IGGYFLOW_OUTBOX_CRASH_DB"
	crashWorker   = "doomed-worker"
	crashLease    = 400 * time.Millisecond
	crashBatch    = 20
	crashHungLine = "hung"
)

// hangingTransport announces the batch it was given on stdout and then
// never returns, like a worker frozen between claim and mark.
type hangingTransport struct{ *events.MemoryTransport }

func (hangingTransport) PublishBatch(_ context.Context, envs []*events.Envelope) error {
	fmt.Printf("%s %d\n", crashHungLine, len(envs))
	select {}
}

// TestHelperProcess is the doomed relay: it claims one batch through a
// real Relay and hangs inside the publish until the parent kills it. It
// does nothing when run as an ordinary test.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(envCrashDB)
	if path == "" {
		t.Skip("helper process for TestCrashedWorkerIsTakenOver")
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper: open:", err)
		os.Exit(2)
	}
	cfg := outbox.RelayConfig{WorkerID: crashWorker, BatchSize: crashBatch, Lease: crashLease}
	r := outbox.NewRelay(s, hangingTransport{events.NewMemoryTransport()}, cfg)
	_, err = r.RunOnce(context.Background())
	fmt.Fprintln(os.Stderr, "helper: RunOnce returned:", err)
	os.Exit(3)
}

func TestCrashedWorkerIsTakenOver(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	order, byTenant := publishSpread(t, s, 5, 10)

	child := startDoomedRelay(t, path)
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill helper: %v", err)
	}
	if err := child.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("helper exit = %v, want killed by SIGKILL", err)
	}

	held := heldBy(t, s, order, crashWorker)
	if len(held) != crashBatch {
		t.Fatalf("dead worker holds %d rows, want a batch of %d", len(held), crashBatch)
	}
	deadToken := held[0].ClaimToken

	sink := events.NewMemoryTransport()
	r := outbox.NewRelay(s, sink, outbox.RelayConfig{WorkerID: "rescuer", Lease: time.Minute})
	if held[0].LeaseUntil.After(time.Now().Add(100 * time.Millisecond)) {
		// The dead worker's lease is still live: its rows, and every later
		// row of their tenants, must wait.
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		for _, env := range sink.Published() {
			if rec, _ := s.Get(ctx, env.ID); rec.ClaimedBy == crashWorker {
				t.Fatalf("row %s published while the dead worker's lease was live", env.ID)
			}
		}
	} else {
		t.Log("the dead worker's lease ran out before the check; only the takeover is tested")
	}

	// The dead worker "comes back" while the rescuer is publishing its
	// rows, claimed but not yet marked, and tries to mark them.
	var lateErr error
	var lateTried bool
	sink.SetHook(func(env *events.Envelope) error {
		if env.ID == held[0].ID {
			lateErr, lateTried = s.MarkDispatched(ctx, deadToken, recordIDs(held)), true
		}
		return nil
	})

	time.Sleep(time.Until(held[0].LeaseUntil) + 50*time.Millisecond)
	drain(t, r, s)

	checkExactlyOnce(t, sink.Published(), order, byTenant)
	if !lateTried || !errors.Is(lateErr, outbox.ErrFenced) {
		t.Fatalf("dead worker's MarkDispatched during the takeover = %v (tried %v), want ErrFenced", lateErr, lateTried)
	}
	if err := s.MarkRetry(ctx, deadToken, held[0].ID, 1, time.Now(), "late"); !errors.Is(err, outbox.ErrFenced) {
		t.Fatalf("dead worker's MarkRetry = %v, want ErrFenced", err)
	}
	if rec, _ := s.Get(ctx, held[0].ID); rec.Status != outbox.StatusDispatched || rec.ClaimedBy != "rescuer" {
		t.Fatalf("row after fenced update: %s by %q", rec.Status, rec.ClaimedBy)
	}
}

// publishSpread commits perTenant events for each of tenants tenants,
// interleaved, and returns all ids in commit order and each tenant's ids.
func publishSpread(t *testing.T, s *Store, tenants, perTenant int) ([]uuid.UUID, map[uuid.UUID][]uuid.UUID) {
	t.Helper()
	ctx := t.Context()
	bus := outbox.NewBus(s)
	ts := make([]uuid.UUID, tenants)
	for i := range ts {
		ts[i] = uuid.New()
	}

	var order []uuid.UUID
	byTenant := map[uuid.UUID][]uuid.UUID{}
	for i := 0; i < perTenant; i++ {
		for _, tenant := range ts {
			tx, err := s.DB().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			ev := &events.OrderPlaced{OrderID: uuid.New(), Total: int64(i), Currency: "EUR"}
			id, err := bus.PublishInTx(ctx, tx, tenant, nil, ev)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			order = append(order, id)
			byTenant[tenant] = append(byTenant[tenant], id)
		}
	}
	return order, byTenant
}

// startDoomedRelay re-executes the test binary as the helper process and
// waits until it hangs inside a publish.
func startDoomedRelay(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), envCrashDB+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })

	hung := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), crashHungLine) {
				hung <- sc.Text()
				return
			}
		}
		close(hung)
	}()
	select {
	case line, ok := <-hung:
		if !ok {
			t.Fatal("helper exited without claiming a batch")
		}
		if line != fmt.Sprintf("%s %d", crashHungLine, crashBatch) {
			t.Fatalf("helper said %q, want a full batch of %d", line, crashBatch)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("helper did not reach the publish within 20 s")
	}
	return cmd
}

// heldBy returns the rows of ids claimed by worker.
func heldBy(t *testing.T, s *Store, ids []uuid.UUID, worker string) []outbox.Record {
	t.Helper()
	var held []outbox.Record
	for _, id := range ids {
		rec, err := s.Get(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.ClaimedBy == worker {
			held = append(held, rec)
		}
	}
	return held
}

// drain runs r until the store has no pending rows.
func drain(t *testing.T, r *outbox.Relay, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := s.Stats(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if st.Pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows still pending after 10 s", st.Pending)
		}
		if _, err := r.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}

// checkExactlyOnce checks that every id was published once and that each
// tenant's events came out in commit order.
func checkExactlyOnce(t *testing.T, pub []*events.Envelope, ids []uuid.UUID, byTenant map[uuid.UUID][]uuid.UUID) {
	t.Helper()
	seen := map[uuid.UUID]int{}
	got := map[uuid.UUID][]uuid.UUID{}
	for _, env := range pub {
		seen[env.ID]++
		got[env.TenantID] = append(got[env.TenantID], env.ID)
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Fatalf("event %s published %d times, want exactly once", id, seen[id])
		}
	}
	if len(pub) != len(ids) {
		t.Fatalf("published %d envelopes, want %d", len(pub), len(ids))
	}
	for tenant, want := range byTenant {
		for i := range want {
			if got[tenant][i] != want[i] {
				t.Fatalf("tenant %s out of order at %d: got %v want %v", tenant, i, got[tenant], want)
			}
		}
	}
}

func recordIDs(recs []outbox.Record) []uuid.UUID {
	ids := make([]uuid.UUID, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids
}
