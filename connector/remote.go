package connector

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
)

// Remote is a Connector to an Iggy server over TCP, built on the official
// Iggy Go SDK. Every method is safe for concurrent use.
//
// Connections. Remote keeps one connection for publishing, topology and
// bounded reads, and one more per group subscriber, because the server
// counts consumer group membership per connection. Each connection logs in
// with Config.Remote's username and password. Config.Remote.Addresses are
// tried in order; when a connection breaks, the next connect starts with
// the address after the one lost, so a dead server is failed over.
//
// Reconnection. A call that fails because its connection broke (not
// because the server answered with an error) closes that connection,
// connects again with capped exponential backoff (WithReconnectBackoff)
// and repeats the call, for at most the retry window (WithRetryWindow) or
// until its context ends. A publish whose connection broke may therefore
// have been appended twice: delivery is at least once. A group subscriber
// that reconnects joins its group again and rereads every partition from
// the group's stored offset, so what it delivered but nobody committed is
// delivered again.
//
// Liveness. IsConnected reports the state of the publishing connection; a
// ping every heartbeat interval (WithHeartbeat) and every failed call keep
// it current, and the heartbeat reconnects a lost connection in the
// background. A ping unanswered within the connect timeout counts as a
// lost connection, so a server that keeps the socket open but stops
// answering is failed over too; the SDK cannot be interrupted, so that
// old socket stays open until the server answers or closes it.
//
// The SDK dials an unreachable address forever and its calls have no
// deadline. Remote probes each address with a dial of its own before the
// SDK dials it, bounds every connect (WithConnectTimeout) and returns from
// any call when its context ends; a call abandoned that way finishes in
// the background and its connection stays in use. A server that goes away
// between the probe and the SDK's own dial leaves that dial retrying in a
// goroutine (every 2 s) until the server is back, when the connection is
// closed at once. The SDK also writes its leader-check lines to the
// standard library logger at every login; Remote cannot silence that
// without changing the process-wide logger.
type Remote struct {
	opts remoteOptions

	mu     sync.Mutex
	conf   *remoteConf // nil before Connect and after Shutdown
	main   *session
	reader iggcon.Consumer // single consumer of bounded reads and Subscribe
	subs   map[closer]struct{}
	done   chan struct{} // closed by Shutdown
	beat   sync.WaitGroup
}

var _ Connector = (*Remote)(nil)

// closer is a subscriber Shutdown must close.
type closer interface{ Close() error }

// Defaults of the Remote options.
const (
	// DefaultConnectTimeout bounds one connect to one address: the TCP
	// dial, the TLS handshake and the login.
	DefaultConnectTimeout = 5 * time.Second
	// DefaultRetryWindow is how long a call keeps reconnecting after its
	// connection broke before it gives up.
	DefaultRetryWindow = 30 * time.Second
	// DefaultBackoffMin and DefaultBackoffMax bound the wait between
	// reconnects; it doubles from the first to the second.
	DefaultBackoffMin = 100 * time.Millisecond
	DefaultBackoffMax = 5 * time.Second
	// DefaultPollMin and DefaultPollMax bound the wait of a subscriber
	// between polls that found nothing; it doubles from the first to the
	// second and starts again after a message.
	DefaultPollMin = time.Millisecond
	DefaultPollMax = 100 * time.Millisecond
	// DefaultHeartbeat is the ping period of the publishing connection.
	DefaultHeartbeat = 5 * time.Second
)

type remoteOptions struct {
	logger                 *slog.Logger
	connectTimeout         time.Duration
	retryWindow            time.Duration
	backoffMin, backoffMax time.Duration
	pollMin, pollMax       time.Duration
	heartbeat              time.Duration
}

// RemoteOption configures NewRemote.
type RemoteOption func(*remoteOptions)

// WithRemoteLogger sets the logger of connection events (connects, losses,
// fail-overs). Default: discard.
func WithRemoteLogger(l *slog.Logger) RemoteOption {
	return func(o *remoteOptions) { o.logger = l }
}

// WithConnectTimeout bounds one connect to one address: the TCP dial, the
// TLS handshake and the login together. Default DefaultConnectTimeout
// (5 s); values <= 0 keep the default.
func WithConnectTimeout(d time.Duration) RemoteOption {
	return func(o *remoteOptions) { o.connectTimeout = d }
}

// WithRetryWindow sets how long a call whose connection broke keeps
// reconnecting and retrying before it fails with an error wrapping
// ErrConnection. Default DefaultRetryWindow (30 s); 0 tries once, with no
// reconnect beyond the first connect.
func WithRetryWindow(d time.Duration) RemoteOption {
	return func(o *remoteOptions) { o.retryWindow = max(d, 0) }
}

// WithReconnectBackoff sets the first and the largest wait between
// reconnect attempts; the wait doubles in between, with up to 20 % random
// jitter. Defaults DefaultBackoffMin (100 ms) and DefaultBackoffMax (5 s);
// values <= 0 keep the defaults.
func WithReconnectBackoff(first, largest time.Duration) RemoteOption {
	return func(o *remoteOptions) { o.backoffMin, o.backoffMax = first, largest }
}

// WithPollInterval sets the first and the largest wait of a subscriber
// between polls that found nothing; the wait doubles in between and goes
// back to the first after a message. The largest wait is the delivery
// latency of an idle subscriber. Defaults DefaultPollMin (1 ms) and
// DefaultPollMax (100 ms); values <= 0 keep the defaults.
func WithPollInterval(first, largest time.Duration) RemoteOption {
	return func(o *remoteOptions) { o.pollMin, o.pollMax = first, largest }
}

