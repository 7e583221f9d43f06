//! Call events and CDRs.
//!
//! Every event the engine emits is a row of `call_events` (`call_id`, `seq`,
//! the JSON). The call's CDR is a row of `cdrs`, written at its first event
//! (outcome NULL: in progress) and rewritten after each batch of events by
//! the writer, from its in-memory fold. A restart closes every CDR still in
//! progress as `failed` ([`Store::close_unfinished`]), folding the call's
//! events again first: the events are kept, never deleted.

use super::{ms, sql_limit, text_opt, Store, StoreError};
use centralino_cdr::fold::fold;
use centralino_cdr::{CallEvent, CallId, Cdr, FoldOptions, Outcome};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use std::sync::LazyLock;

/// Where a CDR row came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Folded from the engine's events.
    Engine,
    /// `centralino cdr import` (no events).
    Import,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Engine => "engine",
            Source::Import => "import",
        }
    }

    fn parse(s: &str) -> Source {
        if s == "import" {
            Source::Import
        } else {
            Source::Engine
        }
    }
}

/// A CDR row with what the store knows about it besides the CDR.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCdr {
    /// The record.
    pub cdr: Cdr,
    /// Closed as `failed` by a restart.
    pub closed_at_restart: bool,
    /// Where it came from.
    pub source: Source,
}

const CDR_COLUMNS: &str = "call_id, service, called, caller, arrived_at, arrived_ms, queue, queued_at, \
     answered_at, agent, ended_at, ended_by, outcome, resolution, transfer_to, ivr_digits, language, \
     diverted_from, codec, voicemail_id, callback_id, source, closed_at_restart, json";

const CDR_VALUES: &str = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24";

/// Insert or replace a CDR row.
static UPSERT_SQL: LazyLock<String> = LazyLock::new(|| {
    let updates: Vec<String> = CDR_COLUMNS
        .split(',')
        .map(str::trim)
        .filter(|c| *c != "call_id")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO cdrs ({CDR_COLUMNS}) VALUES ({CDR_VALUES}) ON CONFLICT (call_id) DO UPDATE SET {}",
        updates.join(", ")
    )
});

/// Write one CDR with `sql` (an upsert, or an insert into the import's
/// staging table); the number
/// of rows changed.
fn write_cdr(
    tx: &Transaction<'_>,
    sql: &str,
    cdr: &Cdr,
    source: Source,
    closed_at_restart: bool,
) -> Result<usize, StoreError> {
    let s = |v: &Option<String>| v.clone();
    let id = |v: Option<&str>| v.map(str::to_string);
    let mut stmt = tx.prepare_cached(sql)?;
    let n = stmt.execute(params![
        cdr.call_id.as_str(),
        cdr.service.as_str(),
        cdr.called,
        s(&cdr.caller),
        centralino_cdr::stamp::format(&cdr.arrived_at),
        ms(&cdr.arrived_at),
        id(cdr.queue.as_ref().map(|q| q.as_str())),
        text_opt(&cdr.queued_at),
        text_opt(&cdr.answered_at),
        id(cdr.agent.as_ref().map(|a| a.as_str())),
        text_opt(&cdr.ended_at),
        cdr.ended_by.map(|e| e.as_str()),
        cdr.outcome.map(|o| o.as_str()),
        cdr.resolution.map(|r| r.as_str()),
        s(&cdr.transfer_to),
        s(&cdr.ivr_digits),
        id(cdr.language.as_ref().map(|l| l.as_str())),
        s(&cdr.diverted_from),
        cdr.codec.map(|c| c.encoding_name()),
        s(&cdr.voicemail_id),
        s(&cdr.callback_id),
        source.as_str(),
        closed_at_restart,
        cdr.to_json(),
    ])?;
    Ok(n)
}

/// The `type` tag of an event's JSON. A quote inside a JSON string is
/// escaped, so the first unescaped `"type":"` is the tag.
fn type_tag(json: &str) -> &str {
    const KEY: &str = "\"type\":\"";
    json.find(KEY)
        .map(|i| &json[i + KEY.len()..])
        .and_then(|rest| rest.find('"').map(|end| &rest[..end]))
        .unwrap_or("")
}

