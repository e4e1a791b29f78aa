package postgres

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

const (
	migrateChildEnv = "IGGYFLOW_PG_MIGRATE_CHILD"
	migrateAtEnv    = "IGGYFLOW_PG_MIGRATE_AT"
)

// TestHelperMigrateProcess is the body of a migrating child process: it
// waits for the agreed instant, opens the store (which migrates) and
// exits. It does nothing in a normal test run.
func TestHelperMigrateProcess(t *testing.T) {
	if os.Getenv(migrateChildEnv) != "1" {
		return
	}
	at, _ := strconv.ParseInt(os.Getenv(migrateAtEnv), 10, 64)
	time.Sleep(time.Until(time.Unix(0, at)))

	s, err := Open(context.Background(), testURL(t), WithSchema(os.Getenv(childSchema)))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	_ = s.Close()
}

// TestMigrateFromProcesses opens one new schema from four processes and
// four goroutines, all starting at the same instant: every open must
// succeed and each migration must be recorded once.
func TestMigrateFromProcesses(t *testing.T) {
	schema := newSchema(t)
	at := time.Now().Add(time.Second)

	var cmds []*exec.Cmd
	for range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMigrateProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), migrateChildEnv+"=1", childSchema+"="+schema,
			migrateAtEnv+"="+strconv.FormatInt(at.UnixNano(), 10))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(at))
			s, err := Open(context.Background(), testURL(t), WithSchema(schema))
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
	assertMigratedOnce(t, schema)
}
