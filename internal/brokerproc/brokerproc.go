// Package brokerproc runs the embedded broker as a standalone server: the
// broker over a data directory, its users store and the Iggy TCP server on
// one address, until a context ends. `iggyflow broker` runs it, and so do
// tests that need the broker in a child process they can kill.
//
// The data directory holds everything the server keeps:
//
//	DATA_DIR/
//	  users.json   root and other users, personal access tokens
//	  ...          the broker's streams, segments, indexes and offsets
//
// Root credentials are taken on first start only (no users.json yet). The
// default iggy/iggy is allowed only when the listen address is a loopback
// one, so a server reachable from other hosts never starts with a
// password everyone knows.
package brokerproc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/server"
	"github.com/iggyflow/iggyflow/broker/users"
)

// ShutdownTimeout bounds how long Run waits for connections to finish the
// request they are serving once its context ends: 10 s.
const ShutdownTimeout = 10 * time.Second

// Config is what Run serves.
type Config struct {
	// DataDir holds the broker's files and users.json; it is created if
	// missing. Required.
	DataDir string
	// Addr is the TCP listen address, "host:port"; port 0 picks a free
	// port. Required.
	Addr string
	// TLSCertFile and TLSKeyFile name a PEM certificate chain and its key;
	// with both set the server speaks TLS, with both empty plain TCP.
	TLSCertFile, TLSKeyFile string
	// Fsync is the durability policy of appends. Default broker.FsyncNever.
	Fsync broker.FsyncPolicy
	// FsyncInterval is the sync period of broker.FsyncInterval. Default 0,
	// the broker's default (1 s).
	FsyncInterval time.Duration
	// RootUsername and RootPassword create the root user on first start.
	// Both empty use iggy/iggy, which is refused unless Addr is loopback.
	// They are never logged.
	RootUsername, RootPassword string
	// Argon2 is the password hashing cost; zero fields take the users
	// store's defaults.
	Argon2 users.Argon2Params
	// Logger receives the server's operator logs. Default: discard.
	Logger *slog.Logger
	// Ready, when set, is called with the bound address once the server
	// accepts connections.
	Ready func(addr net.Addr)
}

// ErrDefaultRootRefused is returned by Run on a first start without root
// credentials on an address other hosts can reach.
var ErrDefaultRootRefused = server.ErrDefaultRootRefused

// Run opens the broker and its users store in cfg.DataDir, serves them on
// cfg.Addr and returns when ctx ends, after closing every connection and
// the broker, so everything acknowledged is kept on disk. A problem found
// before serving (bad config, refused credentials, a busy port) is
// returned at once.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	tlsCfg, err := cfg.check()
	if err != nil {
		return err
	}

	b, err := broker.Open(broker.Options{
		DataDir: cfg.DataDir, Fsync: cfg.Fsync, FsyncInterval: cfg.FsyncInterval, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("brokerproc: open broker in %s: %w", cfg.DataDir, err)
	}

	srv, err := server.Start(b, server.StartConfig{
		DataDir: cfg.DataDir, Addr: cfg.Addr, TLS: tlsCfg, Argon2: cfg.Argon2, Logger: log,
		RootUsername: cfg.RootUsername, RootPassword: cfg.RootPassword,
	})
	if err != nil {
		return errors.Join(fmt.Errorf("brokerproc: %w", err), b.Close())
	}
	log.Info("broker serving", "addr", srv.Addr().String(), "data_dir", cfg.DataDir,
		"tls", tlsCfg != nil, "fsync", cfg.Fsync.String())
	if cfg.Ready != nil {
		cfg.Ready(srv.Addr())
	}

	<-ctx.Done()
	return stop(srv, b, log)
}

// check validates cfg and loads its TLS key pair.
func (cfg Config) check() (*tls.Config, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("brokerproc: data dir is empty")
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("brokerproc: listen address %q: %w", cfg.Addr, err)
	}

	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, errors.New("brokerproc: TLS needs both a certificate and a key file")
	}
	if cfg.TLSCertFile == "" {
		return nil, nil
	}

	pair, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("brokerproc: load TLS key pair %s, %s: %w", cfg.TLSCertFile, cfg.TLSKeyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// stop shuts the server down, then closes the broker, which writes what
// is buffered.
func stop(srv *server.Server, b *broker.Broker, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()

	var errs []error
	if err := srv.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("brokerproc: shut down server: %w", err))
	}
	if err := b.Close(); err != nil {
		errs = append(errs, fmt.Errorf("brokerproc: close broker: %w", err))
	}

	if err := errors.Join(errs...); err != nil {
		return err
	}
	log.Info("broker stopped")
	return nil
}

// ParseFsync reads a policy name: "never", "always" (sync every append) or
// "interval".
func ParseFsync(s string) (broker.FsyncPolicy, error) {
	switch s {
	case "never":
		return broker.FsyncNever, nil
	case "always":
		return broker.FsyncEveryAppend, nil
	case "interval":
		return broker.FsyncInterval, nil
	}
	return 0, fmt.Errorf("fsync policy %q: want never, always or interval", s)
}
