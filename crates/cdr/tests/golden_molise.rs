//! Hand-computed Molise figures: C.1–C.4 with the 30 s / 90 s boundaries,
//! the overflow rule, O.1–O.3 and availability. Window Mon–Fri 08:00–19:00.

mod common;
use centralino_cdr::*;
use chrono::{NaiveTime, TimeDelta};
use common::*;
use Resolution::{Escalated, Resolved};

const MOLISE: &str = "
molise:
  services: [molise]
  forecast_monthly_volume: 100000
  slas:
    c1_min_pct: 90
    c2: { within: 30s, min_pct: 90, max_wait: 90s }
    c3_max_pct: 5
    c4_min_pct: 80
    o1: { within: 4h, min_pct: 80 }
    o2: { within: 24h, min_pct: 80 }
    o3: { within: 48h, min_pct: 100 }
    availability: { service_time_min_pct: 90, other_time_min_pct: 85, total_min_pct: 95 }
";

fn calendar() -> WeeklyCalendar {
    let h = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    WeeklyCalendar::office_hours().with_service(
        "molise".into(),
        Week::weekdays(chrono_tz::Europe::Rome, h(8), h(19)),
    )
}

/// Queue times (answered_at or hang-up − queued_at) in the comments.
fn calls(last_wait_ms: i64) -> Vec<Cdr> {
    let m = "molise";
    vec![
        call("Q1", m, "2026-10-05T10:00:00.000+02:00")
            .queued(2_000)
            .answered(12_000, 60_000, Some(Resolved))
            .done(), // 10 s
        call("Q2", m, "2026-10-05T10:01:00.000+02:00")
            .queued(2_000)
            .answered(31_999, 60_000, Some(Resolved))
            .done(), // 29.999 s: under 30
        call("Q3", m, "2026-10-05T10:02:00.000+02:00")
            .queued(2_000)
            .answered(32_000, 60_000, Some(Escalated))
            .done(), // 30.000 s: not under 30
        call("Q4", m, "2026-10-05T10:03:00.000+02:00")
            .queued(2_000)
            .answered(2_000 + last_wait_ms, 60_000, Some(Resolved))
            .done(),
        call("Q5", m, "2026-10-05T10:04:00.000+02:00")
            .queued(2_000)
            .abandoned(7_000)
            .done(), // 5 s: short abandon
        call("Q6", m, "2026-10-05T10:05:00.000+02:00")
            .queued(2_000)
            .abandoned(42_000)
            .done(), // 40 s: abandoned
        call("Q7", m, "2026-10-05T10:06:00.000+02:00")
            .queued(2_000)
            .end(22_000, EndedBy::System, Outcome::Callback)
            .done(), // 20 s
        call("R1", m, "2026-10-05T10:07:00.000+02:00")
            .end(0, EndedBy::System, Outcome::Rejected)
            .done(),
        call("R2", m, "2026-10-05T10:08:00.000+02:00")
            .end(9_000, EndedBy::Caller, Outcome::IvrHangup)
            .done(),
    ]
}

#[test]
fn c1_to_c4_with_the_30s_and_90s_boundaries() {
    let cal = calendar();
    let q = query(day(2026, 10, 1), day(2026, 10, 31));
    let r = compute_report(
        calls(90_000),
        &[],
        None,
        &contracts(MOLISE),
        &cal,
        q.clone(),
    )
    .unwrap();
    let s = &r.services[0];
    let f = &s.figures;
    // offered 9, rejected 1 → C.1 = 8 / 9 = 88.89 % (< 90: breached by 1.11).
    assert_eq!((f.offered, f.rejected, f.queued), (9, 1, 7));
    assert!(close(f.sla_c1_pct, 800.0 / 9.0));
    let c1 = check(s, SlaName::C1);
    assert!(!c1.met && close(c1.deviation, 90.0 - 800.0 / 9.0));
    // Under 30 s: Q1 (10), Q2 (29.999), Q5 (5), Q7 (20) = 4 of 7 queued → 57.14 %.
    assert!(close(f.sla_c2_within_30s_pct, 400.0 / 7.0));
    assert!(!check(s, SlaName::C2Within).met);
    // Longest wait Q4 = 90.000 s: "non superiore ai 90 secondi" → met.
    assert_eq!(f.sla_c2_max_wait_s, Some(90.0));
    assert_eq!(check(s, SlaName::C2MaxWait).deviation, Some(0.0));
    // C.3 = (Q6 + short Q5) / 7 queued = 28.57 % (short abandons included).
    assert!(close(f.sla_c3_abandoned_pct, 200.0 / 7.0));
    // C.4 = resolved 3 / answered 4 = 75 % (< 80: breached by 5).
    assert_eq!(
        check(s, SlaName::C4),
        Check {
            sla: SlaName::C4,
            value: Some(75.0),
            threshold: 80.0,
            met: false,
            deviation: Some(5.0)
        }
    );
    // Tm = (10 + 29.999 + 30 + 90) / 4 = 39.99975 s (no Tm check for Molise).
    assert!(close(f.tm_s, 39.99975));
    assert!(s.checks.iter().all(|c| c.sla != SlaName::Tm));
    // No availability data given: no availability checks.
    assert!(s.checks.iter().all(|c| c.sla != SlaName::Ivr24x7));
    assert!(identity_holds(f));

    // 90.001 s breaches the maximum wait.
    let r = compute_report(
        calls(90_001),
        &[],
        None,
        &contracts(MOLISE),
        &cal,
        q.clone(),
    )
    .unwrap();
    let c = check(&r.services[0], SlaName::C2MaxWait);
    assert!(!c.met && close(c.deviation, 0.001));

    // Excluding short abandons from C.3 removes Q5 from both sides: 1 / 6.
    let cfg = contracts(&MOLISE.replace(
        "forecast_monthly_volume",
        "exclude_short_abandons_from_c3: true\n  forecast_monthly_volume",
    ));
    let r = compute_report(calls(90_000), &[], None, &cfg, &cal, q).unwrap();
    assert!(close(
        r.services[0].figures.sla_c3_abandoned_pct,
        100.0 / 6.0
    ));
}

