package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// writeGate lets one write transaction of this process at a time at the
// database. SQLite has a single writer anyway; without the gate, writers
// that find the database locked wait in SQLite's busy handler, which
// sleeps up to 100 ms between retries, so a few concurrent writers spend
// most of their time asleep. Through the gate they queue in Go and each
// starts the moment the previous one ends. Writers in other processes
// still meet the busy timeout.
type writeGate chan struct{}

func newWriteGate() writeGate { return make(writeGate, 1) }

func (g writeGate) enter(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g writeGate) leave() { <-g }

// Tx is a write transaction begun with Store.BeginTx. It is a *sql.Tx that
// also holds the store's write gate until Commit or Rollback, and it
// satisfies outbox.Tx.
type Tx struct {
	*sql.Tx
	release sync.Once
	gate    writeGate
}

// BeginTx begins a write transaction that queues behind this process's
// other writers (the relay's claims and marks among them) instead of
// retrying in SQLite's busy handler. Use it for transactions that write
// domain rows and publish events; a transaction begun with DB().BeginTx
// works too, only slower under contention. Do not call the store's own
// write methods (Requeue, DeleteDispatched, ...) while holding a Tx: they
// wait for the gate the Tx holds.
func (s *Store) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	if err := s.gate.enter(ctx); err != nil {
		return nil, fmt.Errorf("outbox/sqlite: begin: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		s.gate.leave()
		return nil, fmt.Errorf("outbox/sqlite: begin: %w", err)
	}
	return &Tx{Tx: tx, gate: s.gate}, nil
}

// Commit commits the transaction and lets the next writer in.
func (t *Tx) Commit() error {
	defer t.done()
	return t.Tx.Commit()
}

// Rollback rolls the transaction back and lets the next writer in. After
// Commit it does nothing and returns sql.ErrTxDone.
func (t *Tx) Rollback() error {
	defer t.done()
	return t.Tx.Rollback()
}

func (t *Tx) done() { t.release.Do(t.gate.leave) }

// exec runs one write statement while holding the write gate.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := s.gate.enter(ctx); err != nil {
		return nil, err
	}
	defer s.gate.leave()
	return s.db.ExecContext(ctx, q, args...)
}
