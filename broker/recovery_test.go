package broker

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/iggyflow/iggyflow/internal/syncbuf"
)

// writeAndClose fills partition 0 of a fresh broker in dir with n messages
// in appends of 5 and returns the path of its last segment's log.
func writeAndClose(t *testing.T, dir string, segSize int64, n int) string {
	t.Helper()
	b := openTest(t, dir, func(o *Options) { o.SegmentSize = segSize })
	setup(t, b, 1)
	for i := 0; i < n; i += 5 {
		appendTo(t, b, 0, i, min(5, n-i))
	}
	mustClose(t, b)

	bases, err := listSegments(partitionPath(dir, 0))
	if err != nil || len(bases) == 0 {
		t.Fatalf("segments: %v %v", bases, err)
	}
	return filepath.Join(partitionPath(dir, 0), segmentName(bases[len(bases)-1])+logExt)
}

// reopen opens dir again, capturing the log, and checks that partition 0
// holds exactly the first kept messages and that appends continue there.
func reopen(t *testing.T, dir string, segSize int64, kept int) string {
	t.Helper()
	var logs syncbuf.Buffer
	b := openTest(t, dir, func(o *Options) {
		o.SegmentSize = segSize
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	defer mustClose(t, b)

	checkRun(t, pollOffset(t, b, 0, 0, 1000).Messages, 0, 0, kept)
	res := appendTo(t, b, 0, kept, 2)
	if res.FirstOffset != uint64(kept) {
		t.Fatalf("append after recovery starts at %d, want %d", res.FirstOffset, kept)
	}
	checkRun(t, pollOffset(t, b, 0, 0, 1000).Messages, 0, 0, kept+2)
	return logs.String()
}

func TestRecoverTornTail(t *testing.T) {
	dir := t.TempDir()
	log := writeAndClose(t, dir, 1<<20, 20)

	// Cut the last message in half.
	st, _ := os.Stat(log)
	cut := int64(frameBytes / 2)
	if err := os.Truncate(log, st.Size()-cut); err != nil {
		t.Fatal(err)
	}

	out := reopen(t, dir, 1<<20, 19)
	for _, key := range []string{"stream=0", "topic=0", "partition=0", "segment=", "truncated_bytes=" + itoa(int64(frameBytes)-cut)} {
		if !strings.Contains(out, key) {
			t.Errorf("recovery log lacks %q:\n%s", key, out)
		}
	}
}

func TestRecoverBitFlipInLastMessage(t *testing.T) {
	dir := t.TempDir()
	log := writeAndClose(t, dir, 1<<20, 20)

	data, _ := os.ReadFile(log)
	data[len(data)-3] ^= 0x10 // inside the last payload
	if err := os.WriteFile(log, data, 0o644); err != nil {
		t.Fatal(err)
	}

	out := reopen(t, dir, 1<<20, 19)
	if !strings.Contains(out, "truncated_bytes="+itoa(int64(frameBytes))) {
		t.Errorf("recovery log lacks the truncation:\n%s", out)
	}
}

func TestRecoverGarbageAppendedToLog(t *testing.T) {
	dir := t.TempDir()
	log := writeAndClose(t, dir, 1<<20, 12)

	f, _ := os.OpenFile(log, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(bytes.Repeat([]byte{0xAB}, 100))
	f.Close()

	reopen(t, dir, 1<<20, 12)
}

func TestRecoverCorruptIndex(t *testing.T) {
	corruptions := []struct {
		name string
		do   func(t *testing.T, idx string)
	}{
		{"missing", func(t *testing.T, idx string) { os.Remove(idx) }},
		{"empty", func(t *testing.T, idx string) { os.Truncate(idx, 0) }},
		{"cut mid-entry", func(t *testing.T, idx string) { os.Truncate(idx, 7*indexEntrySize+5) }},
		{"garbage in the middle", func(t *testing.T, idx string) {
			rewrite(t, idx, func(b []byte) { copy(b[5*indexEntrySize:], bytes.Repeat([]byte{0xFF}, 40)) })
		}},
		{"position shifted", func(t *testing.T, idx string) {
			// Still looks sound (positions increase) but points one byte off.
			rewrite(t, idx, func(b []byte) { le.PutUint32(b[15*indexEntrySize+4:], le.Uint32(b[15*indexEntrySize+4:])+1) })
		}},
		{"extra entries", func(t *testing.T, idx string) {
			rewrite(t, idx, func(b []byte) {})
			f, _ := os.OpenFile(idx, os.O_WRONLY|os.O_APPEND, 0)
			f.Write(make([]byte, 3*indexEntrySize))
			f.Close()
		}},
	}

	for _, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			log := writeAndClose(t, dir, 1<<20, 20)
			idx := strings.TrimSuffix(log, logExt) + indexExt
			c.do(t, idx)

			out := reopen(t, dir, 1<<20, 20)
			if strings.Contains(out, "truncated_bytes") {
				t.Errorf("a damaged index cost messages:\n%s", out)
			}

			st, err := os.Stat(idx)
			if err != nil || st.Size() != 22*indexEntrySize {
				t.Errorf("index not rebuilt: size %v, %v", st.Size(), err)
			}
		})
	}
}

