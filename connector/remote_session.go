package connector

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/apache/iggy/foreign/go/client/tcp"
	iggcon "github.com/apache/iggy/foreign/go/contracts"
)

// op is one step run on a session's connection: one or more SDK calls.
type op func(ctx context.Context, c iggcon.Client) error

// session is one logged-in connection to the server, replaced by a new one
// when it breaks. setup runs after every login, before the connection is
// used (a group member joins its group there).
type session struct {
	name  string
	conf  *remoteConf
	setup op

	// lock is held while the connection is read, made or dropped; it is a
	// channel so that a caller waiting for a connect can give up with its
	// context.
	lock   chan struct{}
	cli    iggcon.Client // nil while down
	addr   string        // address of cli
	idx    int           // index of addr in conf.addrs
	next   int           // index the next connect tries first
	closed bool

	gen atomic.Uint64 // number of the current connection, +1 per login; written under lock
	up  atomic.Bool
}

func newSession(name string, conf *remoteConf, setup op) *session {
	return &session{name: name, conf: conf, setup: setup, lock: make(chan struct{}, 1)}
}

func (s *session) acquire(ctx context.Context) error {
	select {
	case s.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *session) release() { <-s.lock }

func (s *session) isUp() bool { return s.up.Load() }

// generation returns the number of the current connection, which changes
// with every reconnect.
func (s *session) generation() uint64 { return s.gen.Load() }

// do runs f on the connection, connecting first if it is down. When the
// connection is lost (before or during f) it reconnects with backoff and
// runs f again, until f succeeds, fails with an answer from the server,
// ctx ends or the retry window has passed.
func (s *session) do(ctx context.Context, f op) error {
	deadline := time.Now().Add(s.conf.opts.retryWindow)
	wait := s.conf.opts.backoffMin

	for attempt := 1; ; attempt++ {
		err := s.once(ctx, f)
		if err == nil || !errors.Is(err, ErrConnection) {
			return err
		}

		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		if serr := sleep(ctx, jitter(wait)); serr != nil {
			return fmt.Errorf("%w (last attempt: %w)", serr, err)
		}
		wait = min(2*wait, s.conf.opts.backoffMax)
	}
}

// once runs f on the connection, connecting first if it is down, without
// retrying. A lost connection is dropped and reported as an error
// wrapping ErrConnection.
func (s *session) once(ctx context.Context, f op) error {
	c, err := s.client(ctx)
	if err != nil {
		return err
	}
	return s.run(ctx, c, f)
}

// heartbeat pings the server, connecting first if the connection is down.
// Unlike other calls, a ping that ctx cuts short counts as a lost
// connection: a server that accepts but no longer answers is failed over
// rather than waited for.
func (s *session) heartbeat(ctx context.Context) error {
	c, err := s.client(ctx)
	if err != nil {
		return err
	}

	err = s.run(ctx, c, ping)
	if errors.Is(err, context.DeadlineExceeded) {
		s.broken(c.gen, err)
		return fmt.Errorf("%w: %s: no answer to a ping: %w", ErrConnection, c.addr, err)
	}
	return err
}

// ifUp runs f on the connection only if one is up; it never connects.
func (s *session) ifUp(ctx context.Context, f op) error {
	s.lock <- struct{}{}
	c := conn{s.cli, s.gen.Load(), s.addr}
	s.release()
	if c.cli == nil {
		return nil
	}
	return s.run(ctx, c, f)
}

// run runs f on c and drops c when f finds it broken.
func (s *session) run(ctx context.Context, c conn, f op) error {
	err := call(ctx, func() error { return f(ctx, c.cli) })
	if err != nil && ctx.Err() == nil && connLost(err) {
		s.broken(c.gen, err)
		return fmt.Errorf("%w: %s: %w", ErrConnection, c.addr, err)
	}
	return err
}

// conn is one connection of a session.
type conn struct {
	cli  iggcon.Client
	gen  uint64
	addr string
}

// client returns the connection, connecting if needed.
func (s *session) client(ctx context.Context) (conn, error) {
	if err := s.acquire(ctx); err != nil {
		return conn{}, err
	}
	defer s.release()

	if s.closed {
		return conn{}, ErrNotConnected
	}
	if s.cli != nil {
		return conn{s.cli, s.gen.Load(), s.addr}, nil
	}

	cli, idx, err := s.connect(ctx)
	if err != nil {
		return conn{}, err
	}
	s.cli, s.idx, s.addr = cli, idx, s.conf.addrs[idx]
	s.gen.Add(1)
	s.up.Store(true)
	s.conf.log.Info("iggy connection up", "conn", s.name, "addr", s.addr)
	return conn{cli, s.gen.Load(), s.addr}, nil
}

// broken drops connection gen if it is still the current one; the next
// connect starts with the address after it.
func (s *session) broken(gen uint64, cause error) {
	s.lock <- struct{}{}
	if s.gen.Load() != gen || s.cli == nil {
		s.release()
		return
	}
	old, addr := s.cli, s.addr
	s.cli = nil
	s.next = (s.idx + 1) % len(s.conf.addrs)
	s.up.Store(false)
	s.release()

	s.conf.log.Warn("iggy connection lost", "conn", s.name, "addr", addr, "err", cause)
	// Close waits for the SDK's lock, which an abandoned call may hold.
	go func() { _ = old.Close() }()
}

// close drops the connection for good; later calls get ErrNotConnected.
func (s *session) close() {
	s.lock <- struct{}{}
	cli := s.cli
	s.cli, s.closed = nil, true
	s.up.Store(false)
	s.release()

	if cli != nil {
		go func() { _ = cli.Close() }()
	}
}

// connect tries every address once, starting with s.next, and returns the
// first connection that logs in and passes setup. The caller holds lock.
func (s *session) connect(ctx context.Context) (iggcon.Client, int, error) {
	n := len(s.conf.addrs)
	var errs []error
	for i := range n {
		idx := (s.next + i) % n
		addr := s.conf.addrs[idx]

		cli, err := s.open(ctx, addr)
		if err == nil {
			return cli, idx, nil
		}
		if !errors.Is(err, ErrConnection) {
			return nil, 0, err
		}
		s.conf.log.Debug("iggy connect failed", "conn", s.name, "addr", addr, "err", err)
		errs = append(errs, err)

		if ctx.Err() != nil {
			break
		}
	}
	return nil, 0, errors.Join(errs...)
}

// open connects to addr, logs in and runs setup, within the connect
// timeout. A failure that another attempt could cure wraps ErrConnection;
// a refused login or certificate does not.
func (s *session) open(ctx context.Context, addr string) (iggcon.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, s.conf.opts.connectTimeout)
	defer cancel()

	if err := s.probe(ctx, addr); err != nil {
		return nil, err
	}

	cli, err := s.login(ctx, addr)
	if err != nil {
		return nil, err
	}

	if s.setup != nil {
		err := call(ctx, func() error { return s.setup(ctx, cli) })
		if err != nil {
			go func() { _ = cli.Close() }()
			if connLost(err) || ctx.Err() != nil {
				return nil, fmt.Errorf("%w: %s: %s setup: %w", ErrConnection, addr, s.name, err)
			}
			return nil, fmt.Errorf("connector: %s: %s setup: %w", addr, s.name, err)
		}
	}
	return cli, nil
}

