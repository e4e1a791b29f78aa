// Command quickstart is the README's library example as a program: one
// order written with its event in a transaction, relayed through the
// embedded broker and received by a consumer group.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
	"github.com/iggyflow/iggyflow/outbox"
	"github.com/iggyflow/iggyflow/outbox/sqlite"
)

func main() {
	dir, err := os.MkdirTemp("", "iggyflow-quickstart-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, dir); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, dir string) error {
	store, err := sqlite.Open(ctx, filepath.Join(dir, "outbox.db")) // or postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer store.Close()
	bus := outbox.NewBus(store)

	cfg := iggy.Defaults() // embedded broker
	cfg.Embedded.DataDir = filepath.Join(dir, "iggy")
	cfg.Embedded.TCPPort = "" // in-process only
	transport, err := iggy.NewTransport(ctx, cfg)
	if err != nil {
		return err
	}
	defer transport.Shutdown(context.Background())

	relay := outbox.NewRelay(store, transport, outbox.Defaults(), outbox.WithBus(bus))
	go relay.Run(ctx)

	// A write and its event commit together, or not at all.
	tenantID, actorID := uuid.New(), uuid.New()
	tx, err := store.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, total INTEGER)`); err != nil {
		return err
	}
	orderID := uuid.New()
	if _, err := tx.ExecContext(ctx, `INSERT INTO orders (id, total) VALUES (?, ?)`, orderID.String(), 125990); err != nil {
		return err
	}
	_, err = bus.PublishInTx(ctx, tx, tenantID, &actorID, &events.OrderPlaced{
		OrderID: orderID, Total: 125990, Currency: "EUR",
	})
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}

	// A consumer group receives in per-tenant order and acknowledges after
	// its own work; an unacknowledged event is delivered again after a
	// restart.
	consumer, err := transport.SubscribeAsGroup(ctx, "billing")
	if err != nil {
		return err
	}
	defer consumer.Close()
	d, err := consumer.Receive(ctx)
	if err != nil {
		return err
	}
	placed := d.Envelope.Event.(*events.OrderPlaced)
	fmt.Printf("received %s for order %s: %d %s (partition %d, offset %d)\n",
		d.Envelope.EventType, placed.OrderID, placed.Total, placed.Currency, d.Partition, d.Offset)
	return consumer.Ack(ctx, d)
}
