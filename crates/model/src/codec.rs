//! Audio codecs a trunk or a softphone may offer.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An audio codec Centralino can negotiate. All of them run at 8 kHz and
/// carry 20 ms per packet (160 samples of G.711, 20 bytes of G.729).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Codec {
    /// G.711 µ-law, static payload type 0.
    Pcmu,
    /// G.711 A-law, static payload type 8.
    Pcma,
    /// G.729 (Annex A compatible), static payload type 18.
    G729,
}

impl Codec {
    /// All codecs, in Centralino's default preference order.
    pub const ALL: [Codec; 3] = [Codec::Pcma, Codec::Pcmu, Codec::G729];

    /// The static RTP payload type (RFC 3551).
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
            Codec::G729 => 18,
        }
    }

    /// The codec of a static payload type, if it is one of ours.
    pub const fn from_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            18 => Some(Codec::G729),
            _ => None,
        }
    }

    /// The encoding name used in SDP `a=rtpmap` (case-insensitive there).
    pub const fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G729 => "G729",
        }
    }

    /// The codec of an SDP encoding name, compared case-insensitively.
    pub fn from_encoding_name(name: &str) -> Option<Codec> {
        Codec::ALL
            .into_iter()
            .find(|c| c.encoding_name().eq_ignore_ascii_case(name))
    }

    /// RTP clock rate in Hz.
    pub const fn clock_rate(self) -> u32 {
        8000
    }

    /// Payload bytes in one 20 ms packet.
    pub const fn bytes_per_20ms(self) -> usize {
        match self {
            Codec::Pcmu | Codec::Pcma => 160,
            Codec::G729 => 20,
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encoding_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_types_round_trip() {
        for c in Codec::ALL {
            assert_eq!(Codec::from_payload_type(c.payload_type()), Some(c));
            assert_eq!(
                Codec::from_encoding_name(&c.encoding_name().to_lowercase()),
                Some(c)
            );
        }
        assert_eq!(Codec::from_payload_type(101), None);
    }
}
