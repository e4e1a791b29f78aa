package iggy

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/iggyflow/iggyflow/connector"
)

// Config is the events.iggy section of the configuration file: how the
// transport reaches the broker, how it lays out the stream and how long the
// broker keeps messages. Defaults returns the values used for every key a
// file leaves out.
type Config struct {
	// Mode is "embedded" (a broker inside the process) or "remote" (an
	// Iggy server over TCP). Default "embedded".
	Mode connector.Mode `yaml:"mode"`
	// Serialization names the codec envelopes are written with: "json" or
	// "messagepack". Default "json". Reading picks the codec from each
	// message's content_type header, so a consumer reads both.
	Serialization string `yaml:"serialization"`
	// Topology names the stream and sizes its topics.
	Topology TopologyConfig `yaml:"topology"`
	// Embedded configures the in-process broker (mode embedded).
	Embedded EmbeddedConfig `yaml:"embedded"`
	// Remote configures the connection to an Iggy server (mode remote).
	Remote RemoteConfig `yaml:"remote"`
	// Retention bounds how long and how much the broker keeps.
	Retention RetentionConfig `yaml:"retention"`
}

// TopologyConfig names the stream and sizes its topics.
type TopologyConfig struct {
	// StreamName is the Iggy stream holding the domain, system and dlq
	// topics. Default "rustok"; 1..255 bytes.
	StreamName string `yaml:"stream_name"`
	// DomainPartitions is the partition count of the domain and system
	// topics; a tenant's events all go to one of them. Default 8; 1..1000.
	DomainPartitions int `yaml:"domain_partitions"`
	// ReplicationFactor is passed to the broker when a topic is created.
	// Default 1; 1..255. The embedded broker keeps one copy whatever it is.
	ReplicationFactor int `yaml:"replication_factor"`
}

// EmbeddedConfig configures the in-process broker.
type EmbeddedConfig struct {
	// DataDir holds the broker's files. Default "./data/iggy".
	DataDir string `yaml:"data_dir"`
	// TCPPort is where the broker serves Iggy's TCP protocol, written in
	// the file as a port number (8090 means 127.0.0.1:8090) or as
	// "host:port". 0 (the empty ListenAddr) serves nothing. Default
	// 127.0.0.1:8090.
	TCPPort ListenAddr `yaml:"tcp_port"`
	// HTTPPort is kept for compatibility with RusToK's configuration; this
	// build serves no HTTP API, so the value is only range-checked
	// (0..65535). Default 3000.
	HTTPPort int `yaml:"http_port"`
}

// RemoteConfig configures the connection to an Iggy server.
type RemoteConfig struct {
	// Addresses are "host:port" values tried in order. Default
	// ["127.0.0.1:8090"]; at least one is needed in mode remote.
	Addresses []string `yaml:"addresses"`
	// Protocol must be "tcp" (the only one supported). Default "tcp".
	Protocol string `yaml:"protocol"`
	// Username to log in with. Default "rustok".
	Username string `yaml:"username"`
	// Password to log in with; usually written as ${IGGY_PASSWORD}.
	// Default empty.
	Password string `yaml:"password"`
	// TLSEnabled wraps the TCP connection in TLS. Default false.
	TLSEnabled bool `yaml:"tls_enabled"`
	// TLSCAFile is a PEM file of CAs to trust; empty uses the system pool.
	TLSCAFile string `yaml:"tls_ca_file"`
	// TLSServerName overrides the name checked in the server certificate;
	// empty uses the host of the address.
	TLSServerName string `yaml:"tls_server_name"`
}

// RetentionConfig bounds what the broker keeps. Every value is >= 0 and 0
// means no limit. Limits are enforced by deleting whole old segments, so a
// topic may briefly hold more than its bound.
type RetentionConfig struct {
	// DomainMaxAgeDays is the message expiry of the domain topic, in days.
	// Default 30.
	DomainMaxAgeDays int `yaml:"domain_max_age_days"`
	// DomainMaxSizeGB is the maximum size of the domain topic in GiB
	// (1<<30 bytes). Default 10.
	DomainMaxSizeGB int `yaml:"domain_max_size_gb"`
	// SystemMaxAgeDays is the message expiry of the system topic, in days.
	// Default 7.
	SystemMaxAgeDays int `yaml:"system_max_age_days"`
	// DlqMaxAgeDays is the message expiry of the dlq topic, in days.
	// Default 365.
	DlqMaxAgeDays int `yaml:"dlq_max_age_days"`
}

// Defaults returns the configuration used when nothing is configured.
func Defaults() Config {
	return Config{
		Mode:          connector.ModeEmbedded,
		Serialization: "json",
		Topology: TopologyConfig{
			StreamName:        "rustok",
			DomainPartitions:  8,
			ReplicationFactor: 1,
		},
		Embedded: EmbeddedConfig{
			DataDir:  "./data/iggy",
			TCPPort:  "127.0.0.1:8090",
			HTTPPort: 3000,
		},
		Remote: RemoteConfig{
			Addresses: []string{"127.0.0.1:8090"},
			Protocol:  "tcp",
			Username:  "rustok",
		},
		Retention: RetentionConfig{
			DomainMaxAgeDays: 30,
			DomainMaxSizeGB:  10,
			SystemMaxAgeDays: 7,
			DlqMaxAgeDays:    365,
		},
	}
}

