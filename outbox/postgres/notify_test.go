package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
)

// waitListening waits until the listener has run LISTEN and drains the
// wake-up it sends on connecting.
func waitListening(t *testing.T, s *Store) <-chan struct{} {
	t.Helper()
	ch := s.Notify()
	select {
	case <-s.listener.listening:
	case <-time.After(10 * time.Second):
		t.Fatal("listener did not start listening")
	}
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatal("no wake-up after connecting")
	}
	return ch
}

func expectWake(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("no wake-up %s", what)
	}
}

func TestNotifyOnCommitOnly(t *testing.T) {
	s := openStore(t)
	ch := waitListening(t, s)
	ctx := context.Background()

	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, tx, record(uuid.New())); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Fatal("wake-up before commit")
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Fatal("wake-up after rollback")
	case <-time.After(200 * time.Millisecond):
	}

	insertCommitted(t, s, record(uuid.New()), record(uuid.New()))
	expectWake(t, ch, "after commit")
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := s.Wait(wctx); err == nil {
		// Two inserts in one transaction fold into one notification, so
		// a second value would have to come from somewhere else.
		t.Fatal("a second wake-up for one transaction")
	}
}

func TestNotifyReconnects(t *testing.T) {
	s := openStore(t)
	ch := waitListening(t, s)
	ctx := context.Background()

	var killed bool
	err := s.Pool().QueryRow(ctx, "SELECT pg_terminate_backend($1)", int32(s.listener.pid.Load())).Scan(&killed)
	if err != nil || !killed {
		t.Fatalf("terminate listener backend %d: %v (%v)", s.listener.pid.Load(), err, killed)
	}

	// The new connection signals once on its own, then carries commits.
	select {
	case <-s.listener.listening:
	case <-time.After(10 * time.Second):
		t.Fatal("listener did not reconnect")
	}
	expectWake(t, ch, "after reconnecting")
	insertCommitted(t, s, record(uuid.New()))
	expectWake(t, ch, "after a commit on the new connection")
}

func TestNotifyDisabled(t *testing.T) {
	s := openStore(t, WithNotify(false))
	ch := s.Notify()
	insertCommitted(t, s, record(uuid.New()))
	select {
	case <-ch:
		t.Fatal("wake-up with notifications off")
	case <-time.After(200 * time.Millisecond):
	}
}
