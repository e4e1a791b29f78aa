package iggytest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
)

// collect replays opts and returns the sequence numbers seen.
func collect(t *testing.T, tr *iggy.Transport, opts iggy.ReplayOptions) []*iggy.Delivery {
	t.Helper()
	var out []*iggy.Delivery
	err := tr.Replay(ctxFor(t), opts, func(d *iggy.Delivery) error {
		out = append(out, d)
		return nil
	})
	if err != nil {
		t.Fatalf("Replay(%+v): %v", opts, err)
	}
	return out
}

func ptr(v uint64) *uint64 { return &v }

func oneTenant(t *testing.T, tr *iggy.Transport, n int) (uuid.UUID, []*events.Envelope) {
	tenant := uuid.New()
	envs := make([]*events.Envelope, n)
	for i := range envs {
		envs[i] = order(tenant, i)
	}
	publishAll(t, tr, envs...)
	return tenant, envs
}

func testReplayLeavesGroupOffsets(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, _ := e.open()
	oneTenant(t, tr, 10)

	c := subscribe(t, tr, "replayed")
	ack(t, c, receive(t, c, 6)...)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	all := collect(t, tr, iggy.ReplayOptions{})
	if got := seqs(t, all); got != "0,1,2,3,4,5,6,7,8,9" {
		t.Fatalf("replay got %s", got)
	}
	if err := tr.Acknowledge(ctxFor(t), all[0].EventID()); !errors.Is(err, iggy.ErrUnknownEvent) {
		t.Errorf("a replayed delivery is acknowledgeable: %v", err)
	}

	// The group resumes after its last commit, as if no replay happened.
	resumed := receive(t, subscribe(t, tr, "replayed"), 4)
	if got := seqs(t, resumed); got != "6,7,8,9" {
		t.Fatalf("group resumed with %s, want 6,7,8,9", got)
	}

	// Replay does not create groups or offsets for groups that never read.
	fresh := receive(t, subscribe(t, tr, "never-read"), 1)
	if seqOf(t, fresh[0].Envelope) != 0 {
		t.Fatalf("a new group starts at %d", seqOf(t, fresh[0].Envelope))
	}
}

func testReplayByOffset(t *testing.T, b Backend) {
	e := newEnv(t, b, func(c *iggy.Config) { c.Topology.DomainPartitions = 3 })
	tr, _ := e.open()
	_, envs := oneTenant(t, tr, 600) // more than one read batch
	probe := collect(t, tr, iggy.ReplayOptions{Limit: 1})
	p := probe[0].Partition

	cases := []struct {
		name  string
		opts  iggy.ReplayOptions
		first int
		count int
	}{
		{"all", iggy.ReplayOptions{}, 0, 600},
		{"partition", iggy.ReplayOptions{Partitions: []uint32{p}}, 0, 600},
		{"from", iggy.ReplayOptions{FromOffset: ptr(590)}, 590, 10},
		{"to", iggy.ReplayOptions{ToOffset: ptr(4)}, 0, 5},
		{"from-to", iggy.ReplayOptions{FromOffset: ptr(250), ToOffset: ptr(260)}, 250, 11},
		{"single", iggy.ReplayOptions{FromOffset: ptr(7), ToOffset: ptr(7)}, 7, 1},
		{"limit", iggy.ReplayOptions{FromOffset: ptr(100), Limit: 300}, 100, 300},
		{"past-end", iggy.ReplayOptions{FromOffset: ptr(600)}, 0, 0},
	}
	for _, c := range cases {
		got := collect(t, tr, c.opts)
		if len(got) != c.count {
			t.Errorf("%s: %d messages, want %d", c.name, len(got), c.count)
			continue
		}
		for i, d := range got {
			if d.Offset != uint64(c.first+i) || d.Envelope.ID != envs[c.first+i].ID || d.Partition != p {
				t.Errorf("%s: message %d is offset %d partition %d", c.name, i, d.Offset, d.Partition)
				break
			}
		}
	}

	var others []uint32
	for q := range uint32(3) {
		if q != p {
			others = append(others, q)
		}
	}
	if got := collect(t, tr, iggy.ReplayOptions{Partitions: others}); len(got) != 0 {
		t.Errorf("partitions %v without the tenant gave %d messages", others, len(got))
	}

	stop := errors.New("stop")
	n := 0
	err := tr.Replay(ctxFor(t), iggy.ReplayOptions{}, func(*iggy.Delivery) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("handler error: Replay = %v after %d calls", err, n)
	}
}

func testReplayByTime(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, _ := e.open()
	tenant := uuid.New()

	// Three appends separated in time; each append shares one timestamp.
	for batch := range 3 {
		if batch > 0 {
			time.Sleep(30 * time.Millisecond)
		}
		publishAll(t, tr, order(tenant, batch*2), order(tenant, batch*2+1))
	}
	all := collect(t, tr, iggy.ReplayOptions{})
	if len(all) != 6 {
		t.Fatalf("replay all: %d", len(all))
	}
	// Use the broker's own timestamps as bounds, so clock skew between
	// this process and a remote server does not matter.
	t1, t2 := all[2].Timestamp, all[4].Timestamp
	if !t1.After(all[1].Timestamp) || !t2.After(t1) {
		t.Fatalf("batch timestamps do not grow: %v %v %v", all[1].Timestamp, t1, t2)
	}

	cases := []struct {
		name string
		opts iggy.ReplayOptions
		want string
	}{
		{"since", iggy.ReplayOptions{Since: t1}, "2,3,4,5"},
		{"until", iggy.ReplayOptions{Until: t1}, "0,1"},
		{"since-until", iggy.ReplayOptions{Since: t1, Until: t2}, "2,3"},
		{"since-limit", iggy.ReplayOptions{Since: t1, Limit: 3}, "2,3,4"},
		{"since-and-offset", iggy.ReplayOptions{Since: t1, FromOffset: ptr(3)}, "3,4,5"},
		{"offset-until", iggy.ReplayOptions{FromOffset: ptr(1), Until: t2}, "1,2,3"},
		{"future", iggy.ReplayOptions{Since: t2.Add(time.Hour)}, ""},
	}
	for _, c := range cases {
		if got := seqs(t, collect(t, tr, c.opts)); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func testReplayBadOptions(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, _ := e.open()
	now := time.Now()
	noop := func(*iggy.Delivery) error { return nil }

	cases := map[string]iggy.ReplayOptions{
		"from after to":     {FromOffset: ptr(5), ToOffset: ptr(4)},
		"since = until":     {Since: now, Until: now},
		"since after":       {Since: now, Until: now.Add(-time.Second)},
		"negative limit":    {Limit: -1},
		"unknown topic":     {Topic: "orders"},
		"missing partition": {Partitions: []uint32{0, 8}},
	}
	for name, o := range cases {
		if err := tr.Replay(ctxFor(t), o, noop); !errors.Is(err, iggy.ErrBadOptions) {
			t.Errorf("%s: err = %v, want ErrBadOptions", name, err)
		}
	}
	if err := tr.Replay(ctxFor(t), iggy.ReplayOptions{}, nil); !errors.Is(err, iggy.ErrBadOptions) {
		t.Errorf("nil handler: err = %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	oneTenant(t, tr, 1)
	if err := tr.Replay(ctx, iggy.ReplayOptions{}, noop); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}
