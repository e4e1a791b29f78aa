package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/iggy/foreign/go/client"
	"github.com/apache/iggy/foreign/go/client/tcp"
	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"github.com/iggyflow/iggyflow/internal/brokerproc/proctest"
	"github.com/iggyflow/iggyflow/internal/syncbuf"
)

// envMainHelper makes TestIggyflowMainHelper run main.
const envMainHelper = "IGGYFLOW_TEST_RUN_MAIN"

// TestIggyflowMainHelper is the iggyflow binary of the tests below: started
// by startIggyflow, it runs main with the arguments after "--", signal
// handling included. In a normal run it skips.
func TestIggyflowMainHelper(t *testing.T) {
	if os.Getenv(envMainHelper) == "" {
		t.Skip("runs only as the iggyflow child process of startIggyflow")
	}
	os.Args = append([]string{"iggyflow"}, flag.Args()...)
	main()
}

// iggyflowArgs are the test binary's arguments that make it iggyflow.
func iggyflowArgs(args ...string) []string {
	return append([]string{"-test.run=^TestIggyflowMainHelper$", "-test.count=1", "--"}, args...)
}

var servingRE = regexp.MustCompile(`msg="broker serving" addr=(\S+)`)

// startIggyflow runs `iggyflow args...` as a child process with env added
// to the environment and returns once the broker serves.
func startIggyflow(t *testing.T, env []string, args ...string) *proctest.Proc {
	t.Helper()
	return proctest.StartProcess(t, proctest.Spec{
		Args: iggyflowArgs(args...),
		Env:  append([]string{envMainHelper + "=1"}, env...),
		Ready: func(line string) (string, bool) {
			m := servingRE.FindStringSubmatch(line)
			if m == nil {
				return "", false
			}
			return m[1], true
		},
	})
}

// noRootEnv clears root credentials the test's own environment may hold.
var noRootEnv = []string{envRootUsername + "=", envRootPassword + "="}

