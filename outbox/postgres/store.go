package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/iggyflow/iggyflow/outbox"
)

// Store is the PostgreSQL outbox store. It is safe for concurrent use by
// any number of goroutines and processes.
type Store struct {
	cfg   config
	names names
	pool  *pgxpool.Pool
	db    *sql.DB

	// SQL with the schema filled in.
	q queries

	// ownsPool: Close closes the pool (Open), or leaves it (FromPool).
	ownsPool bool

	mu       sync.Mutex // guards listener and closed
	listener *listener
	closed   bool
}

var (
	_ outbox.Store    = (*Store)(nil)
	_ outbox.Admin    = (*Store)(nil)
	_ outbox.Notifier = (*Store)(nil)
)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgx accepts), applies the embedded migrations and
// returns the store. Close releases the pool and the listener.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}

	n, err := newNames(cfg.schema)
	if err != nil {
		return nil, err
	}

	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: parse url: %w", err)
	}
	if cfg.pool != nil {
		cfg.pool(pcfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: create pool: %w", err)
	}

	s, err := newStore(ctx, pool, cfg, n)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.ownsPool = true
	return s, nil
}

// FromPool returns a store on the caller's pgx pool, applying the
// embedded migrations first, so that the application and the outbox share
// one pool. Close then leaves the pool open; WithPoolConfig is ignored.
func FromPool(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	n, err := newNames(cfg.schema)
	if err != nil {
		return nil, err
	}
	return newStore(ctx, pool, cfg, n)
}

func newStore(ctx context.Context, pool *pgxpool.Pool, cfg config, n names) (*Store, error) {
	s := &Store{cfg: cfg, names: n, pool: pool, q: buildQueries(n)}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	s.db = stdlib.OpenDBFromPool(pool)
	return s, nil
}

// DB returns a *sql.DB on the store's pool, for the application's own
// tables and for *sql.Tx transactions given to Bus.PublishInTx. Close
// closes it.
func (s *Store) DB() *sql.DB { return s.db }

// Pool returns the store's pgx pool; a pgx.Tx begun on it and wrapped
// with WrapTx can carry both application writes and events.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close stops the listener and closes the pool if Open created it. It is
// safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.listener != nil {
		s.listener.close()
	}
	_ = s.db.Close()
	if s.ownsPool {
		s.pool.Close()
	}
	return nil
}

func (s *Store) now() time.Time {
	return s.cfg.clock().UTC().Truncate(time.Microsecond)
}
