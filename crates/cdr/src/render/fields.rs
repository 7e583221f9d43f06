//! The figures as (name, cell) pairs, in schema order, shared by the
//! CSV, table and XLSX renderers.

use crate::sla::report::Figures;

/// One figure's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell {
    Count(u64),
    Ratio(Option<f64>),
}

pub(crate) fn figure_cells(f: &Figures) -> Vec<(&'static str, Cell)> {
    use Cell::{Count as C, Ratio as R};
    vec![
        ("offered", C(f.offered)),
        ("answered", C(f.answered)),
        ("abandoned", C(f.abandoned)),
        ("short_abandoned", C(f.short_abandoned)),
        ("rejected", C(f.rejected)),
        ("voicemail", C(f.voicemail)),
        ("callback", C(f.callback)),
        ("tm_s", R(f.tm_s)),
        ("abandoned_pct", R(f.abandoned_pct)),
        ("resolved_pct", R(f.resolved_pct)),
        ("sla_c1_pct", R(f.sla_c1_pct)),
        ("sla_c2_within_30s_pct", R(f.sla_c2_within_30s_pct)),
        ("sla_c2_max_wait_s", R(f.sla_c2_max_wait_s)),
        ("sla_c3_abandoned_pct", R(f.sla_c3_abandoned_pct)),
        ("sla_o1_pct", R(f.sla_o1_pct)),
        ("sla_o2_pct", R(f.sla_o2_pct)),
        ("sla_o3_pct", R(f.sla_o3_pct)),
        ("ivr_hangup", C(f.ivr_hangup)),
        ("self_service", C(f.self_service)),
        ("out_of_hours", C(f.out_of_hours)),
        ("failed", C(f.failed)),
        ("queued", C(f.queued)),
        ("resolved", C(f.resolved)),
        ("in_progress", C(f.in_progress)),
        ("outside_window", C(f.outside_window)),
        ("arrivals", C(f.arrivals)),
        ("voicemail_messages", C(f.voicemail_messages)),
        (
            "availability_service_time_pct",
            R(f.availability_service_time_pct),
        ),
        (
            "availability_other_time_pct",
            R(f.availability_other_time_pct),
        ),
        ("availability_total_pct", R(f.availability_total_pct)),
        ("overflow_points", C(u64::from(f.overflow_points))),
    ]
}
