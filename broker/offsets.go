package broker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// offsetSpace tells consumer offsets from group offsets: the same number
// may be a consumer id and a group id at once.
type offsetSpace uint8

const (
	consumerSpace offsetSpace = iota
	groupSpace
)

func (s offsetSpace) prefix() string {
	if s == groupSpace {
		return "group-"
	}
	return "consumer-"
}

type offsetKey struct {
	space offsetSpace
	id    uint32
}

// offsetStore holds the stored offsets of one partition, in memory and as
// one 8-byte little-endian file per consumer or group under dir, each
// replaced atomically.
type offsetStore struct {
	mu   sync.Mutex
	dir  string
	sync bool
	vals map[offsetKey]uint64
}

// openOffsetStore loads every offset file under dir, creating dir.
func openOffsetStore(dir string, sync bool) (*offsetStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("broker: create offsets dir %s: %w", dir, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("broker: list offsets in %s: %w", dir, err)
	}

	s := &offsetStore{dir: dir, sync: sync, vals: map[offsetKey]uint64{}}
	for _, e := range ents {
		key, ok := parseOffsetName(e.Name())
		if !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("broker: read offset %s: %w", e.Name(), err)
		}
		if len(b) == 8 {
			s.vals[key] = le.Uint64(b)
		}
	}
	return s, nil
}

func parseOffsetName(name string) (offsetKey, bool) {
	for _, sp := range []offsetSpace{consumerSpace, groupSpace} {
		rest, ok := strings.CutPrefix(name, sp.prefix())
		if !ok {
			continue
		}
		id, err := strconv.ParseUint(rest, 10, 32)
		return offsetKey{sp, uint32(id)}, err == nil
	}
	return offsetKey{}, false
}

func (s *offsetStore) path(k offsetKey) string {
	return filepath.Join(s.dir, k.space.prefix()+strconv.FormatUint(uint64(k.id), 10))
}

func (s *offsetStore) get(k offsetKey) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	v, ok := s.vals[k]
	return v, ok
}

// put stores offset v for k on disk and in memory.
func (s *offsetStore) put(k offsetKey, v uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	var b [8]byte
	le.PutUint64(b[:], v)
	if err := writeFileAtomic(s.path(k), b[:], s.sync); err != nil {
		return fmt.Errorf("broker: store offset: %w", err)
	}
	s.vals[k] = v
	return nil
}

// delete removes the offset of k and reports whether there was one.
func (s *offsetStore) delete(k offsetKey) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if _, ok := s.vals[k]; !ok {
		return false, nil
	}
	if err := os.Remove(s.path(k)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return true, fmt.Errorf("broker: delete offset: %w", err)
	}
	delete(s.vals, k)
	return true, nil
}

// clear removes every stored offset.
func (s *offsetStore) clear() error {
	s.mu.Lock()
	defer s.mu.Unlock()

	var errs []error
	for k := range s.vals {
		if err := os.Remove(s.path(k)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		delete(s.vals, k)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("broker: clear offsets in %s: %w", s.dir, err)
	}
	return nil
}
