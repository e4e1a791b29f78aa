package postgres

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The SQL below names tables through placeholders that names.expand
// replaces with identifiers qualified by the configured schema.
const (
	recordColumns = `id, seq, tenant_id, event_type, schema_version, payload, status,
		retry_count, next_attempt_at, last_error, created_at, dispatched_at,
		claimed_by, claimed_at, lease_until, claim_token`

	insertSQL = `INSERT INTO {events} (id, tenant_id, event_type, schema_version, payload,
		status, retry_count, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

	// insertNotifySQL inserts and notifies in one round trip.
	insertNotifySQL = `WITH ins AS (` + insertSQL + ` RETURNING 1)
		SELECT pg_notify($10, '') FROM ins`

	// busyCTE names the tenants a claim must leave alone ($1 now): with a
	// row under a live lease (leased), or with a row waiting for a retry
	// (cut: their rows from that seq on wait too). It reads the rows in
	// the claimed_at index and the pending rows not yet due.
	busyCTE = `busy AS MATERIALIZED (
			SELECT tenant_id, min(seq) AS cut,
				coalesce(bool_or(claimed_at IS NOT NULL AND lease_until > $1), false) AS leased
			FROM {events}
			WHERE status = 'pending'
				AND (next_attempt_at > $1 OR (claimed_at IS NOT NULL AND lease_until > $1))
			GROUP BY tenant_id
		)`

	// candidatesSQL is step 1 of an ordered claim ($1 now, $2 limit, $3
	// tenants to leave out, $4 seed): the tenants of the $2 oldest
	// claimable rows, in the order of a hash seeded per claim, and for
	// each its claimable prefix, until $2 rows. It locks nothing; the
	// incremental sort on (pick, seq) stops after the tenants it needs.
	candidatesSQL = `WITH ` + busyCTE + `
		SELECT p.id, p.seq, p.tenant_id
		FROM (
			SELECT h.tenant_id, hashtextextended(h.tenant_id::text, $4) AS pick FROM (
				SELECT e.tenant_id, e.seq FROM {events} e
				WHERE e.status = 'pending' AND e.next_attempt_at <= $1
					AND (e.lease_until IS NULL OR e.lease_until <= $1)
					AND NOT EXISTS (SELECT 1 FROM busy b WHERE b.tenant_id = e.tenant_id
						AND (b.leased OR b.cut < e.seq))
					AND e.tenant_id <> ALL($3::uuid[])
				ORDER BY e.seq LIMIT $2
			) h GROUP BY h.tenant_id ORDER BY 2
		) t
		CROSS JOIN LATERAL (
			SELECT e.id, e.seq, e.tenant_id FROM {events} e
			WHERE e.tenant_id = t.tenant_id AND e.status = 'pending' AND e.next_attempt_at <= $1
				AND (e.lease_until IS NULL OR e.lease_until <= $1)
				AND e.seq < coalesce((SELECT b.cut FROM busy b WHERE b.tenant_id = t.tenant_id),
					9223372036854775807)
			ORDER BY e.seq LIMIT $2
		) p
		ORDER BY t.pick, p.seq
		LIMIT $2`

	// lockSQL locks the candidates ($1 ids) that are still claimable ($2
	// now), skipping those a concurrent claim holds.
	lockSQL = `SELECT id, seq, tenant_id FROM {events}
		WHERE id = ANY($1) AND status = 'pending' AND next_attempt_at <= $2
			AND (lease_until IS NULL OR lease_until <= $2)
		ORDER BY seq
		FOR UPDATE SKIP LOCKED`

	// waitSQL waits, for at most lock_timeout, until the claim holding the
	// row $1 ends.
	waitSQL = `SELECT 1 FROM {events} WHERE id = $1 FOR KEY SHARE`

	// prefixSQL is step 2 of an ordered claim: for each candidate tenant
	// ($1 tenants, $2 candidates of each), whether another worker has a
	// live lease on it ($3 now) and its first candidates+1 pending rows.
	prefixSQL = `WITH live AS MATERIALIZED (
			SELECT DISTINCT tenant_id FROM {events}
			WHERE status = 'pending' AND claimed_at IS NOT NULL AND lease_until > $3
		)
		SELECT t.tenant_id, EXISTS (SELECT 1 FROM live l WHERE l.tenant_id = t.tenant_id), f.seq
		FROM unnest($1::uuid[], $2::int8[]) AS t(tenant_id, n)
		CROSS JOIN LATERAL (
			SELECT e.seq FROM {events} e
			WHERE e.tenant_id = t.tenant_id AND e.status = 'pending'
			ORDER BY e.seq LIMIT t.n + 1
		) AS f`

	// leaseSQL is step 3: lease the kept rows under a new token.
	leaseSQL = `UPDATE {events} SET claimed_by = $1, claimed_at = $2, lease_until = $3,
			claim_token = (SELECT nextval('{tokens}'))
		WHERE id = ANY($4)
		RETURNING ` + recordColumns

	// claimUnorderedSQL claims without the tenant rule in one statement.
	claimUnorderedSQL = `UPDATE {events} SET claimed_by = $1, claimed_at = $2, lease_until = $3,
			claim_token = (SELECT nextval('{tokens}'))
		WHERE id IN (
			SELECT id FROM {events}
			WHERE status = 'pending' AND next_attempt_at <= $2
				AND (lease_until IS NULL OR lease_until <= $2)
			ORDER BY seq LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING ` + recordColumns

	markDispatchedSQL = `UPDATE {events} SET status = 'dispatched', dispatched_at = $1, lease_until = NULL
		WHERE id = ANY($2) AND claim_token = $3 AND status = 'pending'`

	markRetrySQL = `UPDATE {events} SET retry_count = $1, next_attempt_at = $2, last_error = $3,
			claimed_by = NULL, claimed_at = NULL, lease_until = NULL, claim_token = NULL
		WHERE id = $4 AND claim_token = $5 AND status = 'pending'`

	markFailedSQL = `UPDATE {events} SET status = 'failed', retry_count = $1, last_error = $2, lease_until = NULL
		WHERE id = $3 AND claim_token = $4 AND status = 'pending'`

	releaseSQL = `UPDATE {events}
		SET claimed_by = NULL, claimed_at = NULL, lease_until = NULL, claim_token = NULL
		WHERE claim_token = $1 AND status = 'pending'`

	requeueSQL = `UPDATE {events} SET status = 'pending', retry_count = 0, next_attempt_at = $1,
			claimed_by = NULL, claimed_at = NULL, lease_until = NULL, claim_token = NULL
		WHERE id = ANY($2) AND status = 'failed'`

	failedSQL = `SELECT ` + recordColumns + ` FROM {events}
		WHERE status = 'failed' ORDER BY seq LIMIT $1`

	getSQL = `SELECT ` + recordColumns + ` FROM {events} WHERE id = $1`

	deleteDispatchedSQL = `DELETE FROM {events} WHERE id IN (
			SELECT id FROM {events}
			WHERE status = 'dispatched' AND dispatched_at < $1
			LIMIT $2)`

	statsSQL = `SELECT
			count(*) FILTER (WHERE status = 'pending'),
			count(*) FILTER (WHERE status = 'failed'),
			count(*) FILTER (WHERE status = 'dispatched'),
			min(created_at) FILTER (WHERE status = 'pending')
		FROM {events}`
)

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// names holds the identifiers of the store's objects in one schema.
type names struct {
	schema   string
	replacer *strings.Replacer
}

func newNames(schema string) (names, error) {
	if schema != "" && !schemaName.MatchString(schema) {
		return names{}, fmt.Errorf("outbox/postgres: schema name %q: want [a-z_][a-z0-9_]*", schema)
	}

	ident := func(name string) string {
		if schema == "" {
			return pgx.Identifier{name}.Sanitize()
		}
		return pgx.Identifier{schema, name}.Sanitize()
	}
	r := strings.NewReplacer(
		"{events_idx}", "sys_events",
		"{events}", ident("sys_events"),
		"{tokens}", ident("sys_event_claim_tokens"),
		"{migrations}", ident("iggyflow_schema_migrations"),
	)
	return names{schema: schema, replacer: r}, nil
}

func (n names) expand(sql string) string { return n.replacer.Replace(sql) }

// queries is the SQL of one store with its names filled in.
type queries struct {
	insert, insertNotify                   string
	candidates, lock, wait, prefix         string
	lease, claimFree                       string
	markDispatched, markRetry, markFailed  string
	release, requeue, failed, get          string
	deleteDispatched, stats, migrationsDDL string
}

func buildQueries(n names) queries {
	return queries{
		insert:           n.expand(insertSQL),
		insertNotify:     n.expand(insertNotifySQL),
		candidates:       n.expand(candidatesSQL),
		lock:             n.expand(lockSQL),
		wait:             n.expand(waitSQL),
		prefix:           n.expand(prefixSQL),
		lease:            n.expand(leaseSQL),
		claimFree:        n.expand(claimUnorderedSQL),
		markDispatched:   n.expand(markDispatchedSQL),
		markRetry:        n.expand(markRetrySQL),
		markFailed:       n.expand(markFailedSQL),
		release:          n.expand(releaseSQL),
		requeue:          n.expand(requeueSQL),
		failed:           n.expand(failedSQL),
		get:              n.expand(getSQL),
		deleteDispatched: n.expand(deleteDispatchedSQL),
		stats:            n.expand(statsSQL),
		migrationsDDL:    n.expand(migrationsDDLSQL),
	}
}
