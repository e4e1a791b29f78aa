package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/iggyflow/iggyflow/outbox"
	"github.com/iggyflow/iggyflow/outbox/outboxtest"
)

// TestConformance runs the store-agnostic suite with the application's
// transactions on database/sql.
func TestConformance(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outboxtest.Harness {
		s := openStore(t)
		h := appHarness(t, s)
		h.Begin = func(ctx context.Context) (outbox.Tx, error) { return s.DB().BeginTx(ctx, nil) }
		return h
	})
}

// TestConformancePgxTx runs the suite again with the application's
// transactions on pgx, wrapped with WrapTx.
func TestConformancePgxTx(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outboxtest.Harness {
		s := openStore(t)
		h := appHarness(t, s)
		h.Begin = func(ctx context.Context) (outbox.Tx, error) {
			tx, err := s.Pool().Begin(ctx)
			if err != nil {
				return nil, err
			}
			return WrapTx(tx), nil
		}
		return h
	})
}

// appHarness gives the suite an application table next to sys_events.
func appHarness(t *testing.T, s *Store) outboxtest.Harness {
	t.Helper()
	table := s.names.schema + ".app_rows"
	ddl := "CREATE TABLE " + table + " (key text PRIMARY KEY)"
	if _, err := s.Pool().Exec(context.Background(), ddl); err != nil {
		t.Fatalf("create app table: %v", err)
	}

	return outboxtest.Harness{
		Store: s,
		WriteAppRow: func(ctx context.Context, tx outbox.Tx, key string) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (key) VALUES ($1)", key)
			if err != nil {
				return fmt.Errorf("write app row %s: %w", key, err)
			}
			return nil
		},
		AppRowExists: func(ctx context.Context, key string) (bool, error) {
			var ok bool
			err := s.Pool().QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+" WHERE key = $1)", key).Scan(&ok)
			return ok, err
		},
	}
}
