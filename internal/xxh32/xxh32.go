// Package xxh32 computes the 32-bit xxHash (XXH32) of a byte slice.
//
// Iggy uses XXH32 with seed 0 in two places the broker must match bit for
// bit: the partition of a MessagesKey append (hash mod partition count) and
// the numeric id of a consumer named by a string. The algorithm reads the
// input in 16-byte stripes through four 32-bit lanes, then folds the tail in
// 4-byte words and single bytes, and finishes with an avalanche step. All
// words are read little-endian.
package xxh32

import (
	"encoding/binary"
	"math/bits"
)

const (
	prime1 uint32 = 2654435761
	prime2 uint32 = 2246822519
	prime3 uint32 = 3266489917
	prime4 uint32 = 668265263
	prime5 uint32 = 374761393
)

// Sum returns XXH32 of b with the given seed.
func Sum(b []byte, seed uint32) uint32 {
	n := len(b)

	var h uint32
	if n >= 16 {
		h = stripes(b, seed)
		b = b[n&^15:]
	} else {
		h = seed + prime5
	}
	h += uint32(n)

	return avalanche(tail(h, b))
}

// stripes consumes every whole 16-byte stripe of b and merges the lanes.
func stripes(b []byte, seed uint32) uint32 {
	v1 := seed + prime1 + prime2
	v2 := seed + prime2
	v3 := seed
	v4 := seed - prime1

	for len(b) >= 16 {
		v1 = round(v1, binary.LittleEndian.Uint32(b[0:]))
		v2 = round(v2, binary.LittleEndian.Uint32(b[4:]))
		v3 = round(v3, binary.LittleEndian.Uint32(b[8:]))
		v4 = round(v4, binary.LittleEndian.Uint32(b[12:]))
		b = b[16:]
	}

	return bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) +
		bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
}

func round(acc, lane uint32) uint32 {
	acc += lane * prime2
	return bits.RotateLeft32(acc, 13) * prime1
}

// tail folds the last 0..15 bytes into h.
func tail(h uint32, b []byte) uint32 {
	for len(b) >= 4 {
		h += binary.LittleEndian.Uint32(b) * prime3
		h = bits.RotateLeft32(h, 17) * prime4
		b = b[4:]
	}

	for _, c := range b {
		h += uint32(c) * prime5
		h = bits.RotateLeft32(h, 11) * prime1
	}
	return h
}

func avalanche(h uint32) uint32 {
	h ^= h >> 15
	h *= prime2
	h ^= h >> 13
	h *= prime3
	h ^= h >> 16
	return h
}
