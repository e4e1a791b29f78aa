package broker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// metaVersion is the version of meta.json this code writes and reads.
const metaVersion = 1

const metaFileName = "meta.json"

// metaFile is the persisted form of the broker's structure. Slots and Free
// keep each id table's LIFO reuse order across restarts.
type metaFile struct {
	Version     int          `json:"version"`
	StreamSlots uint32       `json:"stream_slots"`
	StreamFree  []uint32     `json:"stream_free"`
	Streams     []streamMeta `json:"streams"`
}

type streamMeta struct {
	ID         uint32      `json:"id"`
	Name       string      `json:"name"`
	CreatedAt  uint64      `json:"created_at"`
	TopicSlots uint32      `json:"topic_slots"`
	TopicFree  []uint32    `json:"topic_free"`
	Topics     []topicMeta `json:"topics"`
}

type topicMeta struct {
	ID                uint32          `json:"id"`
	Name              string          `json:"name"`
	CreatedAt         uint64          `json:"created_at"`
	Compression       uint8           `json:"compression"`
	MessageExpiry     uint64          `json:"message_expiry"`
	MaxTopicSize      uint64          `json:"max_topic_size"`
	ReplicationFactor uint8           `json:"replication_factor"`
	Partitions        []partitionMeta `json:"partitions"`
	GroupSlots        uint32          `json:"group_slots"`
	GroupFree         []uint32        `json:"group_free"`
	Groups            []groupMeta     `json:"groups"`
}

type partitionMeta struct {
	ID        uint32 `json:"id"`
	CreatedAt uint64 `json:"created_at"`
}

type groupMeta struct {
	ID   uint32 `json:"id"`
	Name string `json:"name"`
}

// snapshotMeta captures the structure. The caller holds b.mu.
func (b *Broker) snapshotMeta() metaFile {
	m := metaFile{Version: metaVersion}
	m.StreamSlots, m.StreamFree = b.streams.state()

	for _, s := range b.streams.all() {
		sm := streamMeta{ID: s.id, Name: s.name, CreatedAt: s.createdAt}
		sm.TopicSlots, sm.TopicFree = s.topics.state()
		for _, t := range s.topics.all() {
			sm.Topics = append(sm.Topics, snapshotTopic(t))
		}
		m.Streams = append(m.Streams, sm)
	}
	return m
}

func snapshotTopic(t *topic) topicMeta {
	tm := topicMeta{ID: t.id, Name: t.name, CreatedAt: t.createdAt, Compression: t.compression,
		MessageExpiry: t.expiry, MaxTopicSize: t.maxSize, ReplicationFactor: t.replication}
	for _, p := range t.parts {
		tm.Partitions = append(tm.Partitions, partitionMeta{ID: p.id, CreatedAt: p.createdAt})
	}

	tm.GroupSlots, tm.GroupFree = t.groups.state()
	for _, g := range t.groups.all() {
		tm.Groups = append(tm.Groups, groupMeta{ID: g.id, Name: g.name})
	}
	return tm
}

// persist writes meta.json atomically and durably. The caller holds b.mu
// for writing. If it fails the in-memory change stays; the next successful
// persist writes it.
func (b *Broker) persist() error {
	data, err := json.MarshalIndent(b.snapshotMeta(), "", "  ")
	if err != nil {
		return fmt.Errorf("broker: encode metadata: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(b.opts.DataDir, metaFileName), data, true); err != nil {
		return fmt.Errorf("broker: persist metadata: %w", err)
	}
	return nil
}

// readMeta loads meta.json and reports whether it exists. A missing file
// is an empty broker, unless streams/ holds data: then meta.json was lost,
// not never written, and starting empty would present that data as
// deleted (and a later create would clear it), so readMeta fails with an
// error wrapping ErrCorrupt.
func readMeta(dataDir string) (m metaFile, found bool, err error) {
	path := filepath.Join(dataDir, metaFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return metaFile{Version: metaVersion}, false, checkNoData(dataDir, path)
	}
	if err != nil {
		return metaFile{}, false, fmt.Errorf("broker: read metadata %s: %w", path, err)
	}

	if err := json.Unmarshal(data, &m); err != nil {
		return metaFile{}, false, fmt.Errorf("broker: decode metadata %s: %w: %w", path, err, ErrCorrupt)
	}
	if m.Version != metaVersion {
		return metaFile{}, false, fmt.Errorf("broker: metadata %s has version %d, want %d", path, m.Version, metaVersion)
	}
	return m, true, nil
}

// checkNoData returns an error wrapping ErrCorrupt if the streams
// directory of dataDir holds a non-empty file (a segment, an index or a
// stored offset). Empty files and directories are what a crash during the
// very first create can leave before meta.json is written; they hold no
// messages.
func checkNoData(dataDir, metaPath string) error {
	streams := filepath.Join(dataDir, "streams")
	found := ""
	err := filepath.WalkDir(streams, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > 0 {
			found = path
			return fs.SkipAll
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("broker: metadata %s is missing and %s cannot be checked for data: %w", metaPath, streams, err)
	}
	if found == "" {
		return nil
	}
	return fmt.Errorf("broker: metadata %s is missing but data exists under %s (%s, for one); "+
		"refusing to open an empty broker over it: restore meta.json from a backup, or move %s aside to start empty: %w",
		metaPath, streams, found, streams, ErrCorrupt)
}
