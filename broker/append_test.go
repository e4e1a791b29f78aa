package broker

import (
	"bytes"
	"testing"

	"github.com/iggyflow/iggyflow/internal/xxh32"
)

func TestAppendPollRoundTrip(t *testing.T) {
	clock := newClock()
	b := openTest(t, t.TempDir(), func(o *Options) { o.Now = clock.now })
	defer mustClose(t, b)
	setup(t, b, 1)

	in := msgs(0, 3)
	in[1].ID = [16]byte{1, 2, 3}
	in[2].Headers = []byte{2, 1, 0, 0, 0, 'k', 2, 1, 0, 0, 0, 'v'}
	res, err := b.Append(sName, tName, Partitioning{Kind: Balanced}, in)
	if err != nil {
		t.Fatal(err)
	}
	if res != (AppendResult{Partition: 0, FirstOffset: 0, LastOffset: 2}) {
		t.Fatalf("Append = %+v", res)
	}

	got := pollOffset(t, b, 0, 0, 10)
	checkRun(t, got.Messages, 0, 0, 3)
	if got.CurrentOffset != 2 || got.Partition != 0 {
		t.Fatalf("poll header = partition %d current %d", got.Partition, got.CurrentOffset)
	}

	ts := uint64(clock.now().UnixMicro())
	for i, m := range got.Messages {
		if m.Timestamp != ts {
			t.Errorf("message %d: timestamp %d, want %d", i, m.Timestamp, ts)
		}
		if m.OriginTimestamp != uint64(i) {
			t.Errorf("message %d: origin %d", i, m.OriginTimestamp)
		}
		if m.ID == ([16]byte{}) {
			t.Errorf("message %d: zero id was not replaced", i)
		}
	}
	if got.Messages[1].ID != in[1].ID {
		t.Errorf("given id changed to %x", got.Messages[1].ID)
	}
	if !bytes.Equal(got.Messages[2].Headers, in[2].Headers) {
		t.Errorf("headers = %x, want %x", got.Messages[2].Headers, in[2].Headers)
	}
}

func TestPollFramesAreValidFrames(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 1)
	appendTo(t, b, 0, 0, 5)

	_, cur, n, frames, err := b.PollFrames(sName, tName, PollRequest{
		Consumer: Consumer{Kind: SingleConsumer}, Strategy: PollingStrategy{Kind: StrategyFirst}, Count: 5,
	})
	if err != nil || n != 5 || cur != 4 {
		t.Fatalf("PollFrames = n %d cur %d err %v", n, cur, err)
	}

	ends, err := splitFrames(frames, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := 0
	for i, end := range ends {
		if !frameValid(frames[start:end]) {
			t.Fatalf("frame %d has a bad checksum", i)
		}
		start = end
	}
}

func TestAppendFramesRewritesHeaders(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 2)

	var frames []byte
	for i := range 4 {
		m := Message{Payload: payloadOf(i), Offset: 99, Timestamp: 77}
		frames = AppendFrame(frames, &m)
	}
	res, err := b.AppendFrames(sName, tName, Partitioning{Kind: PartitionID, Partition: 1}, 4, frames)
	if err != nil {
		t.Fatal(err)
	}
	if res.Partition != 1 || res.FirstOffset != 0 || res.LastOffset != 3 {
		t.Fatalf("AppendFrames = %+v", res)
	}
	checkRun(t, pollOffset(t, b, 1, 0, 10).Messages, 0, 0, 4)
}

