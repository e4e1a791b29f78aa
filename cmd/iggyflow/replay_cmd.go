package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/iggyflow/iggyflow/events"
	"github.com/iggyflow/iggyflow/iggy"
)

// replayFlags are the range flags of replay and dlq list.
type replayFlags struct {
	partitions string
	from, to   int64
	since      string
	until      string
	limit      int
}

func (f *replayFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.partitions, "partitions", "", "comma-separated partition ids; empty reads all")
	fs.Int64Var(&f.from, "from-offset", -1, "first offset to read, inclusive")
	fs.Int64Var(&f.to, "to-offset", -1, "last offset to read, inclusive")
	fs.StringVar(&f.since, "since", "", "first append time to read, RFC 3339, inclusive")
	fs.StringVar(&f.until, "until", "", "append time to stop at, RFC 3339, exclusive")
	fs.IntVar(&f.limit, "limit", 100, "most messages to print; 0 prints all")
}

func (f *replayFlags) options(topic string) (iggy.ReplayOptions, error) {
	o := iggy.ReplayOptions{Topic: topic, Limit: f.limit}
	if f.limit < 0 {
		return o, fmt.Errorf("-limit must not be negative, got %d", f.limit)
	}
	if f.partitions != "" {
		for _, p := range strings.Split(f.partitions, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 32)
			if err != nil {
				return o, fmt.Errorf("-partitions: %q is not a partition id", p)
			}
			o.Partitions = append(o.Partitions, uint32(n))
		}
	}
	if f.from >= 0 {
		v := uint64(f.from)
		o.FromOffset = &v
	}
	if f.to >= 0 {
		v := uint64(f.to)
		o.ToOffset = &v
	}
	var err error
	if o.Since, err = parseTime("-since", f.since); err != nil {
		return o, err
	}
	if o.Until, err = parseTime("-until", f.until); err != nil {
		return o, err
	}
	return o, nil
}

func parseTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: want an RFC 3339 time such as 2026-02-19T10:15:30Z: %w", flagName, err)
	}
	return t, nil
}

// replayLine is one printed message: where it is and what it holds.
type replayLine struct {
	Topic     string            `json:"topic"`
	Partition uint32            `json:"partition"`
	Offset    uint64            `json:"offset"`
	Timestamp time.Time         `json:"timestamp"`
	Headers   map[string]string `json:"headers,omitempty"`
	Envelope  json.RawMessage   `json:"envelope,omitempty"`
	Error     string            `json:"error,omitempty"`
}

// runReplay prints a bounded range of a topic as JSON lines; no consumer
// group's offsets move.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o commonOptions
	var rf replayFlags
	fs := newFlagSet("replay", stderr)
	o.register(fs)
	rf.register(fs)
	topic := fs.String("topic", iggy.TopicDomain, "topic to read: domain, system or dlq")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return replayTopic(ctx, o, rf, *topic, stdout, stderr)
}

func replayTopic(ctx context.Context, o commonOptions, rf replayFlags, topic string, stdout, stderr io.Writer) error {
	opts, err := rf.options(topic)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	t, err := connectTransport(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer t.Shutdown(context.WithoutCancel(ctx))

	enc := json.NewEncoder(stdout)
	opts.OnDecodeError = func(de *iggy.DecodeError) error {
		return enc.Encode(lineOf(de.Delivery, de.Err))
	}
	return t.Replay(ctx, opts, func(d *iggy.Delivery) error {
		return enc.Encode(lineOf(d, nil))
	})
}

func lineOf(d *iggy.Delivery, decodeErr error) replayLine {
	l := replayLine{Topic: d.Topic, Partition: d.Partition, Offset: d.Offset, Timestamp: d.Timestamp.UTC(), Headers: d.Headers}
	if decodeErr != nil {
		l.Error = decodeErr.Error()
		return l
	}
	if b, err := events.JSON.Marshal(d.Envelope); err == nil {
		l.Envelope = b
	} else {
		l.Error = err.Error()
	}
	return l
}

// connectTransport opens the transport the configuration describes.
func connectTransport(ctx context.Context, o commonOptions, stderr io.Writer) (*iggy.Transport, error) {
	cfg, err := o.load()
	if err != nil {
		return nil, err
	}
	logger := o.logger(io.Discard)
	if o.verbose {
		logger = o.logger(stderr)
	}
	t, err := iggy.NewTransport(ctx, cfg.Events.Iggy, iggy.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("start transport: %w", err)
	}
	return t, nil
}

// runDLQ lists and retries the dead-letter topic.
//
//	iggyflow dlq list [range flags]          print parked messages as JSON lines
//	iggyflow dlq retry [-limit N] [-type T]  re-publish parked messages to their topic
func runDLQ(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		fmt.Fprintln(stderr, "usage: iggyflow dlq list|retry [flags]")
		return errUsage
	}
	sub, args := args[0], args[1:]

	var o commonOptions
	var rf replayFlags
	fs := newFlagSet("dlq "+sub, stderr)
	o.register(fs)
	if sub == "list" {
		rf.register(fs)
	}
	limit := 0
	var types string
	if sub == "retry" {
		fs.IntVar(&limit, "limit", 0, "most entries to retry; 0 retries all")
		fs.StringVar(&types, "type", "", "comma-separated event types to retry; empty retries every type")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if sub == "list" {
		return replayTopic(ctx, o, rf, iggy.TopicDLQ, stdout, stderr)
	}
	if limit < 0 {
		fmt.Fprintln(stderr, "-limit must not be negative")
		return errUsage
	}

	t, err := connectTransport(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer t.Shutdown(context.WithoutCancel(ctx))
	opts := iggy.RetryOptions{Limit: limit}
	if types != "" {
		opts.EventTypes = strings.Split(types, ",")
	}
	n, err := t.RetryFromDLQ(ctx, opts)
	if err != nil {
		return fmt.Errorf("retry from dlq: %w", err)
	}
	fmt.Fprintf(stdout, "retried=%d\n", n)
	return nil
}
