package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/outbox"
)

// Get returns the row of event id, or an error wrapping outbox.ErrNotFound.
func (s *Store) Get(ctx context.Context, id uuid.UUID) (outbox.Record, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM sys_events INDEXED BY sys_events_id WHERE id = ?`, id.String())
	rec, err := scanRecord(row)
	if errors.Is(err, sql.ErrNoRows) {
		return outbox.Record{}, fmt.Errorf("outbox/sqlite: get %s: %w", id, outbox.ErrNotFound)
	}
	if err != nil {
		return outbox.Record{}, fmt.Errorf("outbox/sqlite: get %s: %w", id, err)
	}
	return rec, nil
}

// Failed lists up to limit failed rows in seq order.
func (s *Store) Failed(ctx context.Context, limit int) ([]outbox.Record, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("outbox/sqlite: list failed: limit %d is not positive", limit)
	}

	q := `SELECT ` + recordColumns + ` FROM sys_events WHERE status = 'failed' ORDER BY seq LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox/sqlite: list failed: %w", err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("outbox/sqlite: list failed: %w", err)
	}
	return recs, nil
}

// Requeue moves failed rows back to pending, retry count 0, due now.
func (s *Store) Requeue(ctx context.Context, ids ...uuid.UUID) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}

	args := []any{micros(s.now())}
	for _, id := range ids {
		args = append(args, id.String())
	}
	q := `UPDATE sys_events INDEXED BY sys_events_id
		SET status = 'pending', retry_count = 0, next_attempt_at = ?,
		    claimed_by = NULL, claimed_at = NULL, lease_until = NULL, claim_token = NULL
		WHERE status = 'failed' AND id IN (` + placeholders(len(ids)) + `)`
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("outbox/sqlite: requeue: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("outbox/sqlite: requeue: %w", err)
	}
	return n, nil
}

// deleteChunk bounds one delete statement so that housekeeping never holds
// the write lock for long.
const deleteChunk = 1000

// DeleteDispatched deletes dispatched rows dispatched before olderThan, a
// thousand rows per statement, and reports how many it deleted.
func (s *Store) DeleteDispatched(ctx context.Context, olderThan time.Time) (int64, error) {
	const q = `DELETE FROM sys_events WHERE seq IN (
		SELECT seq FROM sys_events
		WHERE status = 'dispatched' AND dispatched_at < ?
		LIMIT ?)`

	var total int64
	for {
		res, err := s.exec(ctx, q, micros(olderThan), deleteChunk)
		if err != nil {
			return total, fmt.Errorf("outbox/sqlite: delete dispatched: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("outbox/sqlite: delete dispatched: %w", err)
		}
		total += n
		if n < deleteChunk {
			return total, nil
		}
	}
}

// Stats reports the number of rows in each state and the age of the oldest
// pending row.
func (s *Store) Stats(ctx context.Context) (outbox.Stats, error) {
	const q = `SELECT
		COALESCE(SUM(status = 'pending'), 0),
		COALESCE(SUM(status = 'failed'), 0),
		COALESCE(SUM(status = 'dispatched'), 0),
		MIN(CASE WHEN status = 'pending' THEN created_at END)
		FROM sys_events`

	var st outbox.Stats
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, q).Scan(&st.Pending, &st.Failed, &st.Dispatched, &oldest)
	if err != nil {
		return outbox.Stats{}, fmt.Errorf("outbox/sqlite: stats: %w", err)
	}
	if oldest.Valid {
		st.OldestPending = max(s.now().Sub(fromMicros(oldest)), 0)
	}
	return st, nil
}

var (
	_ outbox.Store = (*Store)(nil)
	_ outbox.Admin = (*Store)(nil)
)
