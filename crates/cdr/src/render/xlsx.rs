//! The spreadsheet (`--format xlsx`): per service one sheet with figures,
//! checks and breakdown, and one sheet with the half-hour curve (a native
//! line chart over the time-of-day profile, then every slot). Values that
//! breach a threshold are red, met checks green.

use super::fields::{figure_cells, Cell};
use crate::sla::report::{Check, Figures, Report, ServiceReport, SlaName};
use crate::stamp;
use crate::Error;
use rust_xlsxwriter::{Chart, ChartType, Color, Format, Workbook, Worksheet, XlsxError};
use std::collections::HashSet;

fn err(e: XlsxError) -> Error {
    Error::Xlsx {
        reason: e.to_string(),
    }
}

/// The figure column an SLA is judged on.
fn figure_of(sla: SlaName) -> &'static str {
    match sla {
        SlaName::Tm => "tm_s",
        SlaName::P => "abandoned_pct",
        SlaName::Q | SlaName::C4 => "resolved_pct",
        SlaName::C1 => "sla_c1_pct",
        SlaName::C2Within => "sla_c2_within_30s_pct",
        SlaName::C2MaxWait => "sla_c2_max_wait_s",
        SlaName::C3 => "sla_c3_abandoned_pct",
        SlaName::O1 => "sla_o1_pct",
        SlaName::O2 => "sla_o2_pct",
        SlaName::O3 => "sla_o3_pct",
        SlaName::AcdServiceTime => "availability_service_time_pct",
        SlaName::AcdOtherTime => "availability_other_time_pct",
        SlaName::Ivr24x7 => "availability_total_pct",
    }
}

fn breached(checks: &[Check]) -> HashSet<&'static str> {
    checks
        .iter()
        .filter(|c| !c.met)
        .map(|c| figure_of(c.sla))
        .collect()
}

struct Formats {
    bold: Format,
    bad: Format,
    good: Format,
    number: Format,
}

/// A sheet name Excel accepts (≤ 31 characters, none of `[]:*?/\`),
/// unique within the workbook.
fn sheet_name(base: &str, suffix: &str, used: &mut HashSet<String>) -> String {
    let clean: String = base
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31 - suffix.chars().count() - 3)
        .collect();
    let mut name = format!("{clean}{suffix}");
    let mut n = 2;
    while !used.insert(name.to_lowercase()) {
        name = format!("{clean}~{n}{suffix}");
        n += 1;
    }
    name
}

fn write_value(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: Cell,
    fmt: &Format,
) -> Result<(), Error> {
    match cell {
        Cell::Count(n) => ws
            .write_number_with_format(row, col, n as f64, fmt)
            .map_err(err)?,
        Cell::Ratio(Some(v)) => ws.write_number_with_format(row, col, v, fmt).map_err(err)?,
        Cell::Ratio(None) => ws
            .write_string_with_format(row, col, "-", fmt)
            .map_err(err)?,
    };
    Ok(())
}

fn figure_row(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    f: &Figures,
    checks: &[Check],
    fm: &Formats,
) -> Result<(), Error> {
    let bad = breached(checks);
    for (i, (name, cell)) in figure_cells(f).into_iter().enumerate() {
        let fmt = if bad.contains(name) {
            &fm.bad
        } else {
            &fm.number
        };
        write_value(ws, row, col + i as u16, cell, fmt)?;
    }
    Ok(())
}

fn summary_sheet(ws: &mut Worksheet, s: &ServiceReport, fm: &Formats) -> Result<(), Error> {
    let title = format!(
        "{} ({}) {} – {}",
        s.service,
        s.contract.as_deref().unwrap_or("no contract"),
        stamp::format(&s.start),
        stamp::format(&s.end)
    );
    ws.write_string_with_format(0, 0, title, &fm.bold)
        .map_err(err)?;
    ws.set_column_width(0, 32).map_err(err)?;
    let bad = breached(&s.checks);
    let mut row = 2;
    ws.write_string_with_format(row, 0, "figure", &fm.bold)
        .map_err(err)?;
    ws.write_string_with_format(row, 1, "value", &fm.bold)
        .map_err(err)?;
    for (name, cell) in figure_cells(&s.figures) {
        row += 1;
        ws.write_string(row, 0, name).map_err(err)?;
        let fmt = if bad.contains(name) {
            &fm.bad
        } else {
            &fm.number
        };
        write_value(ws, row, 1, cell, fmt)?;
    }
    row += 2;
    for (c, h) in ["sla", "value", "threshold", "met", "deviation"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *h, &fm.bold)
            .map_err(err)?;
    }
    for c in &s.checks {
        row += 1;
        let fmt = if c.met { &fm.good } else { &fm.bad };
        ws.write_string_with_format(row, 0, c.sla.as_str(), fmt)
            .map_err(err)?;
        write_value(ws, row, 1, Cell::Ratio(c.value), fmt)?;
        ws.write_number_with_format(row, 2, c.threshold, &fm.number)
            .map_err(err)?;
        ws.write_string_with_format(row, 3, if c.met { "yes" } else { "NO" }, fmt)
            .map_err(err)?;
        write_value(ws, row, 4, Cell::Ratio(c.deviation), fmt)?;
    }
    if !s.breakdown.is_empty() {
        row += 2;
        ws.write_string_with_format(row, 0, "period", &fm.bold)
            .map_err(err)?;
        for (i, (name, _)) in figure_cells(&s.figures).into_iter().enumerate() {
            ws.write_string_with_format(row, 1 + i as u16, name, &fm.bold)
                .map_err(err)?;
        }
        for b in &s.breakdown {
            row += 1;
            let fmt = if b.checks.iter().all(|c| c.met) {
                &fm.number
            } else {
                &fm.bad
            };
            ws.write_string_with_format(row, 0, b.label.as_str(), fmt)
                .map_err(err)?;
            figure_row(ws, row, 1, &b.figures, &b.checks, fm)?;
        }
    }
    Ok(())
}

