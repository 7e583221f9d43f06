//! The engine's own availability records: `start` when the writer starts,
//! a `heartbeat` each minute, `stop` at a clean shutdown. A crash leaves no
//! `stop`: the SLA engine counts the time from the last heartbeat to the
//! next start as down (docs/sla.md, Availability).

use super::calls::Batch;
use super::{ms, parse_stamp, Store, StoreError};
use centralino_cdr::stamp::{self, Stamp};
pub use centralino_cdr::AvailabilityKind;
use centralino_cdr::AvailabilityRecord;
use rusqlite::params;

fn kind_str(kind: AvailabilityKind) -> &'static str {
    match kind {
        AvailabilityKind::Start => "start",
        AvailabilityKind::Stop => "stop",
        AvailabilityKind::Heartbeat => "heartbeat",
    }
}

fn parse_kind(s: &str) -> Option<AvailabilityKind> {
    match s {
        "start" => Some(AvailabilityKind::Start),
        "stop" => Some(AvailabilityKind::Stop),
        "heartbeat" => Some(AvailabilityKind::Heartbeat),
        _ => None,
    }
}

impl Batch<'_> {
    /// Record `kind` at `at`.
    pub fn record_availability(&self, at: Stamp, kind: AvailabilityKind) -> Result<(), StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("INSERT INTO availability (at, at_ms, kind) VALUES (?1, ?2, ?3)")?;
        stmt.execute(params![stamp::format(&at), ms(&at), kind_str(kind)])?;
        Ok(())
    }
}

impl Store {
    /// Record `kind` at `at` in its own transaction.
    pub fn record_availability(
        &mut self,
        at: Stamp,
        kind: AvailabilityKind,
    ) -> Result<(), StoreError> {
        let batch = self.batch()?;
        batch.record_availability(at, kind)?;
        batch.commit()
    }

    /// The records in `[from_ms, to_ms)` (UTC ms), in time order.
    pub fn availability_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<AvailabilityRecord>, StoreError> {
        let mut stmt =
            self.conn.prepare("SELECT id, at, kind FROM availability WHERE at_ms >= ?1 AND at_ms < ?2 ORDER BY at_ms, id")?;
        let mut rows = stmt.query(params![from_ms, to_ms])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let at: String = row.get(1)?;
            let kind: String = row.get(2)?;
            let key = id.to_string();
            let kind = parse_kind(&kind).ok_or_else(|| StoreError::Corrupt {
                table: "availability",
                key: key.clone(),
                reason: format!("unknown kind {kind:?}"),
            })?;
            out.push(AvailabilityRecord {
                at: parse_stamp("availability", &key, &at)?,
                kind,
            });
        }
        Ok(out)
    }

    /// How many availability records exist at all (none: a database made
    /// by imports only, whose reports have no availability figures).
    pub fn availability_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM availability", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
