//! The report's types: what `centralino sla --format json` prints.
//!
//! A ratio whose denominator is zero (no answered call for Tm, no queued
//! call for C.2, no voicemail for O.1, …) is `null`, never NaN, and its
//! check is **met** with a `null` deviation: nothing happened that could
//! breach it.

use crate::slots::Grouping;
use crate::stamp::{self, Stamp};
use centralino_model::ServiceId;
use chrono::{NaiveDate, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A whole report: one entry per service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// First day of the period (local to each service).
    pub from: NaiveDate,
    /// Last day of the period, inclusive.
    pub to: NaiveDate,
    /// The instant the report describes the world at (pending voicemails,
    /// availability up to now).
    #[serde(with = "stamp")]
    pub as_of: Stamp,
    /// The breakdown requested besides the totals.
    pub group_by: Option<Grouping>,
    /// One per service, sorted by service id.
    pub services: Vec<ServiceReport>,
}

/// One service over the whole period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceReport {
    /// The service.
    pub service: ServiceId,
    /// The contract covering it, if any.
    pub contract: Option<String>,
    /// The time zone of its windows, slots and days.
    pub time_zone: Tz,
    /// Local midnight starting the period.
    #[serde(with = "stamp")]
    pub start: Stamp,
    /// Local midnight ending the period (exclusive).
    #[serde(with = "stamp")]
    pub end: Stamp,
    /// The figures.
    #[serde(flatten)]
    pub figures: Figures,
    /// The contract's SLAs, each with its verdict.
    pub checks: Vec<Check>,
    /// Half-hour slots with at least one call, in time order.
    pub intervals: Vec<Interval>,
    /// Per day, week, month or year when asked (`group_by`), else empty.
    pub breakdown: Vec<BucketReport>,
}

/// One bucket of the breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BucketReport {
    /// `2026-10-05`, `2026-W41`, `2026-10` or `2026`.
    pub label: String,
    /// First instant of the bucket (clipped to the period).
    #[serde(with = "stamp")]
    pub start: Stamp,
    /// End of the bucket, exclusive (clipped to the period).
    #[serde(with = "stamp")]
    pub end: Stamp,
    /// The figures.
    #[serde(flatten)]
    pub figures: Figures,
    /// The contract's SLAs evaluated on this bucket alone.
    pub checks: Vec<Check>,
}

/// The figures of a span. The first block is issue 5's list; the rest makes
/// the outcome identity and availability visible.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// In-window finished calls.
    pub offered: u64,
    /// Answered by an operator (Ni).
    pub answered: u64,
    /// Abandoned more than the threshold after the anchor (Mi).
    pub abandoned: u64,
    /// Abandoned at or under the threshold.
    pub short_abandoned: u64,
    /// No free line.
    pub rejected: u64,
    /// Voicemail left (in-window calls).
    pub voicemail: u64,
    /// Left the queue with a callback request.
    pub callback: u64,
    /// Tm = ΣTi / N, seconds.
    pub tm_s: Option<f64>,
    /// P = ΣMi / (ΣMi + ΣNi) × 100.
    pub abandoned_pct: Option<f64>,
    /// Q = Ci / Cr × 100 (also SLA.C.4).
    pub resolved_pct: Option<f64>,
    /// C.1: not rejected over offered × 100.
    pub sla_c1_pct: Option<f64>,
    /// C.2: queued calls with queue time under the limit over queued × 100.
    pub sla_c2_within_30s_pct: Option<f64>,
    /// C.2: longest queue time, seconds.
    pub sla_c2_max_wait_s: Option<f64>,
    /// C.3: abandoned over queued × 100.
    pub sla_c3_abandoned_pct: Option<f64>,
    /// O.1: voicemails taken in charge within the working-time limit.
    pub sla_o1_pct: Option<f64>,
    /// O.2: voicemails resolved within the first elapsed-time limit.
    pub sla_o2_pct: Option<f64>,
    /// O.3: voicemails resolved within the second elapsed-time limit.
    pub sla_o3_pct: Option<f64>,
    /// Hung up in the IVR before any queue.
    pub ivr_hangup: u64,
    /// Ended in the IVR by design.
    pub self_service: u64,
    /// Out-of-hours message, no voicemail.
    pub out_of_hours: u64,
    /// Failed (including calls closed after a crash).
    pub failed: u64,
    /// Calls that entered a queue.
    pub queued: u64,
    /// Answered calls resolved at first level (Ci).
    pub resolved: u64,
    /// Calls in the period still in progress (not in `offered`).
    pub in_progress: u64,
    /// Calls in the period that arrived outside the window (not in `offered`).
    pub outside_window: u64,
    /// Every call that arrived in the period: the overflow rule's volume.
    pub arrivals: u64,
    /// Voicemail messages received in the period.
    pub voicemail_messages: u64,
    /// Engine up over service time × 100 (null without availability data).
    pub availability_service_time_pct: Option<f64>,
    /// Engine up outside service time × 100.
    pub availability_other_time_pct: Option<f64>,
    /// Engine up over the whole period, 24×7, × 100.
    pub availability_total_pct: Option<f64>,
    /// Points by which the overflow rule relaxed the percentage thresholds.
    pub overflow_points: u32,
}