fn parse_cdr(key: &str, json: &str) -> Result<Cdr, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        table: "cdrs",
        key: key.to_string(),
        reason: format!("bad CDR JSON: {e}"),
    })
}

fn parse_event(key: &str, json: &str) -> Result<CallEvent, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        table: "call_events",
        key: key.to_string(),
        reason: format!("bad event JSON: {e}"),
    })
}

fn load_events(conn: &rusqlite::Connection, call_id: &str) -> Result<Vec<CallEvent>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, json FROM call_events WHERE call_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([call_id])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let json = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
        out.push(parse_event(&format!("{call_id}#{seq}"), json)?);
    }
    Ok(out)
}

fn load_cdr(conn: &rusqlite::Connection, call_id: &str) -> Result<Option<StoredCdr>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT json, closed_at_restart, source FROM cdrs WHERE call_id = ?1")?;
    let row = stmt
        .query_row([call_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    match row {
        None => Ok(None),
        Some((json, closed_at_restart, source)) => Ok(Some(StoredCdr {
            cdr: parse_cdr(call_id, &json)?,
            closed_at_restart,
            source: Source::parse(&source),
        })),
    }
}

/// One write transaction: the writer's unit of work (a batch of whatever
/// was queued) or an import. Dropped without [`Batch::commit`], it rolls
/// back.
pub struct Batch<'a> {
    pub(super) tx: Transaction<'a>,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").finish_non_exhaustive()
    }
}

impl Batch<'_> {
    /// Make everything written durable.
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit()?;
        Ok(())
    }

    /// Append one event of `call_id` (the event's own `call_id` is not
    /// looked at: the writer may have renamed the call).
    pub fn insert_event(&self, call_id: &str, seq: i64, ev: &CallEvent) -> Result<(), StoreError> {
        let json = ev.to_json();
        let kind = type_tag(&json);
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO call_events (call_id, seq, at_ms, type, json) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        stmt.execute(params![call_id, seq, ms(&ev.at), kind, json])?;
        Ok(())
    }

    /// The next `seq` for `call_id` (0 for a call without events).
    pub fn next_seq(&self, call_id: &str) -> Result<i64, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT COALESCE(MAX(seq) + 1, 0) FROM call_events WHERE call_id = ?1",
        )?;
        Ok(stmt.query_row([call_id], |r| r.get(0))?)
    }

    /// A call's events, in the order they were stored.
    pub fn call_events(&self, call_id: &str) -> Result<Vec<CallEvent>, StoreError> {
        load_events(&self.tx, call_id)
    }

    /// A call's CDR row.
    pub fn cdr(&self, call_id: &str) -> Result<Option<StoredCdr>, StoreError> {
        load_cdr(&self.tx, call_id)
    }

    /// Whether a CDR or any event exists with this id.
    pub fn call_exists(&self, call_id: &str) -> Result<bool, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM cdrs WHERE call_id = ?1) OR EXISTS (SELECT 1 FROM call_events WHERE call_id = ?1)",
        )?;
        Ok(stmt.query_row([call_id], |r| r.get(0))?)
    }

    /// Write (insert or replace) a call's CDR row.
    pub fn upsert_cdr(
        &self,
        cdr: &Cdr,
        source: Source,
        closed_at_restart: bool,
    ) -> Result<(), StoreError> {
        write_cdr(&self.tx, &UPSERT_SQL, cdr, source, closed_at_restart).map(|_| ())
    }
}

/// Which outcome a search wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeFilter {
    /// Calls still in progress (no outcome yet).
    InProgress,
    /// Calls that ended with this outcome.
    Is(Outcome),
}

/// A CDR search (the HTTP API's `GET /cdrs`): arrival in `[from, to)`,
/// newest last, paged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CdrQuery {
    /// Arrived at or after.
    pub from: Option<DateTime<Utc>>,
    /// Arrived before.
    pub to: Option<DateTime<Utc>>,
    /// Only this service.
    pub service: Option<String>,
    /// Only this outcome.
    pub outcome: Option<OutcomeFilter>,
    /// At most this many (all when `None`).
    pub limit: Option<u32>,
    /// Skip this many first.
    pub offset: u32,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// CDRs written.
    pub imported: u64,
    /// CDRs skipped because their `call_id` was already in the database.
    pub already_present: u64,
}

