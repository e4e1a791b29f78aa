package outbox

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// MetricsSnapshot is a relay's counters since it was created.
type MetricsSnapshot struct {
	// Processed counts rows that reached an outcome in a round: published,
	// or a failed attempt. Rows held back behind a failed row of their
	// tenant are not counted.
	Processed uint64
	// Succeeded counts rows the transport accepted. A row whose batch was
	// then fenced counts here too: it was published, possibly twice.
	Succeeded uint64
	// Failed counts failed attempts (publish or decode errors).
	Failed uint64
	// Retried counts failed attempts that were scheduled for another try.
	Retried uint64
	// DeadLettered counts rows parked as failed after MaxAttempts.
	DeadLettered uint64
	// Fenced counts batches dropped because a Mark call returned ErrFenced.
	Fenced uint64
	// Latency summarises commit-to-publish time over recent events.
	Latency LatencySummary
}

// LatencySummary gives percentiles over the most recent samples (up to
// latencyWindow of them). The time runs from the row's created_at, which
// the store sets at insert, a moment before the caller's commit, to the
// return of PublishBatch.
type LatencySummary struct {
	P50, P99 time.Duration
	Samples  int
}

// RoundReport describes one relay round, for MetricsHook.
type RoundReport struct {
	Worker       string
	Claimed      int
	Published    int
	Failed       int
	Retried      int
	DeadLettered int
	HeldBack     int
	Fenced       bool
	// Latencies holds the commit-to-publish time of each published row.
	Latencies []time.Duration
	// Duration is the wall time of the round.
	Duration time.Duration
	// Err is the error the round returned, if any.
	Err error
}

// MetricsHook receives a report after every round that claimed rows, so
// that Prometheus or OpenTelemetry can be attached outside this package.
// ObserveRound runs on the relay's goroutine and must not block.
type MetricsHook interface {
	ObserveRound(RoundReport)
}

// latencyWindow is how many recent latency samples the summary covers.
const latencyWindow = 1024

type relayMetrics struct {
	processed, succeeded, failed, retried, deadLettered, fenced atomic.Uint64

	mu      sync.Mutex
	ring    [latencyWindow]time.Duration
	next    int
	samples int
}

func (m *relayMetrics) add(r RoundReport) {
	m.processed.Add(uint64(r.Published + r.Failed))
	m.succeeded.Add(uint64(r.Published))
	m.failed.Add(uint64(r.Failed))
	m.retried.Add(uint64(r.Retried))
	m.deadLettered.Add(uint64(r.DeadLettered))
	if r.Fenced {
		m.fenced.Add(1)
	}

	if len(r.Latencies) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range r.Latencies {
		m.ring[m.next] = d
		m.next = (m.next + 1) % latencyWindow
		m.samples = min(m.samples+1, latencyWindow)
	}
}

func (m *relayMetrics) snapshot() MetricsSnapshot {
	s := MetricsSnapshot{
		Processed:    m.processed.Load(),
		Succeeded:    m.succeeded.Load(),
		Failed:       m.failed.Load(),
		Retried:      m.retried.Load(),
		DeadLettered: m.deadLettered.Load(),
		Fenced:       m.fenced.Load(),
	}

	m.mu.Lock()
	window := slices.Clone(m.ring[:m.samples])
	m.mu.Unlock()
	if len(window) == 0 {
		return s
	}
	slices.Sort(window)
	s.Latency = LatencySummary{
		P50:     percentile(window, 50),
		P99:     percentile(window, 99),
		Samples: len(window),
	}
	return s
}

// percentile returns the nearest-rank percentile p of sorted samples.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank-1, 0)]
}
