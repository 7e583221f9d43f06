//! Local-time arithmetic: half-hour slots, local midnights, report buckets.
//!
//! A slot is a half hour of local wall-clock time (`08:00–08:30`). Slots are
//! keyed by the UTC instant they start at, so the two `02:00` slots of the
//! last Sunday of October are different slots: that day has 50 slots, the
//! last Sunday of March 46, every other day 48 (in Europe/Rome).

use chrono::{
    DateTime, Datelike, Duration as TimeDelta, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Seconds in a slot.
pub const SLOT_SECS: i64 = 1800;

/// The instant a local wall-clock time happens: the earlier of two when the
/// clock goes back; when it does not exist (the clock jumps forward), the
/// wall time read with the offset in force before the jump (02:30 on the
/// last Sunday of March in Rome is 01:30 UTC, i.e. 03:30 CEST).
pub fn local_instant(tz: Tz, t: NaiveDateTime) -> DateTime<Utc> {
    if let Some(dt) = tz.from_local_datetime(&t).earliest() {
        return dt.with_timezone(&Utc);
    }
    let before = t.checked_sub_signed(TimeDelta::hours(14)).unwrap_or(t);
    let offset = tz.offset_from_utc_datetime(&before).fix();
    let shifted = t
        .checked_sub_signed(TimeDelta::seconds(i64::from(offset.local_minus_utc())))
        .unwrap_or(t);
    Utc.from_utc_datetime(&shifted)
}

/// `at` clamped to years 2…9998, where every local time of every zone is
/// representable: extreme instants (only possible in memory, never in
/// RFC 3339 text) are treated as the nearest representable one instead of
/// overflowing a local-time conversion.
pub fn clamp_instant(at: DateTime<Utc>) -> DateTime<Utc> {
    // Both bounds are valid constants; the fallbacks are never taken.
    let lo = Utc
        .with_ymd_and_hms(2, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let hi = Utc
        .with_ymd_and_hms(9998, 12, 31, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    at.clamp(lo, hi)
}

/// Local midnight starting `date` in `tz`.
pub fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    local_instant(tz, date.and_time(chrono::NaiveTime::MIN))
}

/// The start of the slot containing `at`, as a UTC epoch second.
pub fn slot_start(tz: Tz, at: DateTime<Utc>) -> i64 {
    let offset = i64::from(
        tz.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc(),
    );
    let local = at.timestamp() + offset;
    local - local.rem_euclid(SLOT_SECS) - offset
}

/// The start instants of every slot of a local day (46, 48 or 50 of them in
/// Europe/Rome).
pub fn slots_of_day(tz: Tz, date: NaiveDate) -> impl Iterator<Item = DateTime<Tz>> {
    let start = local_midnight(tz, date).timestamp();
    let end = date
        .succ_opt()
        .map_or(start + 86_400, |d| local_midnight(tz, d).timestamp());
    (0..)
        .map(move |i| start + i * SLOT_SECS)
        .take_while(move |s| *s < end)
        .filter_map(move |s| DateTime::from_timestamp(s, 0).map(|t| t.with_timezone(&tz)))
}

/// How a report is broken down besides its total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// One bucket per local day.
    Day,
    /// One bucket per ISO week (Monday to Sunday).
    Week,
    /// One bucket per calendar month.
    Month,
    /// One bucket per calendar year.
    Year,
}

impl Grouping {
    /// The bucket label of a local date: `2026-10-05`, `2026-W41`, `2026-10`, `2026`.
    pub fn label(self, d: NaiveDate) -> String {
        match self {
            Grouping::Day => d.format("%Y-%m-%d").to_string(),
            Grouping::Week => {
                let w = d.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Grouping::Month => format!("{}-{:02}", d.year(), d.month()),
            Grouping::Year => format!("{}", d.year()),
        }
    }

    /// Whether `a` and `b` (consecutive dates) fall in the same bucket.
    pub fn same_bucket(self, a: NaiveDate, b: NaiveDate) -> bool {
        match self {
            Grouping::Day => a == b,
            Grouping::Week => a.iso_week() == b.iso_week(),
            Grouping::Month => a.year() == b.year() && a.month() == b.month(),
            Grouping::Year => a.year() == b.year(),
        }
    }
}

/// Days in the month of `d`.
pub fn days_in_month(d: NaiveDate) -> u32 {
    let first = d.with_day(1).unwrap_or(d);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.map_or(31, |n| u32::try_from((n - first).num_days()).unwrap_or(31))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Rome;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dst_days_have_46_and_50_slots() {
        assert_eq!(slots_of_day(Rome, d(2026, 3, 29)).count(), 46);
        assert_eq!(slots_of_day(Rome, d(2026, 10, 25)).count(), 50);
        assert_eq!(slots_of_day(Rome, d(2026, 10, 26)).count(), 48);
    }

    #[test]
    fn the_repeated_hour_gives_two_slots() {
        let a = DateTime::parse_from_rfc3339("2026-10-25T02:15:00+02:00").unwrap();
        let b = DateTime::parse_from_rfc3339("2026-10-25T02:15:00+01:00").unwrap();
        let sa = slot_start(Rome, a.with_timezone(&Utc));
        let sb = slot_start(Rome, b.with_timezone(&Utc));
        assert_eq!(sb - sa, 3600);
        assert_eq!(sa % 1800, 0);
    }

    #[test]
    fn missing_local_time_maps_after_the_gap() {
        let t = d(2026, 3, 29).and_hms_opt(2, 30, 0).unwrap();
        let i = local_instant(Rome, t);
        assert_eq!(i.to_rfc3339(), "2026-03-29T01:30:00+00:00");
    }

    #[test]
    fn labels() {
        assert_eq!(Grouping::Week.label(d(2026, 10, 5)), "2026-W41");
        assert_eq!(Grouping::Month.label(d(2026, 10, 5)), "2026-10");
        assert_eq!(days_in_month(d(2028, 2, 10)), 29);
    }
}
