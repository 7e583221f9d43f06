//! Dates: Italian national holidays, and the day specs of closures and open
//! days (`2026-12-24`, `2026-08-10..2026-08-14`, every year `06-26`, every
//! year `12-24..01-06`).

use crate::error::CalendarError;
use chrono::{Datelike, NaiveDate};
use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

/// Which public holidays close the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayRule {
    /// Italian national holidays ([`italian_holiday`]).
    #[default]
    Italy,
    /// No public holiday closes the service (a 24×7 answering line).
    None,
}

/// The first year in which 4 October (San Francesco d'Assisi) is a national
/// holiday again, as restored by the 2025 law.
pub const SAN_FRANCESCO_FROM: i32 = 2026;

/// The Italian national holiday falling on `date`, by its name, if any:
/// 1 Jan, 6 Jan, Easter Monday, 25 Apr, 1 May, 2 Jun, 15 Aug, 4 Oct (from
/// 2026), 1 Nov, 8 Dec, 25 Dec, 26 Dec. Easter comes from `computus`
/// (Gregorian, valid 1583–9999; outside that range Easter Monday is not
/// computed). Sundays are not listed: a service closed on Sundays has no
/// Sunday window anyway.
pub fn italian_holiday(date: NaiveDate) -> Option<&'static str> {
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("Capodanno"),
        (1, 6) => Some("Epifania"),
        (4, 25) => Some("Festa della Liberazione"),
        (5, 1) => Some("Festa del Lavoro"),
        (6, 2) => Some("Festa della Repubblica"),
        (8, 15) => Some("Ferragosto"),
        (10, 4) if date.year() >= SAN_FRANCESCO_FROM => Some("San Francesco d'Assisi"),
        (11, 1) => Some("Ognissanti"),
        (12, 8) => Some("Immacolata Concezione"),
        (12, 25) => Some("Natale"),
        (12, 26) => Some("Santo Stefano"),
        _ => None,
    };
    fixed.or_else(|| (easter_monday(date.year()) == Some(date)).then_some("Lunedì dell'Angelo"))
}

/// Easter Monday of a Gregorian year (1583–9999).
pub fn easter_monday(year: i32) -> Option<NaiveDate> {
    let e = computus::gregorian(year).ok()?;
    NaiveDate::from_ymd_opt(e.year, e.month, e.day)?.succ_opt()
}

/// The Italian national holidays of a year, in date order.
pub fn italian_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter_map(|d| italian_holiday(d).map(|n| (d, n)))
        .collect()
}

/// A month and day that recur every year (`06-26`). `02-29` matches only in
/// leap years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    /// A valid month and day (checked against a leap year).
    pub fn new(month: u32, day: u32) -> Option<MonthDay> {
        NaiveDate::from_ymd_opt(2024, month, day).map(|_| MonthDay { month, day })
    }

    fn of(date: NaiveDate) -> MonthDay {
        MonthDay {
            month: date.month(),
            day: date.day(),
        }
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// One entry of `closures:` or `open_days:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DaySpec {
    /// One date (`2026-12-24`).
    Date(NaiveDate),
    /// Dates from the first to the second, both included (`2026-08-10..2026-08-14`).
    Range(NaiveDate, NaiveDate),
    /// The same day every year (`06-26`).
    Yearly(MonthDay),
    /// The same days every year, both ends included, possibly across New
    /// Year (`12-24..01-06`).
    YearlyRange(MonthDay, MonthDay),
}

impl DaySpec {
    /// Whether `date` is one of the spec's days.
    pub fn matches(&self, date: NaiveDate) -> bool {
        match *self {
            DaySpec::Date(d) => d == date,
            DaySpec::Range(a, b) => a <= date && date <= b,
            DaySpec::Yearly(md) => MonthDay::of(date) == md,
            DaySpec::YearlyRange(a, b) => {
                let md = MonthDay::of(date);
                if a <= b {
                    a <= md && md <= b
                } else {
                    md >= a || md <= b
                }
            }
        }
    }
}

