//! CSV renderings: the figures (one row per service and bucket), the checks,
//! and the half-hour intervals. Null is an empty cell; ratios keep full
//! precision.

use super::fields::{figure_cells, Cell};
use crate::sla::report::Report;
use crate::stamp;
use crate::Error;

fn finish(w: csv::Writer<Vec<u8>>) -> Result<String, Error> {
    let bytes = w.into_inner().map_err(|e| Error::Io {
        kind: e.error().kind(),
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn err(e: csv::Error) -> Error {
    Error::Csv {
        reason: e.to_string(),
    }
}

fn cell(c: &Cell) -> String {
    match c {
        Cell::Count(n) => n.to_string(),
        Cell::Ratio(Some(v)) => v.to_string(),
        Cell::Ratio(None) => String::new(),
    }
}

/// `service, contract, period, start, end` then every figure, one row for
/// each service's total (`period` = `total`) and one per breakdown bucket.
pub fn summary_csv(report: &Report) -> Result<String, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["service", "contract", "period", "start", "end"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(
        figure_cells(&Default::default())
            .into_iter()
            .map(|(n, _)| n.to_string()),
    );
    w.write_record(&header).map_err(err)?;
    for s in &report.services {
        let contract = s.contract.clone().unwrap_or_default();
        let rows = std::iter::once(("total".to_string(), &s.start, &s.end, &s.figures)).chain(
            s.breakdown
                .iter()
                .map(|b| (b.label.clone(), &b.start, &b.end, &b.figures)),
        );
        for (label, start, end, figures) in rows {
            let mut row = vec![
                s.service.to_string(),
                contract.clone(),
                label,
                stamp::format(start),
                stamp::format(end),
            ];
            row.extend(figure_cells(figures).iter().map(|(_, c)| cell(c)));
            w.write_record(&row).map_err(err)?;
        }
    }
    finish(w)
}

/// `service, period, sla, value, threshold, met, deviation`.
pub fn checks_csv(report: &Report) -> Result<String, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "service",
        "period",
        "sla",
        "value",
        "threshold",
        "met",
        "deviation",
    ])
    .map_err(err)?;
    for s in &report.services {
        let all = std::iter::once(("total", &s.checks))
            .chain(s.breakdown.iter().map(|b| (b.label.as_str(), &b.checks)));
        for (label, checks) in all {
            for c in checks {
                w.write_record([
                    s.service.to_string(),
                    label.to_string(),
                    c.sla.as_str().to_string(),
                    cell(&Cell::Ratio(c.value)),
                    c.threshold.to_string(),
                    c.met.to_string(),
                    cell(&Cell::Ratio(c.deviation)),
                ])
                .map_err(err)?;
            }
        }
    }
    finish(w)
}

/// `service, start, offered, answered, abandoned, short_abandoned,
/// avg_wait_s, avg_talk_s, within_30s_pct`, one row per half-hour slot.
pub fn intervals_csv(report: &Report) -> Result<String, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "service",
        "start",
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "avg_wait_s",
        "avg_talk_s",
        "within_30s_pct",
    ])
    .map_err(err)?;
    for s in &report.services {
        for i in &s.intervals {
            w.write_record([
                s.service.to_string(),
                stamp::format(&i.start),
                i.offered.to_string(),
                i.answered.to_string(),
                i.abandoned.to_string(),
                i.short_abandoned.to_string(),
                cell(&Cell::Ratio(i.avg_wait_s)),
                cell(&Cell::Ratio(i.avg_talk_s)),
                cell(&Cell::Ratio(i.within_30s_pct)),
            ])
            .map_err(err)?;
        }
    }
    finish(w)
}