/// The SLAs a check can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SlaName {
    /// Trento Tm (seconds, maximum).
    Tm,
    /// Trento P (%, maximum).
    P,
    /// Trento Q (%, minimum).
    Q,
    /// Molise SLA.C.1 (%, minimum).
    C1,
    /// Molise SLA.C.2, share under the limit (%, minimum).
    C2Within,
    /// Molise SLA.C.2, longest wait (seconds, maximum).
    C2MaxWait,
    /// Molise SLA.C.3 (%, maximum).
    C3,
    /// Molise SLA.C.4 (%, minimum).
    C4,
    /// Molise SLA.O.1 (%, minimum).
    O1,
    /// Molise SLA.O.2 (%, minimum).
    O2,
    /// Molise SLA.O.3 (%, minimum).
    O3,
    /// ACD/CTI up during service time (%, minimum).
    AcdServiceTime,
    /// ACD/CTI up outside service time (%, minimum).
    AcdOtherTime,
    /// IVR up 24×7 (%, minimum).
    #[serde(rename = "ivr_24x7")]
    Ivr24x7,
}

impl SlaName {
    /// The name in JSON, CSV and tables.
    pub const fn as_str(self) -> &'static str {
        match self {
            SlaName::Tm => "tm",
            SlaName::P => "p",
            SlaName::Q => "q",
            SlaName::C1 => "c1",
            SlaName::C2Within => "c2_within",
            SlaName::C2MaxWait => "c2_max_wait",
            SlaName::C3 => "c3",
            SlaName::C4 => "c4",
            SlaName::O1 => "o1",
            SlaName::O2 => "o2",
            SlaName::O3 => "o3",
            SlaName::AcdServiceTime => "acd_service_time",
            SlaName::AcdOtherTime => "acd_other_time",
            SlaName::Ivr24x7 => "ivr_24x7",
        }
    }

    /// Whether the threshold is a maximum (value must be ≤) rather than a minimum.
    pub const fn is_maximum(self) -> bool {
        matches!(
            self,
            SlaName::Tm | SlaName::P | SlaName::C2MaxWait | SlaName::C3
        )
    }
}

/// One SLA's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Which SLA.
    pub sla: SlaName,
    /// The measured value (null: zero denominator).
    pub value: Option<f64>,
    /// The threshold after the overflow rule.
    pub threshold: f64,
    /// Whether the SLA is met (a null value is met).
    pub met: bool,
    /// How far the value is on the wrong side of the threshold, in the
    /// SLA's unit (points or seconds); 0 when met, null when value is null.
    pub deviation: Option<f64>,
}

impl Check {
    /// Judge `value` against `threshold`.
    pub fn judge(sla: SlaName, value: Option<f64>, threshold: f64) -> Check {
        let (met, deviation) = match value {
            None => (true, None),
            Some(v) => {
                let miss = if sla.is_maximum() {
                    v - threshold
                } else {
                    threshold - v
                };
                if miss > 0.0 {
                    (false, Some(miss))
                } else {
                    (true, Some(0.0))
                }
            }
        };
        Check {
            sla,
            value,
            threshold,
            met,
            deviation,
        }
    }
}

/// One half-hour slot (the slot of `queued_at`, or of `arrived_at` for a
/// call never queued).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// Slot start, local time with offset.
    #[serde(with = "stamp")]
    pub start: Stamp,
    /// In-window finished calls.
    pub offered: u64,
    /// Answered.
    pub answered: u64,
    /// Abandoned beyond the threshold.
    pub abandoned: u64,
    /// Short abandons.
    pub short_abandoned: u64,
    /// Mean `answered_at − queued_at` of answered calls, seconds.
    pub avg_wait_s: Option<f64>,
    /// Mean talk time of answered calls, seconds.
    pub avg_talk_s: Option<f64>,
    /// Queued calls with queue time under the C.2 limit × 100.
    pub within_30s_pct: Option<f64>,
    #[serde(skip)]
    pub(crate) sums: crate::sla::acc::SlotAcc,
}

/// One point of the time-of-day curve: every slot of the period starting
/// at the same local `HH:MM`, summed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Local start time, `HH:MM`.
    pub time: String,
    /// Offered calls.
    pub offered: u64,
    /// Answered calls.
    pub answered: u64,
    /// Abandoned calls (beyond the threshold).
    pub abandoned: u64,
    /// Short abandons.
    pub short_abandoned: u64,
    /// Mean wait of answered calls, seconds.
    pub avg_wait_s: Option<f64>,
}

impl ServiceReport {
    /// The 48-point time-of-day curve of the half-hour intervals (the two
    /// `02:00` slots of a DST day fall in the same point).
    pub fn daily_curve(&self) -> Vec<CurvePoint> {
        let mut sums = [crate::sla::acc::SlotAcc::default(); 48];
        for i in &self.intervals {
            let idx = (i.start.hour() * 2 + i.start.minute() / 30) as usize;
            if let Some(s) = sums.get_mut(idx) {
                s.merge(&i.sums);
            }
        }
        sums.iter()
            .enumerate()
            .map(|(i, s)| CurvePoint {
                time: format!("{:02}:{:02}", i / 2, (i % 2) * 30),
                offered: s.offered,
                answered: s.answered,
                abandoned: s.abandoned,
                short_abandoned: s.short_abandoned,
                avg_wait_s: ratio_ms(s.answer_sum_ms, s.answer_n),
            })
            .collect()
    }
}

/// `num × 100 / den`, null when `den` is 0. Multiplying first keeps a
/// ratio that equals a decimal threshold exactly equal to it.
pub(crate) fn pct(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| (num as f64 * 100.0) / den as f64)
}

/// Mean milliseconds as seconds, null when `n` is 0.
pub(crate) fn ratio_ms(sum_ms: i128, n: u64) -> Option<f64> {
    (n > 0).then(|| sum_ms as f64 / (n as f64 * 1000.0))
}
