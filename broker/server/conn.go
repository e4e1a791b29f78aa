package server

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/wire"
	"github.com/iggyflow/iggyflow/internal/xxh32"
)

// Buffer sizes of a connection.
const (
	readBufferSize  = 64 << 10
	writeBufferSize = 64 << 10
)

// conn is one client connection and its session.
type conn struct {
	srv  *Server
	nc   net.Conn
	fr   *wire.FrameReader
	bw   *bufio.Writer
	id   uint32
	addr string

	// mu guards the session fields, which GetClient(s) read from other
	// connections' goroutines.
	mu     sync.Mutex
	userID uint32
	groups map[wire.ClientGroup]struct{}
}

// maxAnonymousPayload bounds the frames of a connection that has not
// logged in. Only ping and the two logins are served before login, and
// their payloads are a few hundred bytes; a larger frame is drained and
// refused with code 3, so a peer without credentials cannot make the
// server buffer big frames.
const maxAnonymousPayload = 8 << 10

func newConn(s *Server, nc net.Conn) *conn {
	addr := nc.RemoteAddr().String()
	fr := wire.NewFrameReader(bufio.NewReaderSize(nc, readBufferSize))
	fr.MaxPayload, fr.MaxSendPayload = s.anonymousLimits()
	return &conn{
		srv: s, nc: nc, fr: fr, bw: bufio.NewWriterSize(nc, writeBufferSize),
		id: clientID(addr), addr: addr, userID: wire.NoUser,
		groups: make(map[wire.ClientGroup]struct{}),
	}
}

// anonymousLimits returns the frame limits before login: the configured
// ones, capped at maxAnonymousPayload (0, the frame reader's "default",
// is capped too).
func (s *Server) anonymousLimits() (payload, send int) {
	capped := func(n int) int {
		if n <= 0 || n > maxAnonymousPayload {
			return maxAnonymousPayload
		}
		return n
	}
	return capped(s.maxPayload), capped(s.maxSendPayload)
}

// clientID is XXH32 with seed 0 of the peer address "ip:port", as Iggy's
// server numbers its clients.
func clientID(addr string) uint32 { return xxh32.Sum([]byte(addr), 0) }

// stop makes a blocked read return, so the connection ends after the
// request it is serving.
func (c *conn) stop() { c.nc.SetReadDeadline(time.Now()) }

// serve reads and answers frames until the peer goes or the server stops.
func (c *conn) serve() {
	log := c.srv.log.With("client_id", c.id, "addr", c.addr)
	log.Debug("server: connection opened")
	defer func() {
		c.srv.broker.DisconnectClient(c.id)
		c.nc.Close()
		log.Debug("server: connection closed")
	}()

	for {
		frame, err := c.fr.Next()
		var be *broker.Error
		switch {
		case errors.As(err, &be):
			log.Debug("server: unusable frame", "err", err)
			if c.writeError(be.Code) != nil {
				return
			}
			continue
		case err != nil:
			return
		}
		if err := c.answer(frame); err != nil {
			log.Debug("server: write failed", "err", err)
			return
		}
		c.fr.Shrink()
	}
}

// answer serves one frame and writes its response.
func (c *conn) answer(f wire.Frame) error {
	parts, err := c.handle(f)
	if err != nil {
		code := broker.CodeOf(err)
		if code == broker.ErrGeneric.Code {
			c.srv.log.Warn("server: request failed", "client_id", c.id, "code", f.Code.String(), "err", err)
		}
		return c.writeError(code)
	}
	return c.writeReply(parts)
}

// writeReply writes a success response. Small replies go through the
// buffered writer; large ones (polled messages) go out in one vectored
// write, so the message bytes are not copied into the buffer first.
func (c *conn) writeReply(parts reply) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n < writeBufferSize {
		if err := wire.WriteResponse(c.bw, parts...); err != nil {
			return err
		}
		return c.bw.Flush()
	}
	bufs := make(net.Buffers, 0, len(parts)+1)
	bufs = append(bufs, wire.AppendResponseHeader(nil, 0, n))
	bufs = append(bufs, parts...)
	if _, err := bufs.WriteTo(c.nc); err != nil {
		return fmt.Errorf("server: write %d-byte response: %w", n, err)
	}
	return nil
}

func (c *conn) writeError(code uint32) error {
	if err := wire.WriteError(c.bw, code); err != nil {
		return err
	}
	return c.bw.Flush()
}

// handle decodes and dispatches a frame; a panic becomes error 1 and is
// logged with its stack.
func (c *conn) handle(f wire.Frame) (parts [][]byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("server: handler panic", "client_id", c.id, "code", f.Code.String(),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			parts, err = nil, broker.ErrGeneric.With("internal error")
		}
	}()

	req, err := wire.DecodeRequest(f.Code, f.Payload)
	if err != nil {
		return nil, err
	}
	if f.Code.NeedsAuth() && c.user() == wire.NoUser {
		return nil, broker.ErrUnauthenticated
	}
	if hook := c.srv.beforeDispatch; hook != nil {
		hook(req)
	}
	return c.dispatch(req)
}

func (c *conn) user() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.userID
}

// setUser binds the session to a user, or to none with wire.NoUser, and
// sets the frame limits that go with it. It runs on the connection's own
// goroutine, the only reader of c.fr.
func (c *conn) setUser(id uint32) {
	c.mu.Lock()
	c.userID = id
	c.mu.Unlock()

	if id == wire.NoUser {
		c.fr.MaxPayload, c.fr.MaxSendPayload = c.srv.anonymousLimits()
		return
	}
	c.fr.MaxPayload, c.fr.MaxSendPayload = c.srv.maxPayload, c.srv.maxSendPayload
}

// info describes the connection for GetClient(s) and GetMe.
func (c *conn) info() wire.ClientInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci := wire.ClientInfo{ID: c.id, UserID: c.userID, Transport: wire.TransportTCP, Address: c.addr}
	for g := range c.groups {
		ci.Groups = append(ci.Groups, g)
	}
	return ci
}

func (c *conn) joined(g wire.ClientGroup, in bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if in {
		c.groups[g] = struct{}{}
	} else {
		delete(c.groups, g)
	}
}
