package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/iggyflow/iggyflow/outbox"
)

// claimOrdered runs one claim transaction, each step a pipelined batch
// of statements (one round trip):
//
//	BEGIN; select candidates            (no locks)
//	lock candidates; check prefixes     (the check gets its own snapshot,
//	                                     taken after the locks are held)
//	lease kept rows; COMMIT
//
// When racing claims hold every candidate, it selects again in the same
// transaction leaving out the tenants it lost, up to claimAttempts times,
// and otherwise reports a row to wait for.
func (s *Store) claimOrdered(ctx context.Context, worker string, limit int, lease time.Duration) (outbox.Claim, lostRace, error) {
	empty := outbox.Claim{Worker: worker}
	now := s.now()

	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return empty, lostRace{}, fmt.Errorf("outbox/postgres: claim: acquire connection: %w", err)
	}
	defer conn.Release()
	committed := false
	defer func() {
		if !committed {
			rollback(conn)
		}
	}()

	var (
		skip []uuid.UUID
		lost lostRace
	)
	cands, err := s.beginAndSelect(ctx, conn, now, limit)
	for attempt := 1; err == nil && len(cands) > 0; attempt++ {
		var keep []candidate
		keep, lost, err = s.lockAndKeep(ctx, conn, now, cands)
		if err != nil {
			return empty, lostRace{}, err
		}
		if len(keep) > 0 {
			c, cerr := s.leaseAndCommit(ctx, conn, worker, now, lease, keep)
			committed = cerr == nil
			return c, lostRace{}, cerr
		}
		if attempt >= s.cfg.claimAttempts {
			return empty, lost, nil
		}

		skip = appendTenants(skip, cands)
		cands, err = s.selectCandidates(ctx, conn, now, limit, skip)
	}
	return empty, lost, err
}

// lockAndKeep locks what it can of cands and keeps the rows the prefix
// check allows. With nothing kept, lost tells what the racing claim
// holds.
func (s *Store) lockAndKeep(ctx context.Context, conn *pgxpool.Conn, now time.Time,
	cands []candidate) ([]candidate, lostRace, error) {
	locked, cut, err := s.lockAndCheck(ctx, conn, now, cands)
	if err != nil {
		return nil, lostRace{}, err
	}

	var keep []candidate
	for _, c := range locked {
		if limit, ok := cut[c.tenant]; !ok || c.seq < limit {
			keep = append(keep, c)
		}
	}
	if len(keep) > 0 {
		return keep, lostRace{}, nil
	}

	lost := lostRace{contended: true}
	if len(locked) < len(cands) {
		lost.waitFor = firstNotLocked(cands, locked)
	}
	return nil, lost, nil
}

func firstNotLocked(cands, locked []candidate) uuid.UUID {
	have := make(map[uuid.UUID]bool, len(locked))
	for _, c := range locked {
		have[c.id] = true
	}
	for _, c := range cands {
		if !have[c.id] {
			return c.id
		}
	}
	return uuid.Nil
}

// appendTenants adds the tenants of cands to list.
func appendTenants(list []uuid.UUID, cands []candidate) []uuid.UUID {
	tenants, _ := tenantCounts(cands)
	return append(list, tenants...)
}

// rollback ends whatever transaction conn has open. If it cannot, the
// pool discards the connection on release, since it is not idle.
func rollback(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = conn.Exec(ctx, "ROLLBACK")
}

// beginAndSelect opens the transaction and runs step 1.
func (s *Store) beginAndSelect(ctx context.Context, conn *pgxpool.Conn, now time.Time, limit int) ([]candidate, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
	b.Queue(s.q.candidates, now, limit, []uuid.UUID{})
	br := conn.SendBatch(ctx, b)
	defer br.Close()

	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("outbox/postgres: claim: begin: %w", err)
	}
	return collectCandidates(br, "select candidates")
}

// selectCandidates runs step 1 again, leaving out the tenants in skip.
func (s *Store) selectCandidates(ctx context.Context, conn *pgxpool.Conn, now time.Time, limit int,
	skip []uuid.UUID) ([]candidate, error) {
	b := &pgx.Batch{}
	b.Queue(s.q.candidates, now, limit, skip)
	br := conn.SendBatch(ctx, b)
	defer br.Close()
	return collectCandidates(br, "select candidates")
}

// lockAndCheck locks what it can of cands and, in the same round trip,
// reads for each candidate tenant whether another worker holds a live
// lease on it and its first pending rows (one more than it has
// candidates: enough to find the first row not held). It returns the
// locked rows and, per tenant to cut, the seq from which its rows are
// dropped (0: all of them).
func (s *Store) lockAndCheck(ctx context.Context, conn *pgxpool.Conn, now time.Time,
	cands []candidate) ([]candidate, map[uuid.UUID]int64, error) {
	tenants, counts := tenantCounts(cands)
	b := &pgx.Batch{}
	b.Queue(s.q.lock, candidateIDs(cands), now)
	b.Queue(s.q.prefix, tenants, counts, now)
	br := conn.SendBatch(ctx, b)
	defer br.Close()

	locked, err := collectCandidates(br, "lock candidates")
	if err != nil {
		return nil, nil, err
	}
	held := make(map[int64]bool, len(locked))
	for _, c := range locked {
		held[c.seq] = true
	}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, fmt.Errorf("outbox/postgres: claim: check prefixes: %w", err)
	}
	cut, err := prefixCuts(rows, held)
	if err != nil {
		return nil, nil, err
	}
	return locked, cut, nil
}

// tenantCounts lists the tenants of cands in order of first appearance,
// with how many candidates each has.
func tenantCounts(cands []candidate) ([]uuid.UUID, []int64) {
	index := map[uuid.UUID]int{}
	var tenants []uuid.UUID
	var counts []int64
	for _, c := range cands {
		i, ok := index[c.tenant]
		if !ok {
			i = len(tenants)
			index[c.tenant] = i
			tenants = append(tenants, c.tenant)
			counts = append(counts, 0)
		}
		counts[i]++
	}
	return tenants, counts
}

// prefixCuts reads the prefix check: per tenant, the seq of its first
// pending row that this claim does not hold, or 0 when another worker has
// a live lease on the tenant. Tenants without an entry keep all their
// rows.
func prefixCuts(rows pgx.Rows, held map[int64]bool) (map[uuid.UUID]int64, error) {
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

// leaseAndCommit leases the kept rows under a new token and commits.
func (s *Store) leaseAndCommit(ctx context.Context, conn *pgxpool.Conn, worker string, now time.Time,
	lease time.Duration, keep []candidate) (outbox.Claim, error) {
	b := &pgx.Batch{}
	b.Queue(s.q.lease, worker, now, now.Add(lease), candidateIDs(keep))
	b.Queue("COMMIT")
	br := conn.SendBatch(ctx, b)
	defer br.Close()

	rows, err := br.Query()
	if err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/postgres: claim: lease rows: %w", err)
	}
	c, err := collectClaim(rows, worker)
	if err != nil {
		return outbox.Claim{}, err
	}
	if _, err := br.Exec(); err != nil {
		return outbox.Claim{}, fmt.Errorf("outbox/postgres: claim: commit: %w", err)
	}
	return c, nil
}

// collectCandidates reads the next batch result as (id, seq, tenant_id)
// rows.
func collectCandidates(br pgx.BatchResults, step string) ([]candidate, error) {
	rows, err := br.Query()
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
