//! The crate's one error type.

use crate::cdr::CallId;
use centralino_model::ServiceId;
use chrono::NaiveDate;

/// Everything that can go wrong in this crate. Every variant carries the
/// data needed to explain itself; none of them is a panic in disguise.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A fold was given no events at all.
    #[error("no events to fold")]
    NoEvents,
    /// A call's events contain no `arrived` event, so there is no service,
    /// no numbers and no arrival instant to build a CDR from.
    #[error("call {call_id}: no `arrived` event")]
    NoArrival {
        /// The call whose events were folded.
        call_id: CallId,
    },
    /// A line of JSON (a CDR, an event, a JSONL archive line) did not parse.
    #[error("line {line}, column {column}: {reason}")]
    Json {
        /// 1-based line in the input (1 for a single document).
        line: usize,
        /// 1-based column reported by the parser.
        column: usize,
        /// What the parser expected.
        reason: String,
    },
    /// Writing to the caller's sink failed.
    #[error("write failed: {kind:?}")]
    Io {
        /// The kind of I/O error the sink returned.
        kind: std::io::ErrorKind,
    },
    /// The CSV writer failed.
    #[error("CSV: {reason}")]
    Csv {
        /// The writer's explanation.
        reason: String,
    },
    /// The spreadsheet writer failed.
    #[error("XLSX: {reason}")]
    Xlsx {
        /// The writer's explanation.
        reason: String,
    },
    /// The chart renderer failed.
    #[error("chart: {reason}")]
    Chart {
        /// The renderer's explanation.
        reason: String,
    },
    /// A percentage in config was outside 0..=100 or not a number.
    #[error("percentage {value} is outside 0..=100")]
    InvalidPercent {
        /// The value found.
        value: f64,
    },
    /// A service was listed by two contracts.
    #[error("service {service} is covered by both contract {first} and contract {second}")]
    ServiceInTwoContracts {
        /// The service listed twice.
        service: ServiceId,
        /// The first contract listing it.
        first: String,
        /// The second contract listing it.
        second: String,
    },
    /// A report period that ends before it starts.
    #[error("report period ends ({to}) before it starts ({from})")]
    InvalidPeriod {
        /// First day of the period.
        from: NaiveDate,
        /// Last day of the period (inclusive).
        to: NaiveDate,
    },
    /// A report period outside years 2–9998.
    #[error("report period {from} – {to} is outside years 2–9998")]
    PeriodOutOfRange {
        /// First day of the period.
        from: NaiveDate,
        /// Last day of the period (inclusive).
        to: NaiveDate,
    },
    /// A report period longer than the engine accepts (about 20 years).
    #[error("report period of {days} days is too long (at most {max} days)")]
    PeriodTooLong {
        /// Days requested.
        days: i64,
        /// The limit.
        max: i64,
    },
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io { kind: e.kind() }
    }
}

impl Error {
    /// A JSON error at `line` of a multi-line input.
    pub(crate) fn json(line: usize, e: &serde_json::Error) -> Self {
        let reason = e.to_string();
        // serde_json appends " at line L column C"; the fields carry that.
        let reason = match reason.rfind(" at line ") {
            Some(i) => reason[..i].to_string(),
            None => reason,
        };
        Error::Json {
            line,
            column: e.column(),
            reason,
        }
    }
}
