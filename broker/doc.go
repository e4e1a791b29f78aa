// Package broker is the storage core of an Apache Iggy 0.8.0 compatible
// message broker, used in-process by the embedded connector and behind
// Iggy's TCP protocol by the server package.
//
// # Model
//
// Streams hold topics, topics hold partitions, partitions hold messages
// at offsets 0, 1, 2, ... Stream ids, topic ids (per stream) and group ids
// (per topic) are 0-based and reuse the most recently freed id first, as
// Iggy's slab tables do; partitions are numbered 0..n-1 and added and
// removed at the end. Names are 1..255 bytes of UTF-8 compared exactly.
// Errors are *Error values carrying Iggy's numeric codes.
//
// # Disk layout
//
//	DataDir/
//	  LOCK                              flock held while a Broker is open
//	  meta.json                         streams, topics, partitions, groups,
//	                                    id free lists; replaced atomically
//	  streams/<stream id>/topics/<topic id>/partitions/<partition id>/
//	    00000000000000000000.log        segment: frames, base offset 0
//	    00000000000000000000.index      its index, one entry per message
//	    00000000000000004096.log        next segment, base offset 4096
//	    00000000000000004096.index
//	    offsets/consumer-<id>           stored offset of a consumer
//	    offsets/group-<id>              stored offset of a group
//
// meta.json is replaced by writing a temporary file, syncing it, renaming
// it over the old one and syncing the directory. An offset file holds two
// checksummed slots written in place in turn (see offsetStore), synced
// with FsyncEveryAppend.
//
// # Segment file
//
// A segment holds whole message frames back to back, exactly as Iggy 0.8.0
// sends and returns them, so a poll is one ReadAt of a contiguous range:
//
//	off  size  field
//	  0     8  checksum      XXH3-64 of bytes [8, end of frame)
//	  8    16  id            u128 LE; random UUIDv4 bytes when sent as 0
//	 24     8  offset        partition offset
//	 32     8  timestamp     append time, µs since the Unix epoch; one per
//	                         append call, never decreasing in a partition
//	 40     8  origin ts     producer's clock, µs, as sent
//	 48     4  user headers  length in bytes (at most 100,000)
//	 52     4  payload       length in bytes (at most 64,000,000)
//	 56     8  reserved      0
//	 64     P  payload
//	64+P    H  user headers  opaque Iggy header block
//
// All numbers are little-endian. A segment rolls over when the next frame
// would take it past Options.SegmentSize (a frame larger than that gets a
// segment of its own); the file is named by its first offset.
//
// # Index file
//
// One 16-byte entry per message, in offset order:
//
//	off  size  field
//	  0     4  relative offset  offset - segment base (entry i holds i)
//	  4     4  position         byte position of the frame in the .log
//	  8     8  timestamp        the frame's append timestamp
//
// Entry i is at byte 16*i, so a poll by offset reads two entries (start
// and end of the range) and then the frames; a poll by timestamp
// binary-searches entries with ReadAt. Nothing but per-segment counters is
// kept in memory.
//
// # Recovery
//
// Open checks each sealed segment cheaply (index ends sound, last entry
// points at a frame ending exactly at the end of the log) and rebuilds the
// index of one that fails by scanning its log; a sealed segment whose log
// itself is damaged is reported as ErrCorrupt and left untouched (cutting
// it would leave a gap before the next segment). The last segment is
// verified frame by frame over its final 4 MiB (and from wherever its
// index stops being sound): a frame that is cut short, over the limits,
// out of offset sequence or failing its checksum ends the log, which is
// truncated there, keeping every complete valid frame before it, and the
// index is rewritten where it disagrees. Before truncating, the whole
// segment is rescanned from its start so a damaged index cannot cause
// valid frames to be dropped. Truncations are logged with the keys
// stream, topic, partition, segment and truncated_bytes.
//
// Truncation is only for a torn tail, and a torn write cannot put whole
// messages after the damage. So before cutting at byte p, where the frame
// of offset o should start, recovery reads every byte position q after p
// and looks for a frame that fits in the file, is within the limits,
// passes its checksum and carries offset o+k with 1 <= k <= (q-p)/64 (the
// offset it would have if the k frames between were intact, each at
// least a header long). An incomplete header, a declared size reaching
// past the end of the file, a bad last frame, zeros or garbage appended
// all leave no such frame, and the tail is cut. If one is found, Open
// fails with an error wrapping ErrCorrupt that names the segment file,
// the damaged offset and byte position, and leaves the file alone: the
// operator moves the segment's files aside or truncates the .log at that
// position by hand, knowing which messages that loses. A copy of a valid
// frame stored inside a payload of the torn tail can make a tail look
// like mid-file damage; Open then refuses rather than guess.
//
// After a partition is recovered, a stored consumer or group offset
// beyond its last offset is moved back to it (removed when the partition
// is left empty) and persisted, so the offsets the next appends reuse are
// delivered; each change is logged with the keys stream, topic,
// partition, consumer, old_offset and new_offset.
//
// Directories of objects meta.json no longer lists (a crash between
// persisting a delete and removing files) are removed, but only those
// named by a decimal id, and only when meta.json was read. A missing
// meta.json opens an empty broker only if streams/ holds no non-empty
// file; otherwise Open fails with an error wrapping ErrCorrupt that says
// meta.json is missing while data exists, and nothing is removed.
//
// What recovery does not do: index entries of the last segment before its
// final 4 MiB, and those of sealed segments between their first and last
// entries, are trusted without reading the frames they point at, and
// payloads there are not checksummed at open. A poll checks that the
// frames it read carry the offsets it expected and fills the range
// exactly, and fails with ErrCorrupt otherwise; a flipped payload bit in
// the trusted part is returned as stored. Verifying everything at open
// would cost a full read of the data directory.
//
// # Polling
//
// Per resolved partition: Offset v reads from v (nothing when v is past
// the current offset); Timestamp t from the first message stamped >= t;
// First from the first stored offset; Last reads the last Count messages;
// Next from the consumer's (or group's) stored offset + 1, or from the
// first stored offset when none is stored. AutoCommit stores the offset of
// the last message returned. Single consumers named by a string store
// offsets under XXH32 of the name.
//
// # Consumer groups
//
// Membership is per client id and lives in memory only; group identities
// and group offsets are persisted. The first member gets every partition;
// a later member takes its fair share from members above theirs, each
// partition moving once its old owner has committed an offset at least as
// far as it was handed (at once if it was never polled, at the latest
// after 30 s). Leaving, disconnecting and changing the partition count
// deal partition i to member i mod members. A group member's poll without
// a partition rotates over its own partitions; group offsets are shared by
// all members.
//
// # Retention
//
// The cleaner (Options.CleanerInterval, or RunCleaner) deletes whole
// sealed segments only: those whose last message is older than the
// topic's message expiry, then the oldest sealed segments across the
// topic's partitions while the topic is at or above 90 % of its max size.
//
// # Concurrency
//
// Broker.mu guards the structure and is held only to resolve names and
// ids; each partition has its own lock for appends and reads, each topic
// one for group membership, each partition's offsets one more.
package broker