// WithHeartbeat sets the ping period of the publishing connection. Default
// DefaultHeartbeat (5 s); a value <= 0 turns the heartbeat off, and then
// only calls notice a lost connection.
func WithHeartbeat(d time.Duration) RemoteOption {
	return func(o *remoteOptions) { o.heartbeat = d }
}

// NewRemote returns an unconnected Remote connector.
func NewRemote(opts ...RemoteOption) *Remote {
	o := remoteOptions{
		connectTimeout: DefaultConnectTimeout, retryWindow: DefaultRetryWindow,
		backoffMin: DefaultBackoffMin, backoffMax: DefaultBackoffMax,
		pollMin: DefaultPollMin, pollMax: DefaultPollMax, heartbeat: DefaultHeartbeat,
	}
	for _, opt := range opts {
		opt(&o)
	}
	o.fillDefaults()
	return &Remote{opts: o}
}

func (o *remoteOptions) fillDefaults() {
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if o.connectTimeout <= 0 {
		o.connectTimeout = DefaultConnectTimeout
	}
	if o.backoffMin <= 0 {
		o.backoffMin = DefaultBackoffMin
	}
	if o.backoffMax <= 0 {
		o.backoffMax = DefaultBackoffMax
	}
	o.backoffMax = max(o.backoffMax, o.backoffMin)
	if o.pollMin <= 0 {
		o.pollMin = DefaultPollMin
	}
	if o.pollMax <= 0 {
		o.pollMax = DefaultPollMax
	}
	o.pollMax = max(o.pollMax, o.pollMin)
}

// Connect validates cfg.Remote and connects to the first address that
// answers and accepts the login, retrying within the retry window while
// none does. Connecting a connected Remote does nothing. Configuration
// errors wrap ErrRemoteConfig; a server that cannot be reached gives an
// error wrapping ErrConnection.
func (r *Remote) Connect(ctx context.Context, cfg Config) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("connector: remote connect: %w", err)
	}
	if cfg.Mode != "" && cfg.Mode != ModeRemote {
		return fmt.Errorf("%w: remote connector given mode %q", ErrRemoteConfig, cfg.Mode)
	}

	if r.connected() {
		return nil
	}

	conf, err := newRemoteConf(cfg.Remote, r.opts)
	if err != nil {
		return err
	}

	// Connect without holding r.mu, so that IsConnected and the other
	// methods answer while the server is slow to accept.
	main := newSession("publish", conf, nil)
	if err := main.do(ctx, func(context.Context, iggcon.Client) error { return nil }); err != nil {
		main.close()
		return fmt.Errorf("connector: remote connect: %w", err)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.main != nil {
		main.close() // a concurrent Connect won
		return nil
	}
	r.conf, r.main = conf, main
	r.reader = iggcon.NewSingleConsumer(numericID(rand.Uint32()))
	r.subs = make(map[closer]struct{})
	r.done = make(chan struct{})
	r.startHeartbeat(main, r.done)
	return nil
}

// connected reports whether Connect succeeded and Shutdown has not run.
func (r *Remote) connected() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.main != nil
}

// startHeartbeat pings s every heartbeat period until done is closed. A
// failed ping, or one unanswered within the connect timeout, marks the
// connection lost; the next ping reconnects.
func (r *Remote) startHeartbeat(s *session, done <-chan struct{}) {
	if r.opts.heartbeat <= 0 {
		return
	}

	r.beat.Go(func() {
		t := time.NewTicker(r.opts.heartbeat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}

			ctx, cancel := context.WithTimeout(context.Background(), r.opts.connectTimeout)
			_ = s.heartbeat(ctx)
			cancel()
		}
	})
}

func ping(_ context.Context, c iggcon.Client) error { return c.Ping() }

// session returns the publishing session if ctx is live and r connected.
func (r *Remote) session(ctx context.Context) (*session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.main == nil {
		return nil, ErrNotConnected
	}
	return r.main, nil
}

// stopped returns a channel closed when the current connection shuts
// down; before Connect it returns a closed channel.
func (r *Remote) stopped() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return r.done
}

// track registers a subscriber for Shutdown; false after Shutdown.
func (r *Remote) track(c closer, add bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.subs == nil {
		return false
	}
	if add {
		r.subs[c] = struct{}{}
	} else {
		delete(r.subs, c)
	}
	return true
}

// IsConnected reports whether the publishing connection is up: it was
// logged in and no call or ping has failed on it since.
func (r *Remote) IsConnected() bool {
	r.mu.Lock()
	s := r.main
	r.mu.Unlock()
	return s != nil && s.isUp()
}

// Health pings the server on the publishing connection, connecting it
// first if it is down (one attempt, no retry window).
func (r *Remote) Health(ctx context.Context) error {
	s, err := r.session(ctx)
	if err != nil {
		return err
	}

	if err := s.once(ctx, ping); err != nil {
		return fmt.Errorf("connector: remote health: %w", err)
	}
	return nil
}

// Shutdown closes every subscriber (group members leave their groups) and
// every connection; ctx is not needed, since no step waits for the server
// longer than the connect timeout. Waiting Recv calls return ErrNotConnected or
// ErrSubscriptionClosed. Shutting down twice does nothing.
func (r *Remote) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	main, subs, done := r.main, r.subs, r.done
	r.conf, r.main, r.subs, r.done = nil, nil, nil, nil
	r.mu.Unlock()
	if main == nil {
		return nil
	}

	close(done)
	r.beat.Wait()
	for c := range subs {
		_ = c.Close()
	}
	main.close()
	return nil
}
