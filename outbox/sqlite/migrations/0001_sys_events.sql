-- sys_events holds one row per event written by Bus.PublishInTx, in the
-- same transaction as the application's own writes.
--
-- Columns beyond the design's list, and why each is there:
--
--   seq          INTEGER PRIMARY KEY AUTOINCREMENT. SQLite lets one writer
--                hold the database at a time, from the first write of a
--                transaction to its commit, so rowids are handed out in
--                commit order. AUTOINCREMENT stops SQLite from reusing the
--                largest rowid after DeleteDispatched removes it, which
--                keeps seq monotonic for the life of the file. The relay
--                publishes a tenant's events in seq order. Because seq is
--                the rowid, the event id is the logical primary key and is
--                enforced by the unique index sys_events_id instead.
--   tenant_id    the partition key. Claim never hands out a row while an
--                earlier pending row of the same tenant is leased or
--                waiting for its retry, which keeps per-tenant order.
--   claim_token  the fencing token of the lease that holds the row, taken
--                from sys_event_claim_tokens. Mark* statements match on it,
--                so a worker whose lease expired and was taken over cannot
--                change the row any more.
--   lease_until  when the current lease ends; after it the row may be
--                claimed again by another worker.
--
-- All times are UTC unix microseconds, so comparisons are exact integer
-- comparisons and do not depend on text formats.
CREATE TABLE sys_events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL,
    tenant_id       TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    payload         BLOB    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'dispatched', 'failed')),
    retry_count     INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    claimed_by      TEXT,
    claimed_at      INTEGER,
    claim_token     INTEGER,
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL,
    dispatched_at   INTEGER
);

-- The event id is unique. The index is named so that updates by id can
-- insist on it (INDEXED BY): with bound parameters SQLite's planner may
-- otherwise prefer the status index and scan every pending row.
CREATE UNIQUE INDEX sys_events_id ON sys_events (id);

-- Due rows by state, for operators and the backlog statistics.
CREATE INDEX sys_events_status_next ON sys_events (status, next_attempt_at);

-- Rows by claim time, to find stale claims.
CREATE INDEX sys_events_claimed_at ON sys_events (claimed_at);

-- The per-tenant order check looks for earlier pending rows of a tenant.
-- The index is partial so that dispatched rows, which are most of the
-- table, cost nothing in that check.
CREATE INDEX sys_events_tenant_seq ON sys_events (tenant_id, seq)
    WHERE status = 'pending';

-- Claim walks pending rows in seq order and stops after the batch limit;
-- this partial index lets it do so without sorting the backlog.
CREATE INDEX sys_events_pending_seq ON sys_events (seq)
    WHERE status = 'pending';

-- A single row holding the last fencing token handed out. Tokens only
-- grow and survive restarts, so an old worker's token is always smaller
-- than any later claim's.
CREATE TABLE sys_event_claim_tokens (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
);

INSERT INTO sys_event_claim_tokens (id, last) VALUES (1, 0);
