package server_test

import (
	"context"
	"testing"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/server"
)

func TestIsLoopback(t *testing.T) {
	cases := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8090", true},
		{"127.3.4.5:0", true},
		{"[::1]:8090", true},
		{"localhost:8090", true},
		{":8090", false},
		{"0.0.0.0:8090", false},
		{"[::]:8090", false},
		{"192.0.2.10:8090", false},
		{"example.invalid:8090", false},
	}
	for _, c := range cases {
		got, err := server.IsLoopback(c.addr)
		if err != nil || got != c.want {
			t.Errorf("IsLoopback(%q) = %v, %v; want %v", c.addr, got, err, c.want)
		}
	}
	if _, err := server.IsLoopback("no-port"); err == nil {
		t.Error("IsLoopback accepted an address without a port")
	}
}

func TestStartRefusesDefaultRootOffLoopback(t *testing.T) {
	dir := t.TempDir()
	b, err := broker.Open(broker.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	if s, err := server.Start(b, server.StartConfig{DataDir: dir, Addr: "0.0.0.0:0"}); err == nil {
		s.Shutdown(context.Background())
		t.Fatal("Start served all interfaces with the default root password")
	}

	s, err := server.Start(b, server.StartConfig{DataDir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("Start on loopback: %v", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
