package iggy

import "testing"

func TestAckQueue(t *testing.T) {
	type step struct {
		ack    uint64
		commit uint64
		ok     bool
	}
	cases := []struct {
		name      string
		delivered []uint64
		steps     []step
		left      int
	}{
		{"in order", []uint64{0, 1, 2}, []step{{0, 0, true}, {1, 1, true}, {2, 2, true}}, 0},
		{"gap holds the commit", []uint64{0, 1, 2, 3}, []step{{1, 0, false}, {3, 0, false}, {0, 1, true}, {2, 3, true}}, 0},
		{"redelivered offset counts once", []uint64{5, 6, 5}, []step{{6, 0, false}, {5, 6, true}}, 0},
		{"unknown offset", []uint64{4}, []step{{9, 0, false}, {4, 4, true}, {4, 0, false}}, 0},
		{"out of order delivery", []uint64{7, 3, 5}, []step{{3, 3, true}, {7, 0, false}, {5, 7, true}}, 0},
		{"tail waits", []uint64{0, 1, 2}, []step{{0, 0, true}, {2, 0, false}}, 2},
	}
	for _, c := range cases {
		q := newAckQueue()
		for _, o := range c.delivered {
			q.add(o)
		}
		for i, s := range c.steps {
			commit, ok := q.ack(s.ack)
			if ok != s.ok || (ok && commit != s.commit) {
				t.Errorf("%s: step %d ack %d = %d, %v; want %d, %v", c.name, i, s.ack, commit, ok, s.commit, s.ok)
			}
			if ok {
				q.committed(commit)
			}
		}
		if len(q.offsets) != c.left || q.empty() != (c.left == 0) {
			t.Errorf("%s: %d offsets left %v, want %d", c.name, len(q.offsets), q.offsets, c.left)
		}
	}
}