/// `n` calls in October, all answered in 10 s, on weekdays at 10:00.
fn volume(n: u64) -> Vec<Cdr> {
    (0..n)
        .map(|i| {
            let at = t("2026-10-05T10:00:00.000+02:00") + TimeDelta::seconds(i as i64);
            call(&format!("V{i}"), "molise", &stamp::format(&at))
                .queued(0)
                .answered(10_000, 60_000, Some(Resolved))
                .done()
        })
        .collect()
}

#[test]
fn overflow_rule_at_9_10_and_25_percent() {
    let cal = calendar();
    let cfg = contracts(&MOLISE.replace("100000", "100"));
    // Forecast 100 a month. 109 calls = 9 % over → 0 points; 110 = 10 % → 1;
    // 125 = 25 % → 2 (every *full* 10 %). C.1's 90 becomes 90, 89, 88;
    // C.3's maximum 5 becomes 5, 6, 7; C.2's 90 s maximum wait is not a
    // percentage and stays.
    for (n, points) in [(109, 0u32), (110, 1), (125, 2)] {
        let r = compute_report(
            volume(n),
            &[],
            None,
            &cfg,
            &cal,
            query(day(2026, 10, 1), day(2026, 10, 31)),
        )
        .unwrap();
        let s = &r.services[0];
        assert_eq!(s.figures.overflow_points, points, "{n} calls");
        assert_eq!(check(s, SlaName::C1).threshold, 90.0 - f64::from(points));
        assert_eq!(check(s, SlaName::C3).threshold, 5.0 + f64::from(points));
        assert_eq!(check(s, SlaName::C2MaxWait).threshold, 90.0);
    }
    // The rule itself, prorated per day: a 31-day month, forecast 3100.
    use centralino_cdr::sla::overflow_points;
    let (a, b) = (day(2026, 10, 1), day(2026, 10, 31));
    assert_eq!(overflow_points(3100, 3409, a, b), 0);
    assert_eq!(overflow_points(3100, 3410, a, b), 1);
    assert_eq!(overflow_points(3100, 3875, a, b), 2);
    assert_eq!(overflow_points(3100, 100, a, a), 0); // one day: expected 100
    assert_eq!(overflow_points(3100, 110, a, a), 1);
    assert_eq!(overflow_points(0, 10, a, b), 0);
}

fn vm(id: &str, received: &str, taken: Option<&str>, closed: Option<&str>) -> VoicemailRecord {
    VoicemailRecord {
        id: id.into(),
        service: "molise".into(),
        received_at: t(received),
        taken_at: taken.map(t),
        closed_at: closed.map(t),
    }
}

