package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/iggyflow/iggyflow/outbox"
)

// WrapTx adapts a caller's pgx.Tx to outbox.Tx, so that events can be
// written with Bus.PublishInTx in a transaction begun on pgx. Insert
// recognises the wrapper and writes through the pgx.Tx directly.
// Commit and Rollback have no context; they use context.Background, so a
// caller who needs a deadline on them calls the pgx.Tx itself.
func WrapTx(tx pgx.Tx) outbox.Tx { return &pgxTx{tx: tx} }

// pgxTx is the outbox.Tx returned by WrapTx.
type pgxTx struct{ tx pgx.Tx }

// ExecContext runs query in the wrapped transaction.
func (t *pgxTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	tag, err := t.tx.Exec(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return execResult(tag.RowsAffected()), nil
}

// Commit commits the wrapped transaction.
func (t *pgxTx) Commit() error { return t.tx.Commit(context.Background()) }

// Rollback rolls the wrapped transaction back.
func (t *pgxTx) Rollback() error { return t.tx.Rollback(context.Background()) }

// execResult is the sql.Result of a statement run through pgx.
type execResult int64

func (r execResult) LastInsertId() (int64, error) {
	return 0, errors.New("outbox/postgres: LastInsertId is not supported")
}

func (r execResult) RowsAffected() (int64, error) { return int64(r), nil }

// Insert writes rec in tx, which is a *sql.Tx on this database or a
// pgx.Tx wrapped with WrapTx. Status defaults to pending, NextAttemptAt
// and CreatedAt to now; Seq and the claim fields are assigned by the
// store. With notifications on it also signals the channel, which
// PostgreSQL delivers when tx commits.
func (s *Store) Insert(ctx context.Context, tx outbox.Tx, rec outbox.Record) error {
	if tx == nil {
		return errors.New("outbox/postgres: insert: nil transaction")
	}

	args := s.insertArgs(rec)
	query := s.q.insert
	if s.cfg.notify {
		query = s.q.insertNotify
		args = append(args, s.cfg.channel)
	}

	var err error
	if w, ok := tx.(*pgxTx); ok {
		_, err = w.tx.Exec(ctx, query, args...)
	} else {
		_, err = tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return fmt.Errorf("outbox/postgres: insert event %s: %w", rec.ID, err)
	}
	return nil
}

func (s *Store) insertArgs(rec outbox.Record) []any {
	now := s.now()
	status := rec.Status
	if status == "" {
		status = outbox.StatusPending
	}
	next := rec.NextAttemptAt
	if next.IsZero() {
		next = now
	}
	created := rec.CreatedAt
	if created.IsZero() {
		created = now
	}

	payload := rec.Payload
	if payload == nil {
		payload = []byte{}
	}
	return []any{
		rec.ID, rec.TenantID, rec.EventType, int32(rec.SchemaVersion), payload,
		string(status), int32(rec.RetryCount), next.UTC(), created.UTC(),
	}
}
