//! Voicemail messages: the WAV is `DATA_DIR/voicemail/<id>.wav` (written
//! by the writer before the row), the row holds the metadata and the state.
//!
//! ```text
//!   new ──take(who, when)──► taken ──close(who, when, outcome)──► closed
//!    └─────────────close (takes it in charge too)─────────────────┘
//! ```
//!
//! O.1 measures `received_at → taken_at` (working time), O.2/O.3
//! `received_at → closed_at` (elapsed time from the window).

use super::calls::Batch;
use super::{ms, parse_stamp, parse_stamp_opt, sql_limit, Store, StoreError};
use centralino_cdr::stamp::{self, Stamp};
use centralino_cdr::VoicemailRecord;
use centralino_model::ServiceId;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use std::fmt;

/// Where a message is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoicemailState {
    /// Nobody has taken it yet.
    New,
    /// An operator took it in charge.
    Taken,
    /// Resolved.
    Closed,
}

impl VoicemailState {
    /// The name in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            VoicemailState::New => "new",
            VoicemailState::Taken => "taken",
            VoicemailState::Closed => "closed",
        }
    }

    fn parse(s: &str) -> Option<VoicemailState> {
        match s {
            "new" => Some(VoicemailState::New),
            "taken" => Some(VoicemailState::Taken),
            "closed" => Some(VoicemailState::Closed),
            _ => None,
        }
    }
}

impl fmt::Display for VoicemailState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Voicemail {
    /// Its id (the CDR's `voicemail_id`, the file's name).
    pub id: String,
    /// The call that left it.
    pub call_id: String,
    /// The service whose mailbox it is.
    pub service: String,
    /// The caller's number, if known.
    pub caller: Option<String>,
    /// The called number (the original one for a forwarded call).
    pub called: String,
    /// When the recording started.
    #[serde(with = "stamp")]
    pub received_at: Stamp,
    /// Its length.
    pub duration_ms: u64,
    /// The WAV, relative to the data directory (`voicemail/<id>.wav`).
    pub file: String,
    /// Where it is in its handling.
    pub state: VoicemailState,
    /// Who took it in charge.
    pub taken_by: Option<String>,
    /// When.
    #[serde(with = "stamp::option")]
    pub taken_at: Option<Stamp>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// When.
    #[serde(with = "stamp::option")]
    pub closed_at: Option<Stamp>,
    /// What was done (free text).
    pub outcome: Option<String>,
}

impl Voicemail {
    /// A new message.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: String,
        call_id: String,
        service: String,
        caller: Option<String>,
        called: String,
        received_at: Stamp,
        duration_ms: u64,
        file: String,
    ) -> Self {
        Voicemail {
            id,
            call_id,
            service,
            caller,
            called,
            received_at,
            duration_ms,
            file,
            state: VoicemailState::New,
            taken_by: None,
            taken_at: None,
            closed_by: None,
            closed_at: None,
            outcome: None,
        }
    }

    /// What the SLA engine needs (O.1–O.3).
    pub fn record(&self) -> VoicemailRecord {
        VoicemailRecord {
            id: self.id.clone(),
            service: ServiceId::new(&self.service),
            received_at: self.received_at,
            taken_at: self.taken_at,
            closed_at: self.closed_at,
        }
    }
}

const COLUMNS: &str =
    "id, call_id, service, caller, called, received_at, duration_ms, file, state, \
                       taken_by, taken_at, closed_by, closed_at, outcome";

fn from_row(row: &Row<'_>) -> Result<Voicemail, StoreError> {
    let id: String = row.get(0)?;
    let state: String = row.get(8)?;
    let state = VoicemailState::parse(&state).ok_or_else(|| StoreError::Corrupt {
        table: "voicemails",
        key: id.clone(),
        reason: format!("unknown state {state:?}"),
    })?;
    let received: String = row.get(5)?;
    Ok(Voicemail {
        call_id: row.get(1)?,
        service: row.get(2)?,
        caller: row.get(3)?,
        called: row.get(4)?,
        received_at: parse_stamp("voicemails", &id, &received)?,
        duration_ms: u64::try_from(row.get::<_, i64>(6)?).unwrap_or(0),
        file: row.get(7)?,
        state,
        taken_by: row.get(9)?,
        taken_at: parse_stamp_opt("voicemails", &id, row.get(10)?)?,
        closed_by: row.get(11)?,
        closed_at: parse_stamp_opt("voicemails", &id, row.get(12)?)?,
        outcome: row.get(13)?,
        id,
    })
}

fn get(conn: &rusqlite::Connection, id: &str) -> Result<Option<Voicemail>, StoreError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM voicemails WHERE id = ?1"))?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => Ok(Some(from_row(row)?)),
        None => Ok(None),
    }
}

