package users

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/broker"
)

// TestConcurrentHashesStayWithinTheBound covers login storms: every
// wrong-password login ran its own argon2id hash (19 MiB each by default)
// at once, so 100 connections looping bad logins took 2.4 GB. With a bound
// of 2, no more than 2 hashes may run at a time however many callers wait.
//
// The hook holds each hash that starts until the test lets it finish, so
// without the bound every caller piles up inside and the count passes 2.
func TestConcurrentHashesStayWithinTheBound(t *testing.T) {
	const bound, callers = 2, 8
	s := open(t, t.TempDir(), func(o *Options) { o.MaxConcurrentHashes = bound })

	var queued, running, most, finished atomic.Int32
	gate := make(chan struct{})
	s.onHash = func(e hashEvent) {
		switch e {
		case hashQueued:
			queued.Add(1)
		case hashStarted:
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-gate
		case hashDone:
			running.Add(-1)
			finished.Add(1)
		}
	}

	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Authenticate("iggy", "wrong password")
			errs <- err
		}()
	}

	// Let the hashes finish one at a time, each once as many are running
	// as may run.
	waitFor(t, "every caller queued", func() bool { return queued.Load() == callers })
	for i := 0; i < callers; i++ {
		want := int32(min(bound, callers-i))
		waitFor(t, "hashes running", func() bool { return running.Load() >= want })
		gate <- struct{}{}
		waitFor(t, "a hash done", func() bool { return finished.Load() == int32(i+1) })
	}
	wg.Wait()
	close(errs)

	if m := most.Load(); m != bound {
		t.Fatalf("%d hashes ran at once, want the bound %d", m, bound)
	}
	for err := range errs {
		wantCode(t, err, broker.ErrInvalidCredentials)
	}
}

// TestMaxConcurrentHashesDefault checks the default bound.
func TestMaxConcurrentHashesDefault(t *testing.T) {
	s := open(t, t.TempDir(), nil)
	if got, want := cap(s.hashSlots), s.opts.MaxConcurrentHashes; got != want || want < 1 {
		t.Fatalf("%d hash slots, options say %d", got, want)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s. It
// waits for a state, it does not measure time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}
