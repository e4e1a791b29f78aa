package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/outbox"
)

// MarkDispatched records that the rows ids of the claim token were
// published. Rows still held by token are marked even when others are
// not; if any row is no longer held by token (another claim took it over
// or it is no longer pending) the error wraps outbox.ErrFenced.
func (s *Store) MarkDispatched(ctx context.Context, token int64, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}

	tag, err := s.pool.Exec(ctx, s.q.markDispatched, s.now(), ids, token)
	if err != nil {
		return fmt.Errorf("outbox/postgres: mark %d rows dispatched: %w", len(ids), err)
	}
	if n := tag.RowsAffected(); n < int64(len(ids)) {
		return fmt.Errorf("outbox/postgres: mark dispatched: %d of %d rows not held by token %d: %w",
			int64(len(ids))-n, len(ids), token, outbox.ErrFenced)
	}
	return nil
}

// MarkRetry records a failed attempt of row id: retryCount attempts so
// far, the next one due at next, lastErr kept. The row returns to the
// pending pool with its lease cleared.
func (s *Store) MarkRetry(ctx context.Context, token int64, id uuid.UUID, retryCount int, next time.Time, lastErr string) error {
	next = next.UTC().Truncate(time.Microsecond)
	tag, err := s.pool.Exec(ctx, s.q.markRetry, int32(retryCount), next, lastErr, id, token)
	if err != nil {
		return fmt.Errorf("outbox/postgres: mark event %s for retry: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("outbox/postgres: mark retry: event %s not held by token %d: %w", id, token, outbox.ErrFenced)
	}
	return nil
}

// MarkFailed parks row id as failed with its attempt count and last
// error; Requeue brings it back.
func (s *Store) MarkFailed(ctx context.Context, token int64, id uuid.UUID, retryCount int, lastErr string) error {
	tag, err := s.pool.Exec(ctx, s.q.markFailed, int32(retryCount), lastErr, id, token)
	if err != nil {
		return fmt.Errorf("outbox/postgres: mark event %s failed: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("outbox/postgres: mark failed: event %s not held by token %d: %w", id, token, outbox.ErrFenced)
	}
	return nil
}

// Release returns the pending rows still held by token to the pool,
// clearing their lease; their attempt counts do not change. Releasing a
// token that holds nothing is not an error.
func (s *Store) Release(ctx context.Context, token int64) error {
	if _, err := s.pool.Exec(ctx, s.q.release, token); err != nil {
		return fmt.Errorf("outbox/postgres: release token %d: %w", token, err)
	}
	return nil
}

// Requeue returns failed rows to pending with retry_count 0, due now, and
// reports how many rows it changed; ids that are not failed are skipped.
func (s *Store) Requeue(ctx context.Context, ids ...uuid.UUID) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, s.q.requeue, s.now(), ids)
	if err != nil {
		return 0, fmt.Errorf("outbox/postgres: requeue %d events: %w", len(ids), err)
	}
	return tag.RowsAffected(), nil
}
