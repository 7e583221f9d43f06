//! DTMF digits as RFC 4733 numbers them.

use std::fmt;

/// One DTMF key: event codes 0–15 of RFC 4733 §3.2 (`0`–`9`, `*`, `#`, `A`–`D`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfDigit(u8);

impl DtmfDigit {
    /// The digit of a telephone-event code, if the code is 0–15.
    pub const fn from_event(code: u8) -> Option<DtmfDigit> {
        if code <= 15 {
            Some(DtmfDigit(code))
        } else {
            None
        }
    }

    /// The digit of a character (`0`–`9`, `*`, `#`, `A`–`D`, case-insensitive).
    pub const fn from_char(c: char) -> Option<DtmfDigit> {
        let code = match c {
            '0'..='9' => c as u8 - b'0',
            '*' => 10,
            '#' => 11,
            'A' | 'a' => 12,
            'B' | 'b' => 13,
            'C' | 'c' => 14,
            'D' | 'd' => 15,
            _ => return None,
        };
        Some(DtmfDigit(code))
    }

    /// The RFC 4733 event code.
    pub const fn event(self) -> u8 {
        self.0
    }

    /// The character printed on the key.
    pub const fn as_char(self) -> char {
        match self.0 {
            0..=9 => (b'0' + self.0) as char,
            10 => '*',
            11 => '#',
            12 => 'A',
            13 => 'B',
            14 => 'C',
            _ => 'D',
        }
    }
}

impl fmt::Display for DtmfDigit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_round_trips_through_its_char() {
        for code in 0..=15 {
            let d = DtmfDigit::from_event(code).unwrap();
            assert_eq!(DtmfDigit::from_char(d.as_char()), Some(d));
        }
        assert_eq!(DtmfDigit::from_event(16), None);
        assert_eq!(DtmfDigit::from_char('x'), None);
    }
}