fn parse_one(text: &str) -> Option<Result<NaiveDate, MonthDay>> {
    let t = text.trim();
    let parts: Vec<&str> = t.split('-').collect();
    let num = |s: &str| -> Option<u32> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            NaiveDate::from_ymd_opt(num(y)? as i32, num(m)?, num(d)?).map(Ok)
        }
        [m, d] => MonthDay::new(num(m)?, num(d)?).map(Err),
        _ => None,
    }
}

impl FromStr for DaySpec {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<DaySpec, CalendarError> {
        let bad = || CalendarError::BadDate {
            text: text.to_string(),
        };
        match text.split_once("..") {
            None => Ok(match parse_one(text).ok_or_else(bad)? {
                Ok(d) => DaySpec::Date(d),
                Err(md) => DaySpec::Yearly(md),
            }),
            Some((a, b)) => match (parse_one(a).ok_or_else(bad)?, parse_one(b).ok_or_else(bad)?) {
                (Ok(a), Ok(b)) if a <= b => Ok(DaySpec::Range(a, b)),
                (Ok(_), Ok(_)) => Err(CalendarError::BackwardsDateRange {
                    text: text.to_string(),
                }),
                (Err(a), Err(b)) => Ok(DaySpec::YearlyRange(a, b)),
                _ => Err(bad()),
            },
        }
    }
}

impl fmt::Display for DaySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DaySpec::Date(d) => write!(f, "{d}"),
            DaySpec::Range(a, b) => write!(f, "{a}..{b}"),
            DaySpec::Yearly(md) => write!(f, "{md}"),
            DaySpec::YearlyRange(a, b) => write!(f, "{a}..{b}"),
        }
    }
}

impl<'de> Deserialize<'de> for DaySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_mondays() {
        assert_eq!(easter_monday(2025), Some(d(2025, 4, 21)));
        assert_eq!(easter_monday(2026), Some(d(2026, 4, 6)));
        assert_eq!(easter_monday(2027), Some(d(2027, 3, 29)));
        assert_eq!(easter_monday(1000), None);
    }

    #[test]
    fn holidays_of_2026() {
        let h = italian_holidays(2026);
        assert_eq!(h.len(), 12);
        assert!(h.contains(&(d(2026, 10, 4), "San Francesco d'Assisi")));
        assert_eq!(italian_holidays(2025).len(), 11);
        assert_eq!(italian_holiday(d(2025, 10, 4)), None);
        assert_eq!(italian_holiday(d(2026, 6, 26)), None);
    }

    #[test]
    fn day_specs() {
        let p = |s: &str| s.parse::<DaySpec>();
        assert_eq!(p("2026-12-24"), Ok(DaySpec::Date(d(2026, 12, 24))));
        assert!(p("2026-08-10..2026-08-14").unwrap().matches(d(2026, 8, 12)));
        assert!(!p("2026-08-10..2026-08-14").unwrap().matches(d(2026, 8, 15)));
        assert!(p("06-26").unwrap().matches(d(2031, 6, 26)));
        let xmas = p("12-24..01-06").unwrap();
        assert!(
            xmas.matches(d(2026, 12, 31))
                && xmas.matches(d(2027, 1, 2))
                && !xmas.matches(d(2027, 1, 7))
        );
        assert!(p("02-29").unwrap().matches(d(2028, 2, 29)));
        assert_eq!(
            p("2026-08-14..2026-08-10"),
            Err(CalendarError::BackwardsDateRange {
                text: "2026-08-14..2026-08-10".into()
            })
        );
        for bad in [
            "2026-02-30",
            "13-01",
            "2026-08-10..08-14",
            "tomorrow",
            "",
            "+1-01",
            "2026-1",
        ] {
            assert!(
                matches!(
                    p(bad),
                    Err(CalendarError::BadDate { .. })
                        | Err(CalendarError::BackwardsDateRange { .. })
                ),
                "{bad}"
            );
        }
    }
}
