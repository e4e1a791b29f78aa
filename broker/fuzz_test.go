package broker

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// validSegment returns a log of n frames and its index, as appends write
// them.
func validSegment(n int) (log, idx []byte) {
	for i := 0; i < n; i++ {
		m := Message{Offset: uint64(i), Timestamp: 1000 + uint64(i), Payload: payloadOf(i), Headers: []byte{byte(i)}}
		var e [indexEntrySize]byte
		putIndexEntry(e[:], indexEntry{rel: uint32(i), pos: uint32(len(log)), ts: m.Timestamp})
		idx = append(idx, e[:]...)
		log = AppendFrame(log, &m)
	}
	return log, idx
}

// FuzzSegmentReader feeds arbitrary bytes to recovery as the last segment
// (and its index) of a partition. Recovery must not panic, every frame it
// keeps must carry a valid checksum and its offset, and the partition must
// take appends at the offset after the kept frames. When it refuses with
// ErrCorrupt (valid frames after damage) the log must be left as it was.
//
// Each input costs real file writes (about a millisecond), so minimizing a
// new input with the default 60 s budget stalls the run; use
//
//	go test -run '^$' -fuzz FuzzSegmentReader -fuzztime 20s -fuzzminimizetime 50x ./broker
func FuzzSegmentReader(f *testing.F) {
	log, idx := validSegment(4)
	f.Add(log, idx)
	f.Add(log[:len(log)-7], idx)
	f.Add(log, idx[:20])
	f.Add([]byte{}, []byte{})
	f.Add(make([]byte, 200), make([]byte, 48))
	mid := append([]byte(nil), log...)
	mid[FrameHeaderSize+2] ^= 1 // damage in frame 0, frames 1..3 whole
	f.Add(mid, idx)

	// One directory per fuzzing process, emptied per input: a fresh
	// t.TempDir each time would make coverage depend on its random name.
	dir := f.TempDir()

	f.Fuzz(func(t *testing.T, log, idx []byte) {
		if err := os.RemoveAll(filepath.Join(dir, "offsets")); err != nil {
			t.Fatal(err)
		}
		base := filepath.Join(dir, segmentName(0))
		if err := os.WriteFile(base+logExt, log, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(base+indexExt, idx, 0o644); err != nil {
			t.Fatal(err)
		}

		cfg := partitionConfig{segmentSize: 1 << 20, log: slog.New(slog.DiscardHandler), tailWindow: defaultTailWindow}
		p, err := openPartition(dir, 0, 0, cfg)
		if errors.Is(err, ErrCorrupt) {
			// Whole frames after damaged bytes: recovery must refuse and
			// leave the log as it was.
			if kept, _ := os.ReadFile(base + logExt); !bytes.Equal(kept, log) {
				t.Fatalf("recovery refused (%v) but changed the log", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("recovery failed: %v", err)
		}
		defer p.closeSegments() // no sync: nothing here needs to be durable

		checkKept(t, p)
		first, _, err := p.appendBatch(AppendFrame(nil, &Message{ID: [16]byte{1}, Payload: []byte("after")}),
			[]int{FrameHeaderSize + 5}, 1)
		if err != nil || first != p.next-1 {
			t.Fatalf("append after recovery at %d (next %d): %v", first, p.next, err)
		}
		checkKept(t, p)
	})
}

// checkKept reads every frame of p and checks offsets and checksums.
func checkKept(t *testing.T, p *partition) {
	t.Helper()
	p.mu.RLock()
	defer p.mu.RUnlock()

	frames, n, err := p.read(0, ^uint32(0))
	if err != nil {
		t.Fatalf("read kept frames: %v", err)
	}
	if uint64(n) != p.next {
		t.Fatalf("read %d frames, partition says %d", n, p.next)
	}

	ends, err := splitFrames(frames, n, nil)
	if n > 0 && err != nil {
		t.Fatalf("kept frames do not split: %v", err)
	}
	start := 0
	for i, end := range ends {
		f := frames[start:end]
		if !frameValid(f) || le.Uint64(f[offOffset:]) != uint64(i) {
			t.Fatalf("kept frame %d is invalid", i)
		}
		start = end
	}
}

// FuzzDecodeFrames checks the frame splitter used by AppendFrames and
// DecodeFrames: it never panics, and what it accepts decodes into exactly
// count messages that cover the input byte for byte.
func FuzzDecodeFrames(f *testing.F) {
	log, _ := validSegment(3)
	f.Add(log, uint32(3))
	f.Add(log, uint32(2))
	f.Add(log[:100], uint32(1))
	f.Add([]byte{}, uint32(0))

	f.Fuzz(func(t *testing.T, frames []byte, count uint32) {
		msgs, err := DecodeFrames(frames, count)
		if err != nil {
			return
		}
		if len(msgs) != int(count) {
			t.Fatalf("decoded %d messages, want %d", len(msgs), count)
		}

		var again []byte
		for i := range msgs {
			again = appendFrameUnsummed(again, &msgs[i])
		}
		if len(again) != len(frames) {
			t.Fatalf("re-encoded %d bytes from %d", len(again), len(frames))
		}
		for i := range msgs {
			if len(msgs[i].Payload) > MaxPayloadSize || len(msgs[i].Headers) > MaxUserHeadersSize {
				t.Fatalf("message %d is over the limits", i)
			}
		}
	})
}
