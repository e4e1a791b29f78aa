package outbox

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultsValidate(t *testing.T) {
	d := Defaults()
	if err := d.Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v", err)
	}
	want := RelayConfig{WorkerID: d.WorkerID, BatchSize: 100, MaxAttempts: 5, BackoffBase: time.Second,
		BackoffMax: time.Minute, Lease: 30 * time.Second, PollInterval: time.Second}
	if d != want {
		t.Fatalf("Defaults() = %+v, want %+v", d, want)
	}
	if d.WorkerID == "" || d.WorkerID == Defaults().WorkerID {
		t.Fatalf("worker ids %q and a second call's must differ and be set", d.WorkerID)
	}
}

func TestZeroConfigTakesDefaults(t *testing.T) {
	got := RelayConfig{BatchSize: 7}.withDefaults()
	if got.BatchSize != 7 || got.MaxAttempts != 5 || got.Lease != 30*time.Second || got.WorkerID == "" {
		t.Fatalf("withDefaults = %+v", got)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		field  string
		mutate func(*RelayConfig)
	}{
		{"worker_id", func(c *RelayConfig) { c.WorkerID = "" }},
		{"batch_size", func(c *RelayConfig) { c.BatchSize = -1 }},
		{"batch_size", func(c *RelayConfig) { c.BatchSize = MaxBatchSize + 1 }},
		{"max_attempts", func(c *RelayConfig) { c.MaxAttempts = -2 }},
		{"backoff_base", func(c *RelayConfig) { c.BackoffBase = -time.Second }},
		{"backoff_max", func(c *RelayConfig) { c.BackoffMax = time.Millisecond }},
		{"lease", func(c *RelayConfig) { c.Lease = -time.Second }},
		{"poll_interval", func(c *RelayConfig) { c.PollInterval = -time.Second }},
	}
	for _, c := range cases {
		cfg := Defaults()
		c.mutate(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: Validate() = %v, want an error naming %s", c.field, err, c.field)
		}
	}
}

func TestRelayReportsInvalidConfig(t *testing.T) {
	r := NewRelay(nil, nil, RelayConfig{BatchSize: -5})
	if _, err := r.RunOnce(t.Context()); err == nil || !strings.Contains(err.Error(), "batch_size") {
		t.Fatalf("RunOnce = %v, want the batch_size error", err)
	}
	if err := r.Run(t.Context()); err == nil {
		t.Fatal("Run with an invalid config returned nil")
	}
}
