//! The report, rendered. Every renderer returns bytes or a string; writing
//! them somewhere is the caller's business.

mod csv;
mod fields;
mod svg;
mod table;
mod xlsx;

pub use self::csv::{checks_csv, intervals_csv, summary_csv};
pub use self::svg::svg_chart;
pub use self::table::table;
pub use self::xlsx::xlsx;

use crate::sla::report::Report;

/// The report as pretty-printed JSON (`docs/sla.md` has the schema).
pub fn json(report: &Report) -> String {
    // Serializing the report cannot fail: no maps with non-string keys,
    // no NaN (ratios are `Option`).
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// Format an optional number with `decimals` places, `-` for null.
pub(crate) fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.decimals$}"))
}
