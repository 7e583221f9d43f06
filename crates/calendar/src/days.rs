//! Days of the week (`mon-fri`, `sat,sun`, `daily`) and times of day
//! (`08:00-17:00`).

use crate::error::CalendarError;
use chrono::{NaiveTime, Timelike, Weekday};
use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

/// Minutes in a day: the end of a window written `24:00`.
pub const MINUTES_PER_DAY: u16 = 24 * 60;

const DAY_NAMES: [(&str, &str); 7] = [
    ("mon", "lun"),
    ("tue", "mar"),
    ("wed", "mer"),
    ("thu", "gio"),
    ("fri", "ven"),
    ("sat", "sab"),
    ("sun", "dom"),
];

/// A set of weekdays, written `mon`, `mon-fri`, `sat,sun`, `mon-wed,fri` or
/// `daily` (Italian `lun` … `dom` are accepted too). A range may wrap the
/// week end (`fri-mon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DaySet(u8);

impl DaySet {
    /// No day.
    pub const EMPTY: DaySet = DaySet(0);
    /// Monday to Sunday.
    pub const ALL: DaySet = DaySet(0x7f);
    /// Monday to Friday.
    pub const WEEKDAYS: DaySet = DaySet(0x1f);

    /// The set holding one day.
    pub const fn single(day: Weekday) -> DaySet {
        DaySet(1 << day.num_days_from_monday())
    }

    /// Whether `day` is in the set.
    pub const fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// The union of two sets.
    pub const fn union(self, other: DaySet) -> DaySet {
        DaySet(self.0 | other.0)
    }

    /// Whether the set holds no day.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The days of the set, Monday first.
    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        (0u8..7)
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(weekday_from_index)
    }
}

/// The weekday of an index counted from Monday (0) to Sunday (6); larger
/// indices wrap.
pub fn weekday_from_index(i: u8) -> Weekday {
    match i % 7 {
        0 => Weekday::Mon,
        1 => Weekday::Tue,
        2 => Weekday::Wed,
        3 => Weekday::Thu,
        4 => Weekday::Fri,
        5 => Weekday::Sat,
        _ => Weekday::Sun,
    }
}

fn parse_day(name: &str) -> Option<u8> {
    let n = name.trim().to_ascii_lowercase();
    DAY_NAMES
        .iter()
        .position(|(en, it)| n == *en || n == *it)
        .map(|i| i as u8)
}

impl FromStr for DaySet {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<DaySet, CalendarError> {
        let unknown = || CalendarError::UnknownDay {
            text: text.to_string(),
        };
        let t = text.trim();
        if t.eq_ignore_ascii_case("daily") || t.eq_ignore_ascii_case("all") {
            return Ok(DaySet::ALL);
        }
        let mut set = DaySet::EMPTY;
        for item in t.split(',') {
            match item.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (
                        parse_day(a).ok_or_else(unknown)?,
                        parse_day(b).ok_or_else(unknown)?,
                    );
                    let mut i = a;
                    loop {
                        set = set.union(DaySet::single(weekday_from_index(i)));
                        if i == b {
                            break;
                        }
                        i = (i + 1) % 7;
                    }
                }
                None => {
                    set = set.union(DaySet::single(weekday_from_index(
                        parse_day(item).ok_or_else(unknown)?,
                    )))
                }
            }
        }
        Ok(set)
    }
}

