package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/users"
)

// StartConfig is what Start needs besides the broker.
type StartConfig struct {
	// DataDir is the broker's data directory; users live in
	// DataDir/users.json.
	DataDir string
	// Addr is the listen address, such as "127.0.0.1:8090".
	Addr string
	// RootUsername and RootPassword create the root user on first start;
	// callers pass IGGY_ROOT_USERNAME and IGGY_ROOT_PASSWORD. Without them
	// root is iggy/iggy, which Start allows only on a loopback address.
	RootUsername, RootPassword string
	// TLS, when set, serves TLS on the listener.
	TLS *tls.Config
	// Argon2 is the password hashing cost; zero fields take the users
	// store's defaults.
	Argon2 users.Argon2Params
	Logger *slog.Logger
}

// ErrDefaultRootRefused is returned by Start on a first start without root
// credentials on an address other hosts can reach.
var ErrDefaultRootRefused = errors.New("server: no root credentials for a non-loopback address: " +
	"set IGGY_ROOT_USERNAME and IGGY_ROOT_PASSWORD, or listen on 127.0.0.1 or ::1 only")

// Start opens the users store beside the broker's data and serves b on
// cfg.Addr in the background. Shut the returned server down before closing
// b.
func Start(b *broker.Broker, cfg StartConfig) (*Server, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	loopback, err := IsLoopback(cfg.Addr)
	if err != nil {
		return nil, err
	}

	u, err := users.Open(users.Options{
		DataDir:          cfg.DataDir,
		RootUsername:     cfg.RootUsername,
		RootPassword:     cfg.RootPassword,
		AllowDefaultRoot: loopback,
		Argon2:           cfg.Argon2,
		Logger:           logger,
	})
	if errors.Is(err, users.ErrNoRootCredentials) && !loopback {
		return nil, fmt.Errorf("%w (address %s)", ErrDefaultRootRefused, cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("server: open users in %s: %w", cfg.DataDir, err)
	}

	opts := []Option{WithLogger(logger)}
	if cfg.TLS != nil {
		opts = append(opts, WithTLS(cfg.TLS))
	}
	s := New(b, u, opts...)
	if err := s.Listen(cfg.Addr); err != nil {
		return nil, err
	}
	logger.Info("serving iggy tcp", "addr", s.Addr().String(), "tls", cfg.TLS != nil)
	return s, nil
}

// IsLoopback reports whether a listen address binds only loopback
// interfaces: 127.0.0.0/8, ::1 or localhost. An empty host (all
// interfaces) is not loopback.
func IsLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("server: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
