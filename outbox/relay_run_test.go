package outbox

import (
	"testing"
	"time"
)

func TestRecheckSchedule(t *testing.T) {
	var s recheck
	if s.active() {
		t.Fatal("zero schedule is active")
	}
	s.start()
	want := []time.Duration{
		500 * time.Microsecond, time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond,
		8 * time.Millisecond, 16 * time.Millisecond, 32 * time.Millisecond, 64 * time.Millisecond,
		100 * time.Millisecond,
	}
	for i, w := range want {
		if !s.active() {
			t.Fatalf("schedule ended after %d steps, want %d", i, len(want))
		}
		if got := s.step(); got != w {
			t.Fatalf("step %d = %s, want %s", i, got, w)
		}
	}
	if s.active() {
		t.Fatal("schedule still active after its last step")
	}
}

func TestPercentile(t *testing.T) {
	var m relayMetrics
	lat := make([]time.Duration, 0, 200)
	for i := 200; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	m.add(RoundReport{Published: 200, Latencies: lat})
	s := m.snapshot()
	if s.Latency.P50 != 100*time.Millisecond || s.Latency.P99 != 198*time.Millisecond || s.Latency.Samples != 200 {
		t.Fatalf("latency = %+v, want p50 100ms p99 198ms over 200", s.Latency)
	}
	if s.Succeeded != 200 || s.Processed != 200 {
		t.Fatalf("counters = %+v", s)
	}

	// The window keeps only the most recent samples.
	more := make([]time.Duration, latencyWindow)
	for i := range more {
		more[i] = time.Second
	}
	m.add(RoundReport{Latencies: more})
	if s := m.snapshot(); s.Latency.P50 != time.Second || s.Latency.Samples != latencyWindow {
		t.Fatalf("after filling the window: %+v", s.Latency)
	}
}
