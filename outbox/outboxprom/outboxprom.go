// Package outboxprom exports outbox relay metrics and store backlog to
// Prometheus. The outbox package itself knows nothing of Prometheus: a
// Relay reports each round to a MetricsHook, and this package is one.
//
// Metric names (all prefixed iggyflow_outbox_):
//
//	relay_rows_total{worker,outcome}   rows per outcome: published, failed, retried, dead_lettered
//	relay_fenced_batches_total{worker} batches dropped because another worker took them over
//	relay_rounds_total{worker}         rounds that claimed rows
//	relay_publish_latency_seconds      histogram of commit-to-publish time
//	backlog_rows{status}               rows per status, read from the store at scrape time
//	oldest_pending_age_seconds         age of the oldest pending row at scrape time
package outboxprom

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iggyflow/iggyflow/outbox"
)

// RelayMetrics is an outbox.MetricsHook that counts relay rounds in
// Prometheus metrics.
type RelayMetrics struct {
	rows    *prometheus.CounterVec
	fenced  *prometheus.CounterVec
	rounds  *prometheus.CounterVec
	latency prometheus.Histogram
}

// NewRelayMetrics registers the relay metrics with reg.
func NewRelayMetrics(reg prometheus.Registerer) (*RelayMetrics, error) {
	m := &RelayMetrics{
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "iggyflow", Subsystem: "outbox", Name: "relay_rows_total",
			Help: "Outbox rows handled by the relay, by outcome.",
		}, []string{"worker", "outcome"}),
		fenced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "iggyflow", Subsystem: "outbox", Name: "relay_fenced_batches_total",
			Help: "Batches dropped because another worker took them over after the lease expired.",
		}, []string{"worker"}),
		rounds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "iggyflow", Subsystem: "outbox", Name: "relay_rounds_total",
			Help: "Relay rounds that claimed at least one row.",
		}, []string{"worker"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "iggyflow", Subsystem: "outbox", Name: "relay_publish_latency_seconds",
			Help:    "Time from an event's insert in the outbox to its publication.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	for _, c := range []prometheus.Collector{m.rows, m.fenced, m.rounds, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ObserveRound implements outbox.MetricsHook.
func (m *RelayMetrics) ObserveRound(r outbox.RoundReport) {
	m.rounds.WithLabelValues(r.Worker).Inc()
	m.rows.WithLabelValues(r.Worker, "published").Add(float64(r.Published))
	m.rows.WithLabelValues(r.Worker, "failed").Add(float64(r.Failed))
	m.rows.WithLabelValues(r.Worker, "retried").Add(float64(r.Retried))
	m.rows.WithLabelValues(r.Worker, "dead_lettered").Add(float64(r.DeadLettered))
	if r.Fenced {
		m.fenced.WithLabelValues(r.Worker).Inc()
	}
	for _, d := range r.Latencies {
		m.latency.Observe(d.Seconds())
	}
}

// StatsReader is the part of an outbox store the backlog collector reads.
type StatsReader interface {
	Stats(ctx context.Context) (outbox.Stats, error)
}

// BacklogCollector reads the store's backlog at every scrape.
type BacklogCollector struct {
	store   StatsReader
	timeout time.Duration
	rows    *prometheus.Desc
	oldest  *prometheus.Desc
	up      *prometheus.Desc
}

// NewBacklogCollector returns a collector of store's backlog; each scrape
// queries the store with the given timeout (default 5 s when 0).
func NewBacklogCollector(store StatsReader, timeout time.Duration) *BacklogCollector {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return &BacklogCollector{
		store:   store,
		timeout: timeout,
		rows: prometheus.NewDesc("iggyflow_outbox_backlog_rows",
			"Outbox rows by status.", []string{"status"}, nil),
		oldest: prometheus.NewDesc("iggyflow_outbox_oldest_pending_age_seconds",
			"Age of the oldest pending outbox row; 0 when none is pending.", nil, nil),
		up: prometheus.NewDesc("iggyflow_outbox_store_up",
			"1 when the last backlog query succeeded.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *BacklogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.rows
	ch <- c.oldest
	ch <- c.up
}

// Collect implements prometheus.Collector.
func (c *BacklogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()

	s, err := c.store.Stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.rows, prometheus.GaugeValue, float64(s.Pending), string(outbox.StatusPending))
	ch <- prometheus.MustNewConstMetric(c.rows, prometheus.GaugeValue, float64(s.Failed), string(outbox.StatusFailed))
	ch <- prometheus.MustNewConstMetric(c.rows, prometheus.GaugeValue, float64(s.Dispatched), string(outbox.StatusDispatched))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, s.OldestPending.Seconds())
}
