package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/outbox"
)

const insertSQL = `INSERT INTO sys_events
	(id, tenant_id, event_type, schema_version, payload, status, retry_count,
	 next_attempt_at, created_at)
	VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`

// Insert writes rec as a pending row in the caller's transaction. Seq,
// Status and the claim fields of rec are ignored; a zero CreatedAt or
// NextAttemptAt means now.
func (s *Store) Insert(ctx context.Context, tx outbox.Tx, rec outbox.Record) error {
	if tx == nil {
		return errors.New("outbox/sqlite: insert: nil transaction")
	}
	if err := checkInsert(rec); err != nil {
		return fmt.Errorf("outbox/sqlite: insert %s: %w", rec.ID, err)
	}

	now := s.now()
	created, next := rec.CreatedAt, rec.NextAttemptAt
	if created.IsZero() {
		created = now
	}
	if next.IsZero() {
		next = now
	}

	_, err := tx.ExecContext(ctx, insertSQL, rec.ID.String(), rec.TenantID.String(),
		rec.EventType, int64(rec.SchemaVersion), rec.Payload, rec.RetryCount,
		micros(next), micros(created))
	if err != nil {
		return fmt.Errorf("outbox/sqlite: insert %s: %w", rec.ID, err)
	}
	return nil
}

func checkInsert(rec outbox.Record) error {
	switch {
	case rec.ID == uuid.Nil:
		return errors.New("nil event id")
	case rec.EventType == "":
		return errors.New("empty event type")
	case len(rec.Payload) == 0:
		return errors.New("empty payload")
	case rec.RetryCount < 0:
		return errors.New("negative retry count")
	}
	return nil
}
