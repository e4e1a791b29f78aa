package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/connector"
	"github.com/iggyflow/iggyflow/iggy"
)

func TestDefaults(t *testing.T) {
	d := Defaults()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}

	e := d.Events
	checks := []struct {
		name      string
		got, want any
	}{
		{"transport", e.Transport, "iggy"},
		{"mode", e.Iggy.Mode, connector.ModeEmbedded},
		{"serialization", e.Iggy.Serialization, "json"},
		{"stream_name", e.Iggy.Topology.StreamName, "rustok"},
		{"domain_partitions", e.Iggy.Topology.DomainPartitions, 8},
		{"replication_factor", e.Iggy.Topology.ReplicationFactor, 1},
		{"data_dir", e.Iggy.Embedded.DataDir, "./data/iggy"},
		{"tcp_port", e.Iggy.Embedded.TCPPort, iggy.ListenAddr("127.0.0.1:8090")},
		{"http_port", e.Iggy.Embedded.HTTPPort, 3000},
		{"addresses", e.Iggy.Remote.Addresses, []string{"127.0.0.1:8090"}},
		{"protocol", e.Iggy.Remote.Protocol, "tcp"},
		{"username", e.Iggy.Remote.Username, "rustok"},
		{"tls_enabled", e.Iggy.Remote.TLSEnabled, false},
		{"domain_max_age_days", e.Iggy.Retention.DomainMaxAgeDays, 30},
		{"domain_max_size_gb", e.Iggy.Retention.DomainMaxSizeGB, 10},
		{"system_max_age_days", e.Iggy.Retention.SystemMaxAgeDays, 7},
		{"dlq_max_age_days", e.Iggy.Retention.DlqMaxAgeDays, 365},
		{"database_url", e.Outbox.DatabaseURL, "sqlite://./data/outbox.db"},
		{"batch_size", e.Outbox.Relay.BatchSize, 100},
		{"max_attempts", e.Outbox.Relay.MaxAttempts, 5},
		{"backoff_base", e.Outbox.Relay.BackoffBase.Std(), time.Second},
		{"backoff_max", e.Outbox.Relay.BackoffMax.Std(), 60 * time.Second},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestEmptyInputGivesDefaults(t *testing.T) {
	for _, text := range []string{"", "\n# only a comment\n", "events:\n", "events:\n  iggy:\n"} {
		f, err := Parse([]byte(text))
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		if !reflect.DeepEqual(f, Defaults()) {
			t.Errorf("Parse(%q) = %+v, want the defaults", text, f)
		}
	}

	f, err := Load("")
	if err != nil || !reflect.DeepEqual(f, Defaults()) {
		t.Errorf("Load(\"\") = %+v, %v; want the defaults", f, err)
	}
}

func TestLoadFullFile(t *testing.T) {
	t.Setenv("TEST_IGGY_PASSWORD", "s3cret")
	f, err := Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	want := &File{Events: EventsConfig{
		Transport: "iggy",
		Iggy: iggy.Config{
			Mode:          connector.ModeRemote,
			Serialization: "messagepack",
			Topology:      iggy.TopologyConfig{StreamName: "shop", DomainPartitions: 16, ReplicationFactor: 3},
			Embedded:      iggy.EmbeddedConfig{DataDir: "/var/lib/iggy", TCPPort: "0.0.0.0:9090", HTTPPort: 3001},
			Remote: iggy.RemoteConfig{
				Addresses: []string{"10.0.0.1:8090", "10.0.0.2:8090"}, Protocol: "tcp",
				Username: "shop", Password: "s3cret", TLSEnabled: true,
				TLSCAFile: "/etc/iggy/ca.pem", TLSServerName: "iggy.internal",
			},
			Retention: iggy.RetentionConfig{DomainMaxAgeDays: 14, DomainMaxSizeGB: 0, SystemMaxAgeDays: 3, DlqMaxAgeDays: 90},
		},
		Outbox: OutboxConfig{
			DatabaseURL: "postgres://app@db/shop?sslmode=disable",
			Relay: RelayConfig{BatchSize: 500, MaxAttempts: 8,
				BackoffBase: Duration(250 * time.Millisecond), BackoffMax: Duration(2 * time.Minute)},
		},
	}}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("got  %+v\nwant %+v", f.Events, want.Events)
	}

	cc := f.Events.Iggy.ConnectorConfig()
	if cc.Mode != connector.ModeRemote || cc.Remote.Password != "s3cret" ||
		cc.Embedded.TCPAddr != "0.0.0.0:9090" || len(cc.Remote.Addresses) != 2 ||
		cc.Remote.TLSServerName != "iggy.internal" {
		t.Errorf("ConnectorConfig() = %+v", cc)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestPartialFileKeepsOtherDefaults(t *testing.T) {
	f, err := Parse([]byte("events:\n  iggy:\n    topology:\n      domain_partitions: 4\n"))
	if err != nil {
		t.Fatal(err)
	}

	want := Defaults()
	want.Events.Iggy.Topology.DomainPartitions = 4
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("got %+v, want %+v", f.Events, want.Events)
	}
}

func TestTCPPortForms(t *testing.T) {
	cases := []struct {
		value string
		want  iggy.ListenAddr
	}{
		{"8090", "127.0.0.1:8090"},
		{"9000", "127.0.0.1:9000"},
		{"0", ""},
		{`"127.0.0.1:7000"`, "127.0.0.1:7000"},
		{`"[::1]:7001"`, "[::1]:7001"},
		{`":7002"`, ":7002"},
	}
	for _, c := range cases {
		f, err := Parse([]byte("events:\n  iggy:\n    embedded:\n      tcp_port: " + c.value + "\n"))
		if err != nil {
			t.Fatalf("tcp_port %s: %v", c.value, err)
		}
		if got := f.Events.Iggy.Embedded.TCPPort; got != c.want {
			t.Errorf("tcp_port %s = %q, want %q", c.value, got, c.want)
		}
		if got := f.Events.Iggy.ConnectorConfig().Embedded.TCPAddr; got != string(c.want) {
			t.Errorf("tcp_port %s: connector TCPAddr = %q, want %q", c.value, got, c.want)
		}
	}
}

func TestMergeKeys(t *testing.T) {
	text := `
base: &relay
  batch_size: 7
  max_attempts: 9
events:
  outbox:
    relay:
      <<: *relay
      max_attempts: 2
`
	// "base" is not a key of the file, so the anchor must live inside it.
	if _, err := Parse([]byte(text)); err == nil || !strings.Contains(err.Error(), "base") {
		t.Fatalf("unknown top-level key: err = %v", err)
	}

	text = `
events:
  transport: iggy
  outbox:
    relay: &relay
      batch_size: 7
  iggy:
    topology:
      <<: {domain_partitions: 3, stream_name: merged}
      stream_name: own
`
	f, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	topo := f.Events.Iggy.Topology
	if topo.DomainPartitions != 3 || topo.StreamName != "own" || f.Events.Outbox.Relay.BatchSize != 7 {
		t.Errorf("merge: topology %+v, relay %+v", topo, f.Events.Outbox.Relay)
	}
}

func TestWrittenConfigIsOneDocument(t *testing.T) {
	_, err := Parse([]byte("events:\n  transport: iggy\n---\nevents:\n  transport: memory\n"))
	if err == nil {
		t.Fatal("two documents accepted")
	}
}

func TestLoadReportsPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(p, []byte("events:\n  transprt: iggy\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "events.transprt") {
		t.Fatalf("err = %v, want it to name the file and the key", err)
	}
}

func TestStringMasksPassword(t *testing.T) {
	f := Defaults()
	f.Events.Iggy.Remote.Password = "hunter2"
	if s := f.String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "***") {
		t.Fatalf("String() = %s", s)
	}
	if f.Events.Iggy.Remote.Password != "hunter2" {
		t.Fatal("String() changed the file")
	}
}

func TestErrorText(t *testing.T) {
	_, err := Parse([]byte("events:\n  iggy:\n    mode: kafka\n"))
	want := `config: events.iggy.mode: must be "embedded" or "remote", got "kafka"`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}
