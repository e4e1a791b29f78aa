package connector_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
)

// benchModes opens a transport in each connector mode: Embedded in the
// process, and Remote over loopback TCP to a broker and server in the
// process.
var benchModes = []struct {
	name string
	open func(b *testing.B) *iggy.Transport
}{
	{"embedded", func(b *testing.B) *iggy.Transport {
		cfg := iggy.Defaults()
		cfg.Embedded.DataDir = filepath.Join(b.TempDir(), "iggy")
		cfg.Embedded.TCPPort = ""
		return openBenchTransport(b, cfg, connector.NewEmbedded())
	}},
	{"remote", func(b *testing.B) *iggy.Transport {
		srv := startRemoteServer(b, "")
		cfg := iggy.Defaults()
		cfg.Mode = connector.ModeRemote
		cfg.Remote.Addresses = []string{srv.addr}
		cfg.Remote.Username, cfg.Remote.Password = "iggy", "iggy"
		return openBenchTransport(b, cfg, connector.NewRemote())
	}},
}

func openBenchTransport(b *testing.B, cfg iggy.Config, c connector.Connector) *iggy.Transport {
	tr, err := iggy.NewTransport(b.Context(), cfg, iggy.WithConnector(c))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr
}

// envelopeOfSize returns an order.placed envelope whose JSON form is size
// bytes, padded through its trace id.
func envelopeOfSize(b *testing.B, tenant uuid.UUID, size int) *events.Envelope {
	env := events.NewEnvelope(tenant, nil, &events.OrderPlaced{OrderID: uuid.New(), Total: 4200, Currency: "EUR"})
	codec, err := events.CodecByName("json")
	if err != nil {
		b.Fatal(err)
	}

	empty := ""
	env.TraceID = &empty
	base, err := codec.Marshal(env)
	if err != nil {
		b.Fatal(err)
	}
	pad := strings.Repeat("t", max(size-len(base), 0))
	env.TraceID = &pad
	return env
}

// BenchmarkTransportPublishReceive measures one 1 KiB event's trip through
// each mode: Publish, then Receive and Ack by a consumer group member, one
// at a time.
func BenchmarkTransportPublishReceive(b *testing.B) {
	for _, mode := range benchModes {
		b.Run(mode.name, func(b *testing.B) {
			tr := mode.open(b)
			c, err := tr.SubscribeAsGroup(b.Context(), "bench")
			if err != nil {
				b.Fatal(err)
			}
			tenant := uuid.New()
			env := envelopeOfSize(b, tenant, 1024)
			ctx := b.Context()
			b.SetBytes(1024)

			for b.Loop() {
				env.ID = uuid.New()
				if err := tr.Publish(ctx, env); err != nil {
					b.Fatal(err)
				}
				d, err := c.Receive(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Ack(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTransportBatchThenReceive measures throughput in each mode:
// batches of 100 events of 1 KiB for 10 tenants are published, then all
// are received and acknowledged.
func BenchmarkTransportBatchThenReceive(b *testing.B) {
	for _, mode := range benchModes {
		b.Run(mode.name, func(b *testing.B) {
			tr := mode.open(b)
			c, err := tr.SubscribeAsGroup(b.Context(), "bench")
			if err != nil {
				b.Fatal(err)
			}
			envs := make([]*events.Envelope, 100)
			for i := range envs {
				envs[i] = envelopeOfSize(b, uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%d", i/10)), 1024)
			}
			ctx := b.Context()
			b.SetBytes(100 * 1024)

			for b.Loop() {
				for _, e := range envs {
					e.ID = uuid.New()
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
			b.ReportMetric(float64(b.N*len(envs))/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkConnectorPublishRecv measures the connector alone: one 1 KiB
// message published, received by a group member and committed.
func BenchmarkConnectorPublishRecv(b *testing.B) {
	conns := map[string]func(b *testing.B) connector.Connector{
		"embedded": func(b *testing.B) connector.Connector {
			e := connector.NewEmbedded()
			cfg := connector.Config{Mode: connector.ModeEmbedded, Embedded: connector.EmbeddedConfig{DataDir: b.TempDir()}}
			if err := e.Connect(b.Context(), cfg); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = e.Shutdown(context.Background()) })
			return e
		},
		"remote": func(b *testing.B) connector.Connector {
			return connectRemote(b, remoteConfig(startRemoteServer(b, "").addr))
		},
	}
	for _, name := range []string{"embedded", "remote"} {
		b.Run(name, func(b *testing.B) {
			c := conns[name](b)
			remoteTopic(b, c, 8)
			g, err := c.SubscribeGroup(b.Context(), "s", "t", "bench")
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			req := connector.PublishRequest{Stream: "s", Topic: "t", PartitionKey: []byte("tenant"),
				Messages: []connector.OutMessage{{Headers: map[string]string{"event_id": "x"}, Payload: make([]byte, 1024)}}}
			ctx := b.Context()
			b.SetBytes(1024)

			for b.Loop() {
				if err := c.Publish(ctx, req); err != nil {
					b.Fatal(err)
				}
				m, err := g.Recv(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := g.Commit(ctx, m.Partition, m.Offset); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
