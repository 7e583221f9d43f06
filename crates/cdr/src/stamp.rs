//! Wall-clock stamps: RFC 3339 with the UTC offset, at millisecond precision.
//!
//! Every instant this crate writes (events, CDRs, reports) goes through
//! [`format()`]: `2026-10-05T09:00:00.000+02:00`. Reading accepts any RFC 3339
//! text and truncates it to the millisecond, so what is read compares equal
//! to what is written back.

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta, Timelike};
use serde::{Deserialize, Deserializer, Serializer};

/// A wall-clock instant with its UTC offset, as stored in events and CDRs.
pub type Stamp = DateTime<FixedOffset>;

/// Truncate an instant to the millisecond.
pub fn truncate_ms(t: Stamp) -> Stamp {
    let extra = i64::from(t.nanosecond() % 1_000_000);
    t.checked_sub_signed(TimeDelta::nanoseconds(extra))
        .unwrap_or(t)
}

/// RFC 3339 with milliseconds and a numeric offset.
pub fn format(t: &Stamp) -> String {
    if t.naive_utc().checked_add_offset(*t.offset()).is_none() {
        // Local time out of range (only an in-memory extreme can be): UTC.
        return t.to_utc().to_rfc3339_opts(SecondsFormat::Millis, false);
    }
    t.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// Parse RFC 3339 and truncate to the millisecond.
pub fn parse(s: &str) -> Result<Stamp, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s).map(truncate_ms)
}

/// Serialize a [`Stamp`] with [`format()`].
pub fn serialize<S: Serializer>(t: &Stamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(t))
}

/// Deserialize a [`Stamp`] with [`parse()`].
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Stamp, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    parse(&text).map_err(serde::de::Error::custom)
}

/// The same for `Option<Stamp>` (`null` is `None`; pair with `#[serde(default)]`).
pub mod option {
    use super::*;

    /// Serialize an optional stamp.
    pub fn serialize<S: Serializer>(t: &Option<Stamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format(t)),
            None => s.serialize_none(),
        }
    }

    /// Deserialize an optional stamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Stamp>, D::Error> {
        let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        match text {
            Some(text) => parse(&text).map(Some).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// Milliseconds from `a` to `b` (negative when `b` is earlier).
pub fn millis_between(a: &Stamp, b: &Stamp) -> i64 {
    b.signed_duration_since(*a).num_milliseconds()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_milliseconds_and_offset() {
        let t = parse("2026-10-05T09:00:00.123456+02:00").unwrap();
        assert_eq!(format(&t), "2026-10-05T09:00:00.123+02:00");
        let z = parse("2026-10-05T07:00:00Z").unwrap();
        assert_eq!(format(&z), "2026-10-05T07:00:00.000+00:00");
        assert_eq!(millis_between(&z, &t), 123);
    }
}
