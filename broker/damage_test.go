package broker

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamageBeforeValidFramesFailsOpen covers damage in the middle of the
// last segment: recovery used to treat the first bad frame as a torn tail
// and truncate the log there, silently dropping every whole message after
// it (here messages 20..39). Open must fail with ErrCorrupt instead, name
// the file, the damaged offset and byte, and leave the log untouched.
func TestDamageBeforeValidFramesFailsOpen(t *testing.T) {
	at := int64(20 * frameBytes) // frame 20 starts here
	tests := []struct {
		name   string
		damage func(b []byte)
	}{
		{"0xff over the payload length", func(b []byte) { copy(b[at+offPayloadLen:], []byte{0xff, 0xff, 0xff, 0xff}) }},
		{"payload length reaching past the end", func(b []byte) { le.PutUint32(b[at+offPayloadLen:], 1_000_000) }},
		{"flipped payload bit", func(b []byte) { b[at+FrameHeaderSize+3] ^= 0x01 }},
		{"0xff inside a payload", func(b []byte) { copy(b[at+FrameHeaderSize+2:], []byte{0xff, 0xff, 0xff, 0xff}) }},
		{"wrong offset", func(b []byte) { le.PutUint64(b[at+offOffset:], 7) }},
		{"a zeroed stretch over three frames", func(b []byte) { clear(b[at : at+3*int64(frameBytes)]) }},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			log := writeAndClose(t, dir, 1<<20, 40)
			rewrite(t, log, tt.damage)
			before, _ := os.ReadFile(log)

			b, err := Open(Options{DataDir: dir, SegmentSize: 1 << 20, CleanerInterval: -1})
			if err == nil {
				mustClose(t, b)
				t.Fatal("Open of a segment damaged in the middle succeeded")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
			for _, want := range []string{log, "offset 20 ", "byte " + itoa(at), "truncate the .log to " + itoa(at)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q: %v", want, err)
				}
			}

			after, _ := os.ReadFile(log)
			if !bytes.Equal(before, after) {
				t.Fatalf("the log changed: %d bytes before, %d after", len(before), len(after))
			}
		})
	}
}

// TestTornTailShapesStillTruncate checks that what a crash can leave at
// the end of the last segment is still cut without an error once the
// search for later frames is in place.
func TestTornTailShapesStillTruncate(t *testing.T) {
	last := int64(39 * frameBytes)
	tests := []struct {
		name   string
		damage func(t *testing.T, log string)
		kept   int
	}{
		{"header cut short", func(t *testing.T, log string) { os.Truncate(log, last+20) }, 39},
		{"length past the end", func(t *testing.T, log string) {
			rewrite(t, log, func(b []byte) { le.PutUint32(b[last+offPayloadLen:], 500) })
		}, 39},
		{"flipped bit in the last frame", func(t *testing.T, log string) {
			rewrite(t, log, func(b []byte) { b[len(b)-1] ^= 0x80 })
		}, 39},
		{"zeros after the last frame", func(t *testing.T, log string) {
			appendBytes(t, log, make([]byte, 4096))
		}, 40},
		{"a frame copy with an old offset after the last frame", func(t *testing.T, log string) {
			b, _ := os.ReadFile(log)
			appendBytes(t, log, append([]byte{0}, b[:frameBytes]...))
		}, 40},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			log := writeAndClose(t, dir, 1<<20, 40)
			tt.damage(t, log)
			out := reopen(t, dir, 1<<20, tt.kept)
			if !strings.Contains(out, "truncated_bytes=") {
				t.Errorf("no truncation logged:\n%s", out)
			}
		})
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedSealedSegmentIsNotTruncated covers a sealed segment whose
// last frame is damaged: Open failed with ErrCorrupt as it should, but
// only after truncating the damaged frame off the file, so evidence was
// destroyed and the next Open failed on a gap between segments instead.
// The file must be left exactly as it was.
func TestDamagedSealedSegmentIsNotTruncated(t *testing.T) {
	dir := t.TempDir()
	segSize := int64(8 * frameBytes)
	writeAndClose(t, dir, segSize, 30)

	first := filepath.Join(partitionPath(dir, 0), segmentName(0)+logExt)
	rewrite(t, first, func(b []byte) { b[len(b)-2] ^= 1 }) // in frame 7, the last
	os.Remove(strings.TrimSuffix(first, logExt) + indexExt)
	before, _ := os.ReadFile(first)

	for range 2 {
		_, err := Open(Options{DataDir: dir, SegmentSize: segSize, CleanerInterval: -1})
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open = %v, want ErrCorrupt", err)
		}
		for _, want := range []string{first, "offset 7 ", "byte " + itoa(7*int64(frameBytes))} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}
		if after, _ := os.ReadFile(first); !bytes.Equal(before, after) {
			t.Fatalf("the sealed log changed: %d bytes before, %d after", len(before), len(after))
		}
	}

	// The advice in the error works: with the segment moved aside the
	// partition opens and starts after it.
	for _, ext := range []string{logExt, indexExt} {
		path := strings.TrimSuffix(first, logExt) + ext
		if err := os.Rename(path, filepath.Join(dir, "aside"+ext)); err != nil {
			t.Fatal(err)
		}
	}
	b := openTest(t, dir, func(o *Options) { o.SegmentSize = segSize })
	defer mustClose(t, b)
	checkRun(t, pollOffset(t, b, 0, 0, 100).Messages, 8, 8, 22)
}

// BenchmarkLaterFrame measures the search Open runs before truncating, in
// its worst case: damage at the start of 64 MiB with nothing valid after
// it, so every byte position is looked at. MB/s is log bytes searched.
func BenchmarkLaterFrame(b *testing.B) {
	log := bytes.NewReader(make([]byte, 64<<20))
	b.SetBytes(log.Size())
	for b.Loop() {
		if _, _, found, err := laterFrame(log, log.Size(), 1, 0); found || err != nil {
			b.Fatal(found, err)
		}
	}
}
