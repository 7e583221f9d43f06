//! Durations as people write them in config: `20s`, `500ms`, `2m`, `1h30m`,
//! or a bare number of seconds.
//!
//! Use with `#[serde(with = "centralino_model::duration")]` on a
//! `std::time::Duration` field, or `duration::option` on an
//! `Option<Duration>`.

use serde::de::{self, Deserializer, Visitor};
use serde::Serializer;
use std::fmt;
use std::time::Duration;

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The text was empty.
    #[error("empty duration")]
    Empty,
    /// A number had no unit after it and was not the whole text.
    #[error("missing unit after {number} in {text:?} (use ms, s, m or h)")]
    MissingUnit { text: String, number: String },
    /// A unit we do not know.
    #[error("unknown unit {unit:?} in {text:?} (use ms, s, m or h)")]
    UnknownUnit { text: String, unit: String },
    /// A number too large to represent.
    #[error("duration {text:?} is too large")]
    Overflow { text: String },
}

/// Parse `20s`, `500ms`, `2m`, `1h30m`, `1.5s` or a bare integer (seconds).
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total_ms: u128 = 0;
    let bytes = t.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let number = &t[start..i];
        if number.is_empty() {
            let end = t[i..]
                .find(|c: char| c.is_ascii_digit())
                .map_or(t.len(), |n| i + n);
            return Err(DurationError::UnknownUnit {
                text: t.to_string(),
                unit: t[i..end].to_string(),
            });
        }
        let ustart = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &t[ustart..i];
        let factor_ms: f64 = match unit {
            "ms" => 1.0,
            "s" | "sec" => 1_000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            "" => {
                return Err(DurationError::MissingUnit {
                    text: t.to_string(),
                    number: number.to_string(),
                })
            }
            other => {
                return Err(DurationError::UnknownUnit {
                    text: t.to_string(),
                    unit: other.to_string(),
                })
            }
        };
        let value: f64 = number.parse().map_err(|_| DurationError::UnknownUnit {
            text: t.to_string(),
            unit: number.to_string(),
        })?;
        let ms = value * factor_ms;
        if !ms.is_finite() || ms > 1e15 {
            return Err(DurationError::Overflow {
                text: t.to_string(),
            });
        }
        total_ms += ms.round() as u128;
    }
    u64::try_from(total_ms)
        .map(Duration::from_millis)
        .map_err(|_| DurationError::Overflow {
            text: t.to_string(),
        })
}

/// Format a duration the way [`parse`] reads it back (`1h30m`, `20s`, `250ms`).
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let mut secs = ms / 1000;
    let mut out = String::new();
    for (unit, size) in [("h", 3600), ("m", 60)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    if secs > 0 {
        out.push_str(&format!("{secs}s"));
    }
    out
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as 20s, 500ms, 2m or 1h30m, or a number of seconds")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
        Ok(Duration::from_secs(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
        u64::try_from(v)
            .map(Duration::from_secs)
            .map_err(|_| E::custom("a duration cannot be negative"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
        if v.is_finite() && (0.0..1e12).contains(&v) {
            Ok(Duration::from_secs_f64(v))
        } else {
            Err(E::custom(
                "a duration must be a non-negative number of seconds",
            ))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
        parse(v).map_err(E::custom)
    }
}

/// Deserialize a [`Duration`] written as in [`parse`].
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    d.deserialize_any(DurationVisitor)
}

/// Serialize a [`Duration`] as [`format`] writes it.
pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*d))
}

/// The same for `Option<Duration>` (`null` or absent is `None`; pair with
/// `#[serde(default)]`).
pub mod option {
    use super::*;

    struct OptVisitor;

    impl<'de> Visitor<'de> for OptVisitor {
        type Value = Option<Duration>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::deserialize(d).map(Some)
        }
    }

    /// Deserialize an optional duration.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        d.deserialize_option(OptVisitor)
    }

    /// Serialize an optional duration.
    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&format(*d)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_people_write() {
        assert_eq!(parse("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse(" 1m 5s "), Ok(Duration::from_secs(65)));
    }

    #[test]
    fn rejects_with_a_reason() {
        assert_eq!(parse(""), Err(DurationError::Empty));
        assert!(matches!(
            parse("5x"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse("5s3"),
            Err(DurationError::MissingUnit { .. })
        ));
        assert!(matches!(parse("s"), Err(DurationError::UnknownUnit { .. })));
        assert!(matches!(
            parse("99999999999999h"),
            Err(DurationError::Overflow { .. })
        ));
    }

    #[test]
    fn format_round_trips() {
        for d in [0u64, 250, 1000, 20_000, 65_000, 5_400_000, 3_601_000] {
            let d = Duration::from_millis(d);
            assert_eq!(parse(&format(d)), Ok(d));
        }
    }

    #[derive(serde::Deserialize)]
    struct Cfg {
        #[serde(with = "super")]
        ring: Duration,
        #[serde(default, with = "super::option")]
        max: Option<Duration>,
    }

    #[test]
    fn deserializes_from_yaml() {
        let c: Cfg = serde_saphyr::from_str("ring: 15s\nmax: 2m\n").unwrap();
        assert_eq!(c.ring, Duration::from_secs(15));
        assert_eq!(c.max, Some(Duration::from_secs(120)));
        let c: Cfg = serde_saphyr::from_str("ring: 15\n").unwrap();
        assert_eq!(c.ring, Duration::from_secs(15));
        assert_eq!(c.max, None);
        assert!(serde_saphyr::from_str::<Cfg>("ring: 15q\n").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,20}") {
            let _ = parse(&s);
        }
    }
}
