package broker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// sweepOrphans removes directories of objects meta.json lists as deleted:
// what a crash between persisting a delete and removing its files left
// behind. Such leftovers are harmless to correctness (a new object clears
// its directory first) but hold disk space. A stream or topic directory
// whose id meta.json never handed out is not a leftover but a sign that
// meta.json is older than the data (restored from a backup, or replaced):
// Open then fails with ErrCorrupt instead of starting over the data,
// since the next object created with that id would clear it. The caller
// holds b.mu.
func (b *Broker) sweepOrphans() error {
	streams := filepath.Join(b.opts.DataDir, "streams")
	if err := b.checkKnown(streams, b.streams.known); err != nil {
		return err
	}
	for _, s := range b.streams.all() {
		if err := b.checkKnown(filepath.Join(s.dir, "topics"), s.topics.known); err != nil {
			return err
		}
	}

	var errs []error
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

// checkKnown fails with ErrCorrupt when dir holds an entry named by an id
// that known says was never handed out.
func (b *Broker) checkKnown(dir string, known func(uint32) bool) error {
	ids, err := idEntries(dir)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !known(id) {
			path := filepath.Join(dir, strconv.FormatUint(uint64(id), 10))
			return fmt.Errorf("broker: %s holds data of an object %s never listed, so it is older "+
				"than the data; refusing to open over it: restore the meta.json that goes with the data, "+
				"or move %s aside: %w", path, filepath.Join(b.opts.DataDir, metaFileName), path, ErrCorrupt)
		}
	}
	return nil
}

// idEntries lists the entries of dir named by a decimal id, as the broker
// names object directories; a missing dir has none.
func idEntries(dir string) ([]uint32, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("broker: list %s: %w", dir, err)
	}
	var ids []uint32
	for _, e := range ents {
		id, err := strconv.ParseUint(e.Name(), 10, 32)
		if err == nil && e.Name() == strconv.FormatUint(id, 10) {
			ids = append(ids, uint32(id))
		}
	}
	return ids, nil
}

// sweep removes the entries of dir named by the decimal id of an object
// that is not live. Other names were never written by the broker (an
// operator may have moved files aside there) and are left alone.
func (b *Broker) sweep(dir string, live func(uint32) bool) error {
	ids, err := idEntries(dir)
	if err != nil {
		return err
	}

	var errs []error
	for _, id := range ids {
		if live(id) {
			continue
		}

		path := filepath.Join(dir, strconv.FormatUint(uint64(id), 10))
		b.log.Info("broker: removing files of a deleted object", "path", path)
		if err := os.RemoveAll(path); err != nil {
			errs = append(errs, fmt.Errorf("broker: remove %s: %w", path, err))
		}
	}
	return errors.Join(errs...)
}
