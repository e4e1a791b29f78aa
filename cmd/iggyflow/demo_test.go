package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var summaryRE = regexp.MustCompile(`^demo: events=(\d+) consumed=(\d+) lost=(\d+) duplicates_applied=(\d+) ` +
	`out_of_order=(\d+) projection=(\w+) p50_ms=[\d.]+ p99_ms=[\d.]+ events_per_s=\d+`)

// runDemoForTest runs the demo command and returns its summary fields.
func runDemoForTest(t *testing.T, args ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var stdout, stderr bytes.Buffer
	code := run(ctx, append([]string{"demo"}, args...), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("stdout has %d lines, want the summary line alone:\n%s", len(lines), stdout.String())
	}
	if !summaryRE.MatchString(lines[0]) {
		t.Fatalf("summary line has the wrong form: %q", lines[0])
	}
	fields := make(map[string]string)
	for _, kv := range strings.Fields(strings.TrimPrefix(lines[0], "demo: ")) {
		k, v, _ := strings.Cut(kv, "=")
		fields[k] = v
	}
	return fields
}

func atoi(t *testing.T, fields map[string]string, key string) int {
	t.Helper()
	n, err := strconv.Atoi(fields[key])
	if err != nil {
		t.Fatalf("%s=%q is not a number", key, fields[key])
	}
	return n
}

func TestDemoDeliversEverythingTwiceInARow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	dir := t.TempDir()
	for run := 1; run <= 2; run++ {
		f := runDemoForTest(t, "--events", "400", "--tenants", "5", "--data-dir", dir)

		if got := atoi(t, f, "events"); got < 400 {
			t.Errorf("run %d: events=%d, want at least 400", run, got)
		}
		if f["consumed"] != f["events"] {
			t.Errorf("run %d: consumed=%s of events=%s", run, f["consumed"], f["events"])
		}
		for _, key := range []string{"lost", "duplicates_applied", "out_of_order", "phantoms"} {
			if f[key] != "0" {
				t.Errorf("run %d: %s=%s, want 0", run, key, f[key])
			}
		}
		if f["projection"] != "consistent" {
			t.Errorf("run %d: projection=%s", run, f["projection"])
		}
		if atoi(t, f, "rolled_back_orders") == 0 {
			t.Errorf("run %d: no order was rolled back, so rollbacks were not exercised", run)
		}
	}
}

func TestDemoRejectsBadFlags(t *testing.T) {
	cases := [][]string{
		{"--events", "0"},
		{"--tenants", "-1"},
		{"--rollback-percent", "120"},
		{"--no-such-flag"},
		{"extra-argument"},
		{"--config", "some.yaml", "--tcp-addr", "127.0.0.1:0"},
	}
	for _, args := range cases {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"demo", "--data-dir", t.TempDir()}, args...), &stdout, &stderr)
		if code != 2 {
			t.Errorf("demo %v exited %d, want 2 (usage); stderr: %s", args, code, stderr.String())
		}
		if stdout.Len() != 0 {
			t.Errorf("demo %v printed on stdout: %q", args, stdout.String())
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"launch"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), `unknown command "launch"`) {
		t.Fatalf("stderr does not name the command: %s", stderr.String())
	}
}
