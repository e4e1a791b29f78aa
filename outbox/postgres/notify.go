package postgres

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reconnect backoff of the listener.
const (
	listenBackoffMin = 50 * time.Millisecond
	listenBackoffMax = 5 * time.Second
)

// Notify returns a channel that receives a value after a transaction that
// inserted events commits (coalesced: one value may stand for many
// commits) and after the listener (re)connects. The first call starts one
// dedicated connection that LISTENs on the channel; it reconnects with
// backoff (50 ms doubling to 5 s) when lost. Without notifications
// (WithNotify(false)) the channel never receives. A relay still polls as
// a fallback: a lost connection loses the notifications sent meanwhile.
func (s *Store) Notify() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		s.listener = newListener(s.pool.Config().ConnConfig.Copy(), s.cfg.channel, s.cfg.logger)
		if s.cfg.notify && !s.closed {
			s.listener.start()
		}
	}
	return s.listener.wake
}

// Wait blocks until the next notification or until ctx ends, and returns
// ctx's error in the latter case.
func (s *Store) Wait(ctx context.Context) error {
	ch := s.Notify()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// listener owns the LISTEN connection.
type listener struct {
	cfg     *pgx.ConnConfig
	channel string
	log     *slog.Logger
	wake    chan struct{}

	// listening receives after each successful LISTEN; tests use it to
	// know notifications will be seen.
	listening chan struct{}

	// pid is the backend process id of the current connection, 0 while
	// disconnected.
	pid atomic.Uint32

	cancel context.CancelFunc
	done   chan struct{}
}

// listenerAppName is the application_name of the LISTEN connection, so
// that an operator can find it in pg_stat_activity.
const listenerAppName = "iggyflow-outbox-listener"

func newListener(cfg *pgx.ConnConfig, channel string, log *slog.Logger) *listener {
	cfg.RuntimeParams["application_name"] = listenerAppName
	return &listener{
		cfg:       cfg,
		channel:   channel,
		log:       log,
		wake:      make(chan struct{}, 1),
		listening: make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
}

func (l *listener) start() {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.run(ctx)
}

func (l *listener) close() {
	if l.cancel == nil {
		return
	}
	l.cancel()
	<-l.done
}

// signal wakes a waiter without blocking; a pending wake-up already
// stands for this one.
func (l *listener) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *listener) run(ctx context.Context) {
	defer close(l.done)

	backoff := listenBackoffMin
	for ctx.Err() == nil {
		err := l.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("outbox listener lost its connection; reconnecting",
			"channel", l.channel, "err", err, "backoff", backoff)

		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(backoff*2, listenBackoffMax)
	}
}

// listenOnce connects, LISTENs and forwards notifications until the
// connection fails or ctx ends. It signals once after LISTEN succeeds,
// because rows committed while no connection listened are otherwise
// found only by the next poll.
func (l *listener) listenOnce(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return err
	}
	l.pid.Store(conn.PgConn().PID())
	defer func() {
		l.pid.Store(0)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()

	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		return err
	}
	l.log.Debug("outbox listener listening", "channel", l.channel)
	l.signal()
	select {
	case l.listening <- struct{}{}:
	default:
	}

	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		l.signal()
	}
}
