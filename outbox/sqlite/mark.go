package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/outbox"
)

// markChunk bounds the number of ids bound in one statement.
const markChunk = 500

// MarkDispatched marks the given rows dispatched, in one transaction. It
// changes only rows that are still pending under token; if any id is not,
// the others are still marked and the error is outbox.ErrFenced.
func (s *Store) MarkDispatched(ctx context.Context, token int64, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}

	tx, err := s.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("outbox/sqlite: mark dispatched: %w", err)
	}
	defer tx.Rollback()

	now := micros(s.now())
	var changed int64
	for start := 0; start < len(ids); start += markChunk {
		chunk := ids[start:min(start+markChunk, len(ids))]
		n, err := markDispatchedChunk(ctx, tx, token, now, chunk)
		if err != nil {
			return fmt.Errorf("outbox/sqlite: mark dispatched: %w", err)
		}
		changed += n
	}

	if err := tx.Commit(); err != nil {
		return fmt.Errorf("outbox/sqlite: mark dispatched: commit: %w", err)
	}
	if changed != int64(len(ids)) {
		return fmt.Errorf("outbox/sqlite: mark dispatched: %d of %d rows no longer held by token %d: %w",
			int64(len(ids))-changed, len(ids), token, outbox.ErrFenced)
	}
	return nil
}

func markDispatchedChunk(ctx context.Context, tx *Tx, token, now int64, ids []uuid.UUID) (int64, error) {
	args := make([]any, 0, len(ids)+2)
	args = append(args, now, token)
	for _, id := range ids {
		args = append(args, id.String())
	}

	res, err := tx.ExecContext(ctx, markDispatchedSQL(len(ids)), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// markDispatchedSQL is the update for n ids; parameters are the dispatch
// time, the token, then the ids.
func markDispatchedSQL(n int) string {
	return `UPDATE sys_events INDEXED BY sys_events_id
		SET status = 'dispatched', dispatched_at = ?, lease_until = NULL
		WHERE claim_token = ? AND status = 'pending' AND id IN (` + placeholders(n) + `)`
}

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// MarkRetry records a failed attempt and returns the row to the pending
// pool, due at next. It fails with outbox.ErrFenced when token no longer
// holds the row.
func (s *Store) MarkRetry(ctx context.Context, token int64, id uuid.UUID, retryCount int, next time.Time, lastErr string) error {
	const q = `UPDATE sys_events INDEXED BY sys_events_id
		SET retry_count = ?, next_attempt_at = ?, last_error = ?,
		    claimed_by = NULL, claimed_at = NULL, lease_until = NULL, claim_token = NULL
		WHERE id = ? AND claim_token = ? AND status = 'pending'`
	err := s.execOne(ctx, q, retryCount, micros(next), lastErr, id.String(), token)
	if err != nil {
		return fmt.Errorf("outbox/sqlite: mark retry %s: %w", id, err)
	}
	return nil
}

// MarkFailed parks the row as failed with its last error. It fails with
// outbox.ErrFenced when token no longer holds the row.
func (s *Store) MarkFailed(ctx context.Context, token int64, id uuid.UUID, retryCount int, lastErr string) error {
	const q = `UPDATE sys_events INDEXED BY sys_events_id
		SET status = 'failed', retry_count = ?, last_error = ?, lease_until = NULL
		WHERE id = ? AND claim_token = ? AND status = 'pending'`
	err := s.execOne(ctx, q, retryCount, lastErr, id.String(), token)
	if err != nil {
		return fmt.Errorf("outbox/sqlite: mark failed %s: %w", id, err)
	}
	return nil
}

// execOne runs an update that must change exactly one row; changing none
// means the row's claim moved on, which is outbox.ErrFenced.
func (s *Store) execOne(ctx context.Context, q string, args ...any) error {
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return outbox.ErrFenced
	}
	return nil
}

// Release returns the pending rows still held under token to the pool
// without counting an attempt. Rows already marked are not touched, and
// releasing a token that holds nothing is not an error.
func (s *Store) Release(ctx context.Context, token int64) error {
	const q = `UPDATE sys_events
		SET claimed_by = NULL, claimed_at = NULL, lease_until = NULL, claim_token = NULL
		WHERE claim_token = ? AND status = 'pending'`
	if _, err := s.exec(ctx, q, token); err != nil {
		return fmt.Errorf("outbox/sqlite: release token %d: %w", token, err)
	}
	return nil
}
