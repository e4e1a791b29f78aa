package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iggyflow/iggyflow/iggy"
)

// File is a whole configuration file.
type File struct {
	Events EventsConfig `yaml:"events"`
}

// EventsConfig is the events section.
type EventsConfig struct {
	// Transport picks what carries events: "iggy" (a durable stream),
	// "outbox" (the database outbox only) or "memory" (in-process, for
	// tests). Default "iggy".
	Transport string `yaml:"transport"`
	// Iggy configures the iggy transport and its connector.
	Iggy iggy.Config `yaml:"iggy"`
	// Outbox configures the outbox table and its relay.
	Outbox OutboxConfig `yaml:"outbox"`
}

// OutboxConfig configures the outbox.
type OutboxConfig struct {
	// DatabaseURL is "sqlite://<path>" or "postgres://..." (also
	// "postgresql://..."). Default "sqlite://./data/outbox.db".
	DatabaseURL string `yaml:"database_url"`
	// Relay configures the relay that moves outbox rows to the transport.
	Relay RelayConfig `yaml:"relay"`
}

// RelayConfig configures the outbox relay.
type RelayConfig struct {
	// BatchSize is how many rows one claim takes. Default 100; 1..10000.
	BatchSize int `yaml:"batch_size"`
	// MaxAttempts is how many publish attempts a row gets before it is
	// parked as failed. Default 5; >= 1.
	MaxAttempts int `yaml:"max_attempts"`
	// BackoffBase is the wait after the first failed attempt; it doubles
	// with every further attempt. Default 1s; > 0.
	BackoffBase Duration `yaml:"backoff_base"`
	// BackoffMax caps the wait between attempts. Default 60s; >=
	// BackoffBase.
	BackoffMax Duration `yaml:"backoff_max"`
}

// Defaults returns the configuration used when a file is empty or absent.
func Defaults() *File {
	return &File{Events: EventsConfig{
		Transport: "iggy",
		Iggy:      iggy.Defaults(),
		Outbox: OutboxConfig{
			DatabaseURL: "sqlite://./data/outbox.db",
			Relay: RelayConfig{
				BatchSize:   100,
				MaxAttempts: 5,
				BackoffBase: Duration(time.Second),
				BackoffMax:  Duration(60 * time.Second),
			},
		},
	}}
}

// Validate reports every invalid value as a *KeyError naming its full key
// path, joined with errors.Join; nil means the configuration is usable.
func (f *File) Validate() error {
	var errs []error
	e := f.Events
	switch e.Transport {
	case "iggy", "outbox", "memory":
	default:
		errs = append(errs, keyErr("events.transport", 0,
			"must be \"iggy\", \"outbox\" or \"memory\", got %q", e.Transport))
	}

	errs = append(errs, iggyErrors(e.Iggy.Validate())...)
	errs = append(errs, e.Outbox.validate()...)
	return errors.Join(errs...)
}

// iggyErrors re-keys the iggy section's errors under events.iggy.
func iggyErrors(err error) []error {
	if err == nil {
		return nil
	}

	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}

	out := make([]error, 0, len(list))
	for _, e := range list {
		var ce *iggy.ConfigError
		if errors.As(e, &ce) {
			out = append(out, &KeyError{Key: "events.iggy." + ce.Key, Err: errors.New(ce.Reason)})
			continue
		}
		out = append(out, &KeyError{Key: "events.iggy", Err: e})
	}
	return out
}

func (o OutboxConfig) validate() []error {
	var errs []error
	if !validDatabaseURL(o.DatabaseURL) {
		errs = append(errs, keyErr("events.outbox.database_url", 0,
			"must start with sqlite://, postgres:// or postgresql://, got %q", o.DatabaseURL))
	}

	r := o.Relay
	if r.BatchSize < 1 || r.BatchSize > 10000 {
		errs = append(errs, keyErr("events.outbox.relay.batch_size", 0,
			"must be 1..10000, got %d", r.BatchSize))
	}

	if r.MaxAttempts < 1 {
		errs = append(errs, keyErr("events.outbox.relay.max_attempts", 0,
			"must be >= 1, got %d", r.MaxAttempts))
	}

	if r.BackoffBase <= 0 {
		errs = append(errs, keyErr("events.outbox.relay.backoff_base", 0,
			"must be > 0, got %s", r.BackoffBase))
	}

	if r.BackoffMax < r.BackoffBase {
		errs = append(errs, keyErr("events.outbox.relay.backoff_max", 0,
			"must be >= backoff_base (%s), got %s", r.BackoffBase, r.BackoffMax))
	}
	return errs
}

func validDatabaseURL(u string) bool {
	for _, scheme := range []string{"sqlite://", "postgres://", "postgresql://"} {
		if rest, ok := strings.CutPrefix(u, scheme); ok && rest != "" {
			return true
		}
	}
	return false
}

// String describes the file for logs with the password masked.
func (f *File) String() string {
	c := *f
	if c.Events.Iggy.Remote.Password != "" {
		c.Events.Iggy.Remote.Password = "***"
	}
	return fmt.Sprintf("%+v", c.Events)
}
