package iggy

import "slices"

// ackQueue tracks the delivered, not yet committed offsets of one
// partition. The group's offset may only move over a prefix of
// acknowledged messages: committing offset n tells the broker that every
// message up to n is done.
type ackQueue struct {
	offsets []uint64        // delivered and uncommitted, ascending, unique
	acked   map[uint64]bool // acknowledged among offsets
}

func newAckQueue() *ackQueue { return &ackQueue{acked: make(map[uint64]bool)} }

// add records a delivery; a redelivered offset is recorded once.
func (q *ackQueue) add(off uint64) {
	i, found := slices.BinarySearch(q.offsets, off)
	if !found {
		q.offsets = slices.Insert(q.offsets, i, off)
	}
}

// ack marks off acknowledged and returns the offset to commit: the last of
// the acknowledged prefix. ok is false when nothing new can be committed
// (off unknown or already committed, or an earlier offset is unacked).
func (q *ackQueue) ack(off uint64) (commit uint64, ok bool) {
	if _, found := slices.BinarySearch(q.offsets, off); !found {
		return 0, false
	}
	q.acked[off] = true

	n := 0
	for n < len(q.offsets) && q.acked[q.offsets[n]] {
		n++
	}
	if n == 0 {
		return 0, false
	}
	return q.offsets[n-1], true
}

// committed drops every offset up to and including off.
func (q *ackQueue) committed(off uint64) {
	n, found := slices.BinarySearch(q.offsets, off)
	if found {
		n++
	}

	for _, o := range q.offsets[:n] {
		delete(q.acked, o)
	}
	q.offsets = slices.Delete(q.offsets, 0, n)
}

// empty reports whether nothing is waiting.
func (q *ackQueue) empty() bool { return len(q.offsets) == 0 }
