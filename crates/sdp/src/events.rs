//! The set of telephone events a `telephone-event` payload format carries
//! (RFC 4733 §2.4.1: `a=fmtp:101 0-15` or `0-11,12,16`).

use std::fmt;

/// A set of telephone-event codes 0–255, as listed in an `fmtp` line.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventSet([u64; 4]);

impl EventSet {
    /// The empty set.
    pub const EMPTY: EventSet = EventSet([0; 4]);

    /// The sixteen DTMF events 0–15 (`0`–`9`, `*`, `#`, `A`–`D`), which is
    /// also the default when an offer has no `fmtp` line (RFC 4733 §2.4.1).
    pub const DTMF: EventSet = EventSet([0xFFFF, 0, 0, 0]);

    /// Whether `code` is in the set.
    pub const fn contains(&self, code: u8) -> bool {
        self.0[(code / 64) as usize] & (1u64 << (code % 64)) != 0
    }

    /// Add `code`.
    pub fn insert(&mut self, code: u8) {
        self.0[(code / 64) as usize] |= 1u64 << (code % 64);
    }

    /// Whether the set is empty.
    pub const fn is_empty(&self) -> bool {
        self.0[0] == 0 && self.0[1] == 0 && self.0[2] == 0 && self.0[3] == 0
    }

    /// The events present in both sets.
    pub const fn intersection(&self, other: &EventSet) -> EventSet {
        EventSet([
            self.0[0] & other.0[0],
            self.0[1] & other.0[1],
            self.0[2] & other.0[2],
            self.0[3] & other.0[3],
        ])
    }

    /// Parse an `fmtp` value such as `0-15`, `0-16`, `0-11,16` or `0-15,66,70`.
    /// Unknown or out-of-range items are skipped; `None` if nothing valid
    /// remains.
    pub fn parse(text: &str) -> Option<EventSet> {
        let mut set = EventSet::EMPTY;
        for item in text.split(',') {
            let item = item.trim();
            let (lo, hi) = match item.split_once('-') {
                Some((a, b)) => (a.trim().parse::<u8>().ok(), b.trim().parse::<u8>().ok()),
                None => {
                    let v = item.parse::<u8>().ok();
                    (v, v)
                }
            };
            if let (Some(lo), Some(hi)) = (lo, hi) {
                for code in lo..=hi {
                    set.insert(code);
                }
            }
        }
        (!set.is_empty()).then_some(set)
    }

    fn codes(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=255u8).filter(|c| self.contains(*c))
    }
}

impl fmt::Debug for EventSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventSet({self})")
    }
}

/// Written in the compact form used in `fmtp` (`0-15`, `0-11,16`).
impl fmt::Display for EventSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut run: Option<(u8, u8)> = None;
        let mut flush = |f: &mut fmt::Formatter<'_>, (a, b): (u8, u8)| -> fmt::Result {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if a == b {
                write!(f, "{a}")
            } else {
                write!(f, "{a}-{b}")
            }
        };
        for c in self.codes() {
            run = match run {
                Some((a, b)) if b.checked_add(1) == Some(c) => Some((a, c)),
                Some(r) => {
                    flush(f, r)?;
                    Some((c, c))
                }
                None => Some((c, c)),
            };
        }
        if let Some(r) = run {
            flush(f, r)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_ranges() {
        let s = EventSet::parse("0-16").unwrap();
        assert!(s.contains(16) && s.contains(0) && !s.contains(17));
        assert_eq!(s.intersection(&EventSet::DTMF), EventSet::DTMF);
        assert_eq!(EventSet::DTMF.to_string(), "0-15");
        assert_eq!(EventSet::parse("0-11, 16").unwrap().to_string(), "0-11,16");
        assert_eq!(EventSet::parse(" 5 ").unwrap().to_string(), "5");
        assert_eq!(
            EventSet::parse("0-15,66,70").unwrap().to_string(),
            "0-15,66,70"
        );
        assert_eq!(EventSet::parse("x,300,-"), None);
        assert_eq!(EventSet::parse("250-255").unwrap().to_string(), "250-255");
    }
}
