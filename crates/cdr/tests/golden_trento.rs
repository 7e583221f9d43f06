//! A hand-computed Trento month (October 2026, Mon–Fri 08:00–17:00
//! Europe/Rome), with the boundaries of Tm, P and Q.

mod common;
use centralino_cdr::*;
use common::*;
use Resolution::{Escalated, Resolved};

const TRENTO: &str = "
t:
  services: [ts]
  abandon_threshold: 10s
  default_resolution: resolved
  slas: { tm_max: 13s, p_max_pct: 3.0, q_min_pct: 75 }
";

/// The month. Ti = answered_at − queued_at; every instant below is
/// milliseconds after arrival.
fn month() -> Vec<Cdr> {
    vec![
        // A1–A4 answered. Ti = 5, 10, 15, 20 s → Tm = 50 / 4 = 12.5 s (≤ 13: met).
        // Resolved 3 of 4 (A3 escalated) → Q = 75 % (≥ 75: met, on the boundary).
        call("A1", "ts", "2026-10-05T09:00:00.000+02:00")
            .queued(8_000)
            .answered(13_000, 60_000, Some(Resolved))
            .done(),
        call("A2", "ts", "2026-10-05T09:10:00.000+02:00")
            .queued(8_000)
            .answered(18_000, 60_000, Some(Resolved))
            .done(),
        // Arrives at the window's last millisecond: counts. Queued at 17:00:07.999, so
        // its half-hour slot (slot of queued_at) is 17:00.
        call("A3", "ts", "2026-10-06T16:59:59.999+02:00")
            .queued(8_000)
            .answered(23_000, 60_000, Some(Escalated))
            .done(),
        call("A4", "ts", "2026-10-30T12:00:00.000+01:00")
            .queued(8_000)
            .answered(28_000, 60_000, Some(Resolved))
            .done(),
        // B1–B3: hang up 9.999 / 10.000 / 10.001 s after queued_at.
        // B1, B2 short abandons; B3 abandoned (Mi). P = 1 / (1 + 4) = 20 % (> 3: breached by 17).
        call("B1", "ts", "2026-10-07T10:00:00.000+02:00")
            .queued(5_000)
            .abandoned(14_999)
            .done(),
        call("B2", "ts", "2026-10-07T10:05:00.000+02:00")
            .queued(5_000)
            .abandoned(15_000)
            .done(),
        call("B3", "ts", "2026-10-07T10:10:00.000+02:00")
            .queued(5_000)
            .abandoned(15_001)
            .done(),
        // C1–C5: one of each other outcome; C4 waits 60 s, C5 90 s in queue.
        call("C1", "ts", "2026-10-08T11:00:00.000+02:00")
            .end(20_000, EndedBy::Caller, Outcome::IvrHangup)
            .done(),
        call("C2", "ts", "2026-10-08T11:01:00.000+02:00")
            .end(0, EndedBy::System, Outcome::Rejected)
            .done(),
        call("C3", "ts", "2026-10-08T11:02:00.000+02:00")
            .end(30_000, EndedBy::System, Outcome::SelfService)
            .done(),
        call("C4", "ts", "2026-10-08T11:03:00.000+02:00")
            .queued(5_000)
            .end(65_000, EndedBy::System, Outcome::Callback)
            .done(),
        call("C5", "ts", "2026-10-08T11:04:00.000+02:00")
            .queued(5_000)
            .end(95_000, EndedBy::System, Outcome::Failed)
            .done(),
        // C6 still in progress: reported apart, not offered.
        call("C6", "ts", "2026-10-08T11:05:00.000+02:00")
            .queued(5_000)
            .done(),
        // D1–D3 outside the window (Saturday; 07:59:59.999; 17:00:00.000): excluded.
        call("D1", "ts", "2026-10-03T10:00:00.000+02:00")
            .queued(1_000)
            .answered(2_000, 10_000, None)
            .done(),
        call("D2", "ts", "2026-10-05T07:59:59.999+02:00")
            .queued(1_000)
            .answered(2_000, 10_000, None)
            .done(),
        call("D3", "ts", "2026-10-05T17:00:00.000+02:00")
            .queued(1_000)
            .answered(2_000, 10_000, None)
            .done(),
        // D4, D5 outside the period; D6 another service.
        call("D4", "ts", "2026-09-30T16:00:00.000+02:00")
            .queued(1_000)
            .answered(2_000, 10_000, None)
            .done(),
        call("D5", "ts", "2026-11-02T09:00:00.000+01:00")
            .queued(1_000)
            .answered(2_000, 10_000, None)
            .done(),
        call("D6", "other", "2026-10-05T09:00:00.000+02:00")
            .queued(1_000)
            .answered(2_000, 10_000, None)
            .done(),
    ]
}

