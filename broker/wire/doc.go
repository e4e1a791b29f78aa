// Package wire encodes and decodes the Apache Iggy 0.8.0 TCP binary protocol:
// request and response frames, the command-code table, and the payload of
// every command the official Go SDK v0.8.0 sends.
//
// Every number is little-endian; fields follow each other with no padding.
//
// Request frame (client to server):
//
//	0        4        8
//	+--------+--------+--------------------------+
//	| length |  code  | payload (length-4 bytes)  |
//	+--------+--------+--------------------------+
//	length u32 = 4 + payload size (it counts the code, not itself)
//
// Response frame (server to client):
//
//	0        4        8
//	+--------+--------+--------------------------+
//	| status | length | payload (length bytes)    |
//	+--------+--------+--------------------------+
//	status u32: 0 success, otherwise an Iggy error code (no payload)
//
// Shared payload pieces:
//
//	name          [len u8][UTF-8 bytes]            len 1..255
//	identifier    [kind u8][len u8][value]         kind 1: len 4, u32 id
//	                                               kind 2: len 1..255, name
//	consumer      [kind u8][identifier]            kind 1 single, 2 group
//	partition     [present u8][id u32]             present 1 means "use id"
//	partitioning  [kind u8][len u8][value]         1 balanced (len 0),
//	                                               2 partition id (len 4),
//	                                               3 messages key (len 0..255)
//	strategy      [kind u8][value u64]             1 offset, 2 timestamp,
//	                                               3 first, 4 last, 5 next
//
// SendMessages (101) carries a metadata block, an index block and the
// message area; every message is a 64-byte header, the payload, then the
// user-headers block:
//
//	[metadata_length u32][stream id][topic id][partitioning][count u32]
//	[count x [0 u32][end_position u32][0 u64]]
//	[message frames back to back]
//
//	message: checksum u64 | id u128 | offset u64 | timestamp u64 |
//	         origin_timestamp u64 | user_headers_length u32 |
//	         payload_length u32 | reserved u64 | payload | user headers
//
// Decoders report problems as *broker.Error with the code the real server
// uses: 3 (invalid command) for a field that is too short, an unknown enum
// byte or bad UTF-8; 4 (invalid format) for a validation failure such as an
// empty name or a numeric identifier whose length is not 4; 6 (invalid
// identifier) for any identifier problem inside SendMessages; 80 (invalid
// size bytes) for a length field above its limit; and the batch validation
// codes (4009, 4031-4037, 10011) for a malformed message batch. Bytes after
// a fully decoded payload are ignored, as the real server ignores them.
package wire
