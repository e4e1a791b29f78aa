package iggy

import (
	"fmt"
	"net"
	"strconv"

	"gopkg.in/yaml.v3"
)

// ListenAddr is a "host:port" address to listen on; empty listens nowhere.
// In YAML it is written either as a port number (8090 becomes
// "127.0.0.1:8090", 0 becomes empty) or as a "host:port" string.
type ListenAddr string

// UnmarshalYAML accepts a port number or a "host:port" string.
func (a *ListenAddr) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a port number or \"host:port\", got a %s", kindName(n.Kind))
	}

	if port, err := strconv.Atoi(n.Value); err == nil {
		v, err := PortAddr(port)
		if err != nil {
			return err
		}
		*a = v
		return nil
	}

	v := ListenAddr(n.Value)
	if err := v.check(); err != nil {
		return err
	}
	*a = v
	return nil
}

// MarshalYAML writes the address as a "host:port" string, or 0 when empty.
func (a ListenAddr) MarshalYAML() (any, error) {
	if a == "" {
		return 0, nil
	}
	return string(a), nil
}

// PortAddr turns a port number into a loopback listen address; 0 gives the
// empty address (listen nowhere). Ports outside 0..65535 are an error.
func PortAddr(port int) (ListenAddr, error) {
	if port < 0 || port > 65535 {
		return "", fmt.Errorf("port must be 0..65535, got %d", port)
	}

	if port == 0 {
		return "", nil
	}
	return ListenAddr(net.JoinHostPort("127.0.0.1", strconv.Itoa(port))), nil
}

// check accepts the empty address and "host:port" with a port 0..65535
// (port 0 asks the system for a free port).
func (a ListenAddr) check() error {
	if a == "" {
		return nil
	}

	_, port, err := net.SplitHostPort(string(a))
	if err != nil {
		return fmt.Errorf("want a port number or \"host:port\", got %q", string(a))
	}

	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port must be 0..65535, got %q", port)
	}
	return nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	default:
		return "scalar"
	}
}
