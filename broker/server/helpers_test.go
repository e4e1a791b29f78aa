package server

import (
	"context"
	"errors"
	"io"
	"log"
	"os"
	"testing"
	"time"

	"github.com/apache/iggy/foreign/go/client"
	"github.com/apache/iggy/foreign/go/client/tcp"
	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/users"
)

// TestMain silences the SDK, which logs its leader checks and heartbeat
// failures with the standard logger.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// fixture is a real broker and users store on a temp dir, served on a
// loopback port.
type fixture struct {
	srv   *Server
	b     *broker.Broker
	u     *users.Store
	addr  string
	close func()
}

// cheapArgon2 keeps password hashing fast in tests.
var cheapArgon2 = users.Argon2Params{Memory: 64, Time: 1, Threads: 1}

// start serves a broker with 1 MiB segments and no cleaner.
func start(t testing.TB, opts ...Option) *fixture {
	t.Helper()
	return startWith(t, broker.Options{SegmentSize: 1 << 20, CleanerInterval: -1}, opts...)
}

// startWith serves a broker opened with bo (DataDir is filled in).
func startWith(t testing.TB, bo broker.Options, opts ...Option) *fixture {
	t.Helper()
	dir := t.TempDir()
	bo.DataDir = dir
	b, err := broker.Open(bo)
	if err != nil {
		t.Fatal(err)
	}
	u, err := users.Open(users.Options{DataDir: dir, AllowDefaultRoot: true, Argon2: cheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(b, u, opts...)
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: srv, b: b, u: u, addr: srv.Addr().String()}
	f.close = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		b.Close()
	}
	t.Cleanup(f.close)
	return f
}

// connect opens an SDK client exactly as an application would.
func (f *fixture) connect(t testing.TB) iggcon.Client {
	t.Helper()
	c, err := client.NewIggyClient(client.WithTcp(tcp.WithServerAddress(f.addr)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// root connects and logs in as root.
func (f *fixture) root(t testing.TB) iggcon.Client {
	t.Helper()
	c := f.connect(t)
	id, err := c.LoginUser("iggy", "iggy")
	if err != nil || id.UserId != 0 {
		t.Fatalf("root login: %+v, %v", id, err)
	}
	return c
}

func num(id uint32) iggcon.Identifier {
	v, _ := iggcon.NewIdentifier(id)
	return v
}

func str(s string) iggcon.Identifier {
	v, _ := iggcon.NewIdentifier(s)
	return v
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks err against an SDK error value with errors.Is, which the
// SDK matches by code.
func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func messages(t testing.TB, payloads ...string) []iggcon.IggyMessage {
	t.Helper()
	out := make([]iggcon.IggyMessage, len(payloads))
	for i, p := range payloads {
		m, err := iggcon.NewIggyMessage([]byte(p))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = m
	}
	return out
}

func payloads(pm *iggcon.PolledMessage) []string {
	out := make([]string, len(pm.Messages))
	for i, m := range pm.Messages {
		out[i] = string(m.Payload)
	}
	return out
}
