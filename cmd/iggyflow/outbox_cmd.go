package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
)

// runOutbox is the operator's view of the outbox table.
//
//	iggyflow outbox status                 backlog per status and the oldest pending age
//	iggyflow outbox failed [-limit N]      parked rows with their last error
//	iggyflow outbox requeue ID... | -all   failed rows back to pending
//	iggyflow outbox purge -older-than D    delete dispatched rows older than D
func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usageLine = "usage: iggyflow outbox status|failed|requeue|purge [flags]"
	if len(args) == 0 {
		fmt.Fprintln(stderr, usageLine)
		return errUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, usageLine)
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]

	var o commonOptions
	fs := newFlagSet("outbox "+sub, stderr)
	o.register(fs)
	limit := fs.Int("limit", 100, "with failed and requeue -all: most rows to list or requeue")
	all := fs.Bool("all", false, "with requeue: requeue every failed row (up to -limit)")
	olderThan := fs.Duration("older-than", 0, "with purge: delete dispatched rows older than this")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *limit < 1 {
		fmt.Fprintln(stderr, "-limit must be at least 1")
		return errUsage
	}

	run, ok := map[string]func(context.Context, outboxStore) error{
		"status": func(ctx context.Context, s outboxStore) error { return outboxStatus(ctx, s, stdout) },
		"failed": func(ctx context.Context, s outboxStore) error { return outboxFailed(ctx, s, *limit, stdout) },
		"requeue": func(ctx context.Context, s outboxStore) error {
			return outboxRequeue(ctx, s, fs.Args(), *all, *limit, stdout)
		},
		"purge": func(ctx context.Context, s outboxStore) error { return outboxPurge(ctx, s, *olderThan, stdout) },
	}[sub]
	if !ok {
		fmt.Fprintf(stderr, "unknown outbox command %q: want status, failed, requeue or purge\n", sub)
		return errUsage
	}
	if sub != "requeue" && fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %v\n", fs.Args())
		return errUsage
	}
	if sub == "purge" && *olderThan <= 0 {
		fmt.Fprintln(stderr, "purge needs -older-than with a positive duration, e.g. -older-than 24h")
		return errUsage
	}

	cfg, err := o.load()
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg.Events.Outbox.DatabaseURL, true, o.logger(io.Discard))
	if err != nil {
		return fmt.Errorf("open outbox: %w", err)
	}
	defer store.Close()
	return run(ctx, store)
}

func outboxStatus(ctx context.Context, s outboxStore, w io.Writer) error {
	st, err := s.Stats(ctx)
	if err != nil {
		return fmt.Errorf("read backlog: %w", err)
	}
	fmt.Fprintf(w, "pending=%d failed=%d dispatched=%d oldest_pending=%s\n",
		st.Pending, st.Failed, st.Dispatched, st.OldestPending.Round(time.Millisecond))
	return nil
}

func outboxFailed(ctx context.Context, s outboxStore, limit int, w io.Writer) error {
	recs, err := s.Failed(ctx, limit)
	if err != nil {
		return fmt.Errorf("list failed rows: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTENANT\tTYPE\tATTEMPTS\tCREATED\tLAST ERROR")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.TenantID, r.EventType, r.RetryCount,
			r.CreatedAt.UTC().Format(time.RFC3339), r.LastError)
	}
	return tw.Flush()
}

func outboxRequeue(ctx context.Context, s outboxStore, args []string, all bool, limit int, w io.Writer) error {
	if all == (len(args) > 0) {
		return fmt.Errorf("requeue takes either event ids or -all")
	}
	var ids []uuid.UUID
	for _, a := range args {
		id, err := uuid.Parse(a)
		if err != nil {
			return fmt.Errorf("event id %q: %w", a, err)
		}
		ids = append(ids, id)
	}
	if all {
		recs, err := s.Failed(ctx, limit)
		if err != nil {
			return fmt.Errorf("list failed rows: %w", err)
		}
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		fmt.Fprintln(w, "requeued=0")
		return nil
	}
	n, err := s.Requeue(ctx, ids...)
	if err != nil {
		return fmt.Errorf("requeue: %w", err)
	}
	fmt.Fprintf(w, "requeued=%d\n", n)
	return nil
}

func outboxPurge(ctx context.Context, s outboxStore, olderThan time.Duration, w io.Writer) error {
	n, err := s.DeleteDispatched(ctx, time.Now().Add(-olderThan))
	if err != nil {
		return fmt.Errorf("delete dispatched rows: %w", err)
	}
	fmt.Fprintf(w, "deleted=%d\n", n)
	return nil
}