impl Batch<'_> {
    /// Insert a new message's row (its WAV is already on disk).
    pub fn insert_voicemail(&self, vm: &Voicemail) -> Result<(), StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO voicemails (id, call_id, service, caller, called, received_at, received_ms, duration_ms, file, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        stmt.execute(params![
            vm.id,
            vm.call_id,
            vm.service,
            vm.caller,
            vm.called,
            stamp::format(&vm.received_at),
            ms(&vm.received_at),
            i64::try_from(vm.duration_ms).unwrap_or(i64::MAX),
            vm.file,
            vm.state.as_str(),
        ])?;
        Ok(())
    }

    /// Whether a message with this id exists.
    pub fn voicemail_exists(&self, id: &str) -> Result<bool, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT 1 FROM voicemails WHERE id = ?1")?;
        Ok(stmt.query_row([id], |_| Ok(())).optional()?.is_some())
    }
}

/// A voicemail listing (the API's `GET /voicemails`), oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VoicemailQuery {
    /// Only in this state.
    pub state: Option<VoicemailState>,
    /// Only this service.
    pub service: Option<String>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
    /// At most this many.
    pub limit: Option<u32>,
    /// Skip this many first.
    pub offset: u32,
}

impl Store {
    /// One message.
    pub fn voicemail(&self, id: &str) -> Result<Option<Voicemail>, StoreError> {
        get(&self.conn, id)
    }

    /// Messages matching `q`, oldest first.
    pub fn voicemails(&self, q: &VoicemailQuery) -> Result<Vec<Voicemail>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM voicemails WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        let mut add = |clause: &str, v: Value, sql: &mut String| {
            args.push(v);
            sql.push_str(&format!(" AND {clause} ?{}", args.len()));
        };
        if let Some(s) = q.state {
            add("state =", Value::Text(s.as_str().into()), &mut sql);
        }
        if let Some(s) = &q.service {
            add("service =", Value::Text(s.clone()), &mut sql);
        }
        if let Some(t) = q.from {
            add(
                "received_ms >=",
                Value::Integer(t.timestamp_millis()),
                &mut sql,
            );
        }
        if let Some(t) = q.to {
            add(
                "received_ms <",
                Value::Integer(t.timestamp_millis()),
                &mut sql,
            );
        }
        args.push(Value::Integer(sql_limit(q.limit)));
        args.push(Value::Integer(i64::from(q.offset)));
        sql.push_str(&format!(
            " ORDER BY received_ms, id LIMIT ?{} OFFSET ?{}",
            args.len() - 1,
            args.len()
        ));
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(from_row(row)?);
        }
        Ok(out)
    }

    /// `new → taken`: `by` takes the message in charge at `at`.
    pub fn take_voicemail(
        &mut self,
        id: &str,
        by: &str,
        at: Stamp,
    ) -> Result<Voicemail, StoreError> {
        let batch = self.batch()?;
        let n = batch.tx.execute(
            "UPDATE voicemails SET state = 'taken', taken_by = ?2, taken_at = ?3 WHERE id = ?1 AND state = 'new'",
            params![id, by, stamp::format(&at)],
        )?;
        Self::finish_transition(batch, id, n, "take")
    }

    /// `new | taken → closed`: `by` resolves the message at `at`. Closing a
    /// new message also takes it in charge (same who and when).
    pub fn close_voicemail(
        &mut self,
        id: &str,
        by: &str,
        at: Stamp,
        outcome: Option<&str>,
    ) -> Result<Voicemail, StoreError> {
        let batch = self.batch()?;
        let when = stamp::format(&at);
        let n = batch.tx.execute(
            "UPDATE voicemails SET state = 'closed', closed_by = ?2, closed_at = ?3, outcome = ?4,
                    taken_by = COALESCE(taken_by, ?2), taken_at = COALESCE(taken_at, ?3)
             WHERE id = ?1 AND state IN ('new', 'taken')",
            params![id, by, when, outcome],
        )?;
        Self::finish_transition(batch, id, n, "close")
    }

    fn finish_transition(
        batch: Batch<'_>,
        id: &str,
        changed: usize,
        action: &'static str,
    ) -> Result<Voicemail, StoreError> {
        let vm = get(&batch.tx, id)?
            .ok_or_else(|| StoreError::NoSuchVoicemail { id: id.to_string() })?;
        if changed == 0 {
            return Err(StoreError::VoicemailState {
                id: id.to_string(),
                state: vm.state,
                action,
            });
        }
        batch.commit()?;
        Ok(vm)
    }

    /// The SLA engine's view of the messages received in `[from_ms, to_ms)`.
    pub fn voicemail_records(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<VoicemailRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM voicemails WHERE received_ms >= ?1 AND received_ms < ?2 ORDER BY received_ms, id"
        ))?;
        let mut rows = stmt.query(params![from_ms, to_ms])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(from_row(row)?.record());
        }
        Ok(out)
    }
}
