//! Day, month and DST edges: calls belong to the day and month they arrived
//! in; slots are local half-hours, 46 or 50 of them on DST days.

mod common;
use centralino_cdr::*;
use chrono_tz::Europe::Rome;
use common::*;

fn always_open() -> WeeklyCalendar {
    WeeklyCalendar::new(Week::always(Rome))
}

fn across_edges() -> Vec<Cdr> {
    vec![
        // Arrives 30 Sep 23:59:59.999, answered in October: September's call.
        call("M0", "ivr", "2026-09-30T23:59:59.999+02:00")
            .queued(0)
            .answered(20_000, 60_000, None)
            .done(),
        // Arrives 14 Oct 23:59:58, queued 23:59:59, answered 15 Oct 00:00:05:
        // day 14, slot 23:30 of the 14th, wait 6 s.
        call("M1", "ivr", "2026-10-14T23:59:58.000+02:00")
            .queued(1_000)
            .answered(7_000, 60_000, None)
            .done(),
        // Arrives 31 Oct 23:59:50, answered 1 Nov 00:00:20: October's call.
        call("M2", "ivr", "2026-10-31T23:59:50.000+01:00")
            .queued(5_000)
            .answered(30_000, 60_000, None)
            .done(),
    ]
}

#[test]
fn calls_across_midnight_and_month_end_belong_to_their_arrival() {
    let cal = always_open();
    let cfg = ContractsConfig::default();
    let oct = query(day(2026, 10, 1), day(2026, 10, 31)).grouped_by(Grouping::Day);
    let r = compute_report(across_edges(), &[], None, &cfg, &cal, oct).unwrap();
    let s = &r.services[0];
    // October: M1 and M2. Tm = (6 + 25) / 2 = 15.5 s.
    assert_eq!(
        (s.figures.offered, s.figures.answered, s.figures.tm_s),
        (2, 2, Some(15.5))
    );
    assert_eq!(s.breakdown.len(), 31);
    assert_eq!(s.breakdown[13].label, "2026-10-14");
    assert_eq!(s.breakdown[13].figures.answered, 1);
    assert_eq!(s.breakdown[14].figures.offered, 0);
    assert_eq!(s.breakdown[30].figures.answered, 1);
    assert_eq!(
        stamp::format(&s.intervals[0].start),
        "2026-10-14T23:30:00.000+02:00"
    );
    assert_eq!(
        stamp::format(&s.intervals[1].start),
        "2026-10-31T23:30:00.000+01:00"
    );

    let sep = query(day(2026, 9, 1), day(2026, 9, 30));
    let r = compute_report(across_edges(), &[], None, &cfg, &cal, sep).unwrap();
    assert_eq!(r.services[0].figures.answered, 1);
    let nov = query(day(2026, 11, 1), day(2026, 11, 30));
    let r = compute_report(across_edges(), &[], None, &cfg, &cal, nov).unwrap();
    assert_eq!(r.services[0].figures.offered, 0);
}

#[test]
fn dst_days_have_46_and_50_slots_and_keep_both_2am_slots() {
    assert_eq!(slots::slots_of_day(Rome, day(2026, 3, 29)).count(), 46);
    assert_eq!(slots::slots_of_day(Rome, day(2026, 10, 25)).count(), 50);
    let cal = always_open();
    let cdrs = vec![
        // 25 Oct: 02:15 summer time, then 02:15 again in winter time; both
        // answered after 4 s and 8 s of queue.
        call("S1", "ivr", "2026-10-25T02:15:00.000+02:00")
            .queued(0)
            .answered(4_000, 10_000, None)
            .done(),
        call("S2", "ivr", "2026-10-25T02:15:00.000+01:00")
            .queued(0)
            .answered(8_000, 10_000, None)
            .done(),
        // 29 Mar: 01:59:59 winter time, then 03:00 summer time an instant later.
        call("S3", "ivr", "2026-03-29T01:59:59.000+01:00")
            .queued(0)
            .answered(1_000, 10_000, None)
            .done(),
        call("S4", "ivr", "2026-03-29T03:00:00.000+02:00")
            .queued(0)
            .answered(1_000, 10_000, None)
            .done(),
    ];
    let q = query(day(2026, 10, 25), day(2026, 10, 25)).grouped_by(Grouping::Day);
    let r = compute_report(&cdrs, &[], None, &ContractsConfig::default(), &cal, q).unwrap();
    let s = &r.services[0];
    let starts: Vec<String> = s
        .intervals
        .iter()
        .map(|i| stamp::format(&i.start))
        .collect();
    assert_eq!(
        starts,
        [
            "2026-10-25T02:00:00.000+02:00",
            "2026-10-25T02:00:00.000+01:00"
        ]
    );
    // The day runs 25 h: from 00:00+02:00 to 00:00+01:00 of the 26th.
    assert_eq!(stamp::format(&s.start), "2026-10-25T00:00:00.000+02:00");
    assert_eq!(stamp::format(&s.end), "2026-10-26T00:00:00.000+01:00");
    // In the time-of-day curve both fall in the 02:00 point: waits 4 and 8 → 6.
    let curve = s.daily_curve();
    assert_eq!(curve.len(), 48);
    assert_eq!(
        (
            curve[4].time.as_str(),
            curve[4].offered,
            curve[4].avg_wait_s
        ),
        ("02:00", 2, Some(6.0))
    );

    let q = query(day(2026, 3, 29), day(2026, 3, 29));
    let r = compute_report(&cdrs, &[], None, &ContractsConfig::default(), &cal, q).unwrap();
    let starts: Vec<String> = r.services[0]
        .intervals
        .iter()
        .map(|i| stamp::format(&i.start))
        .collect();
    assert_eq!(
        starts,
        [
            "2026-03-29T01:30:00.000+01:00",
            "2026-03-29T03:00:00.000+02:00"
        ]
    );
}

