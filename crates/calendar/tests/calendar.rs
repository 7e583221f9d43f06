//! The calendar rules of the tenders (issue 3), at chosen instants.

use centralino_calendar::{Calendar, CalendarError, ClosedReason};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::time::Duration;

fn cal(yaml: &str) -> Calendar {
    serde_saphyr::from_str(yaml).unwrap()
}

fn trento() -> Calendar {
    cal("hours: { mon-fri: [\"08:00-17:00\"] }\nholidays: italy\nopen_days: [\"06-26\"]\n")
}

fn molise() -> Calendar {
    cal("hours: { mon-fri: \"08:00-19:00\" }\n")
}

/// Open every day 08:00–17:00, holidays closed: shows the rules on days a
/// Monday–Friday service is closed anyway.
fn daily() -> Calendar {
    cal("hours: { daily: [\"08:00-17:00\"] }\n")
}

/// A local wall time in Rome.
fn rome(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Rome
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const H: u64 = 3600;

#[test]
fn easter_monday_2026_and_2027_are_closed() {
    let c = trento();
    assert!(!c.is_open(rome(2026, 4, 6, 10, 0)));
    assert!(!c.is_open(rome(2027, 3, 29, 10, 0)));
    assert_eq!(
        c.closed_reason(date(2026, 4, 6)),
        Some(ClosedReason::Holiday("Lunedì dell'Angelo"))
    );
    // The days around are ordinary working days.
    assert!(c.is_open(rome(2026, 4, 7, 10, 0)));
    assert!(c.is_open(rome(2027, 3, 30, 10, 0)));
}

#[test]
fn san_vigilio_is_open_in_trento() {
    let c = trento();
    assert!(c.is_open(rome(2026, 6, 26, 10, 0)));
    // An open day wins over a closure too.
    let c = cal("hours: { mon-fri: [\"08:00-17:00\"] }\nclosures: [\"06-20..06-30\"]\nopen_days: [\"06-26\"]\n");
    assert!(c.is_open(rome(2026, 6, 26, 10, 0)));
    assert!(!c.is_open(rome(2026, 6, 25, 10, 0)));
    assert!(matches!(
        c.closed_reason(date(2026, 6, 25)),
        Some(ClosedReason::Closure(_))
    ));
}

#[test]
fn santo_stefano_is_closed() {
    assert!(!trento().is_open(rome(2025, 12, 26, 10, 0))); // a Friday
    assert!(trento().is_open(rome(2025, 12, 29, 10, 0)));
}

#[test]
fn san_francesco_is_a_holiday_from_2026_only() {
    let c = daily();
    assert!(!c.is_open(rome(2026, 10, 4, 10, 0)));
    assert!(c.is_open(rome(2025, 10, 4, 10, 0)));
    assert!(!trento().is_open(rome(2027, 10, 4, 10, 0))); // a Monday
}

#[test]
fn dst_days_open_at_eight_local() {
    let c = daily();
    for (m, d) in [(3, 29), (10, 25)] {
        assert!(!c.is_open(rome(2026, m, d, 7, 59)), "{m}-{d} 07:59");
        assert!(c.is_open(rome(2026, m, d, 8, 0)), "{m}-{d} 08:00");
        assert!(c.is_open(rome(2026, m, d, 16, 59)), "{m}-{d} 16:59");
        assert!(!c.is_open(rome(2026, m, d, 17, 0)), "{m}-{d} 17:00");
        let w = c.window_containing(rome(2026, m, d, 12, 0)).unwrap();
        assert_eq!(w.duration(), Duration::from_secs(9 * H), "{m}-{d}");
    }
    // 29 March is CEST from 03:00 (UTC+2), 25 October CET from 03:00 (UTC+1).
    assert_eq!(
        c.next_open(rome(2026, 3, 29, 1, 0)),
        Some("2026-03-29T06:00:00Z".parse().unwrap())
    );
    assert_eq!(
        c.next_open(rome(2026, 10, 25, 1, 0)),
        Some("2026-10-25T07:00:00Z".parse().unwrap())
    );
}

#[test]
fn a_whole_day_window_is_23_or_25_hours_on_dst_days() {
    let c = cal("hours: { daily: \"00:00-24:00\" }\nholidays: none\n");
    let len = |d| c.windows_on(d)[0].duration();
    assert_eq!(len(date(2026, 3, 29)), Duration::from_secs(23 * H));
    assert_eq!(len(date(2026, 10, 25)), Duration::from_secs(25 * H));
    assert_eq!(len(date(2026, 10, 26)), Duration::from_secs(24 * H));
    assert!(c.is_open("2026-10-25T00:30:00Z".parse().unwrap()));
    assert!(c.is_open("2026-10-25T01:30:00Z".parse().unwrap()));
}

#[test]
fn windows_in_the_dst_gap_and_overlap() {
    let c = cal("hours: { daily: \"02:30-03:30\" }\nholidays: none\n");
    // Spring: 02:30 does not exist, the window starts at the jump (03:00 CEST).
    let w = c.windows_on(date(2026, 3, 29))[0];
    assert_eq!(
        w.start,
        "2026-03-29T01:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(w.duration(), Duration::from_secs(30 * 60));
    // Autumn: from the first 02:30 (CEST) to 03:30 CET.
    let w = c.windows_on(date(2026, 10, 25))[0];
    assert_eq!(
        w.start,
        "2026-10-25T00:30:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(w.duration(), Duration::from_secs(2 * H));
}

#[test]
fn molise_closes_at_19() {
    let c = molise();
    assert!(c.is_open(rome(2026, 11, 23, 18, 59)));
    assert!(!c.is_open(rome(2026, 11, 23, 19, 0)));
    assert!(!c.is_open(rome(2026, 11, 28, 10, 0))); // Saturday
    let sat = cal("hours: { mon-fri: \"08:00-19:00\", sat: \"08:00-14:00\" }\n");
    assert!(sat.is_open(rome(2026, 11, 28, 13, 59)));
    assert!(!sat.is_open(rome(2026, 11, 28, 14, 0)));
}

#[test]
fn working_time_across_a_weekend_and_a_holiday() {
    let c = trento();
    // Friday before Easter 16:00 → Tuesday after Easter Monday 09:00: 1 h + 1 h.
    let (a, b) = (rome(2026, 4, 3, 16, 0), rome(2026, 4, 7, 9, 0));
    assert_eq!(c.working_time_between(a, b), Duration::from_secs(2 * H));
    assert_eq!(c.working_time_between(b, a), Duration::ZERO);
    // A plain week: Monday 08:00 → next Monday 08:00 is 5 × 9 h.
    assert_eq!(
        c.working_time_between(rome(2026, 11, 23, 8, 0), rome(2026, 11, 30, 8, 0)),
        Duration::from_secs(45 * H)
    );
    // A voicemail left on Friday evening must be taken in charge within 4
    // working hours: by Tuesday 12:00.
    assert_eq!(
        c.add_working_time(rome(2026, 4, 3, 20, 0), Duration::from_secs(4 * H)),
        Some(rome(2026, 4, 7, 12, 0))
    );
    assert_eq!(
        c.next_open(rome(2026, 4, 3, 17, 0)),
        Some(rome(2026, 4, 7, 8, 0))
    );
    assert_eq!(
        c.next_open(rome(2026, 4, 7, 9, 0)),
        Some(rome(2026, 4, 7, 9, 0))
    );
}

#[test]
fn split_windows_and_window_containing() {
    let c = cal("hours: { mon-fri: [\"14:00-17:00\", \"08:30-12:30\"] }\n");
    assert!(!c.is_open(rome(2026, 11, 23, 13, 0)));
    assert_eq!(
        c.next_open(rome(2026, 11, 23, 13, 0)),
        Some(rome(2026, 11, 23, 14, 0))
    );
    let w = c.window_containing(rome(2026, 11, 23, 9, 0)).unwrap();
    assert_eq!(
        (w.start, w.end),
        (rome(2026, 11, 23, 8, 30), rome(2026, 11, 23, 12, 30))
    );
    assert_eq!(
        c.working_time_between(rome(2026, 11, 23, 0, 0), rome(2026, 11, 24, 0, 0)),
        Duration::from_secs(7 * H)
    );
}

#[test]
fn hours_in_words() {
    assert_eq!(
        trento().describe("it"),
        "dal lunedì al venerdì dalle 8 alle 17, esclusi i giorni festivi"
    );
    assert_eq!(
        trento().describe("en"),
        "Monday to Friday from 8 am to 5 pm, except public holidays"
    );
    let c = cal("hours: { mon-fri: \"08:00-19:00\", sat: \"08:00-14:00\" }\n");
    assert_eq!(c.describe("it"), "dal lunedì al venerdì dalle 8 alle 19, il sabato dalle 8 alle 14, esclusi i giorni festivi");
    let c = cal("hours: { daily: \"00:00-24:00\" }\nholidays: none\n");
    assert_eq!(c.describe("it"), "tutti i giorni, 24 ore su 24");
    assert_eq!(c.describe("en"), "every day, 24 hours a day");
    let c = cal("hours: { mon-fri: [\"08:30-12:30\", \"14:00-17:00\"] }\nholidays: none\n");
    assert_eq!(
        c.describe("it"),
        "dal lunedì al venerdì dalle 8:30 alle 12:30 e dalle 14 alle 17"
    );
}

#[test]
fn config_errors_say_what_is_wrong() {
    let err = |y: &str| {
        serde_saphyr::from_str::<Calendar>(y)
            .unwrap_err()
            .to_string()
    };
    assert!(
        err("hours: { mon-fri: \"08:00-17:00\", mon: \"09:00-10:00\" }\n").contains("given twice")
    );
    assert!(err("hours: { mon-fri: \"17:00-08:00\" }\n").contains("cross midnight"));
    assert!(
        err("hours: { mon-fri: \"08:00-17:00\" }\ntime_zone: Europe/Trento\n")
            .contains("unknown time zone")
    );
    assert!(err("hours: { mon-fri: \"08:00-17:00\" }\nholidays: vatican\n").contains("vatican"));
    assert!(
        err("hours: { mon-fri: \"08:00-17:00\" }\nclosures: [\"2026-13-01\"]\n")
            .contains("bad date")
    );
    assert!(err("hours: { mon-fri: \"08:00-17:00\" }\nopening: x\n").contains("opening"));
    assert!(err("hours: { weekdays: \"08:00-17:00\" }\n").contains("unknown day"));
    assert!(err("hours: { mon-fri: [] }\n").contains("never be open"));
    let c = centralino_calendar::CalendarConfig {
        time_zone: chrono_tz::Europe::Rome,
        hours: Default::default(),
        holidays: Default::default(),
        closures: vec![],
        open_days: vec![],
    };
    assert_eq!(Calendar::new(c), Err(CalendarError::NoHours));
}

#[test]
fn always_open_is_open() {
    let c = Calendar::always_open(chrono_tz::Europe::Rome);
    for t in [
        rome(2026, 1, 1, 0, 0),
        "2026-03-29T01:00:00Z".parse().unwrap(),
        rome(2026, 12, 25, 23, 59),
    ] {
        assert!(c.is_open(t));
    }
}

#[test]
fn extreme_instants_are_closed_and_do_not_panic() {
    let c = trento();
    for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        assert!(!c.is_open(t));
        assert_eq!(c.next_open(t), None);
        let _ = c.working_time_between(t, DateTime::<Utc>::MAX_UTC);
        let _ = c.add_working_time(t, std::time::Duration::from_secs(3600));
    }
}
