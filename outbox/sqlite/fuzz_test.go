package sqlite

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/outbox"
)

// FuzzRelayPayload stores arbitrary bytes as an event's payload and runs a
// relay round over it (failed rows are not retried within the run). The relay must not panic or get stuck: the row
// ends either dispatched (the bytes were a valid envelope of this row) or
// with a failed attempt whose last error names the decode failure.
func FuzzRelayPayload(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte("\x00\xff garbage"))
	f.Add([]byte(`{"id":"not-a-uuid","event":{"type":"OrderPlaced","data":{}}}`))
	f.Add(validPayload(f, uuid.MustParse("0195a2f5-0a11-7b22-8c33-4d44e55f6607"), uuid.MustParse("6f1c2b9a-4e57-4d3b-8a21-9c0e7d5f3b12")))

	s, err := Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"), WithSynchronous("OFF"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	sink := events.NewMemoryTransport()
	r := outbox.NewRelay(s, sink, outbox.RelayConfig{WorkerID: "fuzz", BackoffBase: time.Hour, BackoffMax: time.Hour})

	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) == 0 {
			return
		}
		ctx := context.Background()
		id, tenant := payloadIDs(payload)
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		rec := outbox.Record{ID: id, TenantID: tenant, EventType: "order.placed", SchemaVersion: 1, Payload: payload}
		if err := s.Insert(ctx, tx, rec); err != nil {
			tx.Rollback()
			return // an id seen before: the unique index refuses it
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}

		if n, err := r.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("RunOnce = %d, %v; want the one row", n, err)
		}
		got, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case got.Status == outbox.StatusDispatched:
		case got.RetryCount == 1 && strings.Contains(got.LastError, "decode payload"):
		default:
			t.Fatalf("row after a round: status %s retries %d last error %q", got.Status, got.RetryCount, got.LastError)
		}
		if got.ClaimedBy != "" && got.Status == outbox.StatusPending {
			t.Fatalf("failed row still claimed by %q", got.ClaimedBy)
		}
	})
}

// payloadIDs takes the row's id and tenant from the payload when it holds
// them, so that valid envelopes can be dispatched, and makes fresh ones
// otherwise.
func payloadIDs(payload []byte) (uuid.UUID, uuid.UUID) {
	var head struct {
		ID       uuid.UUID `json:"id"`
		TenantID uuid.UUID `json:"tenant_id"`
	}
	if json.Unmarshal(payload, &head) != nil || head.ID == uuid.Nil || head.TenantID == uuid.Nil {
		return uuid.New(), uuid.New()
	}
	return head.ID, head.TenantID
}

func validPayload(f *testing.F, id, tenant uuid.UUID) []byte {
	env := events.NewEnvelope(tenant, nil, &events.OrderPlaced{OrderID: uuid.New(), Total: 5, Currency: "EUR"})
	env.ID, env.CorrelationID = id, id
	b, err := events.JSON.Marshal(env)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
