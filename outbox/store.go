// Package outbox writes events in the caller's database transaction and
// relays them to a transport afterwards, so that a committed write always
// has its event delivered and a rolled-back one never does.
//
//	service:  tx := db.BeginTx(...)
//	          write domain rows
//	          Bus.PublishInTx(ctx, tx, tenant, actor, event)  ── validate, encode,
//	          tx.Commit()                                        Store.Insert in tx,
//	                                                             signal relays
//	relay:    loop
//	            Claim(worker, BatchSize, Lease)  ── rows due, in Seq order, token T
//	            decode payloads                  ── undecodable: failed attempt
//	            transport.PublishBatch(envs)
//	            MarkDispatched(T, ids)           ── or MarkRetry / MarkFailed (+DLQ)
//	            Release(T)                       ── rows held back this round
//	          wait: Bus signal (re-check 0.5 ms .. 100 ms), store Notifier, or
//	                PollInterval
//
// Order: the store hands out a tenant's rows only in Seq order and never
// while an earlier row of the tenant is leased or waiting for a retry, so a
// tenant's events reach the transport in commit order even with several
// relays. Delivery is at least once: a relay that dies after publishing
// and before marking leaves its rows to be published again once its lease
// ends, and its token is fenced so its late updates change nothing.
package outbox

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Tx is the caller's open transaction. *sql.Tx satisfies it; *sql.DB does
// not, so an event cannot be written outside a transaction by mistake.
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	Commit() error
	Rollback() error
}

// Status is the state of an outbox row.
type Status string

// Row states.
const (
	StatusPending    Status = "pending"
	StatusDispatched Status = "dispatched"
	StatusFailed     Status = "failed"
)

// Record is one row of sys_events.
type Record struct {
	ID uuid.UUID
	// Seq is the store-assigned insertion order; the relay publishes one
	// tenant's events in Seq order.
	Seq           int64
	TenantID      uuid.UUID
	EventType     string
	SchemaVersion uint16
	// Payload is the envelope in JSON.
	Payload       []byte
	Status        Status
	RetryCount    int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	DispatchedAt  time.Time

	// ClaimedBy, ClaimedAt, LeaseUntil and ClaimToken describe the row's
	// current or last lease; they are zero for a row never claimed and
	// for a row returned to the pool. Insert ignores them.
	ClaimedBy  string
	ClaimedAt  time.Time
	LeaseUntil time.Time
	ClaimToken int64
}

// Claim is a batch of rows leased to one worker. Token fences the lease:
// once the lease expires and another worker claims the rows, updates made
// with the old token are rejected with ErrFenced.
type Claim struct {
	Worker string
	Token  int64
	// Records are sorted by Seq.
	Records []Record
}

// Stats describes the backlog of a store.
type Stats struct {
	Pending    int64
	Failed     int64
	Dispatched int64
	// OldestPending is the age of the oldest pending row, 0 if none.
	OldestPending time.Duration
}

// Store is where outbox rows live: SQLite or PostgreSQL.
type Store interface {
	// Insert writes rec in the caller's transaction.
	Insert(ctx context.Context, tx Tx, rec Record) error
	// Claim leases up to limit due pending rows to worker for lease. A row
	// is not claimed while an earlier row of its tenant is still pending
	// and not claimable, so a tenant's events leave in order. An empty
	// claim has no records.
	Claim(ctx context.Context, worker string, limit int, lease time.Duration) (Claim, error)
	// MarkDispatched records that the claimed rows were published. It
	// changes only rows still pending under token; if any id is not, the
	// others are still marked and the error wraps ErrFenced.
	MarkDispatched(ctx context.Context, token int64, ids []uuid.UUID) error
	// MarkRetry records a failed attempt and when to try again, and
	// returns the row to the pool (no lease). ErrFenced (wrapped) when
	// token no longer holds the row.
	MarkRetry(ctx context.Context, token int64, id uuid.UUID, retryCount int, next time.Time, lastErr string) error
	// MarkFailed parks a row that will not be retried automatically.
	// ErrFenced (wrapped) when token no longer holds the row.
	MarkFailed(ctx context.Context, token int64, id uuid.UUID, retryCount int, lastErr string) error
	// Release returns the claim's unfinished rows to the pending pool
	// without counting an attempt. Marked rows are not touched; a token
	// that holds nothing is not an error.
	Release(ctx context.Context, token int64) error
	// Stats reports the backlog.
	Stats(ctx context.Context) (Stats, error)
	// Close releases the store's resources.
	Close() error
}

// ErrFenced is returned when an update carries a claim token that no
// longer holds the rows: another worker took them over after the lease
// expired.
var ErrFenced = errors.New("outbox: claim fenced by a newer claim")
