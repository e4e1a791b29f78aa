package main

import (
	"flag"
	"io"
	"log/slog"

	"github.com/iggyflow/iggyflow/config"
)

// commonOptions are the flags every command that connects shares.
type commonOptions struct {
	configPath  string
	databaseURL string
	verbose     bool
}

func (o *commonOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.configPath, "config", "", "YAML configuration file; defaults are used when empty")
	fs.StringVar(&o.databaseURL, "database-url", "", "outbox database (sqlite://PATH or postgres://...); overrides events.outbox.database_url")
	fs.BoolVar(&o.verbose, "v", false, "log debug messages")
}

// load reads the configuration file, or the defaults, and applies the
// flags that override it.
func (o *commonOptions) load() (*config.File, error) {
	var cfg *config.File
	var err error
	if o.configPath != "" {
		cfg, err = config.Load(o.configPath)
	} else {
		cfg, err = config.Parse(nil)
	}
	if err != nil {
		return nil, err
	}
	if o.databaseURL != "" {
		cfg.Events.Outbox.DatabaseURL = o.databaseURL
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// logger returns a text logger on w at info level, or debug with -v.
func (o *commonOptions) logger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
