//! Local wall-clock times to instants, with a deliberate answer for the
//! times a DST change skips or repeats.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How far past a skipped wall time we look for the first one that exists
/// (DST gaps are one hour in Europe; the longest ever were a day).
const MAX_GAP_MINUTES: i64 = 48 * 60;

/// The wall time `minutes` after local midnight of `date` (1440 is the next
/// midnight).
fn wall(date: NaiveDate, minutes: u16) -> Option<NaiveDateTime> {
    date.and_hms_opt(0, 0, 0)?
        .checked_add_signed(Duration::minutes(i64::from(minutes)))
}

/// The instant a window starts: a repeated wall time is taken the first
/// time, a skipped one at the moment the clock jumps past it.
pub(crate) fn resolve_start(tz: Tz, date: NaiveDate, minutes: u16) -> Option<DateTime<Utc>> {
    resolve(tz, wall(date, minutes)?, false)
}

/// The instant a window ends: a repeated wall time is taken the second
/// time, a skipped one at the moment the clock jumps past it.
pub(crate) fn resolve_end(tz: Tz, date: NaiveDate, minutes: u16) -> Option<DateTime<Utc>> {
    resolve(tz, wall(date, minutes)?, true)
}

fn resolve(tz: Tz, local: NaiveDateTime, latest: bool) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            Some(if latest { a.max(b) } else { a.min(b) })
        }
        LocalResult::None => {
            // Skipped: the first wall minute after it that exists is the end
            // of the gap, i.e. the instant of the jump.
            let base = local.checked_sub_signed(Duration::seconds(i64::from(
                chrono::Timelike::second(&local),
            )))?;
            (1..=MAX_GAP_MINUTES).find_map(|m| {
                let probe = base.checked_add_signed(Duration::minutes(m))?;
                tz.from_local_datetime(&probe)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn skipped_time_is_the_jump() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        // 02:30 does not exist in Rome that night: clocks go 02:00 CET -> 03:00 CEST.
        assert_eq!(
            resolve_start(chrono_tz::Europe::Rome, d, 150),
            Some(utc("2026-03-29T01:00:00Z"))
        );
        assert_eq!(
            resolve_end(chrono_tz::Europe::Rome, d, 120),
            Some(utc("2026-03-29T01:00:00Z"))
        );
        assert_eq!(
            resolve_start(chrono_tz::Europe::Rome, d, 180),
            Some(utc("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn repeated_time_first_as_start_second_as_end() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert_eq!(
            resolve_start(chrono_tz::Europe::Rome, d, 150),
            Some(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            resolve_end(chrono_tz::Europe::Rome, d, 150),
            Some(utc("2026-10-25T01:30:00Z"))
        );
    }
}