func TestRecoverSealedSegmentIndex(t *testing.T) {
	dir := t.TempDir()
	segSize := int64(8 * frameBytes)
	writeAndClose(t, dir, segSize, 30)

	first := filepath.Join(partitionPath(dir, 0), segmentName(0)+indexExt)
	if err := os.Truncate(first, 3*indexEntrySize); err != nil {
		t.Fatal(err)
	}
	reopen(t, dir, segSize, 30)

	if st, _ := os.Stat(first); st.Size() != 8*indexEntrySize {
		t.Fatalf("sealed index has %d bytes after recovery", st.Size())
	}
}

func TestCorruptSealedSegmentFailsOpen(t *testing.T) {
	dir := t.TempDir()
	segSize := int64(8 * frameBytes)
	writeAndClose(t, dir, segSize, 30)

	first := filepath.Join(partitionPath(dir, 0), segmentName(0)+logExt)
	rewrite(t, first, func(b []byte) { b[3*frameBytes+70] ^= 1 })
	os.Remove(strings.TrimSuffix(first, logExt) + indexExt)

	_, err := Open(Options{DataDir: dir, SegmentSize: segSize, CleanerInterval: -1})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
}

func rewrite(t *testing.T, path string, edit func([]byte)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// TestRecoverTailWindow exercises recovery when only the end of the last
// segment is verified: a torn tail is cut inside the window, and an index
// entry that points at the wrong bytes inside it sends recovery back to a
// full scan instead of cutting valid messages.
func TestRecoverTailWindow(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, log, idx string)
		kept   uint64
	}{
		{"torn tail", func(t *testing.T, log, idx string) {
			st, _ := os.Stat(log)
			os.Truncate(log, st.Size()-10)
		}, 39},
		{"wrong position in window", func(t *testing.T, log, idx string) {
			rewrite(t, idx, func(b []byte) { le.PutUint32(b[37*indexEntrySize+4:], le.Uint32(b[37*indexEntrySize+4:])-3) })
		}, 40},
		{"wrong position where the scan starts", func(t *testing.T, log, idx string) {
			// Entry 35 is the first inside the 5-frame window.
			rewrite(t, idx, func(b []byte) { le.PutUint32(b[35*indexEntrySize+4:], le.Uint32(b[35*indexEntrySize+4:])+3) })
		}, 40},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			log := writeAndClose(t, dir, 1<<20, 40)
			tt.damage(t, log, strings.TrimSuffix(log, logExt)+indexExt)

			cfg := partitionConfig{segmentSize: 1 << 20, log: slog.New(slog.DiscardHandler),
				tailWindow: int64(5 * frameBytes)}
			p, err := openPartition(partitionPath(dir, 0), 0, 0, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.close()

			if p.next != tt.kept {
				t.Fatalf("next offset %d, want %d", p.next, tt.kept)
			}
			p.mu.RLock()
			frames, n, err := p.read(0, 100)
			p.mu.RUnlock()
			if err != nil {
				t.Fatal(err)
			}
			checkRun(t, decodeFrames(frames, n), 0, 0, int(tt.kept))
		})
	}
}

// TestPollDetectsIndexPointingAtWrongBytes covers the part of a sealed
// index that Open trusts: an entry shifted by one byte must make the poll
// fail with ErrCorrupt rather than return misframed messages.
func TestPollDetectsIndexPointingAtWrongBytes(t *testing.T) {
	dir := t.TempDir()
	segSize := int64(8 * frameBytes)
	writeAndClose(t, dir, segSize, 30)

	idx := filepath.Join(partitionPath(dir, 0), segmentName(0)+indexExt)
	rewrite(t, idx, func(b []byte) { le.PutUint32(b[3*indexEntrySize+4:], le.Uint32(b[3*indexEntrySize+4:])+1) })

	b := openTest(t, dir, func(o *Options) { o.SegmentSize = segSize })
	defer mustClose(t, b)

	_, err := b.Poll(sName, tName, PollRequest{Consumer: single(1), Count: 2,
		Strategy: PollingStrategy{Kind: StrategyOffset, Value: 3}})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("poll through a shifted index entry: %v", err)
	}
	checkRun(t, pollOffset(t, b, 0, 8, 100).Messages, 8, 8, 22)
}

// Regression: a last segment emptied outside the broker while its index
// still listed 20 messages opened with only an "index rebuilt" warning;
// the operator must be told that messages are gone, and how many.
func TestRecoverEmptiedLogSaysMessagesAreGone(t *testing.T) {
	dir := t.TempDir()
	log := writeAndClose(t, dir, 1<<20, 20)
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}

	out := reopen(t, dir, 1<<20, 0)
	for _, key := range []string{"messages are gone", "indexed=20", "messages_kept=0", "lost=20"} {
		if !strings.Contains(out, key) {
			t.Errorf("recovery log lacks %q:\n%s", key, out)
		}
	}
}
