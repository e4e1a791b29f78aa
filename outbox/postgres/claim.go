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

// maxClaim caps one claim, so that its transaction and arrays stay small.
const maxClaim = 10000

// Claim leases up to limit (at most 10,000) due pending rows to worker
// for lease, in one short transaction; the package doc describes its
// steps. With the tenant rule on, no row is claimed while another worker
// holds a live lease on a row of its tenant or while an earlier row of
// its tenant is pending and not claimable. A claim that loses its rows to
// racing claims selects other tenants or waits for the racing claim (at
// most three rounds of each) before coming back empty.
func (s *Store) Claim(ctx context.Context, worker string, limit int, lease time.Duration) (outbox.Claim, error) {
	if worker == "" || limit <= 0 || lease <= 0 {
		return outbox.Claim{}, fmt.Errorf("outbox/postgres: claim: need a worker, limit > 0 and lease > 0 (got %q, %d, %s)",
			worker, limit, lease)
	}
	limit = min(limit, maxClaim)
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
