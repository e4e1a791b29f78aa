package config

import (
	"errors"
	"strings"
	"testing"
)

// nest builds the YAML for one value at a dotted path below events.
func nest(path, value string) string {
	parts := strings.Split(path, ".")
	var b strings.Builder
	for i, p := range parts {
		b.WriteString(strings.Repeat("  ", i))
		b.WriteString(p)
		b.WriteString(":")
		if i == len(parts)-1 {
			b.WriteString(" " + value)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestBadValuesNameTheirKey(t *testing.T) {
	cases := []struct {
		key, value, reason string
	}{
		{"events.transport", "kafka", `got "kafka"`},
		{"events.iggy.mode", "kafka", `must be "embedded" or "remote", got "kafka"`},
		{"events.iggy.serialization", "protobuf", `got "protobuf"`},
		{"events.iggy.topology.stream_name", `""`, "1..255"},
		{"events.iggy.topology.domain_partitions", "0", "1..1000"},
		{"events.iggy.topology.domain_partitions", "1001", "1..1000"},
		{"events.iggy.topology.domain_partitions", "eight", "cannot unmarshal"},
		{"events.iggy.topology.replication_factor", "0", "1..255"},
		{"events.iggy.embedded.data_dir", `""`, "must not be empty"},
		{"events.iggy.embedded.tcp_port", "70000", "0..65535"},
		{"events.iggy.embedded.tcp_port", "-1", "0..65535"},
		{"events.iggy.embedded.tcp_port", "localhost", "host:port"},
		{"events.iggy.embedded.tcp_port", "[1, 2]", "port number"},
		{"events.iggy.embedded.http_port", "65536", "0..65535"},
		{"events.iggy.remote.protocol", "http", `must be "tcp", got "http"`},
		{"events.iggy.remote.addresses[0]", `["nohost"]`, "host:port"},
		{"events.iggy.remote.tls_enabled", "maybe", "cannot unmarshal"},
		{"events.iggy.retention.domain_max_age_days", "-1", "must be 0..100000"},
		{"events.iggy.retention.domain_max_size_gb", "-5", "must be 0..1073741824"},
		{"events.iggy.retention.system_max_age_days", "-1", "must be 0..100000"},
		{"events.iggy.retention.dlq_max_age_days", "-1", "must be 0..100000"},
		// Values that would wrap around when turned into bytes or a duration.
		{"events.iggy.retention.domain_max_size_gb", "17179869185", "must be 0..1073741824"},
		{"events.iggy.retention.domain_max_age_days", "213503982336", "must be 0..100000"},
		{"events.outbox.database_url", "mysql://x", "sqlite://"},
		{"events.outbox.relay.batch_size", "0", "1..10000"},
		{"events.outbox.relay.batch_size", "10001", "1..10000"},
		{"events.outbox.relay.max_attempts", "0", ">= 1"},
		{"events.outbox.relay.backoff_base", "0s", "> 0"},
		{"events.outbox.relay.backoff_base", "5", "duration"},
		{"events.outbox.relay.backoff_max", "500ms", ">= backoff_base"},
	}
	for _, c := range cases {
		yamlKey, _, _ := strings.Cut(c.key, "[")
		_, err := Parse([]byte(nest(yamlKey, c.value)))
		if err == nil {
			t.Errorf("%s: %s accepted", c.key, c.value)
			continue
		}

		msg := err.Error()
		if !strings.Contains(msg, c.key+":") && !strings.Contains(msg, c.key+" (line") {
			t.Errorf("%s: %s: error does not name the key: %v", c.key, c.value, err)
		}
		if !strings.Contains(msg, c.reason) {
			t.Errorf("%s: %s: error %q does not say %q", c.key, c.value, msg, c.reason)
		}

		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Errorf("%s: error is not a *KeyError: %T", c.key, err)
		}
	}
}

func TestUnknownKeyNamesTheKey(t *testing.T) {
	cases := []struct{ text, key string }{
		{"event:\n  transport: iggy\n", "event"},
		{"events:\n  transprt: iggy\n", "events.transprt"},
		{"events:\n  iggy:\n    topology:\n      partitions: 4\n", "events.iggy.topology.partitions"},
		{"events:\n  iggy:\n    remote:\n      http: true\n", "events.iggy.remote.http"},
		{"events:\n  outbox:\n    relay:\n      batch: 3\n", "events.outbox.relay.batch"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.text))
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Key != c.key || !strings.Contains(err.Error(), "unknown key") {
			t.Errorf("%q: err = %v, want unknown key %s", c.text, err, c.key)
			continue
		}
		if ke.Line == 0 {
			t.Errorf("%q: no line number", c.text)
		}
	}
}

func TestDuplicateKey(t *testing.T) {
	_, err := Parse([]byte("events:\n  transport: iggy\n  transport: memory\n"))
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Key != "events.transport" || ke.Line != 3 {
		t.Fatalf("err = %v, want a duplicate events.transport on line 3", err)
	}
}

func TestWrongShape(t *testing.T) {
	_, err := Parse([]byte("events:\n  iggy: embedded\n"))
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Key != "events.iggy" {
		t.Fatalf("err = %v, want events.iggy", err)
	}
}

func TestRemoteWithHTTPProtocol(t *testing.T) {
	text := "events:\n  iggy:\n    mode: remote\n    remote:\n      protocol: http\n"
	_, err := Parse([]byte(text))
	if err == nil || !strings.Contains(err.Error(), `events.iggy.remote.protocol: must be "tcp", got "http"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestRemoteNeedsAddresses(t *testing.T) {
	text := "events:\n  iggy:\n    mode: remote\n    remote:\n      addresses: []\n"
	_, err := Parse([]byte(text))
	if err == nil || !strings.Contains(err.Error(), "events.iggy.remote.addresses") {
		t.Fatalf("err = %v", err)
	}

	// Embedded mode does not need remote addresses.
	text = "events:\n  iggy:\n    remote:\n      addresses: []\n"
	if _, err := Parse([]byte(text)); err != nil {
		t.Fatalf("embedded mode with no remote addresses: %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	f := Defaults()
	f.Events.Iggy.Mode = "kafka"
	f.Events.Outbox.Relay.BatchSize = 0

	err := f.Validate()
	for _, key := range []string{"events.iggy.mode", "events.outbox.relay.batch_size"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("err = %v, want it to name %s", err, key)
		}
	}
}

// An anchored empty key used to be reported with an empty key path,
// which named nothing.
func TestEmptyKeyIsNamed(t *testing.T) {
	_, err := Parse([]byte("&a:\nevents: {}\n"))
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Key != `""` {
		t.Fatalf("err = %v, want the empty key named as \"\"", err)
	}

	_, err = Parse([]byte("events:\n  ? [a, b]\n  : 1\n"))
	if !errors.As(err, &ke) || ke.Key != "events.(list key)" {
		t.Fatalf("err = %v, want a list key under events", err)
	}
}
