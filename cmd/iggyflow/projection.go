package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
)

// The projection is the consumer side of the demo: a service with its own
// database that counts orders and revenue per tenant and mirrors stock
// levels. proj_receipts makes each event's effect happen once: a
// redelivered event finds its receipt and changes nothing.
const projectionSchema = `
CREATE TABLE IF NOT EXISTS proj_receipts (
	event_id  TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS proj_tenant_sales (
	tenant_id TEXT PRIMARY KEY,
	orders    INTEGER NOT NULL,
	revenue   INTEGER NOT NULL,
	last_seq  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS proj_stock (
	variant_id TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	quantity   INTEGER NOT NULL
);
`

type projection struct {
	db *sql.DB
}

func openProjection(ctx context.Context, path string) (*projection, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("open projection database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, projectionSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create projection tables: %w", err)
	}
	return &projection{db: db}, nil
}

func (p *projection) Close() error { return p.db.Close() }

// applyResult tells what apply did with one delivery.
type applyResult struct {
	duplicate  bool
	outOfOrder bool
}

// applyBatch applies envs in order in one transaction; seqs[i] is the
// position of envs[i] in its tenant's history.
func (p *projection) applyBatch(ctx context.Context, envs []*events.Envelope, seqs []int64) ([]applyResult, error) {
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin projection: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	results := make([]applyResult, len(envs))
	for i, env := range envs {
		if results[i], err = p.apply(ctx, tx, env, seqs[i]); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit projection: %w", err)
	}
	return results, nil
}

// apply records the event's effect and its receipt in tx. An event that
// is not the next one of its tenant is counted as out of order.
func (p *projection) apply(ctx context.Context, tx *sql.Tx, env *events.Envelope, seq int64) (applyResult, error) {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO proj_receipts (event_id, tenant_id) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING`,
		env.ID.String(), env.TenantID.String())
	if err != nil {
		return applyResult{}, fmt.Errorf("write receipt: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return applyResult{duplicate: true}, nil
	}

	last, err := p.lastSeq(ctx, tx, env.TenantID)
	if err != nil {
		return applyResult{}, err
	}
	if err := p.applyEvent(ctx, tx, env, max(seq, last)); err != nil {
		return applyResult{}, err
	}
	return applyResult{outOfOrder: seq != last+1}, nil
}

func (p *projection) lastSeq(ctx context.Context, tx *sql.Tx, tenant uuid.UUID) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx,
		`SELECT COALESCE((SELECT last_seq FROM proj_tenant_sales WHERE tenant_id = ?), 0)`,
		tenant.String()).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("read last sequence of tenant %s: %w", tenant, err)
	}
	return last, nil
}

func (p *projection) applyEvent(ctx context.Context, tx *sql.Tx, env *events.Envelope, seq int64) error {
	var orders, revenue int64
	switch ev := env.Event.(type) {
	case *events.OrderPlaced:
		orders, revenue = 1, ev.Total
	case *events.InventoryUpdated:
		_, err := tx.ExecContext(ctx,
			`INSERT INTO proj_stock (variant_id, tenant_id, quantity) VALUES (?, ?, ?)
			 ON CONFLICT (variant_id) DO UPDATE SET quantity = excluded.quantity`,
			ev.VariantID.String(), env.TenantID.String(), ev.NewQuantity)
		if err != nil {
			return fmt.Errorf("apply stock change: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO proj_tenant_sales (tenant_id, orders, revenue, last_seq) VALUES (?, ?, ?, ?)
		 ON CONFLICT (tenant_id) DO UPDATE SET orders = orders + excluded.orders,
		   revenue = revenue + excluded.revenue, last_seq = excluded.last_seq`,
		env.TenantID.String(), orders, revenue, seq)
	if err != nil {
		return fmt.Errorf("apply sales: %w", err)
	}
	return nil
}

// receipts returns the ids of every event the projection has applied.
func (p *projection) receipts(ctx context.Context) (map[uuid.UUID]bool, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT event_id FROM proj_receipts`)
	if err != nil {
		return nil, fmt.Errorf("read receipts: %w", err)
	}
	defer rows.Close()
	ids := make(map[uuid.UUID]bool)
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("read receipt: %w", err)
		}
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("receipt %q: %w", s, err)
		}
		ids[id] = true
	}
	return ids, rows.Err()
}
