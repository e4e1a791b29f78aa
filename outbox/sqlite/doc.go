// Package sqlite is the outbox.Store for SQLite, on the pure-Go
// modernc.org/sqlite driver (driver name "sqlite").
//
// Open returns a Store whose DB the application uses for its own tables,
// so that a domain write and its event commit together:
//
//	app tx:  INSERT INTO orders ...                 ┐ one commit
//	         INSERT INTO sys_events (via Bus)       ┘
//	relay:   BEGIN IMMEDIATE; claim due rows; COMMIT
//	         publish to the transport
//	         UPDATE ... WHERE id = ? AND claim_token = ?
//
// The database runs in WAL mode (readers never block the writer), with a
// busy timeout and foreign keys on, and every transaction begun through
// DB starts with BEGIN IMMEDIATE so that two writers queue on the busy
// timeout instead of failing on a lock upgrade.
//
// Table sys_events, one row per event (times are UTC unix microseconds):
//
//	seq             INTEGER  rowid, AUTOINCREMENT: commit order, never reused
//	id              TEXT     event id (UUID), unique index sys_events_id
//	tenant_id       TEXT     partition key (UUID)
//	event_type      TEXT     routing name, e.g. "order.placed"
//	schema_version  INTEGER
//	payload         BLOB     the envelope in JSON
//	status          TEXT     pending | dispatched | failed
//	retry_count     INTEGER  failed attempts so far
//	next_attempt_at INTEGER  not claimed before this time
//	last_error      TEXT     the last failed attempt's error
//	claimed_by      TEXT     worker holding the lease
//	claimed_at      INTEGER
//	claim_token     INTEGER  fencing token of the lease
//	lease_until     INTEGER  the lease ends here
//	created_at      INTEGER  insert time
//	dispatched_at   INTEGER
//
// Table sys_event_claim_tokens holds the last fencing token handed out
// (one row), and schema_migrations the applied migration versions.
//
// A row's life:
//
//	pending ──claim──▶ pending+lease ──published──▶ dispatched
//	   ▲                   │  │
//	   └──retry / release──┘  └──max attempts──▶ failed ──Requeue──▶ pending
package sqlite
