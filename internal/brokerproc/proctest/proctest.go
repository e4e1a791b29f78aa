// Package proctest starts the broker as a real child process in tests, so
// a test can SIGKILL it and start it again on the same data dir and port.
//
// The child is the test binary itself, re-executed to run one test
// function that does nothing but serve the broker:
//
//	// in the test package
//	func TestBrokerChild(t *testing.T) { proctest.Child(t) }
//
//	// in a test
//	p := proctest.Start(t, "TestBrokerChild", dataDir, "127.0.0.1:0")
//	p.Kill()                            // SIGKILL
//	p = proctest.Start(t, "TestBrokerChild", dataDir, p.Addr)
//
// Child skips itself unless the environment says it is the child, so it
// is harmless in a normal test run. StartProcess runs any other entry
// point of a test binary the same way, such as a command's main.
package proctest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/broker/users"
	"github.com/iggyflow/iggyflow/internal/brokerproc"
)

// Environment of the child process.
const (
	envDataDir = "IGGYFLOW_PROCTEST_DATA_DIR"
	envAddr    = "IGGYFLOW_PROCTEST_ADDR"
)

// readyPrefix starts the line the child prints on stderr once it serves.
const readyPrefix = "proctest: serving on "

// StartTimeout bounds how long Start waits for the child to serve: 30 s.
const StartTimeout = 30 * time.Second

// cheapArgon2 keeps the child's logins fast; the cost of password hashing
// is not what these tests are about.
var cheapArgon2 = users.Argon2Params{Memory: 64, Time: 1, Threads: 1}

// Child serves the broker until SIGTERM or SIGINT when the test binary was
// started by Start, then exits the process; otherwise it skips t.
func Child(t *testing.T) {
	dir := os.Getenv(envDataDir)
	if dir == "" {
		t.Skip("runs only as the broker child process of proctest.Start")
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	err := brokerproc.Run(ctx, brokerproc.Config{
		DataDir: dir, Addr: os.Getenv(envAddr), Argon2: cheapArgon2,
		Ready: func(a net.Addr) {
			fmt.Fprintf(os.Stderr, "%s%s\n", readyPrefix, a.String())
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "proctest: broker: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Proc is a running child process.
type Proc struct {
	// Addr is the address the child serves, "127.0.0.1:port".
	Addr string

	t    testing.TB
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, set before done is closed

	mu     sync.Mutex
	stderr bytes.Buffer
}

// Start runs the test function named child (which calls Child) in a new
// process of the test binary, serving dataDir on addr, and returns once it
// accepts connections. The process is killed at the end of the test if it
// is still running.
func Start(t testing.TB, child, dataDir, addr string) *Proc {
	t.Helper()
	return StartProcess(t, Spec{
		Args: []string{"-test.run=^" + child + "$", "-test.count=1"},
		Env:  []string{envDataDir + "=" + dataDir, envAddr + "=" + addr},
		Ready: func(line string) (string, bool) {
			return strings.CutPrefix(line, readyPrefix)
		},
	})
}

// Spec describes a child process of the test binary.
type Spec struct {
	// Args are the test binary's arguments, such as -test.run=^TestX$.
	Args []string
	// Env is added to the test's own environment; a later entry for the
	// same name wins.
	Env []string
	// Ready is called with each line the child writes on stderr and
	// returns the address it serves once a line says it is serving.
	Ready func(line string) (addr string, ok bool)
}

// StartProcess runs the test binary as spec says and returns once Ready
// reports an address; the test fails if the child exits or StartTimeout
// passes first. The process is killed at the end of the test if it is
// still running.
func StartProcess(t testing.TB, spec Spec) *Proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], spec.Args...)
	cmd.Env = append(os.Environ(), spec.Env...)

	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("proctest: start child: %v", err)
	}

	p := &Proc{t: t, cmd: cmd, done: make(chan struct{})}
	ready := make(chan string, 1)
	go p.watch(pipe, spec.Ready, ready)
	t.Cleanup(p.Kill)

	select {
	case a := <-ready:
		p.Addr = a
		return p
	case <-p.done:
		t.Fatalf("proctest: child exited before serving: %v\n%s", p.err, p.Output())
	case <-time.After(StartTimeout):
		p.Kill()
		t.Fatalf("proctest: child not serving after %s\n%s", StartTimeout, p.Output())
	}
	return nil
}

// watch copies the child's stderr, reports the ready line and records the
// exit status.
func (p *Proc) watch(r io.Reader, isReady func(string) (string, bool), ready chan<- string) {
	sc := bufio.NewScanner(r)
	reported := false
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		p.stderr.WriteString(line + "\n")
		p.mu.Unlock()

		if a, ok := isReady(line); ok && !reported {
			reported = true
			ready <- a
		}
	}

	p.err = p.cmd.Wait()
	close(p.done)
}

// Output returns what the child wrote on stderr so far.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Kill sends SIGKILL and waits for the process to end. It does nothing
// when the process has ended already.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Errorf("proctest: kill child: %v", err)
	}
	<-p.done
}

// Terminate sends SIGTERM and returns the exit error once the process has
// ended (nil for a clean exit), failing the test after timeout.
func (p *Proc) Terminate(timeout time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("proctest: signal child: %w", err)
	}

	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("proctest: child still running %s after SIGTERM\n%s", timeout, p.Output())
	}
}