// sdkLogin connects with the official SDK, as an application would, and
// logs in.
func sdkLogin(t *testing.T, addr, user, password string) (iggcon.Client, error) {
	t.Helper()
	out := log.Writer()
	log.SetOutput(io.Discard) // the SDK logs its leader check at login
	t.Cleanup(func() { log.SetOutput(out) })

	c, err := client.NewIggyClient(client.WithTcp(tcp.WithServerAddress(addr)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_, err = c.LoginUser(user, password)
	return c, err
}

func mustID[T uint32 | string](t *testing.T, v T) iggcon.Identifier {
	t.Helper()
	id, err := iggcon.NewIdentifier(v)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestBrokerCommandKeepsMessagesAcrossSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts iggyflow processes")
	}
	dir := filepath.Join(t.TempDir(), "iggy")
	const password = "first-start-secret"
	env := []string{envRootUsername + "=operator", envRootPassword + "=" + password}
	p := startIggyflow(t, env, "broker", "--data-dir", dir, "--tcp-addr", "127.0.0.1:0", "--fsync", "always")

	if out := p.Output(); !strings.Contains(out, "data_dir="+dir) || strings.Contains(out, password) {
		t.Fatalf("startup log must name the data dir and never the password:\n%s", out)
	}
	if _, err := sdkLogin(t, p.Addr, "iggy", "iggy"); err == nil {
		t.Fatal("default credentials accepted although the environment gave others")
	}
	c, err := sdkLogin(t, p.Addr, "operator", password)
	if err != nil {
		t.Fatalf("SDK login: %v", err)
	}

	stream, topic := mustID(t, "orders"), mustID(t, "placed")
	if _, err := c.CreateStream("orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTopic(stream, "placed", 1, iggcon.CompressionAlgorithmNone, iggcon.IggyExpiryNeverExpire, 0, nil); err != nil {
		t.Fatal(err)
	}
	msg, err := iggcon.NewIggyMessage([]byte("kept across restarts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendMessages(stream, topic, iggcon.PartitionId(0), []iggcon.IggyMessage{msg}); err != nil {
		t.Fatal(err)
	}

	if err := p.Terminate(15 * time.Second); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, p.Output())
	}
	if !strings.Contains(p.Output(), `msg="broker stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", p.Output())
	}

	// The credentials of the first start stay; the environment is read on
	// first start only.
	p2 := startIggyflow(t, noRootEnv, "broker", "--data-dir", dir, "--tcp-addr", "127.0.0.1:0")
	c2, err := sdkLogin(t, p2.Addr, "operator", password)
	if err != nil {
		t.Fatalf("SDK login after restart: %v", err)
	}
	part := uint32(0)
	polled, err := c2.PollMessages(stream, topic, iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 10, false, &part)
	if err != nil {
		t.Fatal(err)
	}
	if len(polled.Messages) != 1 || string(polled.Messages[0].Payload) != "kept across restarts" {
		t.Fatalf("after restart polled %d messages: %+v", len(polled.Messages), polled.Messages)
	}
}

func TestBrokerCommandDefaultRootOnLoopbackOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts iggyflow processes")
	}

	// Off loopback without credentials: refused before anything is served
	// or written. 0.0.0.0 is never bound since the check comes first.
	dir := filepath.Join(t.TempDir(), "iggy")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], iggyflowArgs("broker", "--data-dir", dir, "--tcp-addr", "0.0.0.0:0")...)
	cmd.Env = append(os.Environ(), append([]string{envMainHelper + "=1"}, noRootEnv...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("broker on 0.0.0.0 without credentials: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), envRootUsername) {
		t.Fatalf("the refusal does not say what to set:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "users.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("users.json written by a refused start: %v", err)
	}

	// On loopback, iggy/iggy is the default.
	p := startIggyflow(t, noRootEnv, "broker", "--data-dir", dir, "--tcp-addr", "127.0.0.1:0")
	if _, err := sdkLogin(t, p.Addr, "iggy", "iggy"); err != nil {
		t.Fatalf("default login on loopback: %v", err)
	}
	if err := p.Terminate(15 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// runBrokerInProcess runs the broker command until it serves and returns
// its address, a stop function and its log.
func runBrokerInProcess(t *testing.T, args ...string) (string, func() int, *syncbuf.Buffer) {
	t.Helper()
	t.Setenv(envRootUsername, "")
	t.Setenv(envRootPassword, "")
	ctx, cancel := context.WithCancel(t.Context())
	logs := &syncbuf.Buffer{}
	code := make(chan int, 1)
	go func() { code <- run(ctx, append([]string{"broker"}, args...), io.Discard, logs) }()

	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRE.FindStringSubmatch(logs.String()); m != nil {
			return m[1], func() int { cancel(); return <-code }, logs
		}
		select {
		case c := <-code:
			cancel()
			t.Fatalf("broker exited %d before serving:\n%s", c, logs.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("broker not serving after 20s:\n%s", logs.String())
	return "", nil, nil
}

func TestBrokerCommandConfigFile(t *testing.T) {
	dir := t.TempDir()
	fromFile := filepath.Join(dir, "from-file")
	cfgPath := filepath.Join(dir, "iggyflow.yaml")
	cfg := fmt.Sprintf("events:\n  iggy:\n    embedded:\n      data_dir: %s\n      tcp_port: \"127.0.0.1:0\"\n", fromFile)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	addr, stop, logs := runBrokerInProcess(t, "--config", cfgPath)
	if _, err := sdkLogin(t, addr, "iggy", "iggy"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(fromFile, "users.json")); err != nil {
		t.Fatalf("the file's data_dir is not used: %v", err)
	}
	if code := stop(); code != 0 {
		t.Fatalf("stopped with exit %d:\n%s", code, logs.String())
	}

	// A flag overrides the file.
	fromFlag := filepath.Join(dir, "from-flag")
	_, stop, _ = runBrokerInProcess(t, "--config", cfgPath, "--data-dir", fromFlag)
	stop()
	if _, err := os.Stat(filepath.Join(fromFlag, "users.json")); err != nil {
		t.Fatalf("-data-dir did not override the file: %v", err)
	}
}

func TestBrokerCommandRejects(t *testing.T) {
	dir := t.TempDir()
	noPort := filepath.Join(dir, "no-port.yaml")
	if err := os.WriteFile(noPort, []byte("events:\n  iggy:\n    embedded:\n      tcp_port: 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--fsync", "sometimes"}, 2, "-fsync"},
		{[]string{"--fsync-interval", "0s"}, 2, "-fsync-interval"},
		{[]string{"--tls-cert", filepath.Join(dir, "cert.pem")}, 1, "TLS needs both"},
		{[]string{"--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem")}, 1, "load TLS key pair"},
		{[]string{"--config", noPort}, 1, "tcp_port is 0"},
		{[]string{"--config", filepath.Join(dir, "missing.yaml")}, 1, "missing.yaml"},
		{[]string{"--tcp-addr", "nonsense"}, 1, "listen address"},
		{[]string{"extra"}, 2, "unexpected arguments"},
	}
	for _, tc := range cases {
		var stderr bytes.Buffer
		args := append([]string{"broker", "--data-dir", filepath.Join(dir, "data")}, tc.args...)
		code := run(t.Context(), args, io.Discard, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.says) {
			t.Errorf("broker %v: exit %d, want %d with %q in:\n%s", tc.args, code, tc.code, tc.says, stderr.String())
		}
	}
}
