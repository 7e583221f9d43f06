//! A plain-text table for the terminal (`--format table`).

use super::num;
use crate::sla::report::{Check, Figures, Report};
use std::fmt::Write as _;

fn counts_line(f: &Figures) -> String {
    format!(
        "offered {}  answered {}  abandoned {}  short {}  rejected {}  voicemail {}  callback {}  \
         ivr_hangup {}  self_service {}  out_of_hours {}  failed {}  (in progress {}, outside window {})",
        f.offered,
        f.answered,
        f.abandoned,
        f.short_abandoned,
        f.rejected,
        f.voicemail,
        f.callback,
        f.ivr_hangup,
        f.self_service,
        f.out_of_hours,
        f.failed,
        f.in_progress,
        f.outside_window
    )
}

fn checks_block(out: &mut String, checks: &[Check]) {
    if checks.is_empty() {
        out.push_str("  (no contract checks)\n");
        return;
    }
    let _ = writeln!(
        out,
        "  {:<18} {:>10} {:>10}  {:<6} {:>10}",
        "sla", "value", "threshold", "met", "deviation"
    );
    for c in checks {
        let _ = writeln!(
            out,
            "  {:<18} {:>10} {:>10.2}  {:<6} {:>10}",
            c.sla.as_str(),
            num(c.value, 2),
            c.threshold,
            if c.met { "yes" } else { "NO" },
            num(c.deviation, 2)
        );
    }
}

/// The report as a table: per service its figures, its checks (breaches in
/// capitals) and, when grouped, one line per bucket.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "SLA report {} – {}", report.from, report.to);
    for s in &report.services {
        let f = &s.figures;
        let _ = writeln!(
            out,
            "\n{} ({}) {} – {} [{}]",
            s.service,
            s.contract.as_deref().unwrap_or("no contract"),
            s.start.format("%Y-%m-%d %H:%M%:z"),
            s.end.format("%Y-%m-%d %H:%M%:z"),
            s.time_zone
        );
        let _ = writeln!(out, "  {}", counts_line(f));
        let _ = writeln!(
            out,
            "  Tm {} s  P {} %  Q {} %  C.1 {} %  C.2 {} % (max {} s)  C.3 {} %  O.1 {} %  O.2 {} %  O.3 {} %",
            num(f.tm_s, 2),
            num(f.abandoned_pct, 2),
            num(f.resolved_pct, 2),
            num(f.sla_c1_pct, 2),
            num(f.sla_c2_within_30s_pct, 2),
            num(f.sla_c2_max_wait_s, 1),
            num(f.sla_c3_abandoned_pct, 2),
            num(f.sla_o1_pct, 2),
            num(f.sla_o2_pct, 2),
            num(f.sla_o3_pct, 2)
        );
        let _ = writeln!(
            out,
            "  availability: service time {} %  other time {} %  total {} %  overflow points {}",
            num(f.availability_service_time_pct, 2),
            num(f.availability_other_time_pct, 2),
            num(f.availability_total_pct, 2),
            f.overflow_points
        );
        checks_block(&mut out, &s.checks);
        if !s.breakdown.is_empty() {
            let _ = writeln!(
                out,
                "  {:<12} {:>8} {:>8} {:>9} {:>6} {:>8} {:>7} {:>7} {:>7} {:>5}",
                "period",
                "offered",
                "answered",
                "abandoned",
                "short",
                "tm_s",
                "P%",
                "Q%",
                "C.2%",
                "met"
            );
            for b in &s.breakdown {
                let g = &b.figures;
                let _ = writeln!(
                    out,
                    "  {:<12} {:>8} {:>8} {:>9} {:>6} {:>8} {:>7} {:>7} {:>7} {:>5}",
                    b.label,
                    g.offered,
                    g.answered,
                    g.abandoned,
                    g.short_abandoned,
                    num(g.tm_s, 2),
                    num(g.abandoned_pct, 2),
                    num(g.resolved_pct, 2),
                    num(g.sla_c2_within_30s_pct, 2),
                    if b.checks.iter().all(|c| c.met) {
                        "yes"
                    } else {
                        "NO"
                    }
                );
            }
        }
    }
    out
}
