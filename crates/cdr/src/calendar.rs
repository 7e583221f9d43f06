//! What the SLA engine needs to know about service windows.
//!
//! The real calendar (holidays, closures, per-weekday windows) lives in
//! `crates/calendar`; the server adapts it to [`ServiceCalendar`]. This
//! module also ships [`WeeklyCalendar`], a plain weekly timetable without
//! holidays, for tests, benchmarks and archives recomputed without config.

use crate::slots::{clamp_instant, local_instant};
use centralino_model::ServiceId;
use chrono::{
    DateTime, Datelike, Duration as TimeDelta, NaiveDate, NaiveTime, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::time::Duration;

/// Service windows, as the SLA engine asks about them. All instants UTC.
pub trait ServiceCalendar {
    /// Whether `service` is inside its service window at `at`.
    fn is_open(&self, service: &ServiceId, at: DateTime<Utc>) -> bool;
    /// The earliest instant ≥ `after` at which `service` is open (`after`
    /// itself when open then); `None` if it never opens again.
    fn next_open(&self, service: &ServiceId, after: DateTime<Utc>) -> Option<DateTime<Utc>>;
    /// Time inside `service`'s windows between `from` and `to` (zero if
    /// `to` ≤ `from`).
    fn working_time_between(
        &self,
        service: &ServiceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Duration;
    /// The time zone of `service`'s windows (slots and days are local).
    fn time_zone(&self, service: &ServiceId) -> Tz;
}

impl<T: ServiceCalendar + ?Sized> ServiceCalendar for &T {
    fn is_open(&self, service: &ServiceId, at: DateTime<Utc>) -> bool {
        (**self).is_open(service, at)
    }
    fn next_open(&self, service: &ServiceId, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (**self).next_open(service, after)
    }
    fn working_time_between(
        &self,
        service: &ServiceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Duration {
        (**self).working_time_between(service, from, to)
    }
    fn time_zone(&self, service: &ServiceId) -> Tz {
        (**self).time_zone(service)
    }
}

/// One weekly timetable: per weekday at most one window of local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    tz: Tz,
    /// Seconds from local midnight, `[open, close)`, close ≤ 86 400.
    days: [Option<(u32, u32)>; 7],
}

/// How far [`Week`] looks for the next opening, and how many days one
/// working-time question may span (a longer span is cut there).
const MAX_DAYS: i64 = 40_000;

impl Week {
    /// Closed every day.
    pub fn closed(tz: Tz) -> Self {
        Week {
            tz,
            days: [None; 7],
        }
    }

    /// Monday to Friday, `open`–`close` (the tenders' 08:00–17:00).
    pub fn weekdays(tz: Tz, open: NaiveTime, close: NaiveTime) -> Self {
        let mut w = Week::closed(tz);
        for d in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            w = w.with_day(d, open, close);
        }
        w
    }

    /// Open around the clock, every day (an IVR's 24×7).
    pub fn always(tz: Tz) -> Self {
        Week {
            tz,
            days: [Some((0, 86_400)); 7],
        }
    }

    /// Set one weekday's window; a `close` of 00:00 means midnight at the
    /// end of the day. A window with `close` ≤ `open` otherwise is closed.
    pub fn with_day(mut self, day: Weekday, open: NaiveTime, close: NaiveTime) -> Self {
        let o = open.num_seconds_from_midnight();
        let c = match close.num_seconds_from_midnight() {
            0 => 86_400,
            c => c,
        };
        self.days[day.num_days_from_monday() as usize] = (c > o).then_some((o, c));
        self
    }

    /// The window of a local date, as UTC instants.
    fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let (o, c) = self.days[date.weekday().num_days_from_monday() as usize]?;
        let at = |secs: u32| {
            if secs >= 86_400 {
                date.succ_opt()
                    .map(|d| local_instant(self.tz, d.and_time(NaiveTime::MIN)))
            } else {
                NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)
                    .map(|t| local_instant(self.tz, date.and_time(t)))
            }
        };
        Some((at(o)?, at(c)?))
    }

    fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = clamp_instant(at).with_timezone(&self.tz);
        let secs = local.num_seconds_from_midnight();
        matches!(self.days[local.weekday().num_days_from_monday() as usize],
                 Some((o, c)) if secs >= o && secs < c)
    }

    fn next_open(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let after = clamp_instant(after);
        let mut date = after.with_timezone(&self.tz).date_naive().pred_opt()?;
        for _ in 0..MAX_DAYS.min(400) {
            if let Some((s, e)) = self.window(date) {
                if e > after {
                    return Some(s.max(after));
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    fn working_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let (from, to) = (clamp_instant(from), clamp_instant(to));
        if to <= from {
            return Duration::ZERO;
        }
        let Some(mut date) = from.with_timezone(&self.tz).date_naive().pred_opt() else {
            return Duration::ZERO;
        };
        let last = to.with_timezone(&self.tz).date_naive();
        let mut total = TimeDelta::zero();
        for _ in 0..MAX_DAYS {
            if date > last {
                break;
            }
            if let Some((s, e)) = self.window(date) {
                let (s, e) = (s.max(from), e.min(to));
                if e > s {
                    total += e - s;
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        total.to_std().unwrap_or(Duration::ZERO)
    }
}

/// A [`ServiceCalendar`] from weekly timetables: one default, and one per
/// service where set. No holidays, no closures.
#[derive(Debug, Clone)]
pub struct WeeklyCalendar {
    default: Week,
    per_service: HashMap<ServiceId, Week>,
}

impl WeeklyCalendar {
    /// Every service on `default`.
    pub fn new(default: Week) -> Self {
        WeeklyCalendar {
            default,
            per_service: HashMap::new(),
        }
    }

    /// The tenders' default: Monday–Friday 08:00–17:00, Europe/Rome.
    pub fn office_hours() -> Self {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
        WeeklyCalendar::new(Week::weekdays(chrono_tz::Europe::Rome, t(8), t(17)))
    }

    /// Give `service` its own timetable.
    pub fn with_service(mut self, service: ServiceId, week: Week) -> Self {
        self.per_service.insert(service, week);
        self
    }

    fn week(&self, service: &ServiceId) -> &Week {
        self.per_service.get(service).unwrap_or(&self.default)
    }
}

impl ServiceCalendar for WeeklyCalendar {
    fn is_open(&self, service: &ServiceId, at: DateTime<Utc>) -> bool {
        self.week(service).is_open(at)
    }
    fn next_open(&self, service: &ServiceId, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.week(service).next_open(after)
    }
    fn working_time_between(
        &self,
        service: &ServiceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Duration {
        self.week(service).working_time_between(from, to)
    }
    fn time_zone(&self, service: &ServiceId) -> Tz {
        self.week(service).tz
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn office_hours_in_rome() {
        let c = WeeklyCalendar::office_hours();
        let s = ServiceId::new("x");
        assert!(c.is_open(&s, utc("2026-10-05T08:00:00+02:00")));
        assert!(!c.is_open(&s, utc("2026-10-05T17:00:00+02:00")));
        assert!(!c.is_open(&s, utc("2026-10-03T10:00:00+02:00")));
        // Friday 18:00 → Monday 08:00.
        assert_eq!(
            c.next_open(&s, utc("2026-10-09T18:00:00+02:00")),
            Some(utc("2026-10-12T08:00:00+02:00"))
        );
        assert_eq!(
            c.next_open(&s, utc("2026-10-09T09:00:00+02:00")),
            Some(utc("2026-10-09T09:00:00+02:00"))
        );
        // Friday 18:00 → Monday 10:00 is two working hours.
        assert_eq!(
            c.working_time_between(
                &s,
                utc("2026-10-09T18:00:00+02:00"),
                utc("2026-10-12T10:00:00+02:00")
            ),
            Duration::from_secs(7200)
        );
        // A whole week: 45 h.
        assert_eq!(
            c.working_time_between(
                &s,
                utc("2026-10-05T00:00:00+02:00"),
                utc("2026-10-12T00:00:00+02:00")
            ),
            Duration::from_secs(45 * 3600)
        );
    }

    #[test]
    fn always_open_follows_dst() {
        let c = WeeklyCalendar::new(Week::always(chrono_tz::Europe::Rome));
        let s = ServiceId::new("x");
        assert_eq!(
            c.working_time_between(
                &s,
                utc("2026-10-25T00:00:00+02:00"),
                utc("2026-10-26T00:00:00+01:00")
            ),
            Duration::from_secs(25 * 3600)
        );
    }
}
