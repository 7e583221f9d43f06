//! Call events, CDRs and the tenders' SLA reports, pure.
//!
//! - [`events`]: what the engine reports about a call ([`CallEvent`]).
//! - [`fold`]: events → [`Cdr`], a pure fold ([`fold::fold`], [`CdrFold`]).
//! - [`io`]: CDR archives, JSONL in and out, CSV out.
//! - [`config`]: the `contracts:` section ([`ContractsConfig`]).
//! - [`calendar`]: the [`ServiceCalendar`] the SLA engine asks about windows.
//! - [`sla`]: the SLA engine ([`SlaEngine`], [`compute_report`]) and its
//!   [`Report`].
//! - [`render`]: the report as JSON, CSV, a terminal table, XLSX and SVG.
//! - [`synth`]: deterministic synthetic months for tests and benchmarks.
//!
//! No I/O, no clock: every instant is an argument. Formulas, boundaries and
//! the JSON schemas are documented in `docs/sla.md`.

#![warn(missing_docs)]

pub mod calendar;
pub mod cdr;
pub mod config;
mod error;
pub mod events;
pub mod fold;
pub mod io;
pub mod render;
pub mod sla;
pub mod slots;
pub mod stamp;
pub mod synth;

pub use calendar::{ServiceCalendar, Week, WeeklyCalendar};
pub use cdr::{CallId, Cdr, EndedBy, Outcome, Resolution};
pub use config::{AbandonFrom, Contract, ContractsConfig, Percent, Slas};
pub use error::Error;
pub use events::{CallEvent, EventKind, IvrOutcome, RejectReason};
pub use fold::{CdrFold, FoldOptions};
pub use sla::availability::{AvailabilityKind, AvailabilityRecord};
pub use sla::offline::VoicemailRecord;
pub use sla::report::{
    BucketReport, Check, CurvePoint, Figures, Interval, Report, ServiceReport, SlaName,
};
pub use sla::{compute_report, ReportQuery, SlaEngine};
pub use slots::Grouping;
pub use stamp::Stamp;
