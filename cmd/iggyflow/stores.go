package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/iggyflow/iggyflow/outbox"
	"github.com/iggyflow/iggyflow/outbox/postgres"
	"github.com/iggyflow/iggyflow/outbox/sqlite"
)

// outboxStore is a store with the operator capabilities both stores have.
type outboxStore interface {
	outbox.Store
	outbox.Admin
	DB() *sql.DB
}

// openStore opens the store a database URL names: sqlite://PATH or
// postgres://... (also postgresql://...). With mustExist an SQLite file
// that is not there is an error rather than a new, empty outbox: operator
// commands must not report an empty backlog for a mistyped path.
func openStore(ctx context.Context, url string, mustExist bool, logger *slog.Logger) (outboxStore, error) {
	switch {
	case strings.HasPrefix(url, "sqlite://"):
		path, err := sqlitePath(url)
		if err != nil {
			return nil, err
		}
		if mustExist {
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("outbox database %s: %w", path, err)
			}
		}
		return sqlite.Open(ctx, path, sqlite.WithLogger(logger))
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return postgres.Open(ctx, url, postgres.WithLogger(logger))
	default:
		return nil, fmt.Errorf("database_url %q: want sqlite://PATH or postgres://...", redactURL(url))
	}
}

// redactURL hides the password of a database URL for messages.
func redactURL(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	user, _, hasPassword := strings.Cut(userinfo, ":")
	if !hasPassword {
		return url
	}
	return scheme + "://" + user + ":xxxxx@" + host
}
