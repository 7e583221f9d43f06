//! Property tests of the calendar queries over 2025–2028, DST days included.

use centralino_calendar::Calendar;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use proptest::prelude::*;
use std::time::Duration;

fn calendars() -> Vec<Calendar> {
    [
        "hours: { mon-fri: \"08:00-17:00\" }\nopen_days: [\"06-26\"]\n",
        "hours: { mon-fri: \"08:00-19:00\", sat: \"08:00-14:00\" }\nclosures: [\"2026-08-10..2026-08-21\", \"12-24\"]\n",
        "hours: { daily: [\"02:30-03:30\", \"23:00-24:00\"] }\nholidays: none\n",
        "hours: { mon-fri: [\"08:30-12:30\", \"14:00-17:00\"] }\ntime_zone: Europe/London\n",
        "hours: { daily: \"00:00-24:00\" }\n",
    ]
    .iter()
    .map(|y| serde_saphyr::from_str(y).unwrap())
    .collect()
}

const FROM: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z
const TO: i64 = 1_861_920_000; // 2029-01-01T00:00:00Z

fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn next_open_is_open_and_nothing_before_it_is(secs in FROM..TO, which in 0usize..5) {
        let c = &calendars()[which];
        let t = instant(secs);
        let next = c.next_open(t).expect("every calendar opens within the horizon");
        prop_assert!(next >= t);
        prop_assert!(c.is_open(next));
        prop_assert_eq!(c.working_time_between(t, next), Duration::ZERO);
        if next > t {
            prop_assert!(!c.is_open(next - ChronoDuration::seconds(1)));
            let span = (next - t).num_seconds();
            for k in 0..32 {
                let probe = t + ChronoDuration::seconds(span * k / 32);
                prop_assert!(!c.is_open(probe), "open at {} between {} and {}", probe, t, next);
            }
        }
    }

    #[test]
    fn working_time_adds_up(a in FROM..TO, d1 in 0i64..800_000, d2 in 0i64..800_000, which in 0usize..5) {
        let c = &calendars()[which];
        let (a, b, e) = (instant(a), instant(a + d1), instant(a + d1 + d2));
        prop_assert_eq!(c.working_time_between(a, b) + c.working_time_between(b, e), c.working_time_between(a, e));
        prop_assert!(c.working_time_between(a, b) <= Duration::from_secs(d1 as u64));
    }

    #[test]
    fn add_working_time_inverts_working_time_between(a in FROM..TO, mins in 0u64..3000, which in 0usize..5) {
        let c = &calendars()[which];
        let t = instant(a);
        let amount = Duration::from_secs(mins * 60);
        let due = c.add_working_time(t, amount).unwrap();
        prop_assert_eq!(c.working_time_between(t, due), amount);
    }

    #[test]
    fn is_open_agrees_with_window_containing(secs in FROM..TO, which in 0usize..5) {
        let c = &calendars()[which];
        let t = instant(secs);
        match c.window_containing(t) {
            Some(w) => prop_assert!(w.contains(t) && c.is_open(t)),
            None => prop_assert!(!c.is_open(t)),
        }
    }
}
