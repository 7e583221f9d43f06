//! `cargo bench -p centralino-cdr`: the pure monthly report over N
//! synthetic CDRs (default 1,000,000; `CDR_BENCH_CALLS` to change).
//!
//! Prints the time to generate the CDRs alone, then the time to generate
//! and report in one streaming pass, and the difference (the report's cost).
//! The server's benchmark (SQLite included) is BENCHMARKS.md's.

use centralino_cdr::synth::SynthMonth;
use centralino_cdr::{ContractsConfig, Grouping, ReportQuery, SlaEngine, WeeklyCalendar};
use chrono::{NaiveDate, TimeZone, Utc};
use std::time::Instant;

fn main() {
    let n: u64 = std::env::var("CDR_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let spec = SynthMonth::new(42, n, 2026, 10);
    let contracts: ContractsConfig = serde_saphyr_free_contracts();
    let calendar = WeeklyCalendar::office_hours();
    let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap_or_default();
    let as_of = Utc
        .with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
        .single()
        .unwrap_or_default();

    let t0 = Instant::now();
    let mut calls = 0u64;
    for cdr in spec.iter() {
        calls += u64::from(!cdr.call_id.as_str().is_empty());
    }
    let gen = t0.elapsed();

    for group in [None, Some(Grouping::Day)] {
        let t1 = Instant::now();
        let mut q = ReportQuery::new(day(1), day(31), as_of);
        q.group_by = group;
        let Ok(mut engine) = SlaEngine::new(&contracts, &calendar, q) else {
            return;
        };
        for cdr in spec.iter() {
            engine.add_cdr(&cdr);
        }
        let report = engine.finish();
        let both = t1.elapsed();
        let offered: u64 = report.services.iter().map(|s| s.figures.offered).sum();
        println!(
            "{calls} CDRs, group_by {group:?}: generate {gen:?}, generate+report {both:?}, report ≈ {:?} ({offered} offered)",
            both.saturating_sub(gen)
        );
    }
}

/// The shipped contracts, built in code so the bench needs no YAML parser.
fn serde_saphyr_free_contracts() -> ContractsConfig {
    let text = r#"{
      "trento-2014": {"services": ["apiae", "motorizzazione"], "abandon_measured_from": "arrived",
                      "slas": {"tm_max": "13s", "p_max_pct": 3.0, "q_min_pct": 75}},
      "trento-2020": {"services": ["agenzia-lavoro", "trentino-digitale"], "abandon_measured_from": "arrived",
                      "slas": {"tm_max": "16s", "p_max_pct": 3.0, "q_min_pct": 75}},
      "molise": {"services": ["molise"], "forecast_monthly_volume": 16667,
                 "slas": {"c1_min_pct": 90, "c2": {"within": "30s", "min_pct": 90, "max_wait": "90s"},
                          "c3_max_pct": 5, "c4_min_pct": 80}}
    }"#;
    serde_json::from_str(text).unwrap_or_default()
}
