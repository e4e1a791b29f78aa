package broker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// sweepOrphans removes directories that meta.json no longer knows: what a
// crash between persisting a delete and removing its files left behind.
// Such leftovers are harmless to correctness (a new object clears its
// directory first) but hold disk space. The caller holds b.mu.
func (b *Broker) sweepOrphans() error {
	var errs []error
	streams := filepath.Join(b.opts.DataDir, "streams")
	errs = append(errs, b.sweep(streams, func(id uint32) bool { return b.streams.has(id) }))

	for _, s := range b.streams.all() {
		errs = append(errs, b.sweep(filepath.Join(s.dir, "topics"), func(id uint32) bool { return s.topics.has(id) }))
		for _, t := range s.topics.all() {
			n := uint32(len(t.parts))
			errs = append(errs, b.sweep(filepath.Join(t.dir, "partitions"), func(id uint32) bool { return id < n }))
		}
	}
	return errors.Join(errs...)
}

// sweep removes the entries of dir named by the decimal id of an object
// that is not live. Other names were never written by the broker (an
// operator may have moved files aside there) and are left alone.
func (b *Broker) sweep(dir string, live func(uint32) bool) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("broker: list %s: %w", dir, err)
	}

	var errs []error
	for _, e := range ents {
		id, err := strconv.ParseUint(e.Name(), 10, 32)
		if err != nil || e.Name() != strconv.FormatUint(id, 10) || live(uint32(id)) {
			continue
		}

		path := filepath.Join(dir, e.Name())
		b.log.Info("broker: removing files of a deleted object", "path", path)
		if err := os.RemoveAll(path); err != nil {
			errs = append(errs, fmt.Errorf("broker: remove %s: %w", path, err))
		}
	}
	return errors.Join(errs...)
}
