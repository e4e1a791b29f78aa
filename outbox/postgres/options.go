package postgres

import (
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultNotifyChannel is the LISTEN/NOTIFY channel Insert signals on.
const DefaultNotifyChannel = "iggyflow_outbox"

// Option configures Open.
type Option func(*config)

type config struct {
	schema        string
	logger        *slog.Logger
	clock         func() time.Time
	ordered       bool
	notify        bool
	channel       string
	deleteBatch   int
	claimAttempts int
	pool          func(*pgxpool.Config)
}

func defaultConfig() config {
	return config{
		logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		clock:         time.Now,
		ordered:       true,
		notify:        true,
		channel:       DefaultNotifyChannel,
		deleteBatch:   1000,
		claimAttempts: 3,
	}
}

// WithSchema puts the store's tables in schema, creating it if needed.
// Default: no schema named, so tables resolve through the connection's
// search_path (usually public). The name must match [a-z_][a-z0-9_]*.
func WithSchema(schema string) Option {
	return func(c *config) { c.schema = schema }
}

// WithLogger sets the logger for connection losses and reconnects of the
// notification listener. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithClock sets the clock used for leases, due times and ages. Default:
// time.Now. Times are truncated to microseconds, PostgreSQL's precision.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithTenantOrdering turns the per-tenant rule of Claim on or off.
// Default: on. Off, workers claim any due rows with SKIP LOCKED, so two
// workers may publish one tenant's events concurrently and out of order;
// it exists to measure what the rule costs and for streams where order
// does not matter.
func WithTenantOrdering(on bool) Option {
	return func(c *config) { c.ordered = on }
}

// WithNotify turns the pg_notify in Insert on or off. Default: on.
func WithNotify(on bool) Option {
	return func(c *config) { c.notify = on }
}

// WithNotifyChannel sets the LISTEN/NOTIFY channel. Default:
// DefaultNotifyChannel. Stores on different schemas of one database may
// share a channel; a relay woken for another schema's row only finds
// nothing to claim.
func WithNotifyChannel(channel string) Option {
	return func(c *config) {
		if channel != "" {
			c.channel = channel
		}
	}
}

// WithDeleteBatch sets how many rows DeleteDispatched removes per
// statement. Default: 1000. Smaller batches hold locks for less time.
func WithDeleteBatch(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.deleteBatch = n
		}
	}
}

// WithPoolConfig lets the caller adjust the pgxpool configuration parsed
// from the URL (sizes, timeouts, hooks) before the pool is created.
// Default: pgxpool's defaults (at most max(4, GOMAXPROCS) connections).
func WithPoolConfig(f func(*pgxpool.Config)) Option {
	return func(c *config) { c.pool = f }
}
