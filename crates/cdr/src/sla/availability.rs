//! Availability from the engine's own start / stop / heartbeat records.
//!
//! The engine is **up** on `[a, b)` for consecutive records `a`, `b` when
//! `a` is a start or a heartbeat, `b` is a heartbeat or a stop, and `b − a`
//! ≤ the heartbeat gap allowed (default 2 min for a heartbeat each minute).
//! After the last record it is up until `as_of` only if that is within the
//! allowed gap. Everything else is down: a crash shows as the time from the
//! last heartbeat to the next start.

use crate::stamp::{self, Stamp};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What the engine recorded about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AvailabilityKind {
    /// The engine started.
    Start,
    /// The engine stopped cleanly.
    Stop,
    /// The engine was alive (once a minute).
    Heartbeat,
}

/// One availability record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRecord {
    /// When.
    #[serde(with = "stamp")]
    pub at: Stamp,
    /// What.
    pub kind: AvailabilityKind,
}

/// Merged up-intervals, sorted and disjoint.
pub(crate) fn up_intervals(
    records: &[AvailabilityRecord],
    max_gap: Duration,
    as_of: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut recs: Vec<(DateTime<Utc>, AvailabilityKind)> = records
        .iter()
        .map(|r| (r.at.with_timezone(&Utc), r.kind))
        .collect();
    recs.sort_by_key(|r| r.0);
    let gap = TimeDelta::from_std(max_gap).unwrap_or(TimeDelta::MAX);
    let mut out: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    let mut push = |a: DateTime<Utc>, b: DateTime<Utc>| {
        if b <= a {
            return;
        }
        match out.last_mut() {
            Some(last) if last.1 >= a => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    };
    use AvailabilityKind::*;
    for w in recs.windows(2) {
        let ((a, ka), (b, kb)) = (w[0], w[1]);
        if matches!(ka, Start | Heartbeat) && matches!(kb, Heartbeat | Stop) && b - a <= gap {
            push(a, b);
        }
    }
    if let Some(&(a, k)) = recs.last() {
        if matches!(k, Start | Heartbeat) && as_of > a && as_of - a <= gap {
            push(a, as_of);
        }
    }
    out
}

/// Total up time inside `[from, to)`.
pub(crate) fn up_within(
    up: &[(DateTime<Utc>, DateTime<Utc>)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> TimeDelta {
    up.iter()
        .map(|&(a, b)| (a.max(from), b.min(to)))
        .filter(|(a, b)| b > a)
        .map(|(a, b)| b - a)
        .sum()
}
