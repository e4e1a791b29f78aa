package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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
	seed := rand.Int64()
	cands, err := s.beginAndSelect(ctx, conn, now, limit, seed)
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
		cands, err = s.selectCandidates(ctx, conn, now, limit, skip, seed)
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

// beginAndSelect opens the transaction and runs step 1.
func (s *Store) beginAndSelect(ctx context.Context, conn *pgxpool.Conn, now time.Time, limit int,
	seed int64) ([]candidate, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
	b.Queue(s.q.candidates, now, limit, []uuid.UUID{}, seed)
	br := conn.SendBatch(ctx, b)
	defer br.Close()

	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("outbox/postgres: claim: begin: %w", err)
	}
	return collectCandidates(br, "select candidates")
}

// selectCandidates runs step 1 again, leaving out the tenants in skip.
func (s *Store) selectCandidates(ctx context.Context, conn *pgxpool.Conn, now time.Time, limit int,
	skip []uuid.UUID, seed int64) ([]candidate, error) {
	b := &pgx.Batch{}
	b.Queue(s.q.candidates, now, limit, skip, seed)
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
