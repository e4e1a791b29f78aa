package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/iggyflow/iggyflow/config"
	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
	"github.com/iggyflow/iggyflow/outbox"
	"github.com/iggyflow/iggyflow/outbox/sqlite"
)

// demoOptions are the demo's flags.
type demoOptions struct {
	events          int
	tenants         int
	producers       int
	rollbackPercent int
	rate            int
	dataDir         string
	configPath      string
	timeout         time.Duration
	group           string
	tcpAddr         string
	cpuProfile      string
	verbose         bool
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o demoOptions
	fs := newFlagSet("demo", stderr)
	fs.IntVar(&o.events, "events", 10000, "committed events to produce; each order commits 2 or 3, so the count may end a few past N")
	fs.IntVar(&o.tenants, "tenants", 8, "number of tenants placing orders")
	fs.IntVar(&o.producers, "producers", 4, "concurrent order writers")
	fs.IntVar(&o.rollbackPercent, "rollback-percent", 10, "share of order transactions rolled back on purpose, 0-90")
	fs.IntVar(&o.rate, "rate", 0, "target committed events per second; 0 writes as fast as possible")
	fs.StringVar(&o.dataDir, "data-dir", "./data", "where the outbox, broker and projection keep their files")
	fs.StringVar(&o.configPath, "config", "", "YAML configuration file; defaults are used when empty")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for every event to be consumed")
	fs.StringVar(&o.group, "group", "demo-projection", "consumer group of the projection")
	fs.StringVar(&o.tcpAddr, "tcp-addr", "", "also serve the embedded broker over Iggy's TCP protocol here, e.g. 127.0.0.1:8090")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	fs.BoolVar(&o.verbose, "v", false, "log the components' debug messages to stderr, not only warnings")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.configPath != "" && (isSet(fs, "data-dir") || isSet(fs, "tcp-addr")) {
		fmt.Fprintln(stderr, "-config sets where the outbox and broker live; -data-dir and -tcp-addr go with the defaults only")
		return errUsage
	}
	if err := o.validate(); err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}

	if o.cpuProfile != "" {
		stopProfile, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	d, err := startDemo(ctx, o, stderr)
	if err != nil {
		return err
	}
	report, runErr := d.run(ctx)
	closeErr := d.close(context.WithoutCancel(ctx))
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted with %d of %d committed events consumed; a new run on the same data dir delivers the rest",
			d.stats.applied.Load(), d.stats.committed.Load())
	}
	if runErr != nil {
		return runErr
	}
	if closeErr != nil {
		return closeErr
	}

	fmt.Fprintln(stdout, report.line())
	if !report.ok() {
		return errors.New(report.problem())
	}
	return nil
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func (o demoOptions) validate() error {
	switch {
	case o.events < 1:
		return fmt.Errorf("-events must be at least 1, got %d", o.events)
	case o.tenants < 1:
		return fmt.Errorf("-tenants must be at least 1, got %d", o.tenants)
	case o.producers < 1:
		return fmt.Errorf("-producers must be at least 1, got %d", o.producers)
	case o.rollbackPercent < 0 || o.rollbackPercent > 90:
		return fmt.Errorf("-rollback-percent must be between 0 and 90, got %d", o.rollbackPercent)
	case o.rate < 0:
		return fmt.Errorf("-rate must not be negative, got %d", o.rate)
	case o.timeout <= 0:
		return fmt.Errorf("-timeout must be positive, got %s", o.timeout)
	case o.dataDir == "":
		return errors.New("-data-dir must not be empty")
	}
	return nil
}

// demoLease is how long the demo relay's claims last.
const demoLease = 5 * time.Second

// demo holds the running parts: the shop writing orders, the relay, the
// transport and the projection consuming as a group.
type demo struct {
	opts      demoOptions
	progress  io.Writer
	store     *sqlite.Store
	bus       *outbox.Bus
	relay     *outbox.Relay
	transport *iggy.Transport
	shop      *shop
	proj      *projection
	stats     demoStats
}

// demoStats are the counters the progress line and the report read.
type demoStats struct {
	committed   atomic.Int64
	rolledBack  atomic.Int64
	applied     atomic.Int64
	carriedOver atomic.Int64
	redelivered atomic.Int64
	outOfOrder  atomic.Int64
	doubleApply atomic.Int64
	undecodable atomic.Int64

	mu         sync.Mutex
	latencies  []time.Duration
	applyCount map[uuid.UUID]int
}

