package broker

import (
	"encoding/json"
	"errors"
	"fmt"
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

// readMeta loads meta.json; a missing file is an empty broker.
func readMeta(dataDir string) (metaFile, error) {
	path := filepath.Join(dataDir, metaFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return metaFile{Version: metaVersion}, nil
	}
	if err != nil {
		return metaFile{}, fmt.Errorf("broker: read metadata %s: %w", path, err)
	}

	var m metaFile
	if err := json.Unmarshal(data, &m); err != nil {
		return metaFile{}, fmt.Errorf("broker: decode metadata %s: %w: %w", path, err, ErrCorrupt)
	}
	if m.Version != metaVersion {
		return metaFile{}, fmt.Errorf("broker: metadata %s has version %d, want %d", path, m.Version, metaVersion)
	}
	return m, nil
}
