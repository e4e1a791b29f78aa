package connector_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/iggy"
	"github.com/iggyflow/iggyflow/iggy/iggytest"
)

// remoteBackend runs the transport suite over Remote, talking TCP to one
// broker and server on a loopback port. Each test gets a stream of its
// own; reopening the same config reaches the same stream on the same
// server.
func remoteBackend(t *testing.T, addr string) iggytest.Backend {
	var n atomic.Int64
	return iggytest.Backend{
		Config: func(t *testing.T) iggy.Config {
			cfg := iggy.Defaults()
			cfg.Mode = connector.ModeRemote
			cfg.Topology.StreamName = fmt.Sprintf("conformance-%d", n.Add(1))
			cfg.Remote.Addresses = []string{addr}
			cfg.Remote.Username, cfg.Remote.Password = "iggy", "iggy"
			return cfg
		},
		NewConnector: func(t *testing.T, cfg iggy.Config) connector.Connector {
			return connector.NewRemote(connector.WithPollInterval(time.Millisecond, 20*time.Millisecond))
		},
	}
}

func TestRemoteConformance(t *testing.T) {
	srv := startRemoteServer(t, "")
	iggytest.Run(t, remoteBackend(t, srv.addr))
}
