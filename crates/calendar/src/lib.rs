//! Service windows, Italian public holidays, closures and open days, pure.
//!
//! A [`Calendar`] says when a service is open: weekly windows in local
//! wall-clock time ([`WeeklyHours`]), the Italian national holidays
//! ([`italian_holiday`], Easter Monday from `computus`, 4 October from
//! 2026), local closures and open days that override both ([`DaySpec`]).
//! Every query takes the instant as an argument (`DateTime<Utc>`); nothing
//! reads the clock:
//!
//! * [`Calendar::is_open`], [`Calendar::window_containing`];
//! * [`Calendar::next_open`]: the start of the next window (the SLA clock of
//!   an out-of-hours voicemail starts there);
//! * [`Calendar::working_time_between`] and [`Calendar::add_working_time`]:
//!   service-window time, for "taken in charge within 4 working hours";
//! * [`Calendar::describe`]: the hours in Italian or English words.
//!
//! The YAML shape is documented on [`CalendarConfig`] and in
//! `docs/config-services.md`; DST handling on [`Calendar`].

mod calendar;
mod dates;
mod days;
mod describe;
mod error;
mod local;
mod weekly;

pub use calendar::{
    Calendar, CalendarConfig, ClosedReason, Window, FIRST_YEAR, LAST_YEAR, SEARCH_HORIZON_DAYS,
};
pub use chrono_tz::Tz;
pub use dates::{
    easter_monday, italian_holiday, italian_holidays, DaySpec, HolidayRule, MonthDay,
    SAN_FRANCESCO_FROM,
};
pub use days::{weekday_from_index, DaySet, TimeRange, MINUTES_PER_DAY};
pub use error::CalendarError;
pub use weekly::WeeklyHours;
