package postgres

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

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
