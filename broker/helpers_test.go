package broker

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)}
}

// openTest opens a broker in dir with the given options adjusted.
func openTest(t testing.TB, dir string, adjust ...func(*Options)) *Broker {
	t.Helper()
	opts := Options{DataDir: dir, CleanerInterval: -1}
	for _, f := range adjust {
		f(&opts)
	}

	b, err := Open(opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return b
}

func mustClose(t testing.TB, b *Broker) {
	t.Helper()
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// setup creates stream "s" and topic "t" with n partitions.
func setup(t testing.TB, b *Broker, n uint32) {
	t.Helper()
	if _, err := b.CreateStream("s"); err != nil {
		t.Fatalf("CreateStream: %v", err)
	}
	if _, err := b.CreateTopic(ByName("s"), TopicConfig{Name: "t", Partitions: n}); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
}

var sName, tName = ByName("s"), ByName("t")

func payloadOf(i int) []byte { return []byte(fmt.Sprintf("message-%06d", i)) }

// msgs returns n messages with payloads payloadOf(from..from+n-1).
func msgs(from, n int) []Message {
	out := make([]Message, n)
	for i := range out {
		out[i] = Message{Payload: payloadOf(from + i), OriginTimestamp: uint64(from + i)}
	}
	return out
}

func appendTo(t testing.TB, b *Broker, partition uint32, from, n int) AppendResult {
	t.Helper()
	res, err := b.Append(sName, tName, Partitioning{Kind: PartitionID, Partition: partition}, msgs(from, n))
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return res
}

func ptr(v uint32) *uint32 { return &v }

func pollOffset(t testing.TB, b *Broker, partition uint32, off uint64, count uint32) PollResult {
	t.Helper()
	res, err := b.Poll(sName, tName, PollRequest{
		Consumer:  Consumer{Kind: SingleConsumer, ID: ByID(1)},
		Partition: ptr(partition),
		Strategy:  PollingStrategy{Kind: StrategyOffset, Value: off},
		Count:     count,
	})
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return res
}

// checkRun verifies that got holds consecutive offsets from first whose
// payloads are payloadOf(firstPayload...).
func checkRun(t testing.TB, got []Message, first uint64, firstPayload, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d messages, want %d", len(got), n)
	}
	for i, m := range got {
		if m.Offset != first+uint64(i) {
			t.Fatalf("message %d: offset %d, want %d", i, m.Offset, first+uint64(i))
		}
		if want := payloadOf(firstPayload + i); !bytes.Equal(m.Payload, want) {
			t.Fatalf("message %d: payload %q, want %q", i, m.Payload, want)
		}
	}
}

func wantCode(t testing.TB, err error, want *Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want code %d (%s)", err, want.Code, want.Name)
	}
}
