package outboxprom_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/iggyflow/iggyflow/outbox"
	"github.com/iggyflow/iggyflow/outbox/outboxprom"
)

func TestRelayMetricsCountRounds(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := outboxprom.NewRelayMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}

	m.ObserveRound(outbox.RoundReport{Worker: "w1", Claimed: 5, Published: 3, Failed: 2, Retried: 1, DeadLettered: 1,
		Latencies: []time.Duration{time.Millisecond, 3 * time.Millisecond, 2 * time.Second}})
	m.ObserveRound(outbox.RoundReport{Worker: "w1", Claimed: 1, Published: 1, Fenced: true,
		Latencies: []time.Duration{time.Millisecond}})

	want := `
# HELP iggyflow_outbox_relay_rows_total Outbox rows handled by the relay, by outcome.
# TYPE iggyflow_outbox_relay_rows_total counter
iggyflow_outbox_relay_rows_total{outcome="dead_lettered",worker="w1"} 1
iggyflow_outbox_relay_rows_total{outcome="failed",worker="w1"} 2
iggyflow_outbox_relay_rows_total{outcome="published",worker="w1"} 4
iggyflow_outbox_relay_rows_total{outcome="retried",worker="w1"} 1
# HELP iggyflow_outbox_relay_fenced_batches_total Batches dropped because another worker took them over after the lease expired.
# TYPE iggyflow_outbox_relay_fenced_batches_total counter
iggyflow_outbox_relay_fenced_batches_total{worker="w1"} 1
# HELP iggyflow_outbox_relay_rounds_total Relay rounds that claimed at least one row.
# TYPE iggyflow_outbox_relay_rounds_total counter
iggyflow_outbox_relay_rounds_total{worker="w1"} 2
`
	err = testutil.GatherAndCompare(reg, strings.NewReader(want),
		"iggyflow_outbox_relay_rows_total", "iggyflow_outbox_relay_fenced_batches_total", "iggyflow_outbox_relay_rounds_total")
	if err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "iggyflow_outbox_relay_publish_latency_seconds"); n != 1 {
		t.Fatalf("latency histogram series = %d, want 1", n)
	}
}

func TestRelayMetricsRegisterTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := outboxprom.NewRelayMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := outboxprom.NewRelayMetrics(reg); err == nil {
		t.Fatal("registering the relay metrics twice on one registry succeeded")
	}
}

type fixedStats struct {
	stats outbox.Stats
	err   error
}

func (f fixedStats) Stats(context.Context) (outbox.Stats, error) { return f.stats, f.err }

func TestBacklogCollector(t *testing.T) {
	c := outboxprom.NewBacklogCollector(fixedStats{stats: outbox.Stats{
		Pending: 7, Failed: 2, Dispatched: 40, OldestPending: 1500 * time.Millisecond,
	}}, 0)

	want := `
# HELP iggyflow_outbox_backlog_rows Outbox rows by status.
# TYPE iggyflow_outbox_backlog_rows gauge
iggyflow_outbox_backlog_rows{status="dispatched"} 40
iggyflow_outbox_backlog_rows{status="failed"} 2
iggyflow_outbox_backlog_rows{status="pending"} 7
# HELP iggyflow_outbox_oldest_pending_age_seconds Age of the oldest pending outbox row; 0 when none is pending.
# TYPE iggyflow_outbox_oldest_pending_age_seconds gauge
iggyflow_outbox_oldest_pending_age_seconds 1.5
# HELP iggyflow_outbox_store_up 1 when the last backlog query succeeded.
# TYPE iggyflow_outbox_store_up gauge
iggyflow_outbox_store_up 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}

func TestBacklogCollectorStoreDown(t *testing.T) {
	c := outboxprom.NewBacklogCollector(fixedStats{err: errors.New("database is gone")}, 0)
	want := `
# HELP iggyflow_outbox_store_up 1 when the last backlog query succeeded.
# TYPE iggyflow_outbox_store_up gauge
iggyflow_outbox_store_up 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}
