package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

// opsFixture is an outbox with committed events and a config file
// pointing an embedded broker at a directory of the test's own.
type opsFixture struct {
	dbURL   string
	cfgPath string
	ids     []uuid.UUID
	tenant  uuid.UUID
}

func newOpsFixture(t *testing.T, n int) *opsFixture {
	t.Helper()
	dir := t.TempDir()
	return newFixtureAt(t, dir, "sqlite://"+filepath.Join(dir, "outbox.db"), n)
}

// newFixtureAt commits n events to the outbox at dbURL and writes a
// config pointing at it and at an embedded broker under dir.
func newFixtureAt(t *testing.T, dir, dbURL string, n int) *opsFixture {
	t.Helper()
	f := &opsFixture{
		dbURL:   dbURL,
		cfgPath: filepath.Join(dir, "iggyflow.yaml"),
		tenant:  uuid.New(),
	}
	cfg := fmt.Sprintf("events:\n  iggy:\n    embedded:\n      data_dir: %s\n      tcp_port: 0\n  outbox:\n    database_url: %q\n",
		filepath.Join(dir, "iggy"), f.dbURL)
	if err := os.WriteFile(f.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	store, err := openStore(ctx, dbURL, false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bus := outbox.NewBus(store)
	tx, err := store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		id, err := bus.PublishInTx(ctx, tx, f.tenant, nil, &events.OrderPlaced{OrderID: uuid.New(), Total: int64(100 + i), Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, id)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return f
}

func runCmd(t *testing.T, ctx context.Context, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func TestRelayCommandDeliversAndStopsOnCancel(t *testing.T) {
	testRelayCommand(t, newOpsFixture(t, 25))
}

// The relay command on PostgreSQL, in a schema of the test's own.
func TestRelayCommandOnPostgres(t *testing.T) {
	url := os.Getenv("IGGYFLOW_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("set IGGYFLOW_TEST_POSTGRES_URL (make test starts a server) to run the PostgreSQL relay test")
	}
	schema := "cmd_relay_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP SCHEMA " + schema + " CASCADE") })

	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	testRelayCommand(t, newFixtureAt(t, t.TempDir(), url+sep+"search_path="+schema, 25))
}

func testRelayCommand(t *testing.T, f *opsFixture) {

	out, _, code := runCmd(t, context.Background(), "outbox", "status", "--database-url", f.dbURL)
	if code != 0 || !strings.HasPrefix(out, "pending=25 failed=0 dispatched=0") {
		t.Fatalf("status before relay: exit %d, %q", code, out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var relayErr bytes.Buffer
	go func() {
		var stdout bytes.Buffer
		// No --worker-id: the relay must start with its generated one.
		done <- run(ctx, []string{"relay", "--config", f.cfgPath}, &stdout, &relayErr)
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _, _ = runCmd(t, context.Background(), "outbox", "status", "--database-url", f.dbURL)
		if strings.HasPrefix(out, "pending=0 failed=0 dispatched=25") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("relay did not dispatch everything: %q", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("relay exited %d: %s", code, relayErr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("relay did not stop after its context was cancelled")
	}
	if !strings.Contains(relayErr.String(), "relay stopped") || !strings.Contains(relayErr.String(), "published=25") {
		t.Errorf("relay log does not report the stop with published=25:\n%s", relayErr.String())
	}

	// The broker's data survived the relay's shutdown: replay finds every
	// event, in commit order.
	out, errOut, code := runCmd(t, context.Background(), "replay", "--config", f.cfgPath, "--limit", "0")
	if code != 0 {
		t.Fatalf("replay exited %d: %s", code, errOut)
	}
	var got []uuid.UUID
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l struct {
			Envelope struct {
				ID uuid.UUID `json:"id"`
			} `json:"envelope"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("replay line %q: %v", line, err)
		}
		got = append(got, l.Envelope.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(f.ids) {
		t.Fatalf("replayed ids differ from committed ones:\n got %v\nwant %v", got, f.ids)
	}
}

func TestOutboxCommandsRejectBadInput(t *testing.T) {
	f := newOpsFixture(t, 1)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"outbox"}, 2, "usage: iggyflow outbox"},
		{[]string{"outbox", "explode", "--database-url", f.dbURL}, 2, `unknown outbox command "explode"`},
		{[]string{"outbox", "requeue", "--database-url", f.dbURL, "not-a-uuid"}, 1, `event id "not-a-uuid"`},
		{[]string{"outbox", "requeue", "--database-url", f.dbURL}, 1, "either event ids or -all"},
		{[]string{"outbox", "purge", "--database-url", f.dbURL}, 2, "-older-than"},
		{[]string{"outbox", "status", "--database-url", "mysql://x"}, 1, "must start with sqlite://"},
		{[]string{"replay", "--config", f.cfgPath, "--since", "yesterday"}, 2, "RFC 3339"},
		{[]string{"outbox", "status", "--database-url", "sqlite://" + filepath.Join(t.TempDir(), "typo.db")}, 1, "no such file"},
		{[]string{"outbox", "-h"}, 0, "usage: iggyflow outbox"},
		{[]string{"replay", "--config", f.cfgPath, "--partitions", "1,x"}, 2, `"x" is not a partition id`},
	}
	for _, c := range cases {
		_, stderr, code := runCmd(t, context.Background(), c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

func TestOutboxRequeueAllWithNothingFailed(t *testing.T) {
	f := newOpsFixture(t, 3)
	out, stderr, code := runCmd(t, context.Background(), "outbox", "requeue", "-all", "--database-url", f.dbURL)
	if code != 0 || strings.TrimSpace(out) != "requeued=0" {
		t.Fatalf("exit %d out %q stderr %q", code, out, stderr)
	}
}
