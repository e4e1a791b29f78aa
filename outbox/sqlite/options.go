package sqlite

import (
	"io"
	"log/slog"
	"time"
)

// Option configures Open.
type Option func(*config)

type config struct {
	busyTimeout time.Duration
	synchronous string
	logger      *slog.Logger
	now         func() time.Time
}

func defaultConfig() config {
	return config{
		busyTimeout: 5 * time.Second,
		synchronous: "FULL",
		logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		now:         time.Now,
	}
}

// WithBusyTimeout sets how long a statement waits for a lock held by
// another connection before failing with SQLITE_BUSY. Default 5 s;
// resolution is one millisecond.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = d }
}

// WithSynchronous sets PRAGMA synchronous: "FULL" (the default) syncs the
// WAL on every commit, so a committed event survives a power loss;
// "NORMAL" syncs only at checkpoints, which is faster and still keeps
// the event and the application's rows together, but may lose the last
// commits on a power loss (not on a process crash).
func WithSynchronous(mode string) Option {
	return func(c *config) { c.synchronous = mode }
}

// WithLogger sets the logger for migrations and housekeeping. Default: a
// logger that discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithClock sets the clock used for created_at, leases and due times.
// Default time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}