impl fmt::Display for DaySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == DaySet::ALL {
            return f.write_str("daily");
        }
        let mut first = true;
        let mut i = 0u8;
        while i < 7 {
            if self.0 & (1 << i) == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i + 1 < 7 && self.0 & (1 << (i + 1)) != 0 {
                i += 1;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            f.write_str(DAY_NAMES[start as usize].0)?;
            if i > start {
                write!(f, "-{}", DAY_NAMES[i as usize].0)?;
            }
            i += 1;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for DaySet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

/// A range of wall-clock time in one day, `HH:MM-HH:MM`, to the minute. The
/// end may be `24:00` (midnight at the end of the day). As a service window
/// the end must follow the start; as a time band (welcome variants) it may
/// wrap midnight (`19:00-08:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeRange {
    start: u16,
    end: u16,
}

impl TimeRange {
    /// A range from minutes after midnight; `None` if either is past 24:00 or
    /// the range is empty.
    pub const fn from_minutes(start: u16, end: u16) -> Option<TimeRange> {
        if start >= MINUTES_PER_DAY || end > MINUTES_PER_DAY || start == end {
            None
        } else {
            Some(TimeRange { start, end })
        }
    }

    /// Start, in minutes after midnight.
    pub const fn start_minutes(self) -> u16 {
        self.start
    }

    /// End, in minutes after midnight (1440 for `24:00`).
    pub const fn end_minutes(self) -> u16 {
        self.end
    }

    /// Whether the range wraps midnight (`19:00-08:00`).
    pub const fn wraps(self) -> bool {
        self.end < self.start
    }

    /// Whether a wall-clock time of day falls in the range (start included,
    /// end excluded; a wrapping range covers both sides of midnight).
    pub fn contains_time(self, t: NaiveTime) -> bool {
        let m = (t.hour() * 60 + t.minute()) as u16;
        if self.wraps() {
            m >= self.start || m < self.end
        } else {
            m >= self.start && m < self.end
        }
    }
}

fn parse_hhmm(text: &str, allow_24: bool) -> Result<u16, CalendarError> {
    let bad = || CalendarError::BadTime {
        text: text.trim().to_string(),
    };
    let (hs, ms) = text.trim().split_once(':').ok_or_else(bad)?;
    let digits = |s: &str, max_len: usize| {
        (1..=max_len).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hs, 2) || !digits(ms, 2) || ms.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (
        hs.parse().map_err(|_| bad())?,
        ms.parse().map_err(|_| bad())?,
    );
    if m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl FromStr for TimeRange {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<TimeRange, CalendarError> {
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| CalendarError::BadTimeRange {
                text: text.to_string(),
            })?;
        let (start, end) = (parse_hhmm(a, false)?, parse_hhmm(b, true)?);
        TimeRange::from_minutes(start, end).ok_or_else(|| CalendarError::EmptyTimeRange {
            range: text.trim().to_string(),
        })
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_sets() {
        assert_eq!("mon-fri".parse::<DaySet>().unwrap(), DaySet::WEEKDAYS);
        assert_eq!("daily".parse::<DaySet>().unwrap(), DaySet::ALL);
        assert_eq!("lun-ven".parse::<DaySet>().unwrap(), DaySet::WEEKDAYS);
        let wrap: DaySet = "fri-mon".parse().unwrap();
        assert_eq!(
            wrap.iter().collect::<Vec<_>>(),
            [Weekday::Mon, Weekday::Fri, Weekday::Sat, Weekday::Sun]
        );
        assert_eq!(wrap.to_string(), "mon,fri-sun");
        assert_eq!(
            "mon-wed,fri".parse::<DaySet>().unwrap().to_string(),
            "mon-wed,fri"
        );
        assert!(matches!(
            "mon-frx".parse::<DaySet>(),
            Err(CalendarError::UnknownDay { .. })
        ));
        assert!("".parse::<DaySet>().is_err());
    }

    #[test]
    fn time_ranges() {
        let r: TimeRange = "08:00-17:00".parse().unwrap();
        assert_eq!((r.start_minutes(), r.end_minutes()), (480, 1020));
        assert_eq!(r.to_string(), "08:00-17:00");
        assert_eq!(
            "0:00-24:00".parse::<TimeRange>().unwrap().end_minutes(),
            1440
        );
        assert!("19:00-08:00".parse::<TimeRange>().unwrap().wraps());
        assert!(matches!(
            "24:00-24:00".parse::<TimeRange>(),
            Err(CalendarError::BadTime { .. })
        ));
        assert!(matches!(
            "08:00-08:00".parse::<TimeRange>(),
            Err(CalendarError::EmptyTimeRange { .. })
        ));
        assert!(matches!(
            "08:60-09:00".parse::<TimeRange>(),
            Err(CalendarError::BadTime { .. })
        ));
        assert!(matches!(
            "0800".parse::<TimeRange>(),
            Err(CalendarError::BadTimeRange { .. })
        ));
        assert!("08:000-09:00".parse::<TimeRange>().is_err());
        let night: TimeRange = "19:00-08:00".parse().unwrap();
        assert!(night.contains_time(NaiveTime::from_hms_opt(23, 0, 0).unwrap()));
        assert!(night.contains_time(NaiveTime::from_hms_opt(7, 59, 59).unwrap()));
        assert!(!night.contains_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap()));
    }
}
