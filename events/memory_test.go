package events

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func envelopes(n int) []*Envelope {
	out := make([]*Envelope, n)
	for i := range out {
		out[i] = NewEnvelope(tenant, nil, &OrderCompleted{OrderID: id1})
	}
	return out
}

func TestMemoryTransportRecordsAndDelivers(t *testing.T) {
	tr := NewMemoryTransport()
	defer tr.Close()
	sub := tr.Subscribe(10)
	ctx := context.Background()

	envs := envelopes(3)
	if err := tr.Publish(ctx, envs[0]); err != nil {
		t.Fatal(err)
	}
	if err := tr.PublishBatch(ctx, envs[1:]); err != nil {
		t.Fatal(err)
	}

	got := tr.Published()
	if len(got) != 3 {
		t.Fatalf("%d published, want 3", len(got))
	}
	for i, env := range got {
		if env.ID != envs[i].ID {
			t.Errorf("published[%d] = %s, want %s", i, env.ID, envs[i].ID)
		}
		if received := <-sub; received.ID != envs[i].ID {
			t.Errorf("subscriber got %s at %d, want %s", received.ID, i, envs[i].ID)
		}
	}

	envs[0].RetryCount = 9
	if tr.Published()[0].RetryCount != 0 {
		t.Error("the record shares the caller's envelope")
	}
	if tr.ReliabilityLevel() != InMemory {
		t.Errorf("reliability %v", tr.ReliabilityLevel())
	}
}

func TestMemoryTransportFailNext(t *testing.T) {
	tr := NewMemoryTransport()
	defer tr.Close()
	ctx := context.Background()
	boom := errors.New("broker down")
	tr.FailNext(2, boom)

	envs := envelopes(3)
	for i, env := range envs {
		err := tr.Publish(ctx, env)
		if wantFail := i < 2; wantFail != errors.Is(err, boom) {
			t.Fatalf("publish %d: error %v", i, err)
		}
	}
	if got := tr.Published(); len(got) != 1 || got[0].ID != envs[2].ID {
		t.Fatalf("published %v, want only the third", got)
	}
}

// TestMemoryTransportBatchStopsAtFailure: a failure partway leaves the
// prefix published, as the Transport contract allows.
func TestMemoryTransportBatchStopsAtFailure(t *testing.T) {
	tr := NewMemoryTransport()
	defer tr.Close()
	boom := errors.New("full")
	envs := envelopes(4)
	calls := 0
	tr.SetHook(func(env *Envelope) error {
		calls++
		if env.ID == envs[2].ID {
			return boom
		}
		return nil
	})

	err := tr.PublishBatch(context.Background(), envs)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the hook's", err)
	}
	if got := tr.Published(); len(got) != 2 || calls != 3 {
		t.Fatalf("%d published after %d hook calls, want 2 after 3", len(got), calls)
	}

	tr.SetHook(nil)
	if err := tr.PublishBatch(context.Background(), envs[2:]); err != nil {
		t.Fatalf("retry of the rest: %v", err)
	}
	if got := tr.Published(); len(got) != 4 || got[3].ID != envs[3].ID {
		t.Fatalf("published %d after retry", len(got))
	}
}

func TestMemoryTransportAcknowledge(t *testing.T) {
	tr := NewMemoryTransport()
	ctx := context.Background()
	if err := tr.Acknowledge(ctx, id1); err != nil {
		t.Fatal(err)
	}
	if err := tr.Acknowledge(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if got := tr.Acknowledged(); len(got) != 2 || got[0] != id1 || got[1] != id2 {
		t.Fatalf("acknowledged %v", got)
	}

	tr.Close()
	if err := tr.Acknowledge(ctx, id3); !errors.Is(err, ErrTransportClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestMemoryTransportContext(t *testing.T) {
	tr := NewMemoryTransport()
	defer tr.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.Publish(ctx, envelopes(1)[0]); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled publish: %v", err)
	}
	if len(tr.Published()) != 0 {
		t.Fatal("cancelled publish was recorded")
	}

	// A subscriber that never reads holds the publisher until its context
	// ends.
	tr.Subscribe(0)
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := tr.Publish(ctx, envelopes(1)[0]); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked publish: %v", err)
	}
}

func TestMemoryTransportCloseReleasesPublisher(t *testing.T) {
	tr := NewMemoryTransport()
	sub := tr.Subscribe(0)
	done := make(chan error)
	go func() { done <- tr.Publish(context.Background(), envelopes(1)[0]) }()

	// Wait until the publisher is recorded, so it is blocked on delivery.
	for len(tr.Published()) == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrTransportClosed) {
		t.Fatalf("blocked publish after close: %v", err)
	}
	if _, open := <-sub; open {
		t.Fatal("subscriber channel still open")
	}
	if err := tr.Publish(context.Background(), envelopes(1)[0]); !errors.Is(err, ErrTransportClosed) {
		t.Fatalf("publish after close: %v", err)
	}
	if _, open := <-tr.Subscribe(1); open {
		t.Fatal("subscription after close is open")
	}
	if err := tr.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

// TestMemoryTransportConcurrentOrder publishes from several goroutines:
// every subscriber sees the order the record has.
func TestMemoryTransportConcurrentOrder(t *testing.T) {
	tr := NewMemoryTransport()
	defer tr.Close()
	const writers, each = 4, 50
	subs := []<-chan *Envelope{tr.Subscribe(writers * each), tr.Subscribe(writers * each)}

	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, env := range envelopes(each) {
				if err := tr.Publish(context.Background(), env); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()

	record := tr.Published()
	if len(record) != writers*each {
		t.Fatalf("%d recorded", len(record))
	}
	for s, sub := range subs {
		for i, want := range record {
			if got := <-sub; got != want {
				t.Fatalf("subscriber %d: envelope %d is %s, want %s", s, i, got.ID, want.ID)
			}
		}
	}
}

func TestMemoryTransportRejectsNil(t *testing.T) {
	tr := NewMemoryTransport()
	defer tr.Close()
	if err := tr.Publish(context.Background(), nil); err == nil {
		t.Fatal("published nil")
	}
}
