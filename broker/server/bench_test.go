package server

import (
	"slices"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"github.com/iggyflow/iggyflow/broker"
)

const (
	benchBatch   = 1000
	benchMsgSize = 1024
)

func benchMessages(b *testing.B) []iggcon.IggyMessage {
	payload := make([]byte, benchMsgSize)
	for i := range payload {
		payload[i] = byte(i)
	}
	msgs := make([]iggcon.IggyMessage, benchBatch)
	for i := range msgs {
		m, err := iggcon.NewIggyMessage(payload)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = m
	}
	return msgs
}

func benchFixture(b *testing.B) (*fixture, iggcon.Client) {
	f := startWith(b, broker.Options{CleanerInterval: -1})
	c := f.root(b)
	if _, err := c.CreateStream("bench"); err != nil {
		b.Fatal(err)
	}
	if _, err := c.CreateTopic(str("bench"), "t", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil); err != nil {
		b.Fatal(err)
	}
	return f, c
}

// BenchmarkSDKSend sends batches of 1000 messages of 1 KiB with the
// official SDK over loopback; MB/s counts payload bytes, p99-ms is the
// 99th percentile of one SendMessages round trip.
func BenchmarkSDKSend(b *testing.B) {
	_, c := benchFixture(b)
	msgs := benchMessages(b)
	part := iggcon.PartitionId(0)
	lat := make([]time.Duration, 0, b.N)

	b.SetBytes(benchBatch * benchMsgSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := c.SendMessages(str("bench"), str("t"), part, msgs); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportP99(b, lat)
}

// BenchmarkSDKPoll polls batches of 1000 messages of 1 KiB by offset from a
// partition holding 50 000 of them (from the page cache).
func BenchmarkSDKPoll(b *testing.B) {
	_, c := benchFixture(b)
	msgs := benchMessages(b)
	const batches = 50
	for i := 0; i < batches; i++ {
		if err := c.SendMessages(str("bench"), str("t"), iggcon.PartitionId(0), msgs); err != nil {
			b.Fatal(err)
		}
	}
	p0 := uint32(0)
	consumer := iggcon.DefaultConsumer()
	lat := make([]time.Duration, 0, b.N)

	b.SetBytes(benchBatch * benchMsgSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		off := uint64(i%batches) * benchBatch
		t0 := time.Now()
		pm, err := c.PollMessages(str("bench"), str("t"), consumer, iggcon.OffsetPollingStrategy(off), benchBatch, false, &p0)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		if len(pm.Messages) != benchBatch {
			b.Fatalf("polled %d messages", len(pm.Messages))
		}
	}
	b.StopTimer()
	reportP99(b, lat)
}

func reportP99(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p99 := lat[min(len(lat)-1, len(lat)*99/100)]
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}
