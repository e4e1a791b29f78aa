package connector

import (
	"context"
	"fmt"
	"sync"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	ierror "github.com/apache/iggy/foreign/go/errors"
)

// remoteSubscriber reads one partition from offset 0 on the publishing
// connection, as the Remote's single consumer with auto-commit off; it
// stores no offsets, so a reconnect changes nothing for it.
type remoteSubscriber struct {
	r         *Remote
	path      topicPath
	partition uint32

	mu   sync.Mutex // serialises Recv
	next uint64     // next offset to poll
	buf  []Message
	idle *idleWait

	closed chan struct{}
	once   sync.Once
}

// Subscribe reads one partition from its first offset. The subscription
// stores no offset; each Subscribe starts again from the beginning.
func (r *Remote) Subscribe(ctx context.Context, stream, topic string, partition uint32) (Subscriber, error) {
	s, err := r.session(ctx)
	if err != nil {
		return nil, err
	}
	path, err := newTopicPath(stream, topic)
	if err != nil {
		return nil, err
	}

	n, err := topicPartitions(ctx, s, path)
	if err != nil {
		return nil, fmt.Errorf("connector: subscribe %s: %w", path, err)
	}
	if partition >= n {
		return nil, fmt.Errorf("connector: subscribe %s partition %d: %w", path, partition, ierror.ErrPartitionNotFound)
	}

	sub := &remoteSubscriber{
		r: r, path: path, partition: partition, closed: make(chan struct{}),
		idle: newIdleWait(r.opts.pollMin, r.opts.pollMax),
	}
	if !r.track(sub, true) {
		return nil, ErrNotConnected
	}
	return sub, nil
}

// Recv returns the next message, polling with a growing pause while the
// partition has nothing new.
func (s *remoteSubscriber) Recv(ctx context.Context) (*Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	for {
		if len(s.buf) > 0 {
			m := s.buf[0]
			s.buf = s.buf[1:]
			return &m, nil
		}

		if err := s.fill(ctx); err != nil {
			return nil, err
		}
		if len(s.buf) > 0 {
			s.idle.reset()
			continue
		}

		if err := s.idle.wait(ctx, s.closed, s.r.stopped()); err != nil {
			return nil, err
		}
	}
}

// fill polls one batch into the buffer.
func (s *remoteSubscriber) fill(ctx context.Context) error {
	select {
	case <-s.closed:
		return ErrSubscriptionClosed
	default:
	}

	sess, err := s.r.session(ctx)
	if err != nil {
		return err
	}

	var res *iggcon.PolledMessage
	part := s.partition
	s.r.mu.Lock()
	reader := s.r.reader
	s.r.mu.Unlock()

	err = sess.do(ctx, func(_ context.Context, c iggcon.Client) error {
		var err error
		res, err = c.PollMessages(s.path.sid, s.path.tid, reader, iggcon.OffsetPollingStrategy(s.next),
			remotePollBatch, false, &part)
		return err
	})
	if err != nil {
		return fmt.Errorf("connector: poll %s partition %d: %w", s.path, s.partition, err)
	}

	if len(res.Messages) == 0 {
		return nil
	}
	s.buf = fromPolled(s.r.opts.logger, s.path, s.partition, res)
	s.next = s.buf[len(s.buf)-1].Offset + 1
	return nil
}

// Close stops the subscription; a Recv waiting in another goroutine
// returns ErrSubscriptionClosed.
func (s *remoteSubscriber) Close() error {
	s.once.Do(func() {
		close(s.closed)
		s.r.track(s, false)
	})
	return nil
}

// idleWait is the pause of a subscriber between polls that found nothing:
// it doubles from min to max and goes back to min after a message.
type idleWait struct {
	min, max, cur time.Duration
}

func newIdleWait(lo, hi time.Duration) *idleWait {
	return &idleWait{min: lo, max: hi, cur: lo}
}

func (w *idleWait) reset() { w.cur = w.min }

// wait pauses for the current interval and doubles it; it returns early
// with ctx's error, ErrSubscriptionClosed or ErrNotConnected.
func (w *idleWait) wait(ctx context.Context, closed, stopped <-chan struct{}) error {
	t := time.NewTimer(w.cur)
	defer t.Stop()
	w.cur = min(2*w.cur, w.max)

	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-closed:
		return ErrSubscriptionClosed
	case <-stopped:
		return ErrNotConnected
	case <-t.C:
		return nil
	}
}
