package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/iggyflow/iggyflow/iggy"
	"github.com/iggyflow/iggyflow/outbox"
	"github.com/iggyflow/iggyflow/outbox/outboxprom"
)

type relayOptions struct {
	common         commonOptions
	workerID       string
	metricsAddr    string
	keepDispatched time.Duration
	housekeeping   time.Duration
	lease          time.Duration
}

func runRelay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o relayOptions
	fs := newFlagSet("relay", stderr)
	o.common.register(fs)
	fs.StringVar(&o.workerID, "worker-id", "", "name of this worker in claimed_by; default host, pid and a random suffix")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics and /healthz here, e.g. 127.0.0.1:9464; empty serves nothing")
	fs.DurationVar(&o.keepDispatched, "keep-dispatched", 24*time.Hour, "delete dispatched rows older than this; 0 keeps them")
	fs.DurationVar(&o.housekeeping, "housekeeping-interval", time.Minute, "how often dispatched rows are deleted")
	fs.DurationVar(&o.lease, "lease", 30*time.Second,
		"how long a claimed batch belongs to this worker; after a crash another worker takes it over after this")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.keepDispatched < 0 || o.housekeeping <= 0 {
		fmt.Fprintln(stderr, "-keep-dispatched must not be negative and -housekeeping-interval must be positive")
		return errUsage
	}

	cfg, err := o.common.load()
	if err != nil {
		return err
	}
	relayCfg := relayConfig(cfg.Events.Outbox.Relay, o.workerID)
	relayCfg.Lease = o.lease
	if err := relayCfg.Validate(); err != nil {
		return err
	}
	logger := o.common.logger(stderr)

	store, err := openStore(ctx, cfg.Events.Outbox.DatabaseURL, false, logger)
	if err != nil {
		return fmt.Errorf("open outbox: %w", err)
	}
	defer store.Close()

	transport, err := iggy.NewTransport(ctx, cfg.Events.Iggy, iggy.WithLogger(logger))
	if err != nil {
		return fmt.Errorf("start transport: %w", err)
	}
	defer transport.Shutdown(context.WithoutCancel(ctx))

	reg := prometheus.NewRegistry()
	hook, err := registerRelayMetrics(reg, store)
	if err != nil {
		return err
	}
	relay := outbox.NewRelay(store, transport, relayCfg, outbox.WithMetricsHook(hook), outbox.WithRelayLogger(logger))

	logger.Info("relay starting", "worker", relay.Config().WorkerID,
		"database", redactURL(cfg.Events.Outbox.DatabaseURL), "mode", cfg.Events.Iggy.Mode)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return relay.Run(ctx) })
	g.Go(func() error { return keepTidy(ctx, store, o.keepDispatched, o.housekeeping, logger) })
	if o.metricsAddr != "" {
		g.Go(func() error { return serveMetrics(ctx, o.metricsAddr, reg, transport, logger) })
	}
	err = g.Wait()
	m := relay.Metrics()
	logger.Info("relay stopped", "worker", relay.Config().WorkerID, "published", m.Succeeded,
		"failed_attempts", m.Failed, "dead_lettered", m.DeadLettered)
	return ignoreCanceled(err)
}

func registerRelayMetrics(reg *prometheus.Registry, store outboxStore) (*outboxprom.RelayMetrics, error) {
	hook, err := outboxprom.NewRelayMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("register relay metrics: %w", err)
	}
	err = errors.Join(
		reg.Register(outboxprom.NewBacklogCollector(store, 0)),
		reg.Register(collectors.NewGoCollector()),
		reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})),
	)
	if err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	return hook, nil
}

// keepTidy deletes dispatched rows older than keep, every interval.
func keepTidy(ctx context.Context, store outbox.Admin, keep, interval time.Duration, logger *slog.Logger) error {
	if keep == 0 {
		return nil
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		n, err := store.DeleteDispatched(ctx, time.Now().Add(-keep))
		if err != nil && ctx.Err() == nil {
			logger.Warn("deleting dispatched outbox rows failed", "err", err)
			continue
		}
		if n > 0 {
			logger.Info("deleted dispatched outbox rows", "rows", n, "older_than", keep.String())
		}
	}
}

// serveMetrics serves /metrics and /healthz until ctx ends.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, t *iggy.Transport, logger *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		st := t.Health(r.Context())
		if st.Err != nil {
			http.Error(w, "broker: "+st.Err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "ok broker_latency=%s\n", st.Latency)
	})

	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listener: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("serving metrics", "addr", l.Addr().String())
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdownCtx) //nolint:errcheck // best effort at exit
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics server: %w", err)
	}
	return nil
}
