package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/iggyflow/iggyflow/config"
	"github.com/iggyflow/iggyflow/internal/brokerproc"
)

// Environment variables with the root credentials of a first start.
const (
	envRootUsername = "IGGY_ROOT_USERNAME"
	envRootPassword = "IGGY_ROOT_PASSWORD"
)

type brokerOptions struct {
	configPath    string
	dataDir       string
	tcpAddr       string
	tlsCert       string
	tlsKey        string
	fsync         string
	fsyncInterval time.Duration
	verbose       bool
}

// runBroker serves the embedded broker on its own until SIGINT or SIGTERM
// (which cancel ctx), then stops, keeping everything written.
func runBroker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o brokerOptions
	fs := newFlagSet("broker", stderr)
	fs.StringVar(&o.configPath, "config", "", "YAML configuration file; events.iggy.embedded gives data_dir and tcp_port, which the flags override")
	fs.StringVar(&o.dataDir, "data-dir", "./data/iggy", "directory of the broker's files")
	fs.StringVar(&o.tcpAddr, "tcp-addr", "127.0.0.1:8090", "address to serve Iggy's TCP protocol on")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate chain; with -tls-key, serve TLS")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of -tls-cert")
	fs.StringVar(&o.fsync, "fsync", "never", "when appends are synced to disk: never, always or interval")
	fs.DurationVar(&o.fsyncInterval, "fsync-interval", time.Second, "sync period of -fsync interval")
	fs.BoolVar(&o.verbose, "v", false, "log debug messages")
	if err := parseFlags(fs, args); err != nil {
		return err
	}

	cfg, err := o.brokerConfig(fs)
	if err != nil {
		return err
	}

	cfg.RootUsername, cfg.RootPassword = os.Getenv(envRootUsername), os.Getenv(envRootPassword)
	cfg.Logger = brokerLogger(stderr, o.verbose)
	return brokerproc.Run(ctx, cfg)
}

// brokerConfig reads the configuration file (or the defaults) and lets the
// flags given on the command line override its embedded section.
func (o *brokerOptions) brokerConfig(fs *flag.FlagSet) (brokerproc.Config, error) {
	policy, err := brokerproc.ParseFsync(o.fsync)
	if err != nil || o.fsyncInterval <= 0 {
		fmt.Fprintf(fs.Output(), "-fsync must be never, always or interval and -fsync-interval positive, got %q and %s\n",
			o.fsync, o.fsyncInterval)
		return brokerproc.Config{}, errUsage
	}

	cfg := brokerproc.Config{
		DataDir: o.dataDir, Addr: o.tcpAddr, TLSCertFile: o.tlsCert, TLSKeyFile: o.tlsKey,
		Fsync: policy, FsyncInterval: o.fsyncInterval,
	}
	if o.configPath == "" {
		return cfg, nil
	}

	file, err := config.Load(o.configPath)
	if err != nil {
		return brokerproc.Config{}, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	emb := file.Events.Iggy.Embedded
	if !set["data-dir"] {
		cfg.DataDir = emb.DataDir
	}
	if !set["tcp-addr"] {
		cfg.Addr = string(emb.TCPPort)
	}
	if cfg.Addr == "" {
		return brokerproc.Config{}, fmt.Errorf("%s: events.iggy.embedded.tcp_port is 0, so there is nothing to serve: "+
			"set a port there or give -tcp-addr", o.configPath)
	}
	return cfg, nil
}

// brokerLogger logs text lines to stderr at info level, or debug.
func brokerLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
