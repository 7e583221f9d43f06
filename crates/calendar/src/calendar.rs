//! A service calendar and its queries.

use crate::dates::{italian_holiday, DaySpec, HolidayRule};
use crate::days::TimeRange;
use crate::error::CalendarError;
use crate::local::{resolve_end, resolve_start};
use crate::weekly::WeeklyHours;
use chrono::{DateTime, Datelike, Duration as ChronoDuration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::time::Duration;

/// How far [`Calendar::next_open`] and [`Calendar::add_working_time`] look
/// ahead before giving up: three years of days.
pub const SEARCH_HORIZON_DAYS: u32 = 3 * 366;

/// The first year the queries answer about (earlier instants are "closed").
pub const FIRST_YEAR: i32 = 1900;
/// The last year the queries answer about (later instants are "closed").
pub const LAST_YEAR: i32 = 2999;

fn supported(at: DateTime<Utc>) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&at.year())
}

fn clamp(at: DateTime<Utc>) -> DateTime<Utc> {
    let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let last = NaiveDate::from_ymd_opt(LAST_YEAR, 12, 31).and_then(|d| d.and_hms_opt(0, 0, 0));
    match (first, last) {
        (Some(f), _) if at.naive_utc() < f => f.and_utc(),
        (_, Some(l)) if at.naive_utc() > l => l.and_utc(),
        _ => at,
    }
}

/// A calendar as written in config (the `calendar:` key of a service).
///
/// ```yaml
/// calendar:
///   time_zone: Europe/Rome            # default
///   hours:
///     mon-fri: ["08:00-17:00"]
///   holidays: italy                   # default; `none` for a 24×7 line
///   closures: ["2026-12-24", "08-16..08-20", "2026-12-31"]
///   open_days: ["06-26"]              # override holidays and closures
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone of the windows; `Europe/Rome` when absent.
    #[serde(default = "default_tz", deserialize_with = "de_tz")]
    pub time_zone: Tz,
    /// Windows per weekday, in local wall-clock time.
    pub hours: WeeklyHours,
    /// Public holidays that close the service.
    #[serde(default)]
    pub holidays: HolidayRule,
    /// Local closures: dates, date ranges, or yearly `MM-DD` days.
    #[serde(default)]
    pub closures: Vec<DaySpec>,
    /// Days that are service days even if a holiday or a closure says
    /// otherwise; they keep their weekday's windows.
    #[serde(default)]
    pub open_days: Vec<DaySpec>,
}

fn default_tz() -> Tz {
    chrono_tz::Europe::Rome
}

fn de_tz<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let name = String::deserialize(d)?;
    name.parse::<Tz>()
        .map_err(|_| de::Error::custom(CalendarError::UnknownTimeZone { name }))
}

/// One service window on the time line: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    /// First instant of the window.
    pub start: DateTime<Utc>,
    /// First instant after it.
    pub end: DateTime<Utc>,
}

impl Window {
    /// Whether `at` is in the window.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    /// Its real (elapsed) length.
    pub fn duration(&self) -> Duration {
        (self.end - self.start).to_std().unwrap_or_default()
    }

    fn overlap(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        let (s, e) = (self.start.max(a), self.end.min(b));
        if e > s {
            (e - s).to_std().unwrap_or_default()
        } else {
            Duration::ZERO
        }
    }
}

/// Why a date has no service window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedReason {
    /// A national holiday, by name.
    Holiday(&'static str),
    /// A configured closure.
    Closure(DaySpec),
}

/// A service calendar: when a service is open.
///
/// The queries answer for instants in the years [`FIRST_YEAR`] to
/// [`LAST_YEAR`]; outside them the service is closed and never opens.
///
/// Windows are local wall-clock ranges, turned into instants per date, so a
/// window 08:00–17:00 lasts 9 hours on DST days too. Around the DST changes:
///
/// * a wall time that does not exist (02:00–02:59 on the last Sunday of
///   March in Europe/Rome) is taken as the moment the clock jumps (03:00
///   CEST): a window never starts or ends inside the gap;
/// * a wall time that happens twice (02:00–02:59 on the last Sunday of
///   October) is taken the first time as a start and the second time as an
///   end, so a window covers every instant its wall times show.
///
/// Windows are per date and per range: two adjacent ranges (or `00:00-24:00`
/// on consecutive days) are separate [`Window`]s; the queries treat them as
/// one continuous open time.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    tz: Tz,
    hours: WeeklyHours,
    holidays: HolidayRule,
    closures: Vec<DaySpec>,
    open_days: Vec<DaySpec>,
}

impl TryFrom<CalendarConfig> for Calendar {
    type Error = CalendarError;
    fn try_from(c: CalendarConfig) -> Result<Calendar, CalendarError> {
        Calendar::new(c)
    }
}

impl<'de> Deserialize<'de> for Calendar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let c = CalendarConfig::deserialize(d)?;
        Calendar::new(c).map_err(de::Error::custom)
    }
}

impl Calendar {
    /// Check a written calendar (it must have a window on some day).
    pub fn new(c: CalendarConfig) -> Result<Calendar, CalendarError> {
        if c.hours.is_empty() {
            return Err(CalendarError::NoHours);
        }
        Ok(Calendar {
            tz: c.time_zone,
            hours: c.hours,
            holidays: c.holidays,
            closures: c.closures,
            open_days: c.open_days,
        })
    }

