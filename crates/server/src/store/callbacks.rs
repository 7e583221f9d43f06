//! Callback requests. Issue 4 (the ACD) writes them; the HTTP API lists
//! and cancels them. States follow the ACD's (`crates/acd/src/callbacks.rs`):
//! `waiting`, `ringing`, `serving`, `parked` while alive; `completed`,
//! `expired`, `failed`, `cancelled` once final.

use super::{ms, parse_stamp, parse_stamp_opt, sql_limit, text_opt, Batch, Store, StoreError};
use centralino_cdr::stamp::{self, Stamp};
use rusqlite::types::Value;
use rusqlite::{params, Row};
use serde::Serialize;

/// The states a request cannot leave.
pub const FINAL_STATES: [&str; 4] = ["completed", "expired", "failed", "cancelled"];

/// One callback request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Callback {
    /// Its id (the CDR's `callback_id`).
    pub id: String,
    /// The call that asked for it.
    pub call_id: Option<String>,
    /// The service.
    pub service: String,
    /// The queue it waits in.
    pub queue: String,
    /// The number to call back.
    pub number: String,
    /// When it was asked for.
    #[serde(with = "stamp")]
    pub requested_at: Stamp,
    /// Where it is (see the module docs).
    pub state: String,
    /// Outbound attempts so far.
    pub attempts: u32,
    /// The next attempt, when parked.
    #[serde(with = "stamp::option")]
    pub next_attempt_at: Option<Stamp>,
    /// When it expires.
    #[serde(with = "stamp::option")]
    pub expires_at: Option<Stamp>,
    /// When it reached a final state.
    #[serde(with = "stamp::option")]
    pub completed_at: Option<Stamp>,
    /// The language the caller chose (none in rows of schema version 1).
    pub language: Option<String>,
    /// How long the caller had waited in the queue when they asked, in ms
    /// (none in rows of schema version 1).
    pub waited_ms: Option<u64>,
}

/// A callback listing, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallbackQuery {
    /// Only in this state.
    pub state: Option<String>,
    /// Only this service.
    pub service: Option<String>,
    /// At most this many.
    pub limit: Option<u32>,
    /// Skip this many first.
    pub offset: u32,
}

const COLUMNS: &str =
    "id, call_id, service, queue, number, requested_at, state, attempts, next_attempt_at, expires_at, completed_at, language, waited_ms";

fn from_row(row: &Row<'_>) -> Result<Callback, StoreError> {
    let id: String = row.get(0)?;
    let requested: String = row.get(5)?;
    Ok(Callback {
        call_id: row.get(1)?,
        service: row.get(2)?,
        queue: row.get(3)?,
        number: row.get(4)?,
        requested_at: parse_stamp("callbacks", &id, &requested)?,
        state: row.get(6)?,
        attempts: u32::try_from(row.get::<_, i64>(7)?).unwrap_or(0),
        next_attempt_at: parse_stamp_opt("callbacks", &id, row.get(8)?)?,
        expires_at: parse_stamp_opt("callbacks", &id, row.get(9)?)?,
        completed_at: parse_stamp_opt("callbacks", &id, row.get(10)?)?,
        language: row.get(11)?,
        waited_ms: row
            .get::<_, Option<i64>>(12)?
            .and_then(|w| u64::try_from(w).ok()),
        id,
    })
}

/// The row of an engine callback record.
impl Callback {
    /// The store's view of the engine's record.
    pub fn from_record(r: &centralino_engine::CallbackRecord, at: Stamp) -> Callback {
        let finished = !matches!(r.state.as_str(), "pending");
        Callback {
            id: r.id.clone(),
            call_id: Some(r.call_id.clone()),
            service: r.service.to_string(),
            queue: r.queue.to_string(),
            number: r.number.clone(),
            requested_at: r.requested_at.fixed_offset(),
            state: r.state.clone(),
            attempts: r.attempts,
            next_attempt_at: None,
            expires_at: Some(r.expires_at.fixed_offset()),
            completed_at: finished.then_some(at),
            language: Some(r.language.as_str().to_string()),
            waited_ms: Some(u64::try_from(r.waited.as_millis()).unwrap_or(u64::MAX)),
        }
    }
}

/// Insert or replace a request, in a transaction or not.
fn put(conn: &rusqlite::Connection, cb: &Callback) -> Result<(), StoreError> {
    conn.execute(
        &format!(
            "INSERT OR REPLACE INTO callbacks ({COLUMNS}, requested_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        ),
        params![
            cb.id,
            cb.call_id,
            cb.service,
            cb.queue,
            cb.number,
            stamp::format(&cb.requested_at),
            cb.state,
            i64::from(cb.attempts),
            text_opt(&cb.next_attempt_at),
            text_opt(&cb.expires_at),
            text_opt(&cb.completed_at),
            cb.language,
            cb.waited_ms.map(|w| i64::try_from(w).unwrap_or(i64::MAX)),
            ms(&cb.requested_at),
        ],
    )?;
    Ok(())
}

impl Batch<'_> {
    /// Insert or update a callback request in this transaction.
    pub fn put_callback(&self, cb: &Callback) -> Result<(), StoreError> {
        put(&self.tx, cb)
    }
}

impl Store {
    /// Insert or replace a request (the ACD's writer, issue 4).
    pub fn put_callback(&mut self, cb: &Callback) -> Result<(), StoreError> {
        put(&self.conn, cb)
    }

    /// Requests matching `q`, oldest first.
    pub fn callbacks(&self, q: &CallbackQuery) -> Result<Vec<Callback>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM callbacks WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(s) = &q.state {
            args.push(Value::Text(s.clone()));
            sql.push_str(&format!(" AND state = ?{}", args.len()));
        }
        if let Some(s) = &q.service {
            args.push(Value::Text(s.clone()));
            sql.push_str(&format!(" AND service = ?{}", args.len()));
        }
        args.push(Value::Integer(sql_limit(q.limit)));
        args.push(Value::Integer(i64::from(q.offset)));
        sql.push_str(&format!(
            " ORDER BY requested_ms, id LIMIT ?{} OFFSET ?{}",
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

    /// Cancel a request that is not final yet (`completed_at` = `at`).
    pub fn cancel_callback(&mut self, id: &str, at: Stamp) -> Result<Callback, StoreError> {
        let batch = self.batch()?;
        let current: Option<String> = {
            let mut stmt = batch
                .tx
                .prepare("SELECT state FROM callbacks WHERE id = ?1")?;
            let mut rows = stmt.query([id])?;
            rows.next()?.map(|r| r.get(0)).transpose()?
        };
        let Some(state) = current else {
            return Err(StoreError::NoSuchCallback { id: id.to_string() });
        };
        if FINAL_STATES.contains(&state.as_str()) {
            return Err(StoreError::CallbackFinal {
                id: id.to_string(),
                state,
            });
        }
        batch.tx.execute(
            "UPDATE callbacks SET state = 'cancelled', completed_at = ?2 WHERE id = ?1",
            params![id, stamp::format(&at)],
        )?;
        let cb = {
            let mut stmt = batch
                .tx
                .prepare(&format!("SELECT {COLUMNS} FROM callbacks WHERE id = ?1"))?;
            let mut rows = stmt.query([id])?;
            match rows.next()? {
                Some(row) => from_row(row)?,
                None => return Err(StoreError::NoSuchCallback { id: id.to_string() }),
            }
        };
        batch.commit()?;
        Ok(cb)
    }
}
