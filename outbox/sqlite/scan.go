package sqlite

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/outbox"
)

// recordColumns is the column list every query returning whole rows
// selects, in the order scanRecord reads them.
const recordColumns = `seq, id, tenant_id, event_type, schema_version, payload, status,
	retry_count, next_attempt_at, last_error, claimed_by, claimed_at, claim_token,
	lease_until, created_at, dispatched_at`

// micros converts t to UTC unix microseconds, the stored time format.
func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

// fromMicros converts a stored time back; NULL becomes the zero time.
func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// scanRecord reads one row selected with recordColumns.
func scanRecord(sc scanner) (outbox.Record, error) {
	var (
		rec                           outbox.Record
		id, tenant, status            string
		lastErr, claimedBy            sql.NullString
		next, created                 int64
		claimedAt, leaseUntil, dispAt sql.NullInt64
		token                         sql.NullInt64
		schemaVersion                 int64
	)
	err := sc.Scan(&rec.Seq, &id, &tenant, &rec.EventType, &schemaVersion, &rec.Payload,
		&status, &rec.RetryCount, &next, &lastErr, &claimedBy, &claimedAt, &token,
		&leaseUntil, &created, &dispAt)
	if err != nil {
		return outbox.Record{}, err
	}

	if rec.ID, err = uuid.Parse(id); err != nil {
		return outbox.Record{}, fmt.Errorf("row seq %d: id %q: %w", rec.Seq, id, err)
	}
	if rec.TenantID, err = uuid.Parse(tenant); err != nil {
		return outbox.Record{}, fmt.Errorf("row seq %d: tenant_id %q: %w", rec.Seq, tenant, err)
	}
	rec.SchemaVersion = uint16(schemaVersion)
	rec.Status = outbox.Status(status)
	rec.NextAttemptAt = time.UnixMicro(next).UTC()
	rec.LastError = lastErr.String
	rec.ClaimedBy = claimedBy.String
	rec.ClaimedAt = fromMicros(claimedAt)
	rec.ClaimToken = token.Int64
	rec.LeaseUntil = fromMicros(leaseUntil)
	rec.CreatedAt = time.UnixMicro(created).UTC()
	rec.DispatchedAt = fromMicros(dispAt)
	return rec, nil
}

// scanRecords reads every row of rows and closes it.
func scanRecords(rows *sql.Rows) ([]outbox.Record, error) {
	defer rows.Close()

	var out []outbox.Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}
