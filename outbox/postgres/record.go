package postgres

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/iggyflow/iggyflow/outbox"
)

// scanRecord reads one row selected with recordColumns.
func scanRecord(row pgx.CollectableRow) (outbox.Record, error) {
	var (
		r                                   outbox.Record
		version                             int32
		status                              string
		retries                             int32
		lastErr, claimedBy                  *string
		dispatchedAt, claimedAt, leaseUntil *time.Time
		token                               *int64
		id, tenant                          uuid.UUID
	)
	err := row.Scan(&id, &r.Seq, &tenant, &r.EventType, &version, &r.Payload, &status,
		&retries, &r.NextAttemptAt, &lastErr, &r.CreatedAt, &dispatchedAt,
		&claimedBy, &claimedAt, &leaseUntil, &token)
	if err != nil {
		return outbox.Record{}, fmt.Errorf("outbox/postgres: scan record: %w", err)
	}

	r.ID, r.TenantID = id, tenant
	r.SchemaVersion = uint16(version)
	r.Status = outbox.Status(status)
	r.RetryCount = int(retries)
	r.NextAttemptAt = r.NextAttemptAt.UTC()
	r.CreatedAt = r.CreatedAt.UTC()
	r.LastError = deref(lastErr)
	r.ClaimedBy = deref(claimedBy)
	r.DispatchedAt = derefTime(dispatchedAt)
	r.ClaimedAt = derefTime(claimedAt)
	r.LeaseUntil = derefTime(leaseUntil)
	if token != nil {
		r.ClaimToken = *token
	}
	return r, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