/// Why an import stopped (nothing of it was written).
#[derive(Debug, thiserror::Error)]
pub enum ImportError<E> {
    /// The source failed (a malformed line, a read error).
    #[error("{0}")]
    Source(E),
    /// The database failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl Store {
    /// Start a write transaction (taking the write lock at once, so two
    /// writers queue instead of failing half-way).
    pub fn batch(&mut self) -> Result<Batch<'_>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(Batch { tx })
    }

    /// A call's events, in order.
    pub fn call_events(&self, call_id: &str) -> Result<Vec<CallEvent>, StoreError> {
        load_events(&self.conn, call_id)
    }

    /// A call's CDR.
    pub fn cdr(&self, call_id: &str) -> Result<Option<Cdr>, StoreError> {
        Ok(load_cdr(&self.conn, call_id)?.map(|s| s.cdr))
    }

    /// A call's CDR row with the store's own columns.
    pub fn stored_cdr(&self, call_id: &str) -> Result<Option<StoredCdr>, StoreError> {
        load_cdr(&self.conn, call_id)
    }

    /// At start: every CDR still in progress belongs to a run that ended
    /// without finishing it (a crash, a kill -9, a power cut). Fold its
    /// events again, close it as `failed` at `now` (never before an instant
    /// it already has; `Cdr::close_as_failed`), and mark it
    /// `closed_at_restart`. The events stay. Returns the calls closed. The
    /// closing instant is written in each call's own UTC offset.
    pub fn close_unfinished(&mut self, now: DateTime<Utc>) -> Result<Vec<CallId>, StoreError> {
        let batch = self.batch()?;
        let open: Vec<(String, String, String)> = {
            let mut stmt = batch.tx.prepare(
                "SELECT call_id, json, source FROM cdrs WHERE outcome IS NULL ORDER BY arrived_ms",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut closed = Vec::with_capacity(open.len());
        for (call_id, json, source) in open {
            let stored = parse_cdr(&call_id, &json)?;
            let events = batch.call_events(&call_id)?;
            // The events are the truth; the row may lag them only if a
            // build wrote them apart. An imported row has no events.
            let mut cdr = fold(events.iter(), FoldOptions::default()).unwrap_or(stored);
            let source = Source::parse(&source);
            cdr.close_as_failed(now.with_timezone(cdr.arrived_at.offset()));
            batch.upsert_cdr(&cdr, source, true)?;
            closed.push(cdr.call_id);
        }
        batch.commit()?;
        Ok(closed)
    }

    /// Search CDRs (the API): by arrival, service and outcome, in arrival
    /// order, paged.
    pub fn search_cdrs(&self, q: &CdrQuery) -> Result<Vec<Cdr>, StoreError> {
        let mut sql = String::from("SELECT call_id, json FROM cdrs WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(from) = q.from {
            args.push(Value::Integer(from.timestamp_millis()));
            sql.push_str(&format!(" AND arrived_ms >= ?{}", args.len()));
        }
        if let Some(to) = q.to {
            args.push(Value::Integer(to.timestamp_millis()));
            sql.push_str(&format!(" AND arrived_ms < ?{}", args.len()));
        }
        if let Some(s) = &q.service {
            args.push(Value::Text(s.clone()));
            sql.push_str(&format!(" AND service = ?{}", args.len()));
        }
        match q.outcome {
            None => {}
            Some(OutcomeFilter::InProgress) => sql.push_str(" AND outcome IS NULL"),
            Some(OutcomeFilter::Is(o)) => {
                args.push(Value::Text(o.as_str().to_string()));
                sql.push_str(&format!(" AND outcome = ?{}", args.len()));
            }
        }
        args.push(Value::Integer(sql_limit(q.limit)));
        args.push(Value::Integer(i64::from(q.offset)));
        sql.push_str(&format!(
            " ORDER BY arrived_ms, call_id LIMIT ?{} OFFSET ?{}",
            args.len() - 1,
            args.len()
        ));
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let key = row
                .get_ref(0)?
                .as_str()
                .map_err(rusqlite::Error::from)?
                .to_string();
            let json = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            out.push(parse_cdr(&key, json)?);
        }
        Ok(out)
    }

    /// Stream every CDR that arrived in `[from_ms, to_ms)` (UTC ms), of
    /// `service` if given, in arrival order, to `f`; returns how many.
    /// Reports and exports read a million rows this way without holding
    /// them.
    pub fn scan_cdrs<E>(
        &self,
        from_ms: i64,
        to_ms: i64,
        service: Option<&str>,
        mut f: impl FnMut(Cdr) -> Result<(), E>,
    ) -> Result<u64, ScanError<E>> {
        let sql = match service {
            Some(_) => "SELECT call_id, json FROM cdrs WHERE service = ?3 AND arrived_ms >= ?1 AND arrived_ms < ?2 ORDER BY arrived_ms",
            None => "SELECT call_id, json FROM cdrs WHERE arrived_ms >= ?1 AND arrived_ms < ?2 ORDER BY arrived_ms",
        };
        let mut stmt = self.conn.prepare(sql).map_err(StoreError::from)?;
        let mut rows = match service {
            Some(s) => stmt.query(params![from_ms, to_ms, s]),
            None => stmt.query(params![from_ms, to_ms]),
        }
        .map_err(StoreError::from)?;
        let mut n = 0u64;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let json = row
                .get_ref(1)
                .and_then(|v| v.as_str().map_err(rusqlite::Error::from))
                .map_err(StoreError::from)?;
            let cdr = serde_json::from_str::<Cdr>(json).map_err(|e| StoreError::Corrupt {
                table: "cdrs",
                key: row.get::<_, String>(0).unwrap_or_default(),
                reason: format!("bad CDR JSON: {e}"),
            })?;
            f(cdr).map_err(ScanError::Sink)?;
            n += 1;
        }
        Ok(n)
    }

    /// Import CDRs (an archive: `centralino cdr import`), all in one
    /// transaction: an error anywhere imports nothing. A CDR whose
    /// `call_id` is already stored (or repeated in the input) is skipped and
    /// counted.
    ///
    /// The rows are stored in arrival order, as the engine writes them, so
    /// that a period's CDRs sit together on disk and a report reads them
    /// sequentially: the input goes to a temporary table first, then into
    /// `cdrs` sorted by `arrived_ms`.
    pub fn import_cdrs<E>(
        &mut self,
        cdrs: impl IntoIterator<Item = Result<Cdr, E>>,
    ) -> Result<ImportStats, ImportError<E>> {
        let batch = self.batch()?;
        batch
            .tx
            .execute_batch(&format!(
                "DROP TABLE IF EXISTS temp.import_cdrs;
             CREATE TEMP TABLE import_cdrs AS SELECT {CDR_COLUMNS} FROM cdrs WHERE 0;"
            ))
            .map_err(StoreError::from)?;
        let stage = format!("INSERT INTO temp.import_cdrs ({CDR_COLUMNS}) VALUES ({CDR_VALUES})");
        let mut read = 0u64;
        for cdr in cdrs {
            let cdr = cdr.map_err(ImportError::Source)?;
            write_cdr(&batch.tx, &stage, &cdr, Source::Import, false)?;
            read += 1;
        }
        let imported = batch.tx.execute(
            &format!(
                "INSERT INTO cdrs ({CDR_COLUMNS}) SELECT {CDR_COLUMNS} FROM temp.import_cdrs WHERE true
                 ORDER BY arrived_ms, call_id ON CONFLICT (call_id) DO NOTHING"
            ),
            [],
        )
            .map_err(StoreError::from)? as u64;
        batch
            .tx
            .execute_batch("DROP TABLE temp.import_cdrs;")
            .map_err(StoreError::from)?;
        batch.commit()?;
        Ok(ImportStats {
            imported,
            already_present: read - imported,
        })
    }

    /// How many CDRs the database holds.
    pub fn cdr_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM cdrs", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// Why a scan stopped.
#[derive(Debug, thiserror::Error)]
pub enum ScanError<E> {
    /// Reading the database failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The consumer failed (a write to the export file).
    #[error("{0}")]
    Sink(E),
}
