package iggy_test

import (
	"path/filepath"
	"testing"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/iggy"
	"github.com/iggyflow/iggyflow/iggy/iggytest"
)

// embeddedBackend runs the suite over the Embedded connector, each test on
// a data dir of its own; reopening the same config reopens the same files.
func embeddedBackend() iggytest.Backend {
	return iggytest.Backend{
		Config: func(t *testing.T) iggy.Config {
			cfg := iggy.Defaults()
			cfg.Embedded.DataDir = filepath.Join(t.TempDir(), "iggy")
			cfg.Embedded.TCPPort = ""
			return cfg
		},
		NewConnector: func(t *testing.T, cfg iggy.Config) connector.Connector {
			return connector.NewEmbedded(connector.WithSegmentSize(1 << 20))
		},
	}
}

func TestEmbeddedConformance(t *testing.T) {
	iggytest.Run(t, embeddedBackend())
}