    /// A calendar open at all times (every day 00:00–24:00, no holidays).
    pub fn always_open(tz: Tz) -> Calendar {
        let all_day = TimeRange::from_minutes(0, crate::days::MINUTES_PER_DAY);
        let hours = all_day
            .and_then(|r| WeeklyHours::uniform(crate::DaySet::ALL, &[r]).ok())
            .unwrap_or_default();
        Calendar {
            tz,
            hours,
            holidays: HolidayRule::None,
            closures: Vec::new(),
            open_days: Vec::new(),
        }
    }

    /// The time zone of the windows.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The weekly windows.
    pub fn hours(&self) -> &WeeklyHours {
        &self.hours
    }

    /// The holiday rule.
    pub fn holiday_rule(&self) -> HolidayRule {
        self.holidays
    }

    /// The local date of an instant (the UTC date outside
    /// [`FIRST_YEAR`]..=[`LAST_YEAR`]).
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        if supported(at) {
            at.with_timezone(&self.tz).date_naive()
        } else {
            at.date_naive()
        }
    }

    /// Why `date` has no windows (a holiday or a closure not overridden by
    /// an open day); `None` on a service day.
    pub fn closed_reason(&self, date: NaiveDate) -> Option<ClosedReason> {
        if self.open_days.iter().any(|s| s.matches(date)) {
            return None;
        }
        if self.holidays == HolidayRule::Italy {
            if let Some(name) = italian_holiday(date) {
                return Some(ClosedReason::Holiday(name));
            }
        }
        self.closures
            .iter()
            .find(|s| s.matches(date))
            .map(|s| ClosedReason::Closure(*s))
    }

    /// The windows of a local date, in order (none on a holiday or closure).
    pub fn windows_on(&self, date: NaiveDate) -> Vec<Window> {
        if self.closed_reason(date).is_some() {
            return Vec::new();
        }
        self.hours
            .on(date.weekday())
            .iter()
            .filter_map(|r| {
                let start = resolve_start(self.tz, date, r.start_minutes())?;
                let end = resolve_end(self.tz, date, r.end_minutes())?;
                (end > start).then_some(Window { start, end })
            })
            .collect()
    }

    /// Whether the service is open at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.window_containing(at).is_some()
    }

    /// The window `at` falls in, if the service is open then.
    pub fn window_containing(&self, at: DateTime<Utc>) -> Option<Window> {
        if !supported(at) {
            return None;
        }
        let day = self.local_date(at);
        // A window of the previous date can reach past local midnight when
        // midnight itself is moved by a DST change; look there too.
        [day.pred_opt(), Some(day)]
            .into_iter()
            .flatten()
            .flat_map(|d| self.windows_on(d))
            .find(|w| w.contains(at))
    }

    /// The earliest instant at or after `at` when the service is open: `at`
    /// itself when open, else the start of the next window. `None` when
    /// nothing opens within [`SEARCH_HORIZON_DAYS`].
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !supported(at) {
            return None;
        }
        if self.is_open(at) {
            return Some(at);
        }
        let mut best: Option<DateTime<Utc>> = None;
        let mut dates_after_hit = 0;
        for (i, date) in self.days_from(at).enumerate() {
            if i as u32 > SEARCH_HORIZON_DAYS {
                break;
            }
            for w in self.windows_on(date) {
                if w.start > at && best.is_none_or(|b| w.start < b) {
                    best = Some(w.start);
                }
            }
            // Windows of later dates start later, give or take one date
            // around a DST change: look one date past the first hit.
            if best.is_some() {
                if dates_after_hit == 1 {
                    break;
                }
                dates_after_hit += 1;
            }
        }
        best
    }

    /// Service-window time between `a` and `b` (zero when `b <= a`): the
    /// "working hours" of SLAs such as "taken in charge within 4 working
    /// hours".
    pub fn working_time_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        let (a, b) = (clamp(a), clamp(b));
        if b <= a {
            return Duration::ZERO;
        }
        let last = self.local_date(b);
        self.days_from(a)
            .take_while(|d| *d <= last)
            .flat_map(|d| self.windows_on(d))
            .map(|w| w.overlap(a, b))
            .sum()
    }

    /// The instant when `amount` of service-window time has passed since
    /// `from` (a deadline such as "4 working hours after the message was
    /// left"). `from` itself when `amount` is zero; `None` beyond
    /// [`SEARCH_HORIZON_DAYS`].
    pub fn add_working_time(&self, from: DateTime<Utc>, amount: Duration) -> Option<DateTime<Utc>> {
        if amount.is_zero() {
            return Some(from);
        }
        if !supported(from) {
            return None;
        }
        let mut left = amount;
        for (i, date) in self.days_from(from).enumerate() {
            if i as u32 > SEARCH_HORIZON_DAYS {
                break;
            }
            for w in self.windows_on(date) {
                let start = w.start.max(from);
                if w.end <= start {
                    continue;
                }
                let avail = (w.end - start).to_std().unwrap_or_default();
                if avail >= left {
                    return Some(start + ChronoDuration::from_std(left).ok()?);
                }
                left -= avail;
            }
        }
        None
    }

    /// Local dates from the day before `at`'s onwards (the day before may
    /// hold a window reaching past midnight).
    fn days_from(&self, at: DateTime<Utc>) -> impl Iterator<Item = NaiveDate> {
        let first = self.local_date(at);
        let first = first.pred_opt().unwrap_or(first);
        first.iter_days()
    }
}
