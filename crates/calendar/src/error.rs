//! The calendar's one error type.

use crate::days::TimeRange;
use chrono::Weekday;

/// Why a calendar (or a piece of one: a day set, a time range, a date) could
/// not be read. Every variant names the text or the day at fault, so the
/// message points at the key to fix; the config loader adds file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// A day name or day range we do not know.
    #[error("unknown day {text:?}: use mon, tue, wed, thu, fri, sat, sun (or lun … dom), a range such as mon-fri, a list such as mon,wed,fri, or daily")]
    UnknownDay {
        /// The text as written.
        text: String,
    },
    /// A time range not written `HH:MM-HH:MM`.
    #[error("bad time range {text:?}: write it as HH:MM-HH:MM, e.g. 08:00-17:00")]
    BadTimeRange {
        /// The text as written.
        text: String,
    },
    /// A time of day out of range (`25:00`, `08:61`); `24:00` is only an end.
    #[error("bad time {text:?}: hours 00-23 (24:00 only as the end of a range), minutes 00-59")]
    BadTime {
        /// The time as written.
        text: String,
    },
    /// A range that starts and ends at the same time.
    #[error("time range {range} is empty")]
    EmptyTimeRange {
        /// The range.
        range: String,
    },
    /// A service window that ends before it starts (windows do not cross midnight).
    #[error("window {range} ends before it starts: a window may not cross midnight, split it as 22:00-24:00 and 00:00-06:00 on the next day")]
    BackwardsWindow {
        /// The range.
        range: TimeRange,
    },
    /// Two windows of the same day overlap.
    #[error("windows {first} and {second} overlap on {day}")]
    OverlappingWindows {
        /// The day.
        day: Weekday,
        /// The earlier window.
        first: TimeRange,
        /// The window that overlaps it.
        second: TimeRange,
    },
    /// A weekday given by two keys of `hours` (`mon-fri` and `mon`).
    #[error("{day} is given twice in hours (by {first:?} and by {second:?}); give each day once")]
    DayRepeated {
        /// The day.
        day: Weekday,
        /// The first key naming it.
        first: String,
        /// The second key naming it.
        second: String,
    },
    /// A date or day spec not written `YYYY-MM-DD`, `MM-DD`, or a range of them with `..`.
    #[error(
        "bad date {text:?}: write YYYY-MM-DD, MM-DD (every year), or a range FROM..TO of either"
    )]
    BadDate {
        /// The text as written.
        text: String,
    },
    /// A date range whose end is before its start.
    #[error("date range {text:?} ends before it starts")]
    BackwardsDateRange {
        /// The text as written.
        text: String,
    },
    /// A time zone name the tz database does not know.
    #[error("unknown time zone {name:?} (use an IANA name such as Europe/Rome)")]
    UnknownTimeZone {
        /// The name as written.
        name: String,
    },
    /// A calendar with no window on any day.
    #[error("hours give no window on any day: the service would never be open")]
    NoHours,
}
