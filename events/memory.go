package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// ErrTransportClosed is returned by a closed MemoryTransport.
var ErrTransportClosed = errors.New("events: transport closed")

// MemoryTransport is a Transport that keeps envelopes in the process, for
// tests and single-process setups. It records everything published and
// acknowledged, fans envelopes out to subscribers in publish order, and
// can be told to fail, so that code driving a transport (such as the
// outbox relay) can be tested against a real implementation. It loses
// everything on exit. The zero value is not usable; call
// NewMemoryTransport.
type MemoryTransport struct {
	// deliverMu serialises publishes, so that the record and every
	// subscriber see envelopes in one order.
	deliverMu sync.Mutex
	// done is closed by Close to release publishes blocked on a full
	// subscriber.
	done chan struct{}

	mu        sync.Mutex
	published []*Envelope
	acked     []uuid.UUID
	subs      []chan *Envelope
	failLeft  int
	failErr   error
	hook      func(*Envelope) error
	closed    bool
}

// NewMemoryTransport returns an empty transport.
func NewMemoryTransport() *MemoryTransport {
	return &MemoryTransport{done: make(chan struct{})}
}

// ReliabilityLevel returns InMemory.
func (t *MemoryTransport) ReliabilityLevel() ReliabilityLevel { return InMemory }

// Publish records a shallow copy of env and hands it to every subscriber,
// waiting while a subscriber's buffer is full until ctx ends. A failure set
// up with FailNext or SetHook rejects the envelope before it is recorded.
// When ctx ends during hand-off the envelope stays recorded but may have
// reached only some subscribers.
func (t *MemoryTransport) Publish(ctx context.Context, env *Envelope) error {
	if env == nil {
		return errors.New("events: memory transport: publish nil envelope")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("events: memory transport: publish %s: %w", env.ID, err)
	}

	t.deliverMu.Lock()
	defer t.deliverMu.Unlock()
	stored, subs, err := t.accept(env)
	if err != nil {
		return fmt.Errorf("events: memory transport: publish %s: %w", env.ID, err)
	}

	for _, ch := range subs {
		select {
		case ch <- stored:
		case <-ctx.Done():
			return fmt.Errorf("events: memory transport: deliver %s: %w", env.ID, ctx.Err())
		case <-t.done:
			return fmt.Errorf("events: memory transport: deliver %s: %w", env.ID, ErrTransportClosed)
		}
	}
	return nil
}

// accept applies injected failures and records env. The hook runs without
// t.mu held, so it may read Published; it must not publish.
func (t *MemoryTransport) accept(env *Envelope) (*Envelope, []chan *Envelope, error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, nil, ErrTransportClosed
	}
	if t.failLeft > 0 {
		t.failLeft--
		err := t.failErr
		t.mu.Unlock()
		return nil, nil, err
	}
	hook := t.hook
	t.mu.Unlock()

	if hook != nil {
		if err := hook(env); err != nil {
			return nil, nil, err
		}
	}

	stored := new(Envelope)
	*stored = *env
	t.mu.Lock()
	defer t.mu.Unlock()
	t.published = append(t.published, stored)
	return stored, slices.Clone(t.subs), nil
}

// PublishBatch publishes envs in order and stops at the first failure,
// returning a *BatchError that counts the published prefix.
func (t *MemoryTransport) PublishBatch(ctx context.Context, envs []*Envelope) error {
	for i, env := range envs {
		if err := t.Publish(ctx, env); err != nil {
			return &BatchError{Published: i,
				Err: fmt.Errorf("events: memory transport: batch entry %d of %d: %w", i, len(envs), err)}
		}
	}
	return nil
}

// Acknowledge records eventID; Acknowledged lists what was recorded.
func (t *MemoryTransport) Acknowledge(ctx context.Context, eventID uuid.UUID) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("events: memory transport: acknowledge %s: %w", eventID, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return fmt.Errorf("events: memory transport: acknowledge %s: %w", eventID, ErrTransportClosed)
	}
	t.acked = append(t.acked, eventID)
	return nil
}

// Published returns the envelopes published so far, oldest first.
func (t *MemoryTransport) Published() []*Envelope {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.published)
}

// Acknowledged returns the event ids acknowledged so far, oldest first.
func (t *MemoryTransport) Acknowledged() []uuid.UUID {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.acked)
}

// Subscribe returns a channel receiving every envelope published from now
// on, with room for buffer envelopes (0 makes each publish wait for the
// reader). A full channel holds publishers back. Close closes the
// channel.
func (t *MemoryTransport) Subscribe(buffer int) <-chan *Envelope {
	ch := make(chan *Envelope, max(buffer, 0))
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		close(ch)
		return ch
	}
	t.subs = append(t.subs, ch)
	return ch
}

// FailNext makes the next n envelopes offered to Publish or PublishBatch
// fail with err (wrapped, so errors.Is finds it) without being recorded.
// It replaces any failures still pending; n <= 0 clears them.
func (t *MemoryTransport) FailNext(n int, err error) {
	if err == nil {
		err = errors.New("injected failure")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failLeft, t.failErr = max(n, 0), err
}

// SetHook installs a function called with every envelope before it is
// recorded (after FailNext failures are used up); a non-nil error fails
// the publish. nil removes the hook.
func (t *MemoryTransport) SetHook(hook func(*Envelope) error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hook = hook
}

// Close fails later calls with ErrTransportClosed, releases publishes
// waiting on subscribers and closes the subscriber channels. It is safe
// to call more than once.
func (t *MemoryTransport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	close(t.done)
	t.mu.Unlock()

	t.deliverMu.Lock()
	defer t.deliverMu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, ch := range t.subs {
		close(ch)
	}
	t.subs = nil
	return nil
}

var _ Transport = (*MemoryTransport)(nil)
