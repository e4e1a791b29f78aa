package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/iggyflow/iggyflow/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateRetryFor bounds how long Open retries a migration that found the
// database busy: 5 s, the default busy timeout.
const migrateRetryFor = 5 * time.Second

// migrate applies every migration not yet recorded in schema_migrations,
// all in one IMMEDIATE transaction, so two processes opening the same
// file at once apply each migration exactly once. When several open a
// new file at the same moment, SQLite can answer SQLITE_BUSY at once,
// without waiting out the busy timeout, while another connection is
// switching the file to WAL; such a migration is tried again.
func (s *Store) migrate(ctx context.Context) error {
	migs, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("outbox/sqlite: %w", err)
	}

	deadline := time.Now().Add(migrateRetryFor)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err = s.migrateOnce(ctx, migs)
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var se *msqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

func (s *Store) migrateOnce(ctx context.Context, migs []migrations.Migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback()

	const ddl = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL)`
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}

	for _, m := range migs {
		if applied[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.Name, err)
		}
		const rec = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
		if _, err := tx.ExecContext(ctx, rec, m.Version, m.Name, micros(s.now())); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.Name, err)
		}
		s.logger.Info("outbox migration applied", "migration", m.Name)
	}

	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	defer rows.Close()

	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("migrate: scan schema_migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	return applied, nil
}
