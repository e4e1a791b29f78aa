package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/iggyflow/iggyflow/outbox"
)

// DeleteDispatched deletes dispatched rows whose dispatched_at is before
// olderThan, WithDeleteBatch rows per statement (default 1000) so that no
// statement holds many row locks or runs long, and returns how many it
// deleted. It stops early, with the count so far, when ctx ends.
func (s *Store) DeleteDispatched(ctx context.Context, olderThan time.Time) (int64, error) {
	cutoff := olderThan.UTC()
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, s.q.deleteDispatched, cutoff, s.cfg.deleteBatch)
		if err != nil {
			return total, fmt.Errorf("outbox/postgres: delete dispatched before %s: %w", cutoff.Format(time.RFC3339), err)
		}
		n := tag.RowsAffected()
		total += n
		if n < int64(s.cfg.deleteBatch) {
			return total, nil
		}
	}
}

// Stats reports the rows per status and the age of the oldest pending
// row. It counts with one scan of the whole table, so its cost grows with
// the dispatched rows kept; DeleteDispatched keeps it small.
func (s *Store) Stats(ctx context.Context) (outbox.Stats, error) {
	var (
		st     outbox.Stats
		oldest *time.Time
	)
	err := s.pool.QueryRow(ctx, s.q.stats).Scan(&st.Pending, &st.Failed, &st.Dispatched, &oldest)
	if err != nil {
		return outbox.Stats{}, fmt.Errorf("outbox/postgres: stats: %w", err)
	}
	if oldest != nil {
		if age := s.now().Sub(*oldest); age > 0 {
			st.OldestPending = age
		}
	}
	return st, nil
}

// Failed returns up to limit parked rows, oldest first, for operators.
func (s *Store) Failed(ctx context.Context, limit int) ([]outbox.Record, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, s.q.failed, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: list failed: %w", err)
	}
	recs, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: list failed: %w", err)
	}
	return recs, nil
}

// Get returns the row with id, or an error wrapping outbox.ErrNotFound.
func (s *Store) Get(ctx context.Context, id uuid.UUID) (outbox.Record, error) {
	rows, err := s.pool.Query(ctx, s.q.get, id)
	if err != nil {
		return outbox.Record{}, fmt.Errorf("outbox/postgres: get %s: %w", id, err)
	}
	rec, err := pgx.CollectExactlyOneRow(rows, scanRecord)
	if errors.Is(err, pgx.ErrNoRows) {
		return outbox.Record{}, fmt.Errorf("outbox/postgres: get %s: %w", id, outbox.ErrNotFound)
	}
	if err != nil {
		return outbox.Record{}, fmt.Errorf("outbox/postgres: get %s: %w", id, err)
	}
	return rec, nil
}
