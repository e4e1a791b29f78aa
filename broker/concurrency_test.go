package broker

import (
	"sync"
	"testing"
	"time"
)

// TestConcurrentAppendPollAndAdmin runs appends to every partition, polls
// and structure changes at once; with -race it checks the locking, and it
// checks that no append is lost or reordered within its partition.
func TestConcurrentAppendPollAndAdmin(t *testing.T) {
	b := openTest(t, t.TempDir(), func(o *Options) { o.SegmentSize = 4096 })
	defer mustClose(t, b)
	setup(t, b, 4)
	b.CreateGroup(sName, tName, "g")

	const perWriter = 200
	var wg sync.WaitGroup
	for p := uint32(0); p < 4; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i += 4 {
				if _, err := b.Append(sName, tName, Partitioning{Kind: PartitionID, Partition: p}, msgs(i, 4)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}

	stop := make(chan struct{})
	var side sync.WaitGroup
	side.Add(2)
	go func() {
		defer side.Done()
		client := NewClientID()
		b.JoinGroup(sName, tName, gName, client)
		for {
			select {
			case <-stop:
				return
			default:
			}
			b.Poll(sName, tName, PollRequest{Consumer: groupC(), ClientID: client, Count: 10,
				Strategy: PollingStrategy{Kind: StrategyNext}, AutoCommit: true})
			b.Stats()
		}
	}()
	go func() {
		defer side.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := "side" + itoa(int64(i%3))
			b.CreateStream(name)
			b.Streams()
			b.DeleteStream(ByName(name))
			b.RunCleaner()
		}
	}()

	wg.Wait()
	close(stop)
	side.Wait()

	for p := uint32(0); p < 4; p++ {
		checkRun(t, pollOffset(t, b, p, 0, 1000).Messages, 0, 0, perWriter)
	}
}

func TestFsyncPolicies(t *testing.T) {
	for _, policy := range []FsyncPolicy{FsyncNever, FsyncEveryAppend, FsyncInterval} {
		t.Run(policy.String(), func(t *testing.T) {
			dir := t.TempDir()
			adjust := func(o *Options) {
				o.Fsync = policy
				o.FsyncInterval = 10 * time.Millisecond
				o.SegmentSize = int64(6 * frameBytes)
			}
			b := openTest(t, dir, adjust)
			setup(t, b, 1)
			appendTo(t, b, 0, 0, 15)
			b.StoreOffset(single(1), 0, sName, tName, nil, 4)

			if policy == FsyncInterval {
				waitSynced(t, b)
			}
			mustClose(t, b)

			b = openTest(t, dir, adjust)
			defer mustClose(t, b)
			checkRun(t, pollOffset(t, b, 0, 0, 100).Messages, 0, 0, 15)
			if off, ok, _ := b.GetOffset(single(1), 0, sName, tName, nil); !ok || off.StoredOffset != 4 {
				t.Fatalf("offset = %+v %v", off, ok)
			}
		})
	}
}

// waitSynced waits until the background syncer has flushed partition 0.
func waitSynced(t *testing.T, b *Broker) {
	t.Helper()
	b.mu.RLock()
	_, tp, _ := b.topic(sName, tName)
	p := tp.parts[0]
	b.mu.RUnlock()

	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.RLock()
		dirty := p.unsynced
		p.mu.RUnlock()
		if !dirty {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the interval syncer never ran")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClosedBrokerRefusesWork(t *testing.T) {
	b := openTest(t, t.TempDir())
	setup(t, b, 1)
	mustClose(t, b)
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	if _, err := b.CreateStream("x"); err == nil {
		t.Fatal("CreateStream after Close succeeded")
	}
	if _, err := b.Append(sName, tName, Partitioning{Kind: Balanced}, msgs(0, 1)); err == nil {
		t.Fatal("Append after Close succeeded")
	}
	if _, err := b.Poll(sName, tName, PollRequest{Consumer: single(1), Count: 1,
		Strategy: PollingStrategy{Kind: StrategyFirst}}); err == nil {
		t.Fatal("Poll after Close succeeded")
	}
}

func TestNewClientIDHighRange(t *testing.T) {
	a, b := NewClientID(), NewClientID()
	if a < firstClientID || b != a+1 {
		t.Fatalf("NewClientID gave %d then %d", a, b)
	}
}
