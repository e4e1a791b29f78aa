package broker

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFileAtomic replaces path with data: it writes a temporary file in
// the same directory, optionally syncs it, renames it over path and, when
// syncing, syncs the directory so the rename itself is durable. A crash
// leaves either the old or the new content, never a mix.
func writeFileAtomic(path string, data []byte, sync bool) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("broker: write %s: %w", path, err)
	}

	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("broker: write %s: %w", tmp, err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("broker: sync %s: %w", tmp, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("broker: close %s: %w", tmp, err)
	}

	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("broker: replace %s: %w", path, err)
	}
	if sync {
		return syncDir(filepath.Dir(path))
	}
	return nil
}

// syncDir makes directory entry changes in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("broker: open dir %s: %w", dir, err)
	}
	defer d.Close()

	if err := d.Sync(); err != nil {
		return fmt.Errorf("broker: sync dir %s: %w", dir, err)
	}
	return nil
}
