-- The outbox table: one row per event written in an application
-- transaction, until a relay has published it.
--
-- Beyond the columns every store shares:
--   seq          order of insertion; the relay publishes one tenant's
--                events in seq order.
--   tenant_id    the ordering and partition key: no two workers hold rows
--                of one tenant at once.
--   claim_token  fencing: a worker's updates carry the token of its claim
--                and match nothing once another claim has taken the rows.
--   lease_until  when the current claim expires and the rows may be
--                claimed again.
-- payload is bytea, not jsonb: a payload that does not decode must still
-- be stored, so that the relay can park it with its decode error.
CREATE TABLE {events} (
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    id              uuid        PRIMARY KEY,
    tenant_id       uuid        NOT NULL,
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL,
    payload         bytea       NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'dispatched', 'failed')),
    retry_count     integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    claimed_by      text,
    claimed_at      timestamptz,
    lease_until     timestamptz,
    claim_token     bigint,
    created_at      timestamptz NOT NULL,
    dispatched_at   timestamptz
);

-- Retry scans (pending rows not yet due), counts and housekeeping.
CREATE INDEX {events_idx}_status_next_attempt_at ON {events} (status, next_attempt_at);

-- Rows under a lease (live, or expired and not yet taken over), oldest
-- claim first: stale-claim lookups, and the busy-tenant scan of every
-- claim. Pending rows only: a row leaves it when it is dispatched, parked,
-- retried or released, so it holds about one batch per worker and inserts
-- and dispatches do not pay for it.
CREATE INDEX {events_idx}_claimed_at ON {events} (claimed_at)
    WHERE status = 'pending' AND claimed_at IS NOT NULL;

-- A tenant's pending rows in order: the prefixes a claim takes and the
-- prefix check that follows. Pending only, so that dispatched history does not slow it.
CREATE INDEX {events_idx}_tenant_seq ON {events} (tenant_id, seq) WHERE status = 'pending';

-- The claim scan: pending rows in seq order.
CREATE INDEX {events_idx}_pending_seq ON {events} (seq) WHERE status = 'pending';

-- One fencing token per claim, increasing across all workers.
CREATE SEQUENCE {tokens};
