package iggy

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/events"
)

// benchTransport opens a transport over Embedded for a benchmark.
func benchTransport(b *testing.B, serialization string) *Transport {
	cfg := Defaults()
	cfg.Embedded.DataDir = b.TempDir()
	cfg.Embedded.TCPPort = ""
	cfg.Serialization = serialization

	tr, err := NewTransport(b.Context(), cfg, WithConnector(connector.NewEmbedded()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr
}

// BenchmarkPublishReceive measures one event's trip through Embedded:
// Publish, then Receive and Ack by a consumer group member, one at a time.
// The noack cases leave out the Ack, whose cost is the broker's stored
// offset write.
func BenchmarkPublishReceive(b *testing.B) {
	for _, c := range []struct {
		ser string
		ack bool
	}{{"json", true}, {"messagepack", true}, {"json", false}} {
		name := c.ser
		if !c.ack {
			name += "-noack"
		}
		ser, withAck := c.ser, c.ack
		b.Run(name, func(b *testing.B) {
			tr := benchTransport(b, ser)
			c, err := tr.SubscribeAsGroup(b.Context(), "bench")
			if err != nil {
				b.Fatal(err)
			}
			tenant := uuid.New()
			ctx := b.Context()

			for b.Loop() {
				env := events.NewEnvelope(tenant, nil, &events.OrderPlaced{OrderID: uuid.New(), Total: 4200, Currency: "EUR"})
				if err := tr.Publish(ctx, env); err != nil {
					b.Fatal(err)
				}
				d, err := c.Receive(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if !withAck {
					continue
				}
				if err := c.Ack(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPublishBatchThenReceive measures throughput: batches of 100
// events for 10 tenants are published, then all are received and acked.
func BenchmarkPublishBatchThenReceive(b *testing.B) {
	tr := benchTransport(b, "json")
	c, err := tr.SubscribeAsGroup(b.Context(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	tenants := make([]uuid.UUID, 10)
	for i := range tenants {
		tenants[i] = uuid.New()
	}
	ctx := b.Context()

	for b.Loop() {
		envs := make([]*events.Envelope, 100)
		for i := range envs {
			envs[i] = events.NewEnvelope(tenants[i/10], nil, &events.OrderPlaced{OrderID: uuid.New(), Total: 1, Currency: "EUR"})
		}
		if err := tr.PublishBatch(ctx, envs); err != nil {
			b.Fatal(err)
		}

		for range envs {
			d, err := c.Receive(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Ack(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}
