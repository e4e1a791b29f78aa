package main

import (
	"fmt"
	"strings"

	"github.com/iggyflow/iggyflow/config"
	"github.com/iggyflow/iggyflow/outbox"
)

// relayConfig turns the events.outbox.relay section into a relay
// configuration; what the file does not set keeps the relay's defaults,
// and an empty workerID keeps the generated one.
func relayConfig(c config.RelayConfig, workerID string) outbox.RelayConfig {
	rc := outbox.Defaults()
	if workerID != "" {
		rc.WorkerID = workerID
	}
	rc.BatchSize = c.BatchSize
	rc.MaxAttempts = c.MaxAttempts
	rc.BackoffBase = c.BackoffBase.Std()
	rc.BackoffMax = c.BackoffMax.Std()
	return rc
}

// sqlitePath turns a sqlite:// database URL into a file path.
func sqlitePath(url string) (string, error) {
	path, ok := strings.CutPrefix(url, "sqlite://")
	if !ok || path == "" {
		return "", fmt.Errorf("want an SQLite outbox (sqlite://PATH), got database_url %q", url)
	}
	return path, nil
}
