//! The weekly service hours, as written under `hours:`.
//!
//! ```yaml
//! hours:
//!   mon-fri: ["08:00-13:00", "14:00-17:00"]   # several windows a day
//!   sat: "08:00-14:00"                         # one window may be a plain string
//! ```

use crate::days::{DaySet, TimeRange};
use crate::error::CalendarError;
use chrono::Weekday;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// The service windows of each weekday: for every day, sorted
/// non-overlapping ranges that do not cross midnight (an empty list is a
/// closed day).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours {
    days: [Vec<TimeRange>; 7],
}

impl WeeklyHours {
    /// Build from `(days, windows)` entries, as the `hours:` map lists them.
    /// `key` is the text of the day key, for error messages.
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = (&'a str, DaySet, Vec<TimeRange>)>,
    ) -> Result<WeeklyHours, CalendarError> {
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        let mut given_by: [Option<&'a str>; 7] = [None; 7];
        for (key, set, ranges) in entries {
            for day in set.iter() {
                let i = day.num_days_from_monday() as usize;
                if let Some(first) = given_by[i] {
                    return Err(CalendarError::DayRepeated {
                        day,
                        first: first.to_string(),
                        second: key.to_string(),
                    });
                }
                given_by[i] = Some(key);
                days[i] = check_day(day, &ranges)?;
            }
        }
        Ok(WeeklyHours { days })
    }

    /// The same windows on every day of `set` and none on the others.
    pub fn uniform(set: DaySet, ranges: &[TimeRange]) -> Result<WeeklyHours, CalendarError> {
        WeeklyHours::from_entries([("hours", set, ranges.to_vec())])
    }

    /// The windows of a weekday, sorted.
    pub fn on(&self, day: Weekday) -> &[TimeRange] {
        &self.days[day.num_days_from_monday() as usize]
    }

    /// Whether no day has a window.
    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

fn check_day(day: Weekday, ranges: &[TimeRange]) -> Result<Vec<TimeRange>, CalendarError> {
    let mut sorted = ranges.to_vec();
    sorted.sort();
    for r in &sorted {
        if r.wraps() {
            return Err(CalendarError::BackwardsWindow { range: *r });
        }
    }
    for pair in sorted.windows(2) {
        if pair[1].start_minutes() < pair[0].end_minutes() {
            return Err(CalendarError::OverlappingWindows {
                day,
                first: pair[0],
                second: pair[1],
            });
        }
    }
    Ok(sorted)
}

/// A list of ranges, or a single range written as a plain string.
struct RangeList(Vec<TimeRange>);

impl<'de> Deserialize<'de> for RangeList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RangeList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a time range such as \"08:00-17:00\" or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RangeList, E> {
                v.parse().map(|r| RangeList(vec![r])).map_err(E::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RangeList, A::Error> {
                let mut out = Vec::new();
                while let Some(r) = seq.next_element::<TimeRange>()? {
                    out.push(r);
                }
                Ok(RangeList(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for WeeklyHours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WeeklyHours;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from days (mon-fri, sat, …) to time ranges")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WeeklyHours, A::Error> {
                let mut entries: Vec<(String, DaySet, Vec<TimeRange>)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let set: DaySet = key.parse().map_err(de::Error::custom)?;
                    let RangeList(ranges) = map.next_value()?;
                    entries.push((key, set, ranges));
                }
                WeeklyHours::from_entries(
                    entries.iter().map(|(k, s, r)| (k.as_str(), *s, r.clone())),
                )
                .map_err(de::Error::custom)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_hours_are_checked() {
        let r = |s: &str| s.parse::<TimeRange>().unwrap();
        let e = WeeklyHours::from_entries([
            ("mon-fri", DaySet::WEEKDAYS, vec![]),
            ("mon", DaySet::single(Weekday::Mon), vec![]),
        ]);
        assert_eq!(
            e,
            Err(CalendarError::DayRepeated {
                day: Weekday::Mon,
                first: "mon-fri".into(),
                second: "mon".into()
            })
        );
        let e = WeeklyHours::uniform(DaySet::WEEKDAYS, &[r("08:00-13:00"), r("12:00-17:00")]);
        assert!(matches!(
            e,
            Err(CalendarError::OverlappingWindows {
                day: Weekday::Mon,
                ..
            })
        ));
        let e = WeeklyHours::uniform(DaySet::WEEKDAYS, &[r("22:00-06:00")]);
        assert!(matches!(e, Err(CalendarError::BackwardsWindow { .. })));
        let ok =
            WeeklyHours::uniform(DaySet::WEEKDAYS, &[r("14:00-17:00"), r("08:00-13:00")]).unwrap();
        assert_eq!(ok.on(Weekday::Tue), [r("08:00-13:00"), r("14:00-17:00")]);
        assert!(ok.on(Weekday::Sat).is_empty());
    }
}
