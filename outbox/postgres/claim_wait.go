package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// rollback ends whatever transaction conn has open. If it cannot, the
// pool discards the connection on release, since it is not idle.
func rollback(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = conn.Exec(ctx, "ROLLBACK")
}

// waitForHolder blocks until the claim that locked row id ends, for at
// most the lock_timeout of claimWaitSetting, so that the next attempt
// sees that claim's leases; polling instead would either spin or sleep
// longer than needed. It runs in a transaction of its own, after the
// claim's has rolled back: a FOR UPDATE that skips or drops rows may
// still hold locks on rows a concurrent claim committed, and waiting
// while holding them could close a cycle with that claim's
// MarkDispatched. FOR KEY SHARE conflicts with the claim's FOR UPDATE
// but not with the updates that follow, so the wait itself blocks no one.
func (s *Store) waitForHolder(ctx context.Context, id uuid.UUID) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, claimWaitSetting); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s.q.wait, id)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == lockNotAvailable {
		return nil
	}
	if err != nil {
		return fmt.Errorf("outbox/postgres: claim: wait for concurrent claim: %w", err)
	}
	return nil
}
