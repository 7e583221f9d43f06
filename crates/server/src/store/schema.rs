//! The database schema, one migration per version. `PRAGMA user_version`
//! holds the version a database is at; [`MIGRATIONS`]`[n]` takes it from
//! `n` to `n + 1`. Never edit a shipped migration: append a new one.
//!
//! Conventions: instants are stored twice where they are searched — as the
//! RFC 3339 text the JSON uses (`…_at`, with the offset the engine wrote)
//! and as UTC milliseconds since the epoch (`…_ms`) for ranges and
//! indexes. Enumerations are their JSON names (`answered`, `new`, …).

/// Version 1: call events, CDRs, voicemails, availability, callbacks.
const V1: &str = r#"
CREATE TABLE call_events (
    call_id  TEXT    NOT NULL,
    seq      INTEGER NOT NULL,            -- 0, 1, 2 … in the order the writer received them
    at_ms    INTEGER NOT NULL,            -- the event's wall clock, UTC ms
    type     TEXT    NOT NULL,            -- arrived, queued, ended, …
    json     TEXT    NOT NULL,            -- the event as docs/sla.md shows it
    PRIMARY KEY (call_id, seq)
) WITHOUT ROWID;

CREATE TABLE cdrs (
    call_id       TEXT PRIMARY KEY,
    service       TEXT NOT NULL,
    called        TEXT NOT NULL,
    caller        TEXT,
    arrived_at    TEXT NOT NULL,
    arrived_ms    INTEGER NOT NULL,
    queue         TEXT,
    queued_at     TEXT,
    answered_at   TEXT,
    agent         TEXT,
    ended_at      TEXT,
    ended_by      TEXT,
    outcome       TEXT,                   -- NULL while the call is in progress
    resolution    TEXT,
    transfer_to   TEXT,
    ivr_digits    TEXT,
    language      TEXT,
    diverted_from TEXT,
    codec         TEXT,
    voicemail_id  TEXT,
    callback_id   TEXT,
    source        TEXT NOT NULL DEFAULT 'engine' CHECK (source IN ('engine', 'import')),
    closed_at_restart INTEGER NOT NULL DEFAULT 0,  -- 1: closed as failed by a restart
    json          TEXT NOT NULL           -- the CDR, the export format
);
CREATE INDEX cdrs_arrived ON cdrs (arrived_ms);
CREATE INDEX cdrs_service_arrived ON cdrs (service, arrived_ms);
CREATE INDEX cdrs_in_progress ON cdrs (arrived_ms) WHERE outcome IS NULL;

CREATE TABLE voicemails (
    id           TEXT PRIMARY KEY,
    call_id      TEXT NOT NULL,
    service      TEXT NOT NULL,
    caller       TEXT,
    called       TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    received_ms  INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    file         TEXT NOT NULL,           -- relative to the data directory
    state        TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'taken', 'closed')),
    taken_by     TEXT,
    taken_at     TEXT,
    closed_by    TEXT,
    closed_at    TEXT,
    outcome      TEXT                     -- free text from whoever closed it
);
CREATE INDEX voicemails_received ON voicemails (received_ms);
CREATE INDEX voicemails_state ON voicemails (state, received_ms);

CREATE TABLE availability (
    id     INTEGER PRIMARY KEY,
    at     TEXT    NOT NULL,
    at_ms  INTEGER NOT NULL,
    kind   TEXT    NOT NULL CHECK (kind IN ('start', 'stop', 'heartbeat'))
);
CREATE INDEX availability_at ON availability (at_ms);

-- Callback requests (issue 4 fills this in; the API lists and cancels).
CREATE TABLE callbacks (
    id               TEXT PRIMARY KEY,
    call_id          TEXT,
    service          TEXT NOT NULL,
    queue            TEXT NOT NULL,
    number           TEXT NOT NULL,
    requested_at     TEXT NOT NULL,
    requested_ms     INTEGER NOT NULL,
    state            TEXT NOT NULL,       -- waiting, ringing, serving, parked, completed, expired, failed, cancelled
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    expires_at       TEXT,
    completed_at     TEXT                 -- when it reached a final state
);
CREATE INDEX callbacks_state ON callbacks (state, requested_ms);
"#;

/// Version 2: a callback request keeps the caller's language and how long
/// they had waited when they asked, so a request restored after a restart
/// keeps its place in the queue and its language skill.
const V2: &str = r#"
ALTER TABLE callbacks ADD COLUMN language  TEXT;      -- the language the caller chose
ALTER TABLE callbacks ADD COLUMN waited_ms INTEGER;   -- queued wait when the caller asked
"#;

/// Every migration, in order: index `n` takes a database from version `n`
/// to `n + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// The version this build writes.
pub const CURRENT: i64 = MIGRATIONS.len() as i64;