#[test]
fn golden_trento_month() {
    let cfg = contracts(TRENTO);
    let cal = WeeklyCalendar::office_hours();
    let q = query(day(2026, 10, 1), day(2026, 10, 31))
        .service("ts".into())
        .grouped_by(Grouping::Week);
    let r = compute_report(month(), &[], None, &cfg, &cal, q).unwrap();
    assert_eq!(r.services.len(), 1);
    let s = &r.services[0];
    let f = &s.figures;
    // offered = 4 answered + 1 abandoned + 2 short + ivr_hangup + rejected
    //         + self_service + callback + failed = 12.
    assert_eq!(
        (
            f.offered,
            f.answered,
            f.abandoned,
            f.short_abandoned,
            f.rejected,
            f.callback
        ),
        (12, 4, 1, 2, 1, 1)
    );
    assert_eq!(
        (
            f.ivr_hangup,
            f.self_service,
            f.failed,
            f.voicemail,
            f.out_of_hours
        ),
        (1, 1, 1, 0, 0)
    );
    assert!(identity_holds(f));
    // 12 offered + C6 in progress + D1–D3 outside the window = 16 arrivals.
    assert_eq!((f.in_progress, f.outside_window, f.arrivals), (1, 3, 16));
    assert_eq!(f.tm_s, Some(12.5));
    assert_eq!(f.abandoned_pct, Some(20.0));
    assert_eq!(f.resolved_pct, Some(75.0));
    // C.1 = 11 / 12; queued = A1–A4, B1–B3, C4, C5 = 9; under 30 s: all but
    // C4 (60 s) and C5 (90 s) → 7 / 9; C.3 = (1 + 2) / 9; max wait 90 s (C5).
    assert!(close(f.sla_c1_pct, 1100.0 / 12.0));
    assert_eq!(f.queued, 9);
    assert!(close(f.sla_c2_within_30s_pct, 700.0 / 9.0));
    assert!(close(f.sla_c3_abandoned_pct, 300.0 / 9.0));
    assert_eq!(f.sla_c2_max_wait_s, Some(90.0));
    assert_eq!(f.sla_o1_pct, None);

    // Checks: Tm 12.5 ≤ 13 met; P 20 > 3 breached by 17; Q 75 ≥ 75 met.
    assert_eq!(
        check(s, SlaName::Tm),
        Check {
            sla: SlaName::Tm,
            value: Some(12.5),
            threshold: 13.0,
            met: true,
            deviation: Some(0.0)
        }
    );
    assert_eq!(
        check(s, SlaName::P),
        Check {
            sla: SlaName::P,
            value: Some(20.0),
            threshold: 3.0,
            met: false,
            deviation: Some(17.0)
        }
    );
    assert_eq!(
        check(s, SlaName::Q),
        Check {
            sla: SlaName::Q,
            value: Some(75.0),
            threshold: 75.0,
            met: true,
            deviation: Some(0.0)
        }
    );
    assert_eq!(s.checks.len(), 3);

    // Slots: 09:00 on the 5th (A1, A2), 17:00 on the 6th (A3, by queued_at),
    // 10:00 on the 7th (B1–B3), 11:00 on the 8th (C1–C5), 12:00 on the 30th (A4).
    let starts: Vec<String> = s
        .intervals
        .iter()
        .map(|i| stamp::format(&i.start))
        .collect();
    assert_eq!(
        starts,
        [
            "2026-10-05T09:00:00.000+02:00",
            "2026-10-06T17:00:00.000+02:00",
            "2026-10-07T10:00:00.000+02:00",
            "2026-10-08T11:00:00.000+02:00",
            "2026-10-30T12:00:00.000+01:00"
        ]
    );
    let i0 = &s.intervals[0];
    // A1, A2: waits 5 and 10 s → 7.5; talk 60 s; both queued under 30 s.
    assert_eq!(
        (
            i0.offered,
            i0.answered,
            i0.avg_wait_s,
            i0.avg_talk_s,
            i0.within_30s_pct
        ),
        (2, 2, Some(7.5), Some(60.0), Some(100.0))
    );
    let i2 = &s.intervals[2];
    assert_eq!(
        (
            i2.offered,
            i2.answered,
            i2.abandoned,
            i2.short_abandoned,
            i2.avg_wait_s
        ),
        (3, 0, 1, 2, None)
    );
    let i3 = &s.intervals[3];
    // C1–C5: 5 offered; queued C4 (60 s) and C5 (90 s): none under 30 s.
    assert_eq!((i3.offered, i3.within_30s_pct), (5, Some(0.0)));

    // Weeks: W40 (1–4 Oct, nothing in window), W41 (A1–A3, B, C), W42, W43, W44 (A4).
    let labels: Vec<&str> = s.breakdown.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(
        labels,
        ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
    );
    assert_eq!(
        stamp::format(&s.breakdown[0].start),
        "2026-10-01T00:00:00.000+02:00"
    );
    assert_eq!(
        stamp::format(&s.breakdown[4].end),
        "2026-11-01T00:00:00.000+01:00"
    );
    assert_eq!(s.breakdown[0].figures.outside_window, 1); // D1, Saturday 3rd
    assert_eq!(s.breakdown[1].figures.offered, 11);
    assert_eq!(s.breakdown[4].figures.offered, 1);
    // W40 has no answered call: Tm null and met (zero denominator).
    let w40_tm = s.breakdown[0]
        .checks
        .iter()
        .find(|c| c.sla == SlaName::Tm)
        .unwrap();
    assert_eq!(
        (w40_tm.value, w40_tm.met, w40_tm.deviation),
        (None, true, None)
    );
    let sum: u64 = s.breakdown.iter().map(|b| b.figures.offered).sum();
    assert_eq!(sum, f.offered);
}