// probe dials addr (and shakes hands with TLS) within ctx, then hangs up.
// The SDK would dial an unreachable address forever; the probe finds out
// first, and names a certificate problem the SDK would only retry.
func (s *session) probe(ctx context.Context, addr string) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%w: dial %s: %w", ErrConnection, addr, err)
	}
	defer nc.Close()

	if s.conf.tls == nil {
		return nil
	}

	tc := tls.Client(nc, s.conf.tlsFor(addr))
	if err := tc.HandshakeContext(ctx); err != nil {
		if certificateProblem(err) {
			return fmt.Errorf("connector: tls handshake with %s: %w", addr, err)
		}
		return fmt.Errorf("%w: tls handshake with %s: %w", ErrConnection, addr, err)
	}
	return nil
}

// login makes the SDK client and logs in, in a goroutine bounded by ctx.
// When ctx ends first, the client the goroutine may still produce is
// closed as soon as it exists.
func (s *session) login(ctx context.Context, addr string) (iggcon.Client, error) {
	type result struct {
		cli iggcon.Client
		err error
	}
	res := make(chan result, 1)

	go func() {
		// The SDK's NewIggyClient wrapper would add a heartbeat that logs
		// through the standard logger; Remote pings on its own.
		cli, err := tcp.NewIggyTcpClient(s.conf.sdkOptions(addr)...)
		if err != nil {
			res <- result{err: err}
			return
		}
		if _, err := cli.LoginUser(s.conf.user, s.conf.pass); err != nil {
			_ = cli.Close()
			res <- result{err: err}
			return
		}
		res <- result{cli: cli}
	}()

	select {
	case r := <-res:
		return s.loginResult(addr, r.cli, r.err)
	case <-ctx.Done():
		go func() {
			if r := <-res; r.cli != nil {
				_ = r.cli.Close()
			}
		}()
		return nil, fmt.Errorf("%w: %s: no login within %s: %w", ErrConnection, addr,
			s.conf.opts.connectTimeout, ctx.Err())
	}
}

func (s *session) loginResult(addr string, cli iggcon.Client, err error) (iggcon.Client, error) {
	if err == nil {
		return cli, nil
	}
	if connLost(err) {
		return nil, fmt.Errorf("%w: %s: login: %w", ErrConnection, addr, err)
	}
	return nil, fmt.Errorf("connector: %s: login as %s: %w", addr, s.conf.user, err)
}

// call runs f and returns its error, or ctx's error as soon as ctx ends.
// f then goes on in its goroutine and its result is dropped: a value f
// writes may be read only when call returns nil.
func call(ctx context.Context, f func() error) error {
	if ctx.Done() == nil {
		return f()
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	res := make(chan error, 1)
	go func() { res <- f() }()
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// jitter adds up to 20 % to d so that clients cut off together do not
// reconnect in step.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}