fn curve_sheet(
    ws: &mut Worksheet,
    name: &str,
    s: &ServiceReport,
    fm: &Formats,
) -> Result<(), Error> {
    let head = [
        "time",
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "avg_wait_s",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &fm.bold)
            .map_err(err)?;
    }
    let curve = s.daily_curve();
    for (r, p) in curve.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, p.time.as_str()).map_err(err)?;
        for (c, v) in [p.offered, p.answered, p.abandoned, p.short_abandoned]
            .into_iter()
            .enumerate()
        {
            ws.write_number(r, c as u16 + 1, v as f64).map_err(err)?;
        }
        write_value(ws, r, 5, Cell::Ratio(p.avg_wait_s), &fm.number)?;
    }
    let last = curve.len() as u32;
    let mut chart = Chart::new(ChartType::Line);
    let title = format!("{}: calls per half-hour", s.service);
    chart.title().set_name(&title);
    for col in 1..=3u16 {
        chart
            .add_series()
            .set_name((name, 0, col))
            .set_categories((name, 1, 0, last, 0))
            .set_values((name, 1, col, last, col));
    }
    ws.insert_chart(1, 8, &chart).map_err(err)?;

    let head = [
        "slot start",
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "avg_wait_s",
        "avg_talk_s",
        "within_30s_pct",
    ];
    let col0 = 18u16;
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, col0 + c as u16, *h, &fm.bold)
            .map_err(err)?;
    }
    ws.set_column_width(col0, 30).map_err(err)?;
    for (r, i) in s.intervals.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, col0, stamp::format(&i.start))
            .map_err(err)?;
        let cells = [
            Cell::Count(i.offered),
            Cell::Count(i.answered),
            Cell::Count(i.abandoned),
            Cell::Count(i.short_abandoned),
            Cell::Ratio(i.avg_wait_s),
            Cell::Ratio(i.avg_talk_s),
            Cell::Ratio(i.within_30s_pct),
        ];
        for (c, cell) in cells.into_iter().enumerate() {
            write_value(ws, r, col0 + 1 + c as u16, cell, &fm.number)?;
        }
    }
    Ok(())
}

/// The report as an `.xlsx` file's bytes.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, Error> {
    let fm = Formats {
        bold: Format::new().set_bold(),
        bad: Format::new()
            .set_background_color(Color::RGB(0xFFC7CE))
            .set_font_color(Color::RGB(0x9C0006))
            .set_num_format("0.00"),
        good: Format::new()
            .set_background_color(Color::RGB(0xC6EFCE))
            .set_font_color(Color::RGB(0x006100))
            .set_num_format("0.00"),
        number: Format::new().set_num_format("0.##"),
    };
    let mut wb = Workbook::new();
    let mut used = HashSet::new();
    if report.services.is_empty() {
        wb.add_worksheet()
            .write_string(0, 0, "no services in this report")
            .map_err(err)?;
    }
    for s in &report.services {
        let name = sheet_name(s.service.as_str(), "", &mut used);
        let ws = wb.add_worksheet();
        ws.set_name(name.as_str()).map_err(err)?;
        summary_sheet(ws, s, &fm)?;
        let curve = sheet_name(s.service.as_str(), " curve", &mut used);
        let ws = wb.add_worksheet();
        ws.set_name(curve.as_str()).map_err(err)?;
        curve_sheet(ws, &curve, s, &fm)?;
    }
    wb.save_to_buffer().map_err(err)
}
