package iggytest

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
)

const (
	orderTenants   = 24
	orderPerTenant = 25
)

// interleaved returns orderPerTenant events for each of orderTenants
// tenants in a random interleaving that keeps each tenant's own order.
func interleaved(seed uint64) ([]uuid.UUID, []*events.Envelope) {
	rng := rand.New(rand.NewPCG(seed, 7))
	tenants := make([]uuid.UUID, orderTenants)
	next := make([]int, orderTenants)
	for i := range tenants {
		tenants[i] = uuid.New()
	}

	var out []*events.Envelope
	for len(out) < orderTenants*orderPerTenant {
		i := rng.IntN(orderTenants)
		if next[i] == orderPerTenant {
			continue
		}
		out = append(out, order(tenants[i], next[i]))
		next[i]++
	}
	return tenants, out
}

// publishMixed sends envs partly one by one and partly in batches of
// random size, in order.
func publishMixed(t *testing.T, tr *iggy.Transport, envs []*events.Envelope) {
	rng := rand.New(rand.NewPCG(3, 9))
	ctx := ctxFor(t)
	for len(envs) > 0 {
		n := min(1+rng.IntN(40), len(envs))
		var err error
		if n == 1 {
			err = tr.Publish(ctx, envs[0])
		} else {
			err = tr.PublishBatch(ctx, envs[:n])
		}
		if err != nil {
			t.Fatalf("publish: %v", err)
		}
		envs = envs[n:]
	}
}

// checker verifies per-tenant order and that each tenant stays in one
// partition.
type checker struct {
	mu        sync.Mutex
	next      map[uuid.UUID]int
	partition map[uuid.UUID]uint32
}

func newChecker() *checker {
	return &checker{next: map[uuid.UUID]int{}, partition: map[uuid.UUID]uint32{}}
}

// see checks one delivery; it may be called from several goroutines.
func (c *checker) see(t *testing.T, d *iggy.Delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()

	tenant := d.Envelope.TenantID
	if p, ok := c.partition[tenant]; ok && p != d.Partition {
		t.Errorf("tenant %s in partitions %d and %d", tenant, p, d.Partition)
	}
	c.partition[tenant] = d.Partition

	o, ok := d.Envelope.Event.(*events.OrderPlaced)
	if !ok {
		t.Errorf("event %s is %T, want *events.OrderPlaced", d.Envelope.ID, d.Envelope.Event)
		return
	}
	if got, want := int(o.Total), c.next[tenant]; got != want {
		t.Errorf("tenant %s: got event %d, want %d (partition %d offset %d)", tenant, got, want, d.Partition, d.Offset)
	}
	c.next[tenant]++
}

func (c *checker) done(t *testing.T, tenants []uuid.UUID) {
	used := map[uint32]bool{}
	for _, tn := range tenants {
		if c.next[tn] != orderPerTenant {
			t.Errorf("tenant %s: received %d events, want %d", tn, c.next[tn], orderPerTenant)
		}
		used[c.partition[tn]] = true
	}
	if len(used) < 4 {
		t.Errorf("%d tenants used only %d of 8 partitions", len(tenants), len(used))
	}
}

func testTenantOrder(t *testing.T, b Backend) {
	e := newEnv(t, b, func(c *iggy.Config) { c.Topology.DomainPartitions = 8 })
	tr, _ := e.open()
	c := subscribe(t, tr, "order")

	tenants, envs := interleaved(1)
	publishMixed(t, tr, envs)

	chk := newChecker()
	for _, d := range receive(t, c, len(envs)) {
		chk.see(t, d)
		ack(t, c, d)
	}
	chk.done(t, tenants)
	expectNothing(t, c)
}

// testTenantOrderTwoMembers consumes with two members of one group at
// once, acknowledging as it goes, while the events are being published.
func testTenantOrderTwoMembers(t *testing.T, b Backend) {
	e := newEnv(t, b, func(c *iggy.Config) { c.Topology.DomainPartitions = 8 })
	tr, _ := e.open()
	members := []*iggy.Consumer{subscribe(t, tr, "pair"), subscribe(t, tr, "pair")}

	tenants, envs := interleaved(2)
	chk := newChecker()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	var mu sync.Mutex
	got, perMember := 0, make([]int, 2)
	for i, c := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				d, err := c.Receive(ctx)
				if err != nil {
					return
				}
				chk.see(t, d)
				if err := c.Ack(ctx, d); err != nil {
					t.Errorf("ack: %v", err)
				}

				mu.Lock()
				got++
				perMember[i]++
				if got == len(envs) {
					cancel()
				}
				mu.Unlock()
			}
		}()
	}

	publishMixed(t, tr, envs)
	wg.Wait()

	chk.done(t, tenants)
	if perMember[0] == 0 || perMember[1] == 0 {
		t.Errorf("deliveries per member %v: both members should share the partitions", perMember)
	}
}

func testRouting(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	tr, _ := e.open()
	domain := subscribe(t, tr, "routing")
	system := subscribe(t, tr, "routing", iggy.WithTopic(iggy.TopicSystem))

	tenant := uuid.New()
	sys := events.NewEnvelope(tenant, nil, &events.TenantCreated{TenantID: tenant})
	dom := order(tenant, 0)
	publishAll(t, tr, sys, dom)

	d := receive(t, domain, 1)[0]
	if d.Topic != iggy.TopicDomain || d.Envelope.ID != dom.ID {
		t.Errorf("domain consumer got %s event %s", d.Topic, d.Envelope.EventType)
	}
	s := receive(t, system, 1)[0]
	if s.Topic != iggy.TopicSystem || s.Envelope.ID != sys.ID {
		t.Errorf("system consumer got %s event %s", s.Topic, s.Envelope.EventType)
	}

	h := s.Headers
	if h["event_id"] != sys.ID.String() || h["event_type"] != "tenant.created" ||
		h["tenant_id"] != tenant.String() || h["schema_version"] != "1" || h["content_type"] == "" {
		t.Errorf("headers %v", h)
	}
	if s.MessageID != sys.ID || s.EventID() != sys.ID {
		t.Errorf("message id %s, event id %s, want %s", s.MessageID, s.EventID(), sys.ID)
	}
	if s.Timestamp.IsZero() || time.Since(s.Timestamp) > time.Minute {
		t.Errorf("timestamp %v", s.Timestamp)
	}
	expectNothing(t, domain)
}