func startDemo(ctx context.Context, o demoOptions, progress io.Writer) (*demo, error) {
	cfg, err := loadDemoConfig(o)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	// Warnings (a torn broker tail recovered, a stored offset moved back)
	// always reach stderr; -v adds everything else.
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: level}))

	d := &demo{opts: o, progress: progress}
	d.stats.applyCount = make(map[uuid.UUID]int)
	if err := d.open(ctx, cfg, logger); err != nil {
		d.close(context.WithoutCancel(ctx))
		return nil, err
	}
	return d, nil
}

func loadDemoConfig(o demoOptions) (*config.File, error) {
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
	if o.configPath == "" {
		// Without a file the demo keeps everything under -data-dir and serves
		// TCP only when asked, so two demos can run side by side.
		cfg.Events.Iggy.Embedded.DataDir = filepath.Join(o.dataDir, "iggy")
		cfg.Events.Outbox.DatabaseURL = "sqlite://" + filepath.Join(o.dataDir, "outbox.db")
		cfg.Events.Iggy.Embedded.TCPPort = iggy.ListenAddr(o.tcpAddr)
	}
	if cfg.Events.Iggy.Mode != "embedded" {
		return nil, fmt.Errorf("the demo runs on the embedded broker; %s sets mode %q", o.configPath, cfg.Events.Iggy.Mode)
	}
	return cfg, nil
}

func (d *demo) open(ctx context.Context, cfg *config.File, logger *slog.Logger) error {
	path, err := sqlitePath(cfg.Events.Outbox.DatabaseURL)
	if err != nil {
		return err
	}
	d.store, err = sqlite.Open(ctx, path, sqlite.WithLogger(logger))
	if err != nil {
		return fmt.Errorf("open outbox: %w", err)
	}
	d.bus = outbox.NewBus(d.store)

	d.transport, err = iggy.NewTransport(ctx, cfg.Events.Iggy, iggy.WithLogger(logger))
	if err != nil {
		return fmt.Errorf("start transport: %w", err)
	}

	relayCfg := relayConfig(cfg.Events.Outbox.Relay, "demo-relay")
	// A run killed mid-batch leaves its claim leased; a short lease lets the
	// next run take those rows over after seconds rather than half a minute.
	relayCfg.Lease = demoLease
	d.relay = outbox.NewRelay(d.store, d.transport, relayCfg, outbox.WithBus(d.bus), outbox.WithRelayLogger(logger))

	runID := uuid.NewString()
	d.shop, err = newShop(ctx, d.store, d.bus, runID, d.opts.tenants)
	if err != nil {
		return err
	}
	d.proj, err = openProjection(ctx, filepath.Join(filepath.Dir(path), "projection.db"))
	return err
}

func (d *demo) close(ctx context.Context) error {
	var errs []error
	if d.proj != nil {
		errs = append(errs, d.proj.Close())
	}
	if d.transport != nil {
		errs = append(errs, d.transport.Shutdown(ctx))
	}
	if d.store != nil {
		errs = append(errs, d.store.Close())
	}
	return errors.Join(errs...)
}

// run produces the workload, waits until the projection has every
// committed event, and checks the result.
func (d *demo) run(ctx context.Context) (*demoReport, error) {
	consumer, err := d.transport.SubscribeAsGroup(ctx, d.opts.group)
	if err != nil {
		return nil, fmt.Errorf("join group %s: %w", d.opts.group, err)
	}
	defer consumer.Close()

	bg, bgCtx := errgroup.WithContext(ctx)
	bgCtx, stopBackground := context.WithCancel(bgCtx)
	bg.Go(func() error { return ignoreCanceled(d.relay.Run(bgCtx)) })
	bg.Go(func() error { return ignoreCanceled(d.consume(bgCtx, consumer)) })
	bg.Go(func() error { d.showProgress(bgCtx); return nil })

	start := time.Now()
	produceErr := d.produce(bgCtx)
	var waitErr error
	if produceErr == nil {
		waitErr = d.waitConsumed(bgCtx)
	}
	elapsed := time.Since(start)
	stopBackground()
	bgErr := bg.Wait()

	if err := errors.Join(produceErr, waitErr, bgErr); err != nil {
		return nil, err
	}
	return d.verify(ctx, elapsed)
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// produce writes orders until -events events are committed.
func (d *demo) produce(ctx context.Context) error {
	var limiter *time.Ticker
	if d.opts.rate > 0 {
		// One order commits about 2 events, so orders come at half the rate.
		limiter = time.NewTicker(time.Second * 2 / time.Duration(d.opts.rate))
		defer limiter.Stop()
	}

	g, ctx := errgroup.WithContext(ctx)
	for p := range d.opts.producers {
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(p)))
		g.Go(func() error {
			for d.stats.committed.Load() < int64(d.opts.events) {
				if limiter != nil {
					select {
					case <-limiter.C:
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				rollback := rng.IntN(100) < d.opts.rollbackPercent
				res, err := d.shop.placeOrder(ctx, rng, rollback)
				if err != nil {
					return err
				}
				if res.rolledBack {
					d.stats.rolledBack.Add(1)
				}
				d.stats.committed.Add(int64(res.events))
			}
			return nil
		})
	}
	return g.Wait()
}

// consume applies deliveries to the projection in batches of whatever has
// arrived, and acknowledges them after the projection's transaction
// committed.
func (d *demo) consume(ctx context.Context, c *iggy.Consumer) error {
	arrivals := make(chan *iggy.Delivery, maxApplyBatch)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(arrivals)
		return d.receive(ctx, c, arrivals)
	})
	g.Go(func() error {
		for batch := range batches(arrivals) {
			if err := d.handle(ctx, batch); err != nil {
				return err
			}
			for _, del := range batch {
				if err := c.Ack(ctx, del); err != nil {
					return fmt.Errorf("ack %s: %w", del.Envelope.ID, err)
				}
			}
		}
		return ctx.Err()
	})
	return g.Wait()
}

