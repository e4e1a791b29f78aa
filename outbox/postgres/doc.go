// Package postgres is the PostgreSQL outbox store: sys_events rows written
// in the caller's transaction and claimed by any number of relay workers,
// in one or many processes, without two workers ever holding events of
// the same tenant at once.
//
// # Wiring
//
//	store, err := postgres.Open(ctx, "postgres://user@127.0.0.1:5432/app")
//	db := store.DB()                  // *sql.DB on the store's pgx pool
//	tx, _ := db.BeginTx(ctx, nil)     // *sql.Tx is an outbox.Tx
//	bus.PublishInTx(ctx, tx, tenant, nil, event)
//
// A caller on pgx uses its own pgx.Tx through WrapTx; Insert then writes
// through pgx directly, without database/sql in between. FromPool puts the
// store on the application's own pgx pool instead of opening one. A
// relay process needs only Open, outbox.NewRelay and Run: the relay wakes
// on the store's notifications by itself (outbox.Notifier).
//
// # Table
//
//	sys_events
//	  seq            bigint identity   insertion order (not commit order)
//	  id             uuid  PK          the event id
//	  tenant_id      uuid              ordering and partition key
//	  event_type     text
//	  schema_version integer
//	  payload        bytea             the envelope, JSON; bytea so that a
//	                                   corrupt payload can be stored and
//	                                   then parked as a failed attempt
//	  status         text              pending | dispatched | failed
//	  retry_count    integer
//	  next_attempt_at timestamptz      due time of the next attempt
//	  last_error     text
//	  claimed_by     text              worker of the current or last lease
//	  claimed_at     timestamptz
//	  lease_until    timestamptz       the lease; expired = claimable again
//	  claim_token    bigint            fencing token of the lease
//	  created_at     timestamptz
//	  dispatched_at  timestamptz
//
//	indexes: (status, next_attempt_at);
//	         (claimed_at) over pending rows under a lease;
//	         (tenant_id, seq) and (seq) over pending rows
//
//	sys_event_claim_tokens   sequence, one fencing token per claim
//	iggyflow_schema_migrations(version, name, applied_at)
//
// Migrations are embedded and run by Open in one transaction that first
// takes pg_advisory_xact_lock on a key derived from the schema, so any
// number of processes may start at once: one applies, the others wait and
// then find the versions recorded. The version table is not called
// schema_migrations because the application's own migration tool often
// owns a table of that name in the same database.
//
// # Claiming with many workers
//
// A claim is one short READ COMMITTED transaction, committed before the
// relay publishes anything, sent as three pipelined round trips:
//
//  1. Select candidates (no locks). Leave out busy tenants: one with a
//     row under a live lease is left out whole, one with a row waiting
//     for a retry keeps only its rows before that row. (The busy tenants
//     come from one scan of the rows in the claimed_at index and of the
//     pending rows not yet due: a batch per worker plus the failing
//     rows.) Take the tenants of the oldest claimable rows (as many rows
//     as the limit), in an order drawn afresh for each claim, and for
//     each its whole claimable prefix, until the limit. Whole prefixes
//     let two workers take different tenants instead of interleaving the
//     same ones; the random order keeps racing claims from all reaching
//     for the same oldest tenant. The price is that the oldest tenant is
//     not always served first: each claim picks it with a chance of at
//     least (tenants it takes) / (tenants among the oldest rows).
//  2. Lock the candidates that are still claimable with FOR UPDATE SKIP
//     LOCKED and, in the same round trip but with a snapshot taken after
//     the locks are held, read for each candidate tenant whether another
//     worker has a live lease on it and its first pending rows in seq
//     order. A tenant keeps only the rows before its first pending row
//     that this claim does not hold, and none if another worker leases
//     it. SKIP LOCKED hides rows that a racing claim has locked but not
//     committed; this check is what keeps two racing claims from both
//     keeping rows of one tenant: each keeps only rows below the other's
//     lowest one.
//  3. Lease the kept rows (claimed_by, claimed_at, lease_until and a new
//     token from sys_event_claim_tokens) and COMMIT. Rows come back
//     sorted by seq.
//
// When racing claims hold every candidate, the claim selects again in the
// same transaction without the tenants it lost (up to three times), and
// failing that waits, in a transaction of its own and for at most 2 s,
// for the claim holding its first candidate to end, then starts over;
// it comes back empty only when there is nothing it may take.
//
// Mark* and Release update WHERE id = ... AND claim_token = ..., so a
// worker whose lease expired and was taken over changes nothing and gets
// outbox.ErrFenced.
//
// Cost of the tenant rule: the busy scan, the prefix check (about
// O(in-flight rows + candidates)) and three round trips per claim against
// one statement without the rule; claims that race for the same tenants
// redo step 1 or wait; and parallelism only across tenants: one tenant's
// backlog drains through one worker at a time. BenchmarkRelay measures it
// against WithTenantOrdering(false), which claims with a single UPDATE
// ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) and gives no
// ordering between workers.
//
// A deep backlog of one tenant that another worker leases is scanned past
// by every other claim (about 100 ms past 50,000 rows on a busy 2-core
// machine), since the claim scan walks pending rows in seq order.
//
// Every event costs three heap tuples (insert, lease, dispatch) and
// eleven index entries (four at insert, five at lease, two at dispatch);
// that write volume in PostgreSQL, not the Go side, bounds throughput.
//
// Seq comes from an identity sequence, drawn when the row is inserted, not
// when its transaction commits, so two concurrent transactions of one
// tenant may become visible out of seq order; the relay then publishes
// them in the order it sees them. Transactions that follow each other
// (the second starts after the first commits) always get increasing seq,
// so cause and effect stay in order.
//
// # Wake-ups
//
// Insert also runs pg_notify on the channel iggyflow_outbox with an empty
// payload; PostgreSQL delivers it when the transaction commits and folds
// the identical notifications of one transaction into one. Notify returns
// a channel fed by one dedicated connection that LISTENs and reconnects
// with backoff when it is lost (it signals once after every reconnect,
// since notifications sent while it was away are gone). The cost is on the
// committing side: PostgreSQL serialises the commits of notifying
// transactions on one queue lock. WithNotify(false) removes both; the
// relay then finds rows by polling alone.
//
// # Clock
//
// Lease and due times are computed in Go (WithClock, default time.Now,
// truncated to microseconds as PostgreSQL stores them) and compared in
// SQL, so the clocks of the relay processes must agree to well within the
// lease.
package postgres
