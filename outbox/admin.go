package outbox

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Admin is what operator commands and housekeeping need from a store on
// top of Store. Both the SQLite and the PostgreSQL stores implement it,
// and the conformance suite in outboxtest requires it to inspect rows.
type Admin interface {
	// Get returns one row by event id, or an error wrapping ErrNotFound.
	Get(ctx context.Context, id uuid.UUID) (Record, error)
	// Failed lists up to limit parked rows, oldest (lowest Seq) first.
	Failed(ctx context.Context, limit int) ([]Record, error)
	// Requeue moves the given failed rows back to pending with a retry
	// count of 0, due now, and reports how many rows changed. Ids that are
	// not failed are left alone. The last error is kept for the record.
	Requeue(ctx context.Context, ids ...uuid.UUID) (int64, error)
	// DeleteDispatched deletes dispatched rows whose dispatch time is
	// before olderThan and reports how many it deleted.
	DeleteDispatched(ctx context.Context, olderThan time.Time) (int64, error)
}

// Notifier is an optional Store capability: a store that learns of
// committed inserts from the database itself (PostgreSQL LISTEN/NOTIFY,
// for example) returns a channel that receives a value after such a
// commit. The relay wakes on it exactly as on a Bus signal.
type Notifier interface {
	Notify() <-chan struct{}
}

// ErrNotFound is returned (wrapped) by Admin.Get for an unknown id.
var ErrNotFound = errors.New("outbox: event not found")
