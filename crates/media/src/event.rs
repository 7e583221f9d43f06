//! The RFC 4733 telephone-event payload (§2.3):
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use centralino_model::DtmfDigit;

/// Why a payload is not a telephone event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// Fewer than 4 bytes.
    #[error("telephone-event payload of {len} bytes is shorter than 4")]
    TooShort {
        /// Bytes received.
        len: usize,
    },
}

/// One telephone-event report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelephoneEvent {
    /// Event code (0–15 are DTMF digits; 16 is flash, others exist).
    pub event: u8,
    /// The E bit: this packet ends the event.
    pub end: bool,
    /// Volume in −dBm0, 0–63.
    pub volume: u8,
    /// Duration so far, in timestamp units (1/8000 s at 8 kHz).
    pub duration: u16,
}

impl TelephoneEvent {
    /// Payload length.
    pub const LEN: usize = 4;

    /// Read the first event block of a payload. Longer payloads (several
    /// blocks, RFC 4733 §2.5.1.5) are read from their first block. Never
    /// panics.
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, EventError> {
        let Some(b) = payload.first_chunk::<4>() else {
            return Err(EventError::TooShort { len: payload.len() });
        };
        Ok(TelephoneEvent {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3F,
            duration: u16::from_be_bytes([b[2], b[3]]),
        })
    }

    /// The 4-byte payload (the R bit is written 0).
    pub fn to_bytes(&self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }

    /// The DTMF digit, for events 0–15.
    pub fn digit(&self) -> Option<DtmfDigit> {
        DtmfDigit::from_event(self.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_short_payloads() {
        let e = TelephoneEvent {
            event: 11,
            end: true,
            volume: 10,
            duration: 1040,
        };
        assert_eq!(e.to_bytes(), [11, 0x8A, 0x04, 0x10]);
        assert_eq!(TelephoneEvent::parse(&e.to_bytes()), Ok(e));
        assert_eq!(e.digit().map(|d| d.as_char()), Some('#'));
        assert_eq!(
            TelephoneEvent::parse(&[1, 2, 3]),
            Err(EventError::TooShort { len: 3 })
        );
        // The R bit is ignored on input.
        assert_eq!(TelephoneEvent::parse(&[1, 0x40, 0, 160]).unwrap().volume, 0);
    }
}
