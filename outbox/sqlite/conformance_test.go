package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/iggyflow/iggyflow/outbox"
	"github.com/iggyflow/iggyflow/outbox/outboxtest"
)

// harness opens a store on a new file and gives it an application table
// that the suite writes in the same transactions as the events.
func harness(t *testing.T) outboxtest.Harness {
	t.Helper()
	s := openTemp(t)
	if _, err := s.DB().Exec(`CREATE TABLE app_rows (key TEXT PRIMARY KEY)`); err != nil {
		t.Fatalf("create app_rows: %v", err)
	}

	return outboxtest.Harness{
		Store: s,
		Begin: func(ctx context.Context) (outbox.Tx, error) {
			return s.DB().BeginTx(ctx, nil)
		},
		WriteAppRow: func(ctx context.Context, tx outbox.Tx, key string) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO app_rows (key) VALUES (?)`, key)
			return err
		},
		AppRowExists: func(ctx context.Context, key string) (bool, error) {
			var k string
			err := s.DB().QueryRowContext(ctx, `SELECT key FROM app_rows WHERE key = ?`, key).Scan(&k)
			if errors.Is(err, sql.ErrNoRows) {
				return false, nil
			}
			if err != nil {
				return false, fmt.Errorf("read app_rows: %w", err)
			}
			return true, nil
		},
	}
}

func TestConformance(t *testing.T) {
	outboxtest.Run(t, harness)
}
