package brokerproc

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/broker"
	"github.com/iggyflow/iggyflow/broker/users"
)

var cheap = users.Argon2Params{Memory: 64, Time: 1, Threads: 1}

func TestParseFsync(t *testing.T) {
	for s, want := range map[string]broker.FsyncPolicy{
		"never": broker.FsyncNever, "always": broker.FsyncEveryAppend, "interval": broker.FsyncInterval,
	} {
		if got, err := ParseFsync(s); err != nil || got != want {
			t.Errorf("ParseFsync(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "Always", "every-append", "sometimes"} {
		if _, err := ParseFsync(s); err == nil {
			t.Errorf("ParseFsync(%q) succeeded", s)
		}
	}
}

// TestRunRefusesDefaultRootOffLoopback checks the refusal comes before the
// listener: nothing is bound and no users file is written.
func TestRunRefusesDefaultRootOffLoopback(t *testing.T) {
	dir := t.TempDir()
	served := false
	err := Run(t.Context(), Config{DataDir: dir, Addr: "0.0.0.0:0", Argon2: cheap,
		Ready: func(net.Addr) { served = true }})
	if !errors.Is(err, ErrDefaultRootRefused) {
		t.Fatalf("Run = %v, want ErrDefaultRootRefused", err)
	}
	if served {
		t.Fatal("served before refusing")
	}
	if _, err := os.Stat(filepath.Join(dir, users.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("users file after a refusal: %v", err)
	}
}

// TestRunServesUntilCancelled starts on a data dir whose root exists
// already, so no credentials are needed, accepts a connection and stops
// cleanly when its context ends.
func TestRunServesUntilCancelled(t *testing.T) {
	dir := t.TempDir()
	if _, err := users.Open(users.Options{DataDir: dir, RootUsername: "admin", RootPassword: "secret", Argon2: cheap}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{DataDir: dir, Addr: "127.0.0.1:0", Argon2: cheap, Ready: func(a net.Addr) { ready <- a }})
	}()

	select {
	case a := <-ready:
		c, err := net.DialTimeout("tcp", a.String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	case err := <-done:
		t.Fatalf("Run ended before serving: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	for name, cfg := range map[string]Config{
		"no data dir":   {Addr: "127.0.0.1:0"},
		"bad address":   {DataDir: dir, Addr: "8090"},
		"cert, no key":  {DataDir: dir, Addr: "127.0.0.1:0", TLSCertFile: "c.pem"},
		"missing files": {DataDir: dir, Addr: "127.0.0.1:0", TLSCertFile: "c.pem", TLSKeyFile: "k.pem"},
	} {
		if err := Run(t.Context(), cfg); err == nil {
			t.Errorf("%s: Run succeeded", name)
		}
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if err := Run(t.Context(), Config{DataDir: dir, Addr: busy.Addr().String(), Argon2: cheap}); err == nil {
		t.Error("Run on a busy port succeeded")
	}
}
