package broker

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

const (
	benchBatch   = 1000
	benchPayload = 1024
)

// benchMessages returns one batch of 1 KiB messages with zero ids (the
// broker assigns them).
func benchMessages() []Message {
	payload := bytes.Repeat([]byte("x"), benchPayload)
	out := make([]Message, benchBatch)
	for i := range out {
		out[i] = Message{Payload: payload, OriginTimestamp: uint64(i)}
	}
	return out
}

func benchBroker(b *testing.B) *Broker {
	b.Helper()
	br := openTest(b, b.TempDir())
	setup(b, br, 1)
	b.Cleanup(func() { br.Close() })
	return br
}

var p0 = Partitioning{Kind: PartitionID, Partition: 0}

// BenchmarkAppend appends batches of 1000 messages of 1 KiB with
// FsyncNever; bytes/s counts payload bytes.
func BenchmarkAppend(b *testing.B) {
	br := benchBroker(b)
	batch := benchMessages()

	b.SetBytes(benchBatch * benchPayload)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := br.Append(sName, tName, p0, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendFrames appends pre-encoded batches of 1000 frames of 1
// KiB payload, as the TCP server does with a SendMessages body; the ids
// are set by the client, as the Go SDK does.
func BenchmarkAppendFrames(b *testing.B) {
	br := benchBroker(b)
	var frames []byte
	for i, m := range benchMessages() {
		m.ID = [16]byte{byte(i), byte(i >> 8), 1}
		frames = AppendFrame(frames, &m)
	}

	b.SetBytes(benchBatch * benchPayload)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := br.AppendFrames(sName, tName, p0, benchBatch, frames); err != nil {
			b.Fatal(err)
		}
	}
}

// fillForPoll appends n batches and returns the broker.
func fillForPoll(b *testing.B, batches int) *Broker {
	br := benchBroker(b)
	msgs := benchMessages()
	for i := 0; i < batches; i++ {
		if _, err := br.Append(sName, tName, p0, msgs); err != nil {
			b.Fatal(err)
		}
	}
	return br
}

// BenchmarkPollFrames polls 1000 messages at a time by offset from 64
// MiB of data that is in the page cache; bytes/s counts payload bytes.
func BenchmarkPollFrames(b *testing.B) {
	const batches = 64
	br := fillForPoll(b, batches)
	req := PollRequest{Consumer: single(1), Count: benchBatch, Strategy: PollingStrategy{Kind: StrategyOffset}}

	b.SetBytes(benchBatch * benchPayload)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req.Strategy.Value = uint64(i%batches) * benchBatch
		if _, _, n, _, err := br.PollFrames(sName, tName, req); err != nil || n != benchBatch {
			b.Fatalf("poll: %d messages, %v", n, err)
		}
		i++
	}
}

// BenchmarkPoll is BenchmarkPollFrames decoding into Message values.
func BenchmarkPoll(b *testing.B) {
	const batches = 64
	br := fillForPoll(b, batches)
	req := PollRequest{Consumer: single(1), Count: benchBatch, Strategy: PollingStrategy{Kind: StrategyOffset}}

	b.SetBytes(benchBatch * benchPayload)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req.Strategy.Value = uint64(i%batches) * benchBatch
		if res, err := br.Poll(sName, tName, req); err != nil || len(res.Messages) != benchBatch {
			b.Fatalf("poll: %d messages, %v", len(res.Messages), err)
		}
		i++
	}
}

// BenchmarkWrite1GiBMemory writes 1 GiB of payload per iteration and
// reports the largest heap in use and resident set seen while writing, in
// MiB. Run it with -benchtime 1x.
func BenchmarkWrite1GiBMemory(b *testing.B) {
	const total = 1 << 30
	br := benchBroker(b)
	batch := benchMessages()

	var peakHeap, peakRSS uint64
	b.SetBytes(total)
	for b.Loop() {
		for written := 0; written < total; written += benchBatch * benchPayload {
			if _, err := br.Append(sName, tName, p0, batch); err != nil {
				b.Fatal(err)
			}
			if written%(64<<20) < benchBatch*benchPayload {
				peakHeap = max(peakHeap, heapInuse())
				peakRSS = max(peakRSS, residentKiB()*1024)
			}
		}
	}
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakRSS)/(1<<20), "peak-rss-MiB")
}

// TestHeapStaysFlatWhileWriting writes 256 MiB and checks that the heap in
// use stays below 64 MiB: segments are written through, never buffered.
func TestHeapStaysFlatWhileWriting(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 256 MiB")
	}
	const total = 256 << 20
	b := openTest(t, t.TempDir(), func(o *Options) { o.SegmentSize = 32 << 20 })
	defer mustClose(t, b)
	setup(t, b, 1)
	batch := benchMessages()

	var peak uint64
	for written := 0; written < total; written += benchBatch * benchPayload {
		if _, err := b.Append(sName, tName, p0, batch); err != nil {
			t.Fatal(err)
		}
		if written%(32<<20) < benchBatch*benchPayload {
			peak = max(peak, heapInuse())
		}
	}

	peak = max(peak, heapInuse())
	t.Logf("peak heap in use while writing 256 MiB: %.1f MiB", float64(peak)/(1<<20))
	if peak > 64<<20 {
		t.Fatalf("heap in use reached %.1f MiB", float64(peak)/(1<<20))
	}
}

func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// residentKiB reads VmRSS from /proc/self/status; 0 where unavailable.
func residentKiB() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()

	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			v, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return 0
}
