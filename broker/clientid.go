package broker

import "sync/atomic"

// firstClientID starts the range NewClientID hands out, far above the
// small ids tests pick by hand. A TCP client's id (XXH32 of its address)
// can fall in this range too; a clash is as unlikely as two addresses
// hashing alike.
const firstClientID = 1 << 31

var lastClientID atomic.Uint32

func init() { lastClientID.Store(firstClientID - 1) }

// NewClientID returns a client id for an in-process user of the broker:
// 1<<31, 1<<31+1, ... in call order. Group membership is per client id.
func NewClientID() uint32 {
	return lastClientID.Add(1)
}
