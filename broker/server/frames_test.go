package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/wire"
	"github.com/iggyflow/iggyflow/internal/syncbuf"
)

// raw is a plain TCP connection speaking frames by hand.
type raw struct {
	t  *testing.T
	nc net.Conn
}

func dialRaw(t *testing.T, addr string) *raw {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &raw{t: t, nc: nc}
}

func (r *raw) send(b []byte) {
	r.t.Helper()
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

func (r *raw) request(req wire.Request) { r.send(wire.EncodeRequest(req)) }

// status reads one response and returns its status.
func (r *raw) status() uint32 {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	st, _, err := wire.ReadResponse(r.nc, 1<<20)
	if err != nil {
		r.t.Fatalf("read response: %v", err)
	}
	return st
}

func (r *raw) expect(want uint32) {
	r.t.Helper()
	if got := r.status(); got != want {
		r.t.Fatalf("status %d, want %d", got, want)
	}
}

// frame builds [length][code][payload] with a length of the caller's
// choice.
func frame(length, code uint32, payload []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, length)
	b = binary.LittleEndian.AppendUint32(b, code)
	return append(b, payload...)
}

func TestMalformedFramesKeepTheConnectionInStep(t *testing.T) {
	f := start(t, WithMaxFrameSize(1024))
	r := dialRaw(t, f.addr)
	const (
		ok           = 0
		invalidCmd   = 3
		invalidFmt   = 4
		unauthorized = 40
	)

	r.request(wire.Ping{})
	r.expect(ok)

	r.send([]byte{2, 0, 0, 0, 0xaa, 0xbb}) // length below 4
	r.expect(invalidCmd)
	r.request(wire.Ping{})
	r.expect(ok)

	r.send(frame(4, 999, nil)) // unknown code
	r.expect(invalidCmd)

	r.send(frame(4+2000, uint32(wire.CodeGetStream), bytes.Repeat([]byte{1}, 2000))) // over 1024
	r.expect(invalidCmd)
	r.request(wire.Ping{})
	r.expect(ok)

	r.send(frame(7, uint32(wire.CodeGetStream), []byte{3, 1, 0})) // identifier kind 3
	r.expect(invalidCmd)
	r.send(frame(9, uint32(wire.CodeGetStream), []byte{1, 3, 7, 0, 0})) // numeric id of 3 bytes
	r.expect(invalidFmt)

	r.request(wire.GetStreams{}) // well formed, not logged in
	r.expect(unauthorized)
	r.request(wire.SendMessages{TopicPath: wire.TopicPath{Stream: broker.ByID(0), Topic: broker.ByID(0)},
		Partitioning: broker.Partitioning{Kind: broker.Balanced}, Count: 1,
		Frames: wire.AppendMessage(nil, broker.Message{Payload: []byte("x")})})
	r.expect(unauthorized)
	r.request(wire.Ping{})
	r.expect(ok)

	// Decoding comes before the session check, as on the real server.
	r.send(frame(5, uint32(wire.CodeCreateStream), []byte{0}))
	r.expect(invalidFmt)

	r.request(wire.LoginUser{Username: "iggy", Password: "iggy"})
	r.expect(ok)
	r.request(wire.CreateStream{Name: "s"})
	r.expect(ok)
	r.request(wire.CreateStream{Name: "s"})
	r.expect(broker.ErrStreamNameExists.Code)
}

func TestTruncatedAndGarbageInput(t *testing.T) {
	f := start(t, WithMaxFrameSize(4096))

	// A frame cut short, then the client stops writing: the server closes
	// without answering.
	r := dialRaw(t, f.addr)
	r.send(frame(100, uint32(wire.CodeGetStream), []byte{1, 4}))
	r.nc.(*net.TCPConn).CloseWrite()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := r.nc.Read(make([]byte, 8)); err != io.EOF {
		t.Fatalf("after a truncated frame: read %d bytes, %v; want EOF", n, err)
	}

	// Random bytes: every answer is a complete error frame until the server
	// closes the connection once the input ends mid-frame.
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 20; round++ {
		junk := make([]byte, 1+rng.Intn(8192))
		rng.Read(junk)
		if round%2 == 0 { // small lengths make many short frames
			for i := 0; i+4 <= len(junk); i += 16 {
				binary.LittleEndian.PutUint32(junk[i:], uint32(rng.Intn(12)))
			}
		}
		g := dialRaw(t, f.addr)
		g.send(junk)
		g.nc.(*net.TCPConn).CloseWrite()
		g.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			st, payload, err := wire.ReadResponse(g.nc, 1<<20)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if st != 0 && len(payload) != 0 {
				t.Fatalf("round %d: error %d with a %d-byte payload", round, st, len(payload))
			}
		}
	}

	// The server still serves new connections.
	n := dialRaw(t, f.addr)
	n.request(wire.Ping{})
	n.expect(0)
}

func TestHandlerPanicBecomesError1(t *testing.T) {
	var logs syncbuf.Buffer
	boom := func(s *Server) {
		s.beforeDispatch = func(r wire.Request) {
			if _, ok := r.(wire.GetStreams); ok {
				panic("boom")
			}
		}
	}
	f := start(t, boom, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	r := dialRaw(t, f.addr)
	r.request(wire.LoginUser{Username: "iggy", Password: "iggy"})
	r.expect(0)
	r.request(wire.GetStreams{})
	r.expect(broker.ErrGeneric.Code)
	r.request(wire.Ping{})
	r.expect(0)
	if out := logs.String(); !strings.Contains(out, "handler panic") || !strings.Contains(out, "boom") {
		t.Fatalf("panic not logged: %s", out)
	}
	if strings.Contains(logs.String(), "password") {
		t.Fatal("a password reached the log")
	}
}

func TestShutdown(t *testing.T) {
	f := start(t)
	c := f.root(t)
	r := dialRaw(t, f.addr)
	r.request(wire.Ping{})
	r.expect(0)

	f.close()
	f.close = func() {}
	if err := c.Ping(); err == nil {
		t.Fatal("ping after shutdown succeeded")
	}
	if _, err := net.DialTimeout("tcp", f.addr, time.Second); err == nil {
		t.Fatal("listener still accepting after shutdown")
	}
	if err := f.srv.Listen("127.0.0.1:0"); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("listen after shutdown: %v", err)
	}
}

