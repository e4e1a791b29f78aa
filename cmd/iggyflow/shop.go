package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
	"github.com/iggyflow/iggyflow/outbox/sqlite"
)

// The shop's own tables live in the outbox database, so an order, its stock
// change and their events commit together. shop_event_log records, in the
// same transaction, each event's position in its tenant's history; the demo
// reads it back to check delivery order and that nothing was lost.
const shopSchema = `
CREATE TABLE IF NOT EXISTS shop_orders (
	id          TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	variant_id  TEXT NOT NULL,
	total       INTEGER NOT NULL,
	currency    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shop_stock (
	variant_id  TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL,
	product_id  TEXT NOT NULL,
	location_id TEXT NOT NULL,
	quantity    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS shop_tenant_seq (
	tenant_id TEXT PRIMARY KEY,
	last_seq  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS shop_event_log (
	event_id   TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	tenant_seq INTEGER NOT NULL,
	run_id     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shop_event_log_run ON shop_event_log (run_id);
`

const (
	variantsPerTenant = 4
	restockQuantity   = 500
	lowStockThreshold = 20
)

// shop writes orders for a set of tenants, each order one SQL transaction
// with its events published through the outbox bus.
type shop struct {
	store   *sqlite.Store
	db      *sql.DB
	bus     *outbox.Bus
	runID   string
	tenants []uuid.UUID

	// committed maps an event id to the moment its transaction committed,
	// so the consumer can measure commit-to-handler latency.
	committed sync.Map
}

type variant struct {
	id, product, location uuid.UUID
}

func newShop(ctx context.Context, store *sqlite.Store, bus *outbox.Bus, runID string, tenants int) (*shop, error) {
	db := store.DB()
	if _, err := db.ExecContext(ctx, shopSchema); err != nil {
		return nil, fmt.Errorf("create shop tables: %w", err)
	}
	s := &shop{store: store, db: db, bus: bus, runID: runID}
	for i := range tenants {
		s.tenants = append(s.tenants, demoTenant(i))
	}
	if err := s.stockUp(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// demoTenant returns the same tenant ids on every run, so a second run adds
// to the first one's history instead of starting new tenants.
func demoTenant(i int) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "iggyflow-demo-tenant-%d", i))
}

func demoVariant(tenant uuid.UUID, i int) variant {
	name := func(kind string) uuid.UUID {
		return uuid.NewSHA1(tenant, fmt.Appendf(nil, "%s-%d", kind, i))
	}
	return variant{id: name("variant"), product: name("product"), location: name("location")}
}

func (s *shop) stockUp(ctx context.Context) error {
	for _, t := range s.tenants {
		for i := range variantsPerTenant {
			v := demoVariant(t, i)
			_, err := s.db.ExecContext(ctx,
				`INSERT INTO shop_stock (variant_id, tenant_id, product_id, location_id, quantity)
				 VALUES (?, ?, ?, ?, ?) ON CONFLICT (variant_id) DO NOTHING`,
				v.id.String(), t.String(), v.product.String(), v.location.String(), restockQuantity)
			if err != nil {
				return fmt.Errorf("stock up tenant %s: %w", t, err)
			}
		}
	}
	return nil
}

// orderResult is what one order transaction did.
type orderResult struct {
	events     int
	rolledBack bool
}