func TestAppendFramesValidation(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 1)
	p := Partitioning{Kind: Balanced}

	one := AppendFrame(nil, &Message{Payload: []byte("abc")})
	big := AppendFrame(nil, &Message{Payload: []byte("abc")})
	le.PutUint32(big[offPayloadLen:], MaxPayloadSize+1)
	hdrs := AppendFrame(nil, &Message{Payload: []byte("abc")})
	le.PutUint32(hdrs[offHeadersLen:], MaxUserHeadersSize+1)

	tests := []struct {
		name   string
		count  uint32
		frames []byte
		want   *Error
	}{
		{"no messages", 0, one, ErrInvalidMessagesCount},
		{"short header", 1, one[:40], ErrTooSmallMessage},
		{"count above frames", 2, one, ErrTooSmallMessage},
		{"trailing bytes", 1, append(append([]byte(nil), one...), 1, 2, 3), ErrInvalidMessagesSize},
		{"payload runs past end", 1, one[:len(one)-1], ErrInvalidMessagesSize},
		{"payload too big", 1, big, ErrTooBigMessagePayload},
		{"headers too big", 1, hdrs, ErrTooBigUserHeaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.AppendFrames(sName, tName, p, tt.count, tt.frames)
			wantCode(t, err, tt.want)
		})
	}

	if got := pollOffset(t, b, 0, 0, 10); len(got.Messages) != 0 {
		t.Fatalf("rejected batches left %d messages", len(got.Messages))
	}
}

func TestPartitioning(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 3)

	// Balanced advances once per call, starting at partition 0.
	for call, want := range []uint32{0, 1, 2, 0, 1} {
		res, err := b.Append(sName, tName, Partitioning{Kind: Balanced}, msgs(0, 2))
		if err != nil {
			t.Fatal(err)
		}
		if res.Partition != want {
			t.Fatalf("balanced call %d went to %d, want %d", call, res.Partition, want)
		}
	}

	for _, key := range []string{"tenant-a", "tenant-b", "x", "0123456789abcdef0123"} {
		res, err := b.Append(sName, tName, Partitioning{Kind: MessagesKey, Key: []byte(key)}, msgs(0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if want := xxh32.Sum([]byte(key), 0) % 3; res.Partition != want {
			t.Fatalf("key %q went to %d, want %d", key, res.Partition, want)
		}
	}

	_, err := b.Append(sName, tName, Partitioning{Kind: PartitionID, Partition: 3}, msgs(0, 1))
	wantCode(t, err, ErrPartitionNotFound)
	_, err = b.Append(sName, tName, Partitioning{Kind: Balanced}, nil)
	wantCode(t, err, ErrInvalidMessagesCount)
	_, err = b.Append(sName, ByName("nope"), Partitioning{Kind: Balanced}, msgs(0, 1))
	wantCode(t, err, ErrTopicNotFound)
	_, err = b.Append(ByID(9), tName, Partitioning{Kind: Balanced}, msgs(0, 1))
	wantCode(t, err, ErrStreamNotFound)
}

// TestPolledSlicesDoNotOverlap guards the shared poll buffer: appending to
// one message's payload or headers must not change the next message.
func TestPolledSlicesDoNotOverlap(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 1)
	in := msgs(0, 2)
	in[0].Headers = []byte("hh")
	in[1].Headers = []byte("kk")
	b.Append(sName, tName, Partitioning{Kind: Balanced}, in)

	got := pollOffset(t, b, 0, 0, 2).Messages
	_ = append(got[0].Payload, 'X')
	// 70 bytes fit in what the next 80-byte frame would offer as capacity.
	_ = append(got[0].Headers, bytes.Repeat([]byte("Y"), 70)...)
	checkRun(t, got, 0, 0, 2)
	if string(got[1].Headers) != "kk" || string(got[0].Headers) != "hh" {
		t.Fatalf("headers changed: %q %q", got[0].Headers, got[1].Headers)
	}
}

// TestAppendFramesHugeCount is a regression test: a count from the wire
// far above what the frames hold once sized an allocation of 32 GiB.
func TestAppendFramesHugeCount(t *testing.T) {
	b := openTest(t, t.TempDir())
	defer mustClose(t, b)
	setup(t, b, 1)

	one := AppendFrame(nil, &Message{Payload: []byte("abc")})
	_, err := b.AppendFrames(sName, tName, Partitioning{Kind: Balanced}, 1<<32-1, one)
	wantCode(t, err, ErrTooSmallMessage)
}