/// The seed's reading (Trento, note to Tabella 2): 10 s "dal momento di
/// registrazione del sistema telefonico", i.e. from arrival.
#[test]
fn abandon_measured_from_arrival() {
    let cfg = contracts(&TRENTO.replace(
        "abandon_threshold: 10s",
        "abandon_threshold: 10s\n  abandon_measured_from: arrived",
    ));
    let cal = WeeklyCalendar::office_hours();
    let cdrs = vec![
        // Queued after 3 s; hang-up 9.999 / 10.000 / 10.001 s after arrival.
        call("E1", "ts", "2026-10-05T10:00:00.000+02:00")
            .queued(3_000)
            .abandoned(9_999)
            .done(),
        call("E2", "ts", "2026-10-05T10:01:00.000+02:00")
            .queued(3_000)
            .abandoned(10_000)
            .done(),
        call("E3", "ts", "2026-10-05T10:02:00.000+02:00")
            .queued(3_000)
            .abandoned(10_001)
            .done(),
        // 12 s after arrival but only 4 s in queue: abandoned from arrival,
        // a short abandon from queued_at.
        call("E4", "ts", "2026-10-05T10:03:00.000+02:00")
            .queued(8_000)
            .abandoned(12_000)
            .done(),
    ];
    let q = query(day(2026, 10, 1), day(2026, 10, 31));
    let r = compute_report(&cdrs, &[], None, &cfg, &cal, q.clone()).unwrap();
    let f = &r.services[0].figures;
    // E3, E4 abandoned; E1, E2 short. P = 2 / (2 + 0) = 100 %.
    assert_eq!(
        (f.abandoned, f.short_abandoned, f.abandoned_pct),
        (2, 2, Some(100.0))
    );

    let r = compute_report(&cdrs, &[], None, &contracts(TRENTO), &cal, q).unwrap();
    let f = &r.services[0].figures;
    // From queued_at: E1 6.999, E2 7.000, E3 7.001, E4 4.000 s → all short.
    assert_eq!(
        (f.abandoned, f.short_abandoned, f.abandoned_pct),
        (0, 4, None)
    );
}

#[test]
fn the_seed_reading_changes_the_golden_month() {
    let cfg = contracts(&TRENTO.replace(
        "abandon_threshold: 10s",
        "abandon_threshold: 10s\n  abandon_measured_from: arrived",
    ));
    let cal = WeeklyCalendar::office_hours();
    let r = compute_report(
        month(),
        &[],
        None,
        &cfg,
        &cal,
        query(day(2026, 10, 1), day(2026, 10, 31)).service("ts".into()),
    )
    .unwrap();
    let f = &r.services[0].figures;
    // B1–B3 hang up 14.999 / 15.000 / 15.001 s after arrival: all Mi.
    // P = 3 / (3 + 4) = 42.857… %.
    assert_eq!((f.abandoned, f.short_abandoned), (3, 0));
    assert!(close(f.abandoned_pct, 300.0 / 7.0));
}

#[test]
fn an_empty_month_is_null_and_met() {
    let cfg = contracts(TRENTO);
    let cal = WeeklyCalendar::office_hours();
    let r = compute_report(
        Vec::<Cdr>::new(),
        &[],
        None,
        &cfg,
        &cal,
        query(day(2026, 10, 1), day(2026, 10, 31)),
    )
    .unwrap();
    let s = &r.services[0];
    assert_eq!(s.service.as_str(), "ts");
    assert_eq!(
        (s.figures.offered, s.figures.tm_s, s.figures.abandoned_pct),
        (0, None, None)
    );
    assert!(s
        .checks
        .iter()
        .all(|c| c.met && c.value.is_none() && c.deviation.is_none()));
    let json = render::json(&r);
    assert!(json.contains("\"tm_s\": null"), "{json}");
    assert!(!json.contains("NaN"));
}
