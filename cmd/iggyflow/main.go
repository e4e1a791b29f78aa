// Command iggyflow runs the iggyflow demo, the standalone embedded broker,
// the outbox relay and operator commands.
//
//	iggyflow demo      push a multi-tenant shop workload through the whole path
//	iggyflow broker    run the embedded Iggy-compatible broker on its own
//	iggyflow relay     run an outbox relay worker
//	iggyflow outbox    inspect and requeue outbox rows
//	iggyflow replay    print a bounded range of a topic
//	iggyflow dlq       inspect and retry the dead-letter topic
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "push a multi-tenant shop workload through outbox, relay, broker and a consumer group", runDemo},
		{"broker", "run the embedded Iggy-compatible broker on its own over TCP", runBroker},
		{"relay", "run an outbox relay worker for a database and an Iggy configuration", runRelay},
		{"outbox", "inspect the outbox: status, failed, requeue, purge", runOutbox},
		{"replay", "print a bounded range of a topic as JSON lines, moving no group offset", runReplay},
		{"dlq", "list or retry the dead-letter topic", runDLQ},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}

	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "iggyflow %s: %v\n", c.name, err)
			return 1
		}
	}

	fmt.Fprintf(stderr, "iggyflow: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// errUsage reports bad command-line arguments that were already explained.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: iggyflow <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'iggyflow <command> -h' for a command's flags.")
}

// newFlagSet returns a flag set whose errors go to stderr and that
// reports a parse failure as errUsage.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("iggyflow "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// isSet reports whether the flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %v\n", fs.Args())
		return errUsage
	}
	return nil
}
