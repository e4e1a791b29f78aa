package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/iggyflow/iggyflow/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

const migrationsDDLSQL = `CREATE TABLE IF NOT EXISTS {migrations} (
	version    integer     PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// migrate applies the migrations not yet recorded, all in one transaction
// under an advisory lock keyed by the schema, so that processes starting
// together apply them once: the first takes the lock, the others wait and
// then find every version recorded.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("outbox/postgres: %w", err)
	}

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("outbox/postgres: migrate: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()

	if err := s.prepareMigrations(ctx, tx); err != nil {
		return err
	}
	done, err := appliedVersions(ctx, tx, s.names.expand("SELECT version FROM {migrations}"))
	if err != nil {
		return err
	}

	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if _, err := tx.Exec(ctx, s.names.expand(m.SQL)); err != nil {
			return fmt.Errorf("outbox/postgres: apply migration %s: %w", m.Name, err)
		}
		record := s.names.expand("INSERT INTO {migrations} (version, name) VALUES ($1, $2)")
		if _, err := tx.Exec(ctx, record, m.Version, m.Name); err != nil {
			return fmt.Errorf("outbox/postgres: record migration %s: %w", m.Name, err)
		}
	}

	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("outbox/postgres: migrate: commit: %w", err)
	}
	return nil
}

// prepareMigrations takes the migration lock, then creates the schema
// and the version table if missing. Both CREATEs run under the lock:
// CREATE ... IF NOT EXISTS alone still fails with a unique violation when
// two sessions run it at the same moment.
func (s *Store) prepareMigrations(ctx context.Context, tx pgx.Tx) error {
	key := "iggyflow.outbox.migrate:" + s.names.schema
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key); err != nil {
		return fmt.Errorf("outbox/postgres: migrate: lock: %w", err)
	}

	if s.names.schema != "" {
		ddl := "CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{s.names.schema}.Sanitize()
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return fmt.Errorf("outbox/postgres: create schema %s: %w", s.names.schema, err)
		}
	}
	if _, err := tx.Exec(ctx, s.q.migrationsDDL); err != nil {
		return fmt.Errorf("outbox/postgres: create migrations table: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, tx pgx.Tx, query string) (map[int]bool, error) {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: read applied migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: read applied migrations: %w", err)
	}

	done := make(map[int]bool, len(versions))
	for _, v := range versions {
		done[int(v)] = true
	}
	return done, nil
}
