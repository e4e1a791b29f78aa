package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is an outbox.Store and outbox.Admin on one SQLite database file.
// It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	now    func() time.Time
	logger *slog.Logger
	gate   writeGate
}

// Open opens (creating if needed) the SQLite database file at path, sets WAL
// mode, the busy timeout and foreign keys, and applies the embedded
// migrations. Calling Open again on the same file is safe.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}

	dsn, err := buildDSN(path, cfg)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("outbox/sqlite: open %s: %w", path, err)
	}

	s := &Store{db: db, now: cfg.now, logger: cfg.logger, gate: newWriteGate()}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox/sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// buildDSN turns a file path and the options into a modernc DSN. Pragmas
// in the DSN run on every new connection of the pool.
func buildDSN(path string, cfg config) (string, error) {
	if path == "" {
		return "", fmt.Errorf("outbox/sqlite: open: empty path")
	}
	if path == ":memory:" || strings.Contains(path, "mode=memory") {
		// Every connection of the pool would get its own empty database.
		return "", fmt.Errorf("outbox/sqlite: open %s: in-memory databases are not supported; use a file", path)
	}
	switch strings.ToUpper(cfg.synchronous) {
	case "OFF", "NORMAL", "FULL", "EXTRA":
	default:
		return "", fmt.Errorf("outbox/sqlite: open: synchronous %q is not OFF, NORMAL, FULL or EXTRA", cfg.synchronous)
	}

	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "cache_size(-16000)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "synchronous("+strings.ToUpper(cfg.synchronous)+")")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode(), nil
}

// DB returns the database handle, for the application's own tables and
// transactions. Transactions begun on it start with BEGIN IMMEDIATE.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database handle.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("outbox/sqlite: close: %w", err)
	}
	return nil
}
