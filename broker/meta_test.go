package broker

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMissingMetaWithDataFailsOpen covers a lost meta.json: Open used to
// start an empty broker and then remove every stream directory as the
// leftover of a delete, so all messages were gone without an error. It
// must refuse with ErrCorrupt and leave the files in place.
func TestMissingMetaWithDataFailsOpen(t *testing.T) {
	dir := t.TempDir()
	log := writeAndClose(t, dir, 1<<20, 20)
	if err := os.Remove(filepath.Join(dir, metaFileName)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(log)

	for range 2 {
		b, err := Open(Options{DataDir: dir, CleanerInterval: -1})
		if err == nil {
			mustClose(t, b)
			t.Fatal("Open without meta.json over existing data succeeded")
		}
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "meta.json is missing but data exists") {
			t.Fatalf("Open = %v, want ErrCorrupt saying meta.json is missing while data exists", err)
		}

		after, err := os.Stat(log)
		if err != nil || after.Size() != before.Size() {
			t.Fatalf("segment after the refused Open: %v, %v", after, err)
		}
	}
}

// TestMissingMetaWithEmptyLeftoversOpens checks that what a crash during
// the first create can leave (directories and empty segment files, no
// meta.json) still opens as an empty broker, and that nothing is removed
// on the strength of metadata that was never read.
func TestMissingMetaWithEmptyLeftoversOpens(t *testing.T) {
	dir := t.TempDir()
	part := partitionPath(dir, 0)
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(part, segmentName(0)+logExt)
	if err := os.WriteFile(seg, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	b := openTest(t, dir)
	if n := len(b.Streams()); n != 0 {
		t.Fatalf("%d streams in a broker without metadata", n)
	}
	mustClose(t, b)
	if _, err := os.Stat(seg); err != nil {
		t.Fatalf("leftover removed without metadata: %v", err)
	}
}

// TestSweepLeavesForeignNames covers the sweep of deleted objects: it
// removed every entry of streams/, topics/ and partitions/ that was not a
// live id, including files an operator moved aside there (as the errors
// for damaged segments suggest). Only decimal ids of dead objects may go.
func TestSweepLeavesForeignNames(t *testing.T) {
	dir := t.TempDir()
	writeAndClose(t, dir, 1<<20, 5)
	part := partitionPath(dir, 0)
	keep := []string{
		filepath.Join(dir, "streams", "backup"),
		filepath.Join(filepath.Dir(part), "0-aside"),
		filepath.Join(filepath.Dir(part), "007"),
	}
	dead := filepath.Join(filepath.Dir(part), "3")
	for _, d := range append(keep, dead) {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	mustClose(t, openTest(t, dir))
	for _, d := range keep {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("sweep removed %s: %v", d, err)
		}
	}
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("directory of a partition that does not exist was kept: %v", err)
	}
}
