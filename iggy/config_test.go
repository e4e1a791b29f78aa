package iggy

import (
	"errors"
	"testing"

	"github.com/iggyflow/iggyflow/connector"
)

func TestDefaultsValidate(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNamesKeys(t *testing.T) {
	c := Defaults()
	c.Mode = "kafka"
	c.Topology.DomainPartitions = 0
	c.Embedded.TCPPort = "nonsense"

	err := c.Validate()
	want := map[string]bool{"mode": false, "topology.domain_partitions": false, "embedded.tcp_port": false}
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *ConfigError", e)
		}
		want[ce.Key] = true
	}

	for k, seen := range want {
		if !seen {
			t.Errorf("no error for %s in %v", k, err)
		}
	}
}

func TestConnectorConfig(t *testing.T) {
	c := Defaults()
	c.Embedded.DataDir = "/tmp/x"
	c.Embedded.TCPPort = ""
	c.Remote.Password = "pw"

	cc := c.ConnectorConfig()
	if cc.Mode != connector.ModeEmbedded || cc.Embedded.DataDir != "/tmp/x" || cc.Embedded.TCPAddr != "" ||
		cc.Remote.Password != "pw" || cc.Remote.Addresses[0] != "127.0.0.1:8090" {
		t.Fatalf("ConnectorConfig() = %+v", cc)
	}

	cc.Remote.Addresses[0] = "changed:1"
	if c.Remote.Addresses[0] != "127.0.0.1:8090" {
		t.Error("ConnectorConfig shares the addresses slice with the Config")
	}
}

func TestPortAddr(t *testing.T) {
	cases := []struct {
		port int
		want ListenAddr
		ok   bool
	}{{0, "", true}, {8090, "127.0.0.1:8090", true}, {65535, "127.0.0.1:65535", true}, {-1, "", false}, {65536, "", false}}
	for _, c := range cases {
		got, err := PortAddr(c.port)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("PortAddr(%d) = %q, %v", c.port, got, err)
		}
	}
}