#[test]
fn o1_friday_evening_taken_monday() {
    let cal = calendar();
    let vms = [
        // Friday 9 Oct 19:30 (closed) → next window Monday 12 Oct 08:00.
        // Taken Monday 10:00: 2 working hours ≤ 4 → met.
        // Closed Tuesday 07:59:59 < Monday 08:00 + 24 h → O.2 and O.3 met.
        vm(
            "V1",
            "2026-10-09T19:30:00+02:00",
            Some("2026-10-12T10:00:00+02:00"),
            Some("2026-10-13T07:59:59+02:00"),
        ),
        // Taken Monday 12:00:00.000 = exactly 4 working hours → met.
        // Closed Tuesday 08:00:00.001: over 24 h (O.2 missed), under 48 h (O.3 met).
        vm(
            "V2",
            "2026-10-09T19:30:00+02:00",
            Some("2026-10-12T12:00:00+02:00"),
            Some("2026-10-13T08:00:00.001+02:00"),
        ),
        // Taken Monday 12:00:00.001 → 4 h + 1 ms → missed. Closed Wednesday
        // 08:00:00.001: over 48 h → O.2, O.3 missed.
        vm(
            "V3",
            "2026-10-09T19:30:00+02:00",
            Some("2026-10-12T12:00:00.001+02:00"),
            Some("2026-10-14T08:00:00.001+02:00"),
        ),
        // In the window, Wednesday 14 Oct 18:00: one working hour that day,
        // three more Thursday until 11:00 → taken 11:00 met.
        vm(
            "V4",
            "2026-10-14T18:00:00+02:00",
            Some("2026-10-15T11:00:00+02:00"),
            Some("2026-10-15T12:00:00+02:00"),
        ),
        // Received Friday 30 Oct 18:00, untouched at as_of (Monday 2 Nov
        // 09:00): 2 working hours so far → O.1 pending; O.2 deadline (Sat
        // 31 Oct 18:00, from receipt, in window) has passed → missed; O.3
        // deadline Sunday 18:00 passed → missed.
        vm("V5", "2026-10-30T18:00:00+01:00", None, None),
        // Another month: ignored.
        vm("V6", "2026-11-02T08:00:00+01:00", None, None),
    ];
    let q = ReportQuery::new(
        day(2026, 10, 1),
        day(2026, 10, 31),
        utc("2026-11-02T09:00:00+01:00"),
    );
    let r = compute_report(Vec::<Cdr>::new(), &vms, None, &contracts(MOLISE), &cal, q).unwrap();
    let f = &r.services[0].figures;
    assert_eq!(f.voicemail_messages, 5);
    // O.1: V1, V2, V4 met, V3 missed, V5 pending → 3 / 4 = 75 %.
    assert_eq!(f.sla_o1_pct, Some(75.0));
    // O.2: V1, V4 met; V2, V3, V5 missed → 2 / 5 = 40 %.
    assert_eq!(f.sla_o2_pct, Some(40.0));
    // O.3: V1, V2, V4 met; V3, V5 missed → 3 / 5 = 60 %.
    assert_eq!(f.sla_o3_pct, Some(60.0));
    let o1 = check(&r.services[0], SlaName::O1);
    assert_eq!(
        (o1.threshold, o1.met, o1.deviation),
        (80.0, false, Some(5.0))
    );
}

#[test]
fn availability_over_service_time_and_the_whole_day() {
    let cal = calendar();
    // Monday 5 Oct: start 07:00, heartbeats each minute to 12:00, crash;
    // start 12:30, heartbeats to 17:59, stop 18:00.
    let mut recs = vec![];
    let mut push = |from: &str, minutes: i64, stop: bool| {
        let t0 = t(from);
        recs.push(AvailabilityRecord {
            at: t0,
            kind: AvailabilityKind::Start,
        });
        for m in 1..minutes {
            recs.push(AvailabilityRecord {
                at: t0 + TimeDelta::minutes(m),
                kind: AvailabilityKind::Heartbeat,
            });
        }
        let last = t0 + TimeDelta::minutes(minutes);
        let kind = if stop {
            AvailabilityKind::Stop
        } else {
            AvailabilityKind::Heartbeat
        };
        recs.push(AvailabilityRecord { at: last, kind });
    };
    push("2026-10-05T07:00:00+02:00", 300, false);
    push("2026-10-05T12:30:00+02:00", 330, true);
    let q = ReportQuery::new(
        day(2026, 10, 5),
        day(2026, 10, 5),
        utc("2026-10-06T12:00:00+02:00"),
    );
    let r = compute_report(
        Vec::<Cdr>::new(),
        &[],
        Some(&recs),
        &contracts(MOLISE),
        &cal,
        q,
    )
    .unwrap();
    let s = &r.services[0];
    let f = &s.figures;
    // Up 07:00–12:00 and 12:30–18:00 = 10.5 h of 24 h → 43.75 %.
    assert_eq!(f.availability_total_pct, Some(43.75));
    // Service time 08:00–19:00 = 11 h, up 4 h + 5.5 h = 9.5 h → 86.36 %.
    assert!(close(f.availability_service_time_pct, 950.0 / 11.0));
    // Other time 13 h, up 1 h (07:00–08:00) → 7.69 %.
    assert!(close(f.availability_other_time_pct, 100.0 / 13.0));
    assert!(!check(s, SlaName::AcdServiceTime).met);
    assert!(!check(s, SlaName::AcdOtherTime).met);
    assert!(!check(s, SlaName::Ivr24x7).met);
}
