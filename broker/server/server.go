package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/users"
	"github.com/iggyflow/iggyflow/broker/wire"
)

// Server is an Iggy-protocol TCP front end for a broker and its users.
type Server struct {
	broker         *broker.Broker
	users          *users.Store
	tls            *tls.Config
	log            *slog.Logger
	maxPayload     int
	maxSendPayload int
	started        time.Time
	// beforeDispatch, when set by a test, runs before every handler.
	beforeDispatch func(wire.Request)

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*conn]struct{}
	closing  bool
	wg       sync.WaitGroup
	serveErr chan error
}

// ErrServerClosed is returned by Serve and Listen after Shutdown.
var ErrServerClosed = errors.New("server: closed")

// New returns a server for b and u; it serves nothing until Listen or
// Serve.
func New(b *broker.Broker, u *users.Store, opts ...Option) *Server {
	s := &Server{
		broker: b, users: u,
		maxPayload: wire.DefaultMaxPayload, maxSendPayload: wire.DefaultMaxSendPayload,
		conns: make(map[*conn]struct{}), started: time.Now(),
	}
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Listen binds addr (such as "127.0.0.1:8090"; port 0 picks one) and serves
// it in the background. It returns once the listener is bound; Addr then
// reports the bound address.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listen %s: %w", addr, err)
	}
	l, err := s.setListener(ln)
	if err != nil {
		ln.Close()
		return err
	}
	go s.serve(l)
	return nil
}

// Serve accepts connections on l until Shutdown; it returns
// ErrServerClosed then, or the accept error that stopped it.
func (s *Server) Serve(l net.Listener) error {
	l, err := s.setListener(l)
	if err != nil {
		return err
	}
	return s.serve(l)
}

// setListener records l, wrapped in TLS when configured, and returns it.
func (s *Server) setListener(l net.Listener) (net.Listener, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, ErrServerClosed
	}
	if s.ln != nil {
		return nil, errors.New("server: already serving")
	}
	if s.tls != nil {
		l = tls.NewListener(l, s.tls)
	}
	s.ln = l
	return l, nil
}

// Addr returns the bound address, or nil before Listen or Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

func (s *Server) serve(l net.Listener) error {
	s.log.Info("server: listening", "addr", l.Addr().String(), "tls", s.tls != nil)

	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("server: accept: %w", err)
		}
		if !s.track(nc) {
			nc.Close()
			return ErrServerClosed
		}
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// track registers a connection and starts its goroutine; false once the
// server is closing.
func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	c := newConn(s, nc)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.serve()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	return true
}

// Shutdown stops accepting, lets every connection finish the request it is
// serving, then closes them all. When ctx ends first the remaining
// connections are closed at once and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	var err error
	if s.ln != nil {
		err = s.ln.Close()
	}
	for c := range s.conns {
		c.stop()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("server: close listener: %w", err)
	}
	return nil
}

// clients returns a snapshot of every connection's details in id order.
func (s *Server) clients() []wire.ClientInfo {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	out := make([]wire.ClientInfo, 0, len(conns))
	for _, c := range conns {
		out = append(out, c.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