const maxApplyBatch = 512

func (d *demo) receive(ctx context.Context, c *iggy.Consumer, out chan<- *iggy.Delivery) error {
	for {
		del, err := c.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var decodeErr *iggy.DecodeError
			if errors.As(err, &decodeErr) {
				d.stats.undecodable.Add(1)
				if err := c.MoveToDLQ(ctx, decodeErr.Delivery, decodeErr.Error()); err != nil {
					return fmt.Errorf("park undecodable message: %w", err)
				}
				continue
			}
			return fmt.Errorf("receive: %w", err)
		}
		select {
		case out <- del:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// batches yields, each time, the first waiting delivery and every other
// one already waiting behind it, up to maxApplyBatch.
func batches(in <-chan *iggy.Delivery) func(yield func([]*iggy.Delivery) bool) {
	return func(yield func([]*iggy.Delivery) bool) {
		for first := range in {
			batch := []*iggy.Delivery{first}
		fill:
			for len(batch) < maxApplyBatch {
				select {
				case del, ok := <-in:
					if !ok {
						break fill
					}
					batch = append(batch, del)
				default:
					break fill
				}
			}
			if !yield(batch) {
				return
			}
		}
	}
}

func (d *demo) handle(ctx context.Context, batch []*iggy.Delivery) error {
	envs := make([]*events.Envelope, len(batch))
	seqs := make([]int64, len(batch))
	for i, del := range batch {
		envs[i] = del.Envelope
		seq, err := d.shop.tenantSeq(ctx, del.Envelope.ID)
		if err != nil {
			return err
		}
		seqs[i] = seq
	}

	results, err := d.proj.applyBatch(ctx, envs, seqs)
	if err != nil {
		return err
	}
	for i, res := range results {
		if res.duplicate {
			d.stats.redelivered.Add(1)
			continue
		}
		if res.outOfOrder {
			d.stats.outOfOrder.Add(1)
		}
		d.recordApplied(envs[i].ID)
	}
	return nil
}

func (d *demo) recordApplied(id uuid.UUID) {
	now := time.Now()
	s := &d.stats
	s.mu.Lock()
	defer s.mu.Unlock()

	s.applyCount[id]++
	if s.applyCount[id] > 1 {
		s.doubleApply.Add(1)
	}
	committedAt, ok := d.shop.committed.Load(id)
	if !ok {
		s.carriedOver.Add(1)
		return
	}
	s.latencies = append(s.latencies, now.Sub(committedAt.(time.Time)))
	s.applied.Add(1)
}

// waitConsumed returns once every event committed by this run was applied,
// or fails after the timeout.
func (d *demo) waitConsumed(ctx context.Context) error {
	deadline := time.After(d.opts.timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for d.stats.applied.Load() < d.stats.committed.Load() {
		select {
		case <-tick.C:
		case <-deadline:
			return fmt.Errorf("after %s only %d of %d committed events reached the projection",
				d.opts.timeout, d.stats.applied.Load(), d.stats.committed.Load())
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (d *demo) showProgress(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			m := d.relay.Metrics()
			fmt.Fprintf(d.progress, "demo: committed=%d rolled_back=%d relayed=%d consumed=%d redelivered=%d\n",
				d.stats.committed.Load(), d.stats.rolledBack.Load(), m.Succeeded,
				d.stats.applied.Load(), d.stats.redelivered.Load())
		case <-ctx.Done():
			return
		}
	}
}

// percentile returns the q-th quantile (0..1) of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func sortedLatencies(s *demoStats) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := slices.Clone(s.latencies)
	slices.Sort(l)
	return l
}
