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
