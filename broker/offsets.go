package broker

import (
	"errors"
	"fmt"
	"hash/crc32"
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
// one small file per consumer or group under dir.
//
// An offset file has two 16-byte slots, written in place in turn:
//
//	off size field
//	  0    4  sequence   u32 LE, grows by one with every write
//	  4    8  offset     u64 LE, the stored offset
//	 12    4  checksum   CRC-32C (Castagnoli) of bytes 0..11
//
// A write goes to the slot the previous write did not use, so a write torn
// by a crash leaves the other slot, holding the offset before it, intact;
// on open the valid slot with the higher sequence wins. Storing an offset
// is one small in-place write instead of a new file and a rename, which
// matters because consumers commit after every message they handle. A
// file in which no slot passes its checksum holds no offset: the consumer
// starts again from the partition's first message (delivery is at least
// once), which is safer than trusting bytes that could skip messages.
type offsetStore struct {
	mu   sync.Mutex
	dir  string
	sync bool
	vals map[offsetKey]uint64
	seqs map[offsetKey]uint32
}

const offsetSlotSize = 16

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// openOffsetStore loads every offset file under dir, creating dir.
func openOffsetStore(dir string, sync bool) (*offsetStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("broker: create offsets dir %s: %w", dir, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("broker: list offsets in %s: %w", dir, err)
	}

	s := &offsetStore{dir: dir, sync: sync, vals: map[offsetKey]uint64{}, seqs: map[offsetKey]uint32{}}
	for _, e := range ents {
		key, ok := parseOffsetName(e.Name())
		if !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("broker: read offset %s: %w", e.Name(), err)
		}
		if v, seq, ok := decodeOffsetFile(b); ok {
			s.vals[key], s.seqs[key] = v, seq
		}
	}
	return s, nil
}

// decodeOffsetFile returns the offset an offset file holds, and the
// sequence of the slot it came from.
func decodeOffsetFile(b []byte) (offset uint64, seq uint32, ok bool) {
	for i := 0; i+offsetSlotSize <= len(b) && i < 2*offsetSlotSize; i += offsetSlotSize {
		slot := b[i : i+offsetSlotSize]
		if crc32.Checksum(slot[:12], castagnoli) != le.Uint32(slot[12:]) {
			continue
		}
		if n := le.Uint32(slot); !ok || n > seq {
			offset, seq, ok = le.Uint64(slot[4:]), n, true
		}
	}
	return offset, seq, ok
}

func encodeOffsetSlot(seq uint32, offset uint64) []byte {
	b := make([]byte, offsetSlotSize)
	le.PutUint32(b, seq)
	le.PutUint64(b[4:], offset)
	le.PutUint32(b[12:], crc32.Checksum(b[:12], castagnoli))
	return b
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
	return filepath.Join(s.dir, k.name())
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

	seq := s.seqs[k] + 1
	if err := s.writeSlot(k, seq, v); err != nil {
		return fmt.Errorf("broker: store offset: %w", err)
	}
	s.vals[k], s.seqs[k] = v, seq
	return nil
}

// writeSlot writes slot seq%2 of k's file, creating the file (and, when
// syncing, making its directory entry durable) on first use.
func (s *offsetStore) writeSlot(k offsetKey, seq uint32, v uint64) error {
	path := s.path(k)
	_, known := s.seqs[k]
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(encodeOffsetSlot(seq, v), int64(seq%2)*offsetSlotSize); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if s.sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("sync %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if s.sync && !known {
		return syncDir(s.dir)
	}
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
	delete(s.seqs, k)
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
		delete(s.seqs, k)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("broker: clear offsets in %s: %w", s.dir, err)
	}
	return nil
}

// offsetClamp is one stored offset that clampTo moved back or removed.
type offsetClamp struct {
	key      offsetKey
	old, new uint64
	deleted  bool
}

// name is the offset's file name, as operators see it in the data dir.
func (k offsetKey) name() string {
	return k.space.prefix() + strconv.FormatUint(uint64(k.id), 10)
}

// clampTo makes every stored offset at most next-1, the partition's last
// offset, and removes every stored offset when next is 0 (an empty
// partition). Recovery calls it after truncating a torn tail: an offset
// left beyond the new end would claim the offsets the next appends reuse
// were consumed already, and those messages would never be delivered. It
// returns what it changed, in no particular order; on error the offsets
// changed so far stay changed.
func (s *offsetStore) clampTo(next uint64) ([]offsetClamp, error) {
	s.mu.Lock()
	var doomed []offsetClamp
	for k, v := range s.vals {
		switch {
		case next == 0:
			doomed = append(doomed, offsetClamp{key: k, old: v, deleted: true})
		case v > next-1:
			doomed = append(doomed, offsetClamp{key: k, old: v, new: next - 1})
		}
	}
	s.mu.Unlock()

	var done []offsetClamp
	for _, c := range doomed {
		var err error
		if c.deleted {
			_, err = s.delete(c.key)
		} else {
			err = s.put(c.key, c.new)
		}
		if err != nil {
			return done, fmt.Errorf("broker: clamp offset %s in %s: %w", c.key.name(), s.dir, err)
		}
		done = append(done, c)
	}
	return done, nil
}
