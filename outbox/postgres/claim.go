package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/iggyflow/iggyflow/outbox"
)

// claimWaitSetting bounds how long a contended claim waits for the claim
// it lost to; claims are short, so the bound only matters if something
// else holds a row lock for long.
const claimWaitSetting = "SET LOCAL lock_timeout = '2s'"

// lockNotAvailable is the SQLSTATE of a lock_timeout expiry.
const lockNotAvailable = "55P03"

// candidate is a row found or locked by a claim.
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
		c, lost, err := s.claimOrdered(ctx, worker, limit, lease)
		if err != nil || len(c.Records) > 0 || !lost.contended || attempt >= s.cfg.claimAttempts {
			return c, err
		}
		if lost.waitFor != uuid.Nil {
			if err := s.waitForHolder(ctx, lost.waitFor); err != nil {
				return c, err
			}
		}
	}
}

// lostRace says why a claim came back empty although rows were due.
type lostRace struct {
	// contended: a racing claim held the rows this one wanted, so trying
	// again after it commits may find others.
	contended bool
	// waitFor is a row the racing claim holds; zero if none is known.
	waitFor uuid.UUID
}

// claimOrdered runs one claim transaction.
func (s *Store) claimOrdered(ctx context.Context, worker string, limit int, lease time.Duration) (outbox.Claim, lostRace, error) {
	empty := outbox.Claim{Worker: worker}
	now := s.now()

	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return empty, lostRace{}, fmt.Errorf("outbox/postgres: claim: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()

	cands, err := queryCandidates(ctx, tx, "select candidates", s.q.candidates, now, limit)
	if err != nil || len(cands) == 0 {
		return empty, lostRace{}, err
	}
	locked, err := queryCandidates(ctx, tx, "lock candidates", s.q.lock, candidateIDs(cands), now)
	if err != nil {
		return empty, lostRace{}, err
	}
	if len(locked) == 0 {
		return empty, lostRace{contended: true, waitFor: cands[0].id}, nil
	}

	keep, err := s.checkPrefixes(ctx, tx, now, locked)
	if err != nil {
		return empty, lostRace{}, err
	}
	if len(keep) == 0 {
		return empty, lostRace{contended: true}, nil
	}

	c, err := s.lease(ctx, tx, worker, now, lease, keep)
	if err != nil {
		return empty, lostRace{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return empty, lostRace{}, fmt.Errorf("outbox/postgres: claim: commit: %w", err)
	}
	return c, lostRace{}, nil
}

// queryCandidates runs a statement returning (id, seq, tenant_id) rows.
func queryCandidates(ctx context.Context, tx pgx.Tx, step, query string, args ...any) ([]candidate, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: claim: %s: %w", step, err)
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (candidate, error) {
		var c candidate
		err := r.Scan(&c.id, &c.seq, &c.tenant)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox/postgres: claim: %s: %w", step, err)
	}
	return cands, nil
}

func candidateIDs(cands []candidate) []uuid.UUID {
	out := make([]uuid.UUID, len(cands))
	for i, c := range cands {
		out[i] = c.id
	}
	return out
}

// waitForHolder blocks until the claim that locked row id ends, for at
// most the lock_timeout of claimWaitSetting, so that the next attempt
// sees that claim's leases; polling instead would either spin or sleep
// longer than needed. It runs in a transaction of its own, after the
// claim's has rolled back: a FOR UPDATE that skips or drops rows may
// still hold locks on rows a concurrent claim committed, and waiting
// while holding them could close a cycle with that claim's
// MarkDispatched. FOR KEY SHARE conflicts with the claim's FOR UPDATE
// but not with the updates that follow, so the wait itself blocks no one.
func (s *Store) waitForHolder(ctx context.Context, id uuid.UUID) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, claimWaitSetting); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s.q.wait, id)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == lockNotAvailable {
		return nil
	}
	if err != nil {
		return fmt.Errorf("outbox/postgres: claim: wait for concurrent claim: %w", err)
	}
	return nil
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
