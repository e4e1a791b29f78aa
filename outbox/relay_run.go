package outbox

import (
	"context"
	"time"
)

// The wake-up schedule. A signal means a row was inserted, but it becomes
// visible only when its transaction commits, some time later. After a
// signal the relay re-checks after 0.5 ms, then doubles the wait up to
// 100 ms, and goes back to its idle poll once it finds rows or the
// schedule runs out. A commit within a few milliseconds of the insert is
// therefore seen within about a millisecond, without polling fast while
// idle.
const (
	recheckFirst = 500 * time.Microsecond
	recheckLast  = 100 * time.Millisecond
)

// recheck is the state of the post-signal schedule; zero means idle.
type recheck struct{ next time.Duration }

func (s *recheck) start()       { s.next = recheckFirst }
func (s *recheck) stop()        { s.next = 0 }
func (s *recheck) active() bool { return s.next > 0 }

// step returns the wait before the next check and advances the schedule.
func (s *recheck) step() time.Duration {
	d := s.next
	switch {
	case d >= recheckLast:
		s.next = 0
	case 2*d > recheckLast:
		s.next = recheckLast
	default:
		s.next = 2 * d
	}
	return d
}

// Run publishes rounds until ctx ends, then returns nil; a claim in
// flight when ctx ends is released so another relay can take the rows at
// once. Errors of single rounds are logged and retried after the poll
// interval; only an invalid configuration makes Run return an error.
//
// A full batch is followed by another round at once. Otherwise the relay
// waits for a wake-up (Bus, WithWakeUp, or the store's Notifier) or the
// poll interval.
func (r *Relay) Run(ctx context.Context) error {
	if r.cfgErr != nil {
		return r.cfgErr
	}
	busCh, notifyCh := r.subscribe()
	defer r.unsubscribe(busCh)

	var sched recheck
	// Since Go 1.23 Reset discards a pending expiry, so the timer can be
	// reused without draining.
	timer := time.NewTimer(r.cfg.PollInterval)
	defer timer.Stop()
	for {
		n, err := r.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.logger.Warn("outbox relay round failed", "worker", r.cfg.WorkerID, "err", err)
			sched.stop()
		}
		if n >= r.cfg.BatchSize && err == nil {
			continue
		}
		if n > 0 {
			sched.stop()
		}

		wait := r.cfg.PollInterval
		if sched.active() {
			wait = sched.step()
		}
		timer.Reset(wait)

		select {
		case <-ctx.Done():
			return nil
		case <-busCh:
			sched.start()
		case <-notifyCh:
			sched.start()
		case <-r.wake:
			sched.start()
		case <-timer.C:
		}
	}
}

// subscribe returns the bus and store wake-up channels; either may be nil,
// which never fires.
func (r *Relay) subscribe() (bus, notify <-chan struct{}) {
	if r.bus != nil {
		bus = r.bus.Subscribe()
	}
	if n, ok := r.store.(Notifier); ok {
		notify = n.Notify()
	}
	return bus, notify
}

func (r *Relay) unsubscribe(bus <-chan struct{}) {
	if r.bus != nil && bus != nil {
		r.bus.Unsubscribe(bus)
	}
}