// placeOrder runs one order transaction: the order row, the stock change
// and their events. With rollback set it does all the work and then rolls
// back, which must leave no trace anywhere.
func (s *shop) placeOrder(ctx context.Context, rng *rand.Rand, rollback bool) (orderResult, error) {
	tenant := s.tenants[rng.IntN(len(s.tenants))]
	v := demoVariant(tenant, rng.IntN(variantsPerTenant))
	qty := 1 + rng.IntN(3)
	price := int64(500 + rng.IntN(20000))

	tx, err := s.store.BeginTx(ctx, nil)
	if err != nil {
		return orderResult{}, fmt.Errorf("begin order: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	evs, err := s.writeOrder(ctx, tx.Tx, tenant, v, qty, price)
	if err != nil {
		return orderResult{}, err
	}
	ids := make([]uuid.UUID, 0, len(evs))
	for _, ev := range evs {
		id, err := s.publish(ctx, tx, tenant, ev)
		if err != nil {
			return orderResult{}, err
		}
		ids = append(ids, id)
	}

	if rollback {
		if err := tx.Rollback(); err != nil {
			return orderResult{}, fmt.Errorf("roll back order: %w", err)
		}
		return orderResult{rolledBack: true}, nil
	}
	if err := tx.Commit(); err != nil {
		return orderResult{}, fmt.Errorf("commit order: %w", err)
	}
	now := time.Now()
	for _, id := range ids {
		s.committed.Store(id, now)
	}
	return orderResult{events: len(ids)}, nil
}

func (s *shop) writeOrder(ctx context.Context, tx *sql.Tx, tenant uuid.UUID, v variant, qty int, price int64) ([]events.DomainEvent, error) {
	var stock int32
	err := tx.QueryRowContext(ctx, `SELECT quantity FROM shop_stock WHERE variant_id = ?`, v.id.String()).Scan(&stock)
	if err != nil {
		return nil, fmt.Errorf("read stock of %s: %w", v.id, err)
	}
	newStock := stock - int32(qty)
	if newStock < 0 {
		newStock = restockQuantity
	}

	order := uuid.New()
	customer := uuid.New()
	total := price * int64(qty)
	_, err = tx.ExecContext(ctx,
		`INSERT INTO shop_orders (id, tenant_id, customer_id, variant_id, total, currency) VALUES (?, ?, ?, ?, ?, 'EUR')`,
		order.String(), tenant.String(), customer.String(), v.id.String(), total)
	if err != nil {
		return nil, fmt.Errorf("insert order: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE shop_stock SET quantity = ? WHERE variant_id = ?`, newStock, v.id.String())
	if err != nil {
		return nil, fmt.Errorf("update stock: %w", err)
	}

	evs := []events.DomainEvent{
		&events.OrderPlaced{OrderID: order, CustomerID: &customer, Total: total, Currency: "EUR"},
		&events.InventoryUpdated{VariantID: v.id, ProductID: v.product, LocationID: v.location,
			OldQuantity: stock, NewQuantity: newStock},
	}
	if newStock < lowStockThreshold {
		evs = append(evs, &events.InventoryLow{VariantID: v.id, ProductID: v.product,
			Remaining: newStock, Threshold: lowStockThreshold})
	}
	return evs, nil
}

// publish writes one event through the outbox and records its place in the
// tenant's history, both in tx.
func (s *shop) publish(ctx context.Context, tx *sqlite.Tx, tenant uuid.UUID, ev events.DomainEvent) (uuid.UUID, error) {
	id, err := s.bus.PublishInTx(ctx, tx, tenant, nil, ev)
	if err != nil {
		return uuid.Nil, fmt.Errorf("publish %s: %w", ev.EventType(), err)
	}

	var seq int64
	err = tx.QueryRowContext(ctx,
		`INSERT INTO shop_tenant_seq (tenant_id, last_seq) VALUES (?, 1)
		 ON CONFLICT (tenant_id) DO UPDATE SET last_seq = last_seq + 1
		 RETURNING last_seq`, tenant.String()).Scan(&seq)
	if err != nil {
		return uuid.Nil, fmt.Errorf("next tenant sequence: %w", err)
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO shop_event_log (event_id, tenant_id, tenant_seq, run_id) VALUES (?, ?, ?, ?)`,
		id.String(), tenant.String(), seq, s.runID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("log event: %w", err)
	}
	return id, nil
}

// tenantSeq returns the position of an event in its tenant's history.
func (s *shop) tenantSeq(ctx context.Context, eventID uuid.UUID) (int64, error) {
	var seq int64
	err := s.db.QueryRowContext(ctx, `SELECT tenant_seq FROM shop_event_log WHERE event_id = ?`,
		eventID.String()).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("event %s is not in the shop's event log", eventID)
	}
	if err != nil {
		return 0, fmt.Errorf("read tenant sequence of %s: %w", eventID, err)
	}
	return seq, nil
}
