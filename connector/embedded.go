package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/server"
)

// Embedded is a Connector over a broker.Broker running inside the process.
// Connect opens the broker at Config.Embedded.DataDir (or adopts the one
// given with WithBroker); Shutdown closes it unless it was adopted. Every
// method is safe for concurrent use.
//
// Subscribers wait for appends with broker.Changed rather than by polling
// on a timer. Group subscribers also re-read the group's partition
// assignment every GroupRecheck, since a rebalance is not an append.
//
// With Config.Embedded.TCPAddr set, Connect also serves Iggy's TCP
// protocol there, so official Iggy clients and other iggyflow processes
// in Remote mode can use the same broker. Root's credentials come from
// IGGY_ROOT_USERNAME and IGGY_ROOT_PASSWORD on the first start; without
// them root is iggy/iggy, which is allowed only on a loopback address.
type Embedded struct {
	opts embeddedOptions

	mu     sync.RWMutex
	b      *broker.Broker
	srv    *server.Server // nil when TCPAddr is empty
	owned  bool           // b was opened by Connect and is closed by Shutdown
	reader uint32         // client id of bounded reads
	done   chan struct{}  // closed by Shutdown to wake waiting subscribers
}

// GroupRecheck is how often a waiting group subscriber re-reads the group's
// partition assignment when no append wakes it: 250 ms.
const GroupRecheck = 250 * time.Millisecond

type embeddedOptions struct {
	fsync         broker.FsyncPolicy
	fsyncInterval time.Duration
	segmentSize   int64
	cleaner       time.Duration
	logger        *slog.Logger
	shared        *broker.Broker
}

// EmbeddedOption configures NewEmbedded.
type EmbeddedOption func(*embeddedOptions)

// WithFsync sets the broker's fsync policy and, for broker.FsyncInterval,
// its period (0 keeps the broker default of 1s). Default broker.FsyncNever.
func WithFsync(policy broker.FsyncPolicy, interval time.Duration) EmbeddedOption {
	return func(o *embeddedOptions) { o.fsync, o.fsyncInterval = policy, interval }
}

// WithSegmentSize sets the size in bytes a segment reaches before a new
// one starts. Default 0, the broker's default (256 MiB).
func WithSegmentSize(bytes int64) EmbeddedOption {
	return func(o *embeddedOptions) { o.segmentSize = bytes }
}

// WithCleanerInterval sets how often expiry and size limits are enforced;
// a negative value disables the cleaner. Default 0, the broker's default
// (1 minute).
func WithCleanerInterval(d time.Duration) EmbeddedOption {
	return func(o *embeddedOptions) { o.cleaner = d }
}

// WithLogger sets the logger of the connector and of the broker it opens.
// Default: discard.
func WithLogger(l *slog.Logger) EmbeddedOption {
	return func(o *embeddedOptions) { o.logger = l }
}

// WithBroker makes Connect use an already open broker instead of opening
// one; Shutdown then leaves it open for its owner to close. The fsync,
// segment size and cleaner options are the owner's business and ignored.
func WithBroker(b *broker.Broker) EmbeddedOption {
	return func(o *embeddedOptions) { o.shared = b }
}

// NewEmbedded returns an unconnected Embedded connector.
func NewEmbedded(opts ...EmbeddedOption) *Embedded {
	o := embeddedOptions{logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return &Embedded{opts: o}
}

// Connect opens the broker. Connecting a connected Embedded does nothing.
func (e *Embedded) Connect(ctx context.Context, cfg Config) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("connector: embedded connect: %w", err)
	}

	if cfg.Mode != "" && cfg.Mode != ModeEmbedded {
		return fmt.Errorf("connector: embedded connector given mode %q", cfg.Mode)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.b != nil {
		return nil
	}

	if e.opts.shared != nil {
		e.b, e.owned = e.opts.shared, false
	} else {
		b, err := e.open(cfg.Embedded.DataDir)
		if err != nil {
			return err
		}
		e.b, e.owned = b, true
	}
	e.reader = broker.NewClientID()
	e.done = make(chan struct{})

	if cfg.Embedded.TCPAddr != "" {
		srv, err := server.Start(e.b, server.StartConfig{
			DataDir:      cfg.Embedded.DataDir,
			Addr:         cfg.Embedded.TCPAddr,
			RootUsername: os.Getenv("IGGY_ROOT_USERNAME"),
			RootPassword: os.Getenv("IGGY_ROOT_PASSWORD"),
			Logger:       e.opts.logger,
		})
		if err != nil {
			e.closeOwned()
			return fmt.Errorf("connector: embedded connect: %w", err)
		}
		e.srv = srv
	}
	return nil
}

// closeOwned undoes a half-done Connect. The caller holds e.mu.
func (e *Embedded) closeOwned() {
	if e.owned {
		e.b.Close() //nolint:errcheck // the serve error is the one to report
	}
	close(e.done)
	e.b = nil
}

// TCPAddr returns the address the broker serves Iggy's TCP protocol on,
// or nil when it serves none.
func (e *Embedded) TCPAddr() net.Addr {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.srv == nil {
		return nil
	}
	return e.srv.Addr()
}

func (e *Embedded) open(dataDir string) (*broker.Broker, error) {
	if dataDir == "" {
		return nil, errors.New("connector: embedded connect: data dir is empty")
	}

	b, err := broker.Open(broker.Options{
		DataDir:         dataDir,
		SegmentSize:     e.opts.segmentSize,
		Fsync:           e.opts.fsync,
		FsyncInterval:   e.opts.fsyncInterval,
		CleanerInterval: e.opts.cleaner,
		Logger:          e.opts.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("connector: embedded connect: open broker at %s: %w", dataDir, err)
	}
	return b, nil
}

// broker returns the open broker or ErrNotConnected.
func (e *Embedded) broker() (*broker.Broker, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.b == nil {
		return nil, ErrNotConnected
	}
	return e.b, nil
}

// stopped returns a channel closed when the current connection shuts
// down; before Connect it returns a closed channel.
func (e *Embedded) stopped() <-chan struct{} {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.b == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return e.done
}

// Broker returns the broker in use, or nil before Connect and after
// Shutdown. It lets a caller serve the same broker over TCP or inspect it.
func (e *Embedded) Broker() *broker.Broker {
	b, _ := e.broker()
	return b
}

// IsConnected reports whether the broker is open.
func (e *Embedded) IsConnected() bool {
	_, err := e.broker()
	return err == nil
}

// Health checks that the broker answers a metadata query.
func (e *Embedded) Health(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("connector: embedded health: %w", err)
	}

	b, err := e.broker()
	if err != nil {
		return err
	}
	_ = b.Stats()
	return nil
}

// Shutdown closes the broker unless it was given with WithBroker. Open
// subscribers fail their next Recv. Shutting down twice does nothing.
func (e *Embedded) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	b, owned, srv := e.b, e.owned, e.srv
	if b != nil {
		close(e.done)
	}
	e.b, e.srv = nil, nil
	e.mu.Unlock()

	var serveErr error
	if srv != nil {
		serveErr = srv.Shutdown(ctx)
	}
	if b == nil || !owned {
		return serveErr
	}

	if err := errors.Join(serveErr, b.Close()); err != nil {
		return fmt.Errorf("connector: embedded shutdown: %w", err)
	}
	return nil
}