#[test]
fn months_and_years() {
    let cal = always_open();
    let q = query(day(2026, 9, 15), day(2027, 1, 10)).grouped_by(Grouping::Month);
    let r = compute_report(
        across_edges(),
        &[],
        None,
        &ContractsConfig::default(),
        &cal,
        q,
    )
    .unwrap();
    let labels: Vec<&str> = r.services[0]
        .breakdown
        .iter()
        .map(|b| b.label.as_str())
        .collect();
    assert_eq!(
        labels,
        ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
    );
    let per: Vec<u64> = r.services[0]
        .breakdown
        .iter()
        .map(|b| b.figures.answered)
        .collect();
    assert_eq!(per, [1, 2, 0, 0, 0]);
    let q = query(day(2026, 9, 15), day(2027, 1, 10)).grouped_by(Grouping::Year);
    let r = compute_report(
        across_edges(),
        &[],
        None,
        &ContractsConfig::default(),
        &cal,
        q,
    )
    .unwrap();
    let labels: Vec<&str> = r.services[0]
        .breakdown
        .iter()
        .map(|b| b.label.as_str())
        .collect();
    assert_eq!(labels, ["2026", "2027"]);
}

#[test]
fn bad_periods_are_refused() {
    let cal = always_open();
    let cfg = ContractsConfig::default();
    let e = SlaEngine::new(&cfg, &cal, query(day(2026, 10, 2), day(2026, 10, 1))).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidPeriod {
            from: day(2026, 10, 2),
            to: day(2026, 10, 1)
        }
    );
    let e = SlaEngine::new(&cfg, &cal, query(day(2000, 1, 1), day(2030, 1, 1))).unwrap_err();
    assert!(matches!(e, Error::PeriodTooLong { .. }));
}

fn local_midnight(d: chrono::NaiveDate) -> Stamp {
    slots::local_midnight(Rome, d)
        .with_timezone(&Rome)
        .fixed_offset()
}

#[test]
fn extreme_dates_do_not_panic() {
    use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
    let cal = WeeklyCalendar::office_hours();
    let cfg = ContractsConfig::default();
    let mut far = call("X", "x", "2026-10-05T10:00:00.000+02:00")
        .queued(0)
        .answered(1_000, 1_000, None)
        .done();
    let mut near = far.clone();
    far.arrived_at = DateTime::<Utc>::MAX_UTC.fixed_offset();
    near.arrived_at = DateTime::<Utc>::MIN_UTC.fixed_offset();
    let cdrs = [far, near];
    let edges = [
        (NaiveDate::MIN, NaiveDate::MIN + TimeDelta::days(10)),
        (NaiveDate::MAX - TimeDelta::days(10), NaiveDate::MAX),
        (day(2, 1, 1), day(2, 1, 20)),
        (day(9998, 12, 1), day(9998, 12, 31)),
    ];
    for (from, to) in edges {
        for g in [None, Some(Grouping::Week)] {
            let mut q = ReportQuery::new(from, to, DateTime::<Utc>::MAX_UTC);
            q.group_by = g;
            let vm = VoicemailRecord {
                id: "v".into(),
                service: "x".into(),
                received_at: cdrs[0].arrived_at,
                taken_at: None,
                closed_at: None,
            };
            let av = [AvailabilityRecord {
                at: cdrs[1].arrived_at,
                kind: AvailabilityKind::Start,
            }];
            let mut cdrs = cdrs.to_vec();
            if from.year() > 1 && to.year() < 9999 {
                // Sane arrival in the period, absurd queue and end instants.
                let mut c = call(
                    "Y",
                    "x",
                    &stamp::format(&local_midnight(from + TimeDelta::days(3))),
                )
                .done();
                c.queued_at = Some(DateTime::<Utc>::MAX_UTC.fixed_offset());
                c.ended_at = Some(DateTime::<Utc>::MIN_UTC.fixed_offset());
                c.outcome = Some(Outcome::Abandoned);
                cdrs.push(c);
            }
            if let Ok(r) = compute_report(&cdrs, &[vm], Some(&av), &cfg, &cal, q) {
                let _ = (render::json(&r), render::table(&r), render::summary_csv(&r));
                for s in &r.services {
                    let _ = render::svg_chart(s);
                }
            }
        }
    }
    assert!(matches!(
        SlaEngine::new(
            &cfg,
            &cal,
            ReportQuery::new(NaiveDate::MIN, NaiveDate::MIN, DateTime::<Utc>::MAX_UTC)
        ),
        Err(Error::PeriodOutOfRange { .. })
    ));
    let mut c = cdrs[0].clone();
    c.outcome = None;
    c.close_as_failed(cdrs[0].arrived_at);
    let _ = stamp::format(&c.arrived_at);
}