// ConfigError is one invalid value of a Config. Key is the path below the
// events.iggy section, such as "topology.domain_partitions".
type ConfigError struct {
	Key    string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("iggy: config %s: %s", e.Key, e.Reason)
}

func bad(key, format string, args ...any) error {
	return &ConfigError{Key: key, Reason: fmt.Sprintf(format, args...)}
}

// Validate reports every invalid value as a *ConfigError, joined with
// errors.Join; it returns nil for a usable configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Mode != connector.ModeEmbedded && c.Mode != connector.ModeRemote {
		errs = append(errs, bad("mode", "must be %q or %q, got %q",
			connector.ModeEmbedded, connector.ModeRemote, c.Mode))
	}

	if c.Serialization != "json" && c.Serialization != "messagepack" {
		errs = append(errs, bad("serialization", "must be \"json\" or \"messagepack\", got %q",
			c.Serialization))
	}

	errs = append(errs, c.Topology.validate()...)
	errs = append(errs, c.Embedded.validate(c.Mode == connector.ModeEmbedded)...)
	errs = append(errs, c.Remote.validate(c.Mode == connector.ModeRemote)...)
	errs = append(errs, c.Retention.validate()...)
	return errors.Join(errs...)
}

func (t TopologyConfig) validate() []error {
	var errs []error
	if n := len(t.StreamName); n < 1 || n > 255 {
		errs = append(errs, bad("topology.stream_name", "must be 1..255 bytes, got %d", n))
	}

	if t.DomainPartitions < 1 || t.DomainPartitions > 1000 {
		errs = append(errs, bad("topology.domain_partitions", "must be 1..1000, got %d",
			t.DomainPartitions))
	}

	if t.ReplicationFactor < 1 || t.ReplicationFactor > 255 {
		errs = append(errs, bad("topology.replication_factor", "must be 1..255, got %d",
			t.ReplicationFactor))
	}
	return errs
}

func (e EmbeddedConfig) validate(active bool) []error {
	var errs []error
	if active && e.DataDir == "" {
		errs = append(errs, bad("embedded.data_dir", "must not be empty in mode embedded"))
	}

	if err := e.TCPPort.check(); err != nil {
		errs = append(errs, bad("embedded.tcp_port", "%v", err))
	}

	if e.HTTPPort < 0 || e.HTTPPort > 65535 {
		errs = append(errs, bad("embedded.http_port", "must be 0..65535, got %d", e.HTTPPort))
	}
	return errs
}

func (r RemoteConfig) validate(active bool) []error {
	var errs []error
	if r.Protocol != "tcp" {
		errs = append(errs, bad("remote.protocol", "must be \"tcp\", got %q", r.Protocol))
	}

	if active && len(r.Addresses) == 0 {
		errs = append(errs, bad("remote.addresses", "must list at least one address in mode remote"))
	}

	for i, a := range r.Addresses {
		if err := checkHostPort(a); err != nil {
			errs = append(errs, bad(fmt.Sprintf("remote.addresses[%d]", i), "%v", err))
		}
	}
	return errs
}

// Upper bounds of the retention values: the largest day count a
// time.Duration holds, and the largest GB count whose bytes fit in a u64
// with room to spare. Beyond them the values would wrap around silently.
const (
	maxRetentionDays = 100_000
	maxRetentionGB   = 1 << 30
)

func (r RetentionConfig) validate() []error {
	fields := []struct {
		key string
		v   int
		max int
	}{
		{"retention.domain_max_age_days", r.DomainMaxAgeDays, maxRetentionDays},
		{"retention.domain_max_size_gb", r.DomainMaxSizeGB, maxRetentionGB},
		{"retention.system_max_age_days", r.SystemMaxAgeDays, maxRetentionDays},
		{"retention.dlq_max_age_days", r.DlqMaxAgeDays, maxRetentionDays},
	}

	var errs []error
	for _, f := range fields {
		if f.v < 0 || f.v > f.max {
			errs = append(errs, bad(f.key, "must be 0..%d (0 = no limit), got %d", f.max, f.v))
		}
	}
	return errs
}

// checkHostPort accepts "host:port" with a numeric port 1..65535 and a
// possibly empty host.
func checkHostPort(a string) error {
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("want \"host:port\", got %q", a)
	}

	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port must be 1..65535, got %q", port)
	}
	return nil
}

// ConnectorConfig turns the section into what a connector needs (the
// IggyConfig -> ConnectorConfig step of RusToK).
func (c Config) ConnectorConfig() connector.Config {
	return connector.Config{
		Mode: c.Mode,
		Embedded: connector.EmbeddedConfig{
			DataDir: c.Embedded.DataDir,
			TCPAddr: string(c.Embedded.TCPPort),
		},
		Remote: connector.RemoteConfig{
			Addresses:     append([]string(nil), c.Remote.Addresses...),
			Protocol:      c.Remote.Protocol,
			Username:      c.Remote.Username,
			Password:      c.Remote.Password,
			TLSEnabled:    c.Remote.TLSEnabled,
			TLSCAFile:     c.Remote.TLSCAFile,
			TLSServerName: c.Remote.TLSServerName,
		},
	}
}
