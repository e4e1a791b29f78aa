package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/iggyflow/iggyflow/outbox"
)

// nextTokenSQL hands out the next fencing token. It runs inside the claim
// transaction, so a claim that finds no rows rolls the increment back.
const nextTokenSQL = `UPDATE sys_event_claim_tokens SET last = last + 1 WHERE id = 1 RETURNING last`

// claimSQL leases the first due rows in seq order. A row is due when it is
// pending, its next attempt time has come and it has no live lease. A due
// row is still skipped when an earlier pending row of its tenant is not
// due (waiting for a retry, or leased to a worker): publishing it would
// overtake that row.
const claimSQL = `UPDATE sys_events
	SET claimed_by = :worker, claimed_at = :now, lease_until = :lease_until, claim_token = :token
	WHERE seq IN (
		SELECT e.seq FROM sys_events e INDEXED BY sys_events_pending_seq
		WHERE e.status = 'pending'
		  AND e.next_attempt_at <= :now
		  AND (e.lease_until IS NULL OR e.lease_until <= :now)
		  AND NOT EXISTS (
			SELECT 1 FROM sys_events p
			WHERE p.tenant_id = e.tenant_id
			  AND p.status = 'pending'
			  AND p.seq < e.seq
			  AND (p.next_attempt_at > :now OR p.lease_until > :now))
		ORDER BY e.seq
		LIMIT :limit)
	RETURNING ` + recordColumns

// maxClaim bounds one claim so that a single transaction stays short.
const maxClaim = 10000

// Claim leases up to limit due rows to worker for lease, in one BEGIN
// IMMEDIATE transaction, under a new fencing token. Records are sorted by
// Seq. limit is capped at 10,000.
func (s *Store) Claim(ctx context.Context, worker string, limit int, lease time.Duration) (outbox.Claim, error) {
	if err := checkClaim(worker, limit, lease); err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/sqlite: claim: %w", err)
	}
	limit = min(limit, maxClaim)

	tx, err := s.BeginTx(ctx, nil)
	if err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/sqlite: claim: %w", err)
	}
	defer tx.Rollback()

	var token int64
	if err := tx.QueryRowContext(ctx, nextTokenSQL).Scan(&token); err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/sqlite: claim: next token: %w", err)
	}

	now := micros(s.now())
	rows, err := tx.QueryContext(ctx, claimSQL,
		sql.Named("worker", worker), sql.Named("now", now),
		sql.Named("lease_until", now+lease.Microseconds()),
		sql.Named("token", token), sql.Named("limit", limit))
	if err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/sqlite: claim: %w", err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/sqlite: claim: read rows: %w", err)
	}
	if len(recs) == 0 {
		return outbox.Claim{Worker: worker}, nil
	}

	if err := tx.Commit(); err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/sqlite: claim: commit: %w", err)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
	return outbox.Claim{Worker: worker, Token: token, Records: recs}, nil
}

func checkClaim(worker string, limit int, lease time.Duration) error {
	switch {
	case worker == "":
		return errors.New("empty worker id")
	case limit <= 0:
		return fmt.Errorf("limit %d is not positive", limit)
	case lease <= 0:
		return fmt.Errorf("lease %s is not positive", lease)
	}
	return nil
}