func TestServeReturnsAfterShutdown(t *testing.T) {
	f := start(t)
	s := New(f.b, f.u)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	r := dialRaw(t, ln.Addr().String())
	r.request(wire.Ping{})
	r.expect(0)
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrServerClosed) {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// TestCommandsWithoutSDKMethods covers what the Go SDK cannot send or
// cannot read: GetMe, GetClient for an unknown id (an empty success, on
// which the SDK would panic), PurgeStream and PurgeTopic, and the empty
// successes the SDK turns into not-found errors.
func TestCommandsWithoutSDKMethods(t *testing.T) {
	f := start(t)
	r := dialRaw(t, f.addr)
	call := func(req wire.Request) (uint32, []byte) {
		t.Helper()
		r.request(req)
		r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		st, payload, err := wire.ReadResponse(r.nc, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return st, payload
	}

	if st, _ := call(wire.GetMe{}); st != broker.ErrUnauthenticated.Code {
		t.Fatalf("get me before login: %d", st)
	}
	call(wire.LoginUser{Username: "iggy", Password: "iggy"})
	st, me := call(wire.GetMe{})
	want := wire.AppendClient(nil, wire.ClientInfo{ID: clientID(r.nc.LocalAddr().String()), UserID: 0,
		Transport: wire.TransportTCP, Address: r.nc.LocalAddr().String()})
	if st != 0 || !bytes.Equal(me, want) {
		t.Fatalf("get me: %d % x, want % x", st, me, want)
	}
	missing := broker.ByID(99)
	for _, req := range []wire.Request{
		wire.GetClient{ClientID: 12345},
		wire.GetStream{Stream: missing},
		wire.GetTopic{TopicPath: wire.TopicPath{Stream: missing, Topic: missing}},
		wire.GetTopics{Stream: missing},
		wire.GetConsumerGroup{GroupPath: wire.GroupPath{TopicPath: wire.TopicPath{Stream: missing, Topic: missing}, Group: missing}},
		wire.GetConsumerGroups{TopicPath: wire.TopicPath{Stream: missing, Topic: missing}},
		wire.GetUser{User: missing},
		wire.GetConsumerOffset{OffsetTarget: wire.OffsetTarget{Consumer: broker.Consumer{Kind: broker.SingleConsumer},
			TopicPath: wire.TopicPath{Stream: missing, Topic: missing}}},
	} {
		if st, p := call(req); st != 0 || len(p) != 0 {
			t.Fatalf("%s of a missing object: status %d, %d bytes; want an empty success", req.Code(), st, len(p))
		}
	}

	sid, tid := broker.ByName("s"), broker.ByName("t")
	call(wire.CreateStream{Name: "s"})
	call(wire.CreateTopic{Stream: sid, Partitions: 1, TopicSettings: wire.TopicSettings{Compression: wire.CompressionNone, Name: "t"}})
	send := wire.SendMessages{TopicPath: wire.TopicPath{Stream: sid, Topic: tid},
		Partitioning: broker.Partitioning{Kind: broker.Balanced}, Count: 1,
		Frames: wire.AppendMessage(nil, broker.Message{Payload: []byte("x")})}
	count := func() uint64 {
		t.Helper()
		tp, err := f.b.Topic(sid, tid)
		if err != nil {
			t.Fatal(err)
		}
		return tp.MessagesCount
	}

	call(send)
	if st, _ := call(wire.PurgeTopic{TopicPath: wire.TopicPath{Stream: sid, Topic: tid}}); st != 0 || count() != 0 {
		t.Fatalf("purge topic: %d, %d messages left", st, count())
	}
	call(send)
	if st, _ := call(wire.PurgeStream{Stream: sid}); st != 0 || count() != 0 {
		t.Fatalf("purge stream: %d, %d messages left", st, count())
	}
	if st, _ := call(wire.PurgeStream{Stream: broker.ByID(9)}); st != broker.ErrStreamNotFound.Code {
		t.Fatalf("purge missing stream: %d", st)
	}
}

// Before login the server refuses frames bigger than the logins need, so a
// peer without credentials cannot make it buffer big frames; after login
// the configured limits apply, and after logout the small one again.
func TestAnonymousFramesAreSmall(t *testing.T) {
	f := start(t)
	r := dialRaw(t, f.addr)
	bigPing := frame(4+20<<10, uint32(wire.CodePing), make([]byte, 20<<10))

	r.send(bigPing)
	r.expect(broker.ErrInvalidCommand.Code)
	r.request(wire.Ping{})
	r.expect(0)

	r.request(wire.LoginUser{Username: "iggy", Password: "iggy"})
	r.expect(0)
	r.send(bigPing) // trailing payload bytes of a ping are ignored
	r.expect(0)

	r.request(wire.LogoutUser{})
	r.expect(0)
	r.send(bigPing)
	r.expect(broker.ErrInvalidCommand.Code)
}
