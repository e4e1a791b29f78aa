package postgres

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/iggyflow/iggyflow/events"
)

// sinkDDL creates the table the relay processes publish into. n orders
// the rows as they were published.
const sinkDDL = `CREATE TABLE IF NOT EXISTS %s.sink (
	n         bigserial PRIMARY KEY,
	event_id  uuid NOT NULL,
	tenant_id uuid NOT NULL,
	worker    text NOT NULL
)`

// tableSink is an events.Transport that writes each batch, in order, into
// the sink table in one transaction. With hangAfter > 0 it stops for good
// after committing that many batches, first creating the file marker, so
// that the test can kill the process with a published but unmarked batch.
type tableSink struct {
	pool      *pgxpool.Pool
	schema    string
	worker    string
	hangAfter int64
	marker    string
	batches   atomic.Int64
}

func (s *tableSink) Publish(ctx context.Context, env *events.Envelope) error {
	return s.PublishBatch(ctx, []*events.Envelope{env})
}

func (s *tableSink) PublishBatch(ctx context.Context, envs []*events.Envelope) error {
	rows := make([][]any, len(envs))
	for i, e := range envs {
		rows[i] = []any{e.ID, e.TenantID, s.worker}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{s.schema, "sink"},
			[]string{"event_id", "tenant_id", "worker"}, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return fmt.Errorf("sink: write %d events: %w", len(envs), err)
	}

	if s.hangAfter > 0 && s.batches.Add(1) == s.hangAfter {
		if err := os.WriteFile(s.marker, []byte(s.worker), 0o644); err != nil {
			return err
		}
		time.Sleep(time.Hour)
	}
	return nil
}

func (s *tableSink) Acknowledge(context.Context, uuid.UUID) error { return nil }

func (s *tableSink) ReliabilityLevel() events.ReliabilityLevel { return events.Streaming }
