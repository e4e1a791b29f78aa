package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// demoReport is the demo's verdict, printed as one line.
type demoReport struct {
	committed         int64
	consumed          int64
	lost              int64
	phantoms          int64
	duplicatesApplied int64
	redelivered       int64
	outOfOrder        int64
	carriedOver       int64
	undecodable       int64
	rolledBack        int64
	inconsistencies   []string
	p50, p99          time.Duration
	eventsPerSecond   float64
}

func (r *demoReport) ok() bool {
	return r.lost == 0 && r.phantoms == 0 && r.duplicatesApplied == 0 && r.outOfOrder == 0 &&
		len(r.inconsistencies) == 0
}

func (r *demoReport) problem() string {
	if len(r.inconsistencies) > 0 {
		return "projection does not match the shop: " + strings.Join(r.inconsistencies, "; ")
	}
	return fmt.Sprintf("delivery check failed: lost=%d phantoms=%d duplicates_applied=%d out_of_order=%d",
		r.lost, r.phantoms, r.duplicatesApplied, r.outOfOrder)
}

func (r *demoReport) line() string {
	projection := "consistent"
	if len(r.inconsistencies) > 0 {
		projection = "inconsistent"
	}
	return fmt.Sprintf("demo: events=%d consumed=%d lost=%d duplicates_applied=%d out_of_order=%d "+
		"projection=%s p50_ms=%.2f p99_ms=%.2f events_per_s=%.0f rolled_back_orders=%d redelivered=%d "+
		"phantoms=%d carried_over=%d undecodable=%d",
		r.committed, r.consumed, r.lost, r.duplicatesApplied, r.outOfOrder, projection,
		ms(r.p50), ms(r.p99), r.eventsPerSecond, r.rolledBack, r.redelivered, r.phantoms, r.carriedOver, r.undecodable)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// verify compares what the shop committed with what the projection holds.
func (d *demo) verify(ctx context.Context, elapsed time.Duration) (*demoReport, error) {
	s := &d.stats
	r := &demoReport{
		committed:         s.committed.Load(),
		consumed:          s.applied.Load(),
		duplicatesApplied: s.doubleApply.Load(),
		redelivered:       s.redelivered.Load(),
		outOfOrder:        s.outOfOrder.Load(),
		carriedOver:       s.carriedOver.Load(),
		undecodable:       s.undecodable.Load(),
		rolledBack:        s.rolledBack.Load(),
	}
	lat := sortedLatencies(s)
	r.p50, r.p99 = percentile(lat, 0.50), percentile(lat, 0.99)
	if elapsed > 0 {
		r.eventsPerSecond = float64(r.consumed) / elapsed.Seconds()
	}

	if err := d.countLost(ctx, r); err != nil {
		return nil, err
	}
	if err := d.compareProjection(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// countLost finds this run's committed events that never reached the
// projection, and delivered events the shop never committed.
func (d *demo) countLost(ctx context.Context, r *demoReport) error {
	receipts, err := d.proj.receipts(ctx)
	if err != nil {
		return err
	}
	logged, err := d.loggedEvents(ctx)
	if err != nil {
		return err
	}
	for id, run := range logged {
		if run == d.shop.runID && !receipts[id] {
			r.lost++
		}
	}
	for id := range receipts {
		if _, ok := logged[id]; !ok {
			r.phantoms++
		}
	}
	return nil
}

// loggedEvents maps every committed event id of every run to its run.
func (d *demo) loggedEvents(ctx context.Context) (map[uuid.UUID]string, error) {
	rows, err := d.shop.db.QueryContext(ctx, `SELECT event_id, run_id FROM shop_event_log`)
	if err != nil {
		return nil, fmt.Errorf("read event log: %w", err)
	}
	defer rows.Close()
	out := make(map[uuid.UUID]string)
	for rows.Next() {
		var id, run string
		if err := rows.Scan(&id, &run); err != nil {
			return nil, fmt.Errorf("read event log: %w", err)
		}
		u, err := uuid.Parse(id)
		if err != nil {
			return nil, fmt.Errorf("event log id %q: %w", id, err)
		}
		out[u] = run
	}
	return out, rows.Err()
}

type tenantSales struct{ orders, revenue int64 }

// compareProjection checks orders, revenue and stock per tenant against the
// shop's own tables.
func (d *demo) compareProjection(ctx context.Context, r *demoReport) error {
	want, err := querySales(ctx, d.shop.db, `SELECT tenant_id, COUNT(*), COALESCE(SUM(total), 0) FROM shop_orders GROUP BY tenant_id`)
	if err != nil {
		return err
	}
	got, err := querySales(ctx, d.proj.db, `SELECT tenant_id, orders, revenue FROM proj_tenant_sales`)
	if err != nil {
		return err
	}
	for tenant, w := range want {
		if g := got[tenant]; g != w {
			r.inconsistencies = append(r.inconsistencies, fmt.Sprintf(
				"tenant %s: shop has %d orders worth %d, projection %d worth %d",
				tenant, w.orders, w.revenue, g.orders, g.revenue))
		}
	}
	return d.compareStock(ctx, r)
}

func querySales(ctx context.Context, db *sql.DB, query string) (map[string]tenantSales, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("read sales: %w", err)
	}
	defer rows.Close()
	out := make(map[string]tenantSales)
	for rows.Next() {
		var tenant string
		var s tenantSales
		if err := rows.Scan(&tenant, &s.orders, &s.revenue); err != nil {
			return nil, fmt.Errorf("read sales: %w", err)
		}
		out[tenant] = s
	}
	return out, rows.Err()
}

func (d *demo) compareStock(ctx context.Context, r *demoReport) error {
	want, err := queryStock(ctx, d.shop.db, `SELECT variant_id, quantity FROM shop_stock`)
	if err != nil {
		return err
	}
	got, err := queryStock(ctx, d.proj.db, `SELECT variant_id, quantity FROM proj_stock`)
	if err != nil {
		return err
	}
	for variant, w := range want {
		g, ok := got[variant]
		if !ok {
			// A variant no order touched yet has no stock event.
			g = restockQuantity
		}
		if g != w {
			r.inconsistencies = append(r.inconsistencies, fmt.Sprintf(
				"variant %s: shop stock %d, projection %d", variant, w, g))
		}
	}
	return nil
}

func queryStock(ctx context.Context, db *sql.DB, query string) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int64)
	for rows.Next() {
		var variant string
		var q int64
		if err := rows.Scan(&variant, &q); err != nil {
			return nil, fmt.Errorf("read stock: %w", err)
		}
		out[variant] = q
	}
	return out, rows.Err()
}
