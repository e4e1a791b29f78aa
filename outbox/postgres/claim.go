package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/iggyflow/iggyflow/outbox"
)

// candidate is a row locked by step 1 of a claim.
type candidate struct {
	id     uuid.UUID
	seq    int64
	tenant uuid.UUID
}

// Claim leases up to limit due pending rows to worker for lease, in one
// short transaction (see the package doc for the three steps). With the
// tenant rule on, no row is claimed while another worker holds a live
// lease on a row of its tenant or while an earlier row of its tenant is
// pending and not claimable. A claim that loses every row to a racing
// claim is tried again, up to three times, before coming back empty.
func (s *Store) Claim(ctx context.Context, worker string, limit int, lease time.Duration) (outbox.Claim, error) {
	if worker == "" || limit <= 0 || lease <= 0 {
		return outbox.Claim{}, fmt.Errorf("outbox/postgres: claim: need a worker, limit > 0 and lease > 0 (got %q, %d, %s)",
			worker, limit, lease)
	}
	if !s.cfg.ordered {
		return s.claimUnordered(ctx, worker, limit, lease)
	}

	for attempt := 1; ; attempt++ {
		c, contended, err := s.claimOrdered(ctx, worker, limit, lease)
		if err != nil || len(c.Records) > 0 || !contended || attempt >= s.cfg.claimAttempts {
			return c, err
		}
	}
}

// claimOrdered runs one claim transaction. contended reports that rows
// were locked but all of them were dropped by the prefix check.
func (s *Store) claimOrdered(ctx context.Context, worker string, limit int, lease time.Duration) (outbox.Claim, bool, error) {
	empty := outbox.Claim{Worker: worker}
	now := s.now()

	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return empty, false, fmt.Errorf("outbox/postgres: claim: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()

	cands, err := s.lockCandidates(ctx, tx, now, limit)
	if err != nil || len(cands) == 0 {
		return empty, false, err
	}

	keep, err := s.checkPrefixes(ctx, tx, now, cands)
	if err != nil {
		return empty, false, err
	}
	if len(keep) == 0 {
		return empty, true, nil
	}

	c, err := s.lease(ctx, tx, worker, now, lease, keep)
	if err != nil {
		return empty, false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return empty, false, fmt.Errorf("outbox/postgres: claim: commit: %w", err)
	}
	return c, false, nil
}

// lockCandidates is step 1: lock due rows of tenants that are not busy.
func (s *Store) lockCandidates(ctx context.Context, tx pgx.Tx, now time.Time, limit int) ([]candidate, error) {
	rows, err := tx.Query(ctx, s.q.lockOrdered, now, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: claim: lock candidates: %w", err)
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (candidate, error) {
		var c candidate
		err := r.Scan(&c.id, &c.seq, &c.tenant)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: claim: lock candidates: %w", err)
	}
	return cands, nil
}

// checkPrefixes is step 2: with a snapshot taken after our locks are
// held, keep for each tenant only the rows before its first pending row
// that we do not hold, and drop tenants another worker has leased.
func (s *Store) checkPrefixes(ctx context.Context, tx pgx.Tx, now time.Time, cands []candidate) ([]candidate, error) {
	held := make(map[int64]bool, len(cands))
	count := map[uuid.UUID]int64{}
	var tenants []uuid.UUID
	for _, c := range cands {
		held[c.seq] = true
		if count[c.tenant] == 0 {
			tenants = append(tenants, c.tenant)
		}
		count[c.tenant]++
	}
	counts := make([]int64, len(tenants))
	for i, t := range tenants {
		counts[i] = count[t]
	}

	cut, err := s.prefixCuts(ctx, tx, now, tenants, counts, held)
	if err != nil {
		return nil, err
	}

	keep := cands[:0:0]
	for _, c := range cands {
		if limit, ok := cut[c.tenant]; !ok || c.seq < limit {
			keep = append(keep, c)
		}
	}
	return keep, nil
}

// prefixCuts returns, per tenant that must be cut, the seq from which its
// rows are dropped: its first pending row not held, or 0 (drop all) when
// another worker has a live lease on the tenant.
func (s *Store) prefixCuts(ctx context.Context, tx pgx.Tx, now time.Time, tenants []uuid.UUID,
	counts []int64, held map[int64]bool) (map[uuid.UUID]int64, error) {
	rows, err := tx.Query(ctx, s.q.prefix, tenants, counts, now)
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: claim: check prefixes: %w", err)
	}
	defer rows.Close()

	cut := map[uuid.UUID]int64{}
	for rows.Next() {
		var (
			tenant uuid.UUID
			leased bool
			seq    int64
		)
		if err := rows.Scan(&tenant, &leased, &seq); err != nil {
			return nil, fmt.Errorf("outbox/postgres: claim: check prefixes: %w", err)
		}
		// The rows of a tenant need not arrive in seq order: keep the
		// lowest one not held. A live lease elsewhere drops the tenant.
		cur, seen := cut[tenant]
		switch {
		case leased:
			cut[tenant] = 0
		case !held[seq] && (!seen || seq < cur):
			cut[tenant] = seq
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox/postgres: claim: check prefixes: %w", err)
	}
	return cut, nil
}

// lease is step 3: lease the kept rows under a new token.
func (s *Store) lease(ctx context.Context, tx pgx.Tx, worker string, now time.Time, lease time.Duration,
	keep []candidate) (outbox.Claim, error) {
	ids := make([]uuid.UUID, len(keep))
	for i, c := range keep {
		ids[i] = c.id
	}

	rows, err := tx.Query(ctx, s.q.lease, worker, now, now.Add(lease), ids)
	if err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/postgres: claim: lease rows: %w", err)
	}
	return collectClaim(rows, worker)
}

// claimUnordered claims without the tenant rule in one statement.
func (s *Store) claimUnordered(ctx context.Context, worker string, limit int, lease time.Duration) (outbox.Claim, error) {
	now := s.now()
	rows, err := s.pool.Query(ctx, s.q.claimFree, worker, now, now.Add(lease), limit)
	if err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/postgres: claim: %w", err)
	}
	return collectClaim(rows, worker)
}

// collectClaim reads leased rows into a Claim sorted by seq.
func collectClaim(rows pgx.Rows, worker string) (outbox.Claim, error) {
	recs, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/postgres: claim: read rows: %w", err)
	}

	c := outbox.Claim{Worker: worker, Records: recs}
	if len(recs) == 0 {
		return c, nil
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
	c.Token = recs[0].ClaimToken
	for _, r := range recs {
		if r.ClaimToken != c.Token {
			return outbox.Claim{}, errors.New("outbox/postgres: claim: rows leased under different tokens")
		}
	}
	return c, nil
}
