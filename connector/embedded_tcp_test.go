package connector_test

import (
	"context"
	"testing"

	"github.com/apache/iggy/foreign/go/client"
	"github.com/apache/iggy/foreign/go/client/tcp"
	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"github.com/iggyflow/iggyflow/connector"
)

// An embedded broker given a TCP address is reachable by the official Iggy
// client, which sees what the in-process side created and published.
func TestEmbeddedServesIggyTCP(t *testing.T) {
	ctx := context.Background()
	e := connector.NewEmbedded()
	cfg := connector.Config{Mode: connector.ModeEmbedded, Embedded: connector.EmbeddedConfig{
		DataDir: t.TempDir(), TCPAddr: "127.0.0.1:0",
	}}
	if err := e.Connect(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(ctx)
	if err := e.EnsureStream(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	if err := e.EnsureTopic(ctx, "shop", connector.TopicSpec{Name: "orders", Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	err := e.Publish(ctx, connector.PublishRequest{Stream: "shop", Topic: "orders", PartitionKey: []byte("tenant-a"),
		Messages: []connector.OutMessage{{Payload: []byte("first order")}}})
	if err != nil {
		t.Fatal(err)
	}

	addr := e.TCPAddr()
	if addr == nil {
		t.Fatal("TCPAddr is nil although the config asked for a listener")
	}
	c, err := client.NewIggyClient(client.WithTcp(tcp.WithServerAddress(addr.String())))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.LoginUser("iggy", "iggy"); err != nil {
		t.Fatalf("login with the loopback default root: %v", err)
	}

	streamID, _ := iggcon.NewIdentifier("shop")
	topicID, _ := iggcon.NewIdentifier("orders")
	topic, err := c.GetTopic(streamID, topicID)
	if err != nil {
		t.Fatal(err)
	}
	if topic.PartitionsCount != 2 {
		t.Fatalf("topic has %d partitions over TCP, want 2", topic.PartitionsCount)
	}
	var total uint64
	for _, p := range topic.Partitions {
		total += p.MessagesCount
	}
	if total != 1 {
		t.Fatalf("topic holds %d messages over TCP, want the 1 published in process", total)
	}

	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if e.TCPAddr() != nil {
		t.Fatal("TCPAddr still set after Shutdown")
	}
}
