//! RTP packets (RFC 3550 §5.1): a validated zero-copy view for reading, and
//! a header writer into a caller-given buffer for sending.
//!
//! Reading goes through `rtp-rs`'s `RtpReader` (version, CSRC count,
//! extension and padding lengths are checked against the buffer); we add
//! the RTCP check of RFC 5761 §4 and wrap its error type, which does not
//! implement `std::error::Error`. Writing is done here: a 12-byte header
//! plus payload, no CSRCs, no extension, no padding, no allocation.

use rtp_rs::{RtpReader, RtpReaderError};

/// Length of the fixed RTP header we write.
pub const HEADER_LEN: usize = 12;

/// Why bytes are not an RTP packet we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtpError {
    /// Fewer than 12 bytes.
    #[error("RTP packet of {len} bytes is shorter than the 12-byte header")]
    TooShort {
        /// Bytes received.
        len: usize,
    },
    /// The version field is not 2.
    #[error("RTP version {version} is not 2")]
    BadVersion {
        /// The version found.
        version: u8,
    },
    /// CSRC list or header extension runs past the end of the packet.
    #[error("RTP header of {header_len} bytes is truncated to {len}")]
    Truncated {
        /// Header length the flags announce.
        header_len: usize,
        /// Bytes available.
        len: usize,
    },
    /// The padding count is 0 or larger than what follows the header.
    #[error("invalid RTP padding length {padding}")]
    BadPadding {
        /// The padding count byte.
        padding: u8,
    },
    /// The second byte is an RTCP packet type (200–204: SR, RR, SDES, BYE,
    /// APP), i.e. RTCP on the RTP port (RFC 5761 §4).
    #[error("RTCP packet type {packet_type} on the RTP port")]
    Rtcp {
        /// The RTCP packet type.
        packet_type: u8,
    },
    /// The output buffer cannot hold the packet.
    #[error("buffer of {capacity} bytes cannot hold a {needed}-byte RTP packet")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        capacity: usize,
    },
}

impl From<RtpReaderError> for RtpError {
    fn from(e: RtpReaderError) -> Self {
        match e {
            RtpReaderError::BufferTooShort(len) => RtpError::TooShort { len },
            RtpReaderError::UnsupportedVersion(version) => RtpError::BadVersion { version },
            RtpReaderError::HeadersTruncated {
                header_len,
                buffer_len,
            } => RtpError::Truncated {
                header_len,
                len: buffer_len,
            },
            RtpReaderError::PaddingLengthInvalid(padding) => RtpError::BadPadding { padding },
        }
    }
}

/// A validated RTP packet borrowing its bytes. Header fields are copied
/// out at parse time; the payload (without padding) is a sub-slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Marker bit (start of a talkspurt for audio, RFC 3551 §4.1).
    pub marker: bool,
    /// Payload type, 0–127.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Timestamp (8 kHz for all our codecs).
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Number of CSRCs in the header.
    pub csrc_count: u8,
    /// Whether a header extension was present (skipped).
    pub has_extension: bool,
    /// The payload, padding removed.
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// Validate and read a packet. Never panics.
    pub fn parse(bytes: &'a [u8]) -> Result<RtpPacket<'a>, RtpError> {
        if bytes.len() >= 2 && bytes[0] >> 6 == 2 && (200..=204).contains(&bytes[1]) {
            return Err(RtpError::Rtcp {
                packet_type: bytes[1],
            });
        }
        let r = RtpReader::new(bytes)?;
        Ok(RtpPacket {
            marker: r.mark(),
            payload_type: r.payload_type(),
            sequence: r.sequence_number().into(),
            timestamp: r.timestamp(),
            ssrc: r.ssrc(),
            csrc_count: r.csrc_count(),
            has_extension: r.extension().is_some(),
            payload: r.payload(),
        })
    }
}

/// The header fields we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// Marker bit.
    pub marker: bool,
    /// Payload type, 0–127 (the top bit is masked off).
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
}

impl RtpHeader {
    /// Write the 12-byte header into `out[..12]`.
    pub fn write_header(&self, out: &mut [u8]) -> Result<(), RtpError> {
        let Some(h) = out.get_mut(..HEADER_LEN) else {
            return Err(RtpError::BufferTooSmall {
                needed: HEADER_LEN,
                capacity: out.len(),
            });
        };
        h[0] = 0x80; // version 2, no padding, no extension, no CSRC
        h[1] = (u8::from(self.marker) << 7) | (self.payload_type & 0x7F);
        h[2..4].copy_from_slice(&self.sequence.to_be_bytes());
        h[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        h[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
        Ok(())
    }

    /// Write header and payload into `out`; returns the packet length.
    pub fn write(&self, payload: &[u8], out: &mut [u8]) -> Result<usize, RtpError> {
        let len = HEADER_LEN + payload.len();
        if out.len() < len {
            return Err(RtpError::BufferTooSmall {
                needed: len,
                capacity: out.len(),
            });
        }
        self.write_header(out)?;
        out[HEADER_LEN..len].copy_from_slice(payload);
        Ok(len)
    }
}

/// Serial-number comparison of 16-bit sequence numbers (RFC 1982): whether
/// `a` comes after `b`.
pub fn seq_after(a: u16, b: u16) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000
}

/// Serial-number comparison of 32-bit timestamps: whether `a` comes after `b`.
pub fn ts_after(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_parse() {
        let h = RtpHeader {
            marker: true,
            payload_type: 8,
            sequence: 0xFFFF,
            timestamp: 0xDEAD_BEEF,
            ssrc: 0x0102_0304,
        };
        let mut buf = [0u8; 200];
        let n = h.write(&[0xD5; 160], &mut buf).unwrap();
        assert_eq!(n, 172);
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert_eq!(
            (p.marker, p.payload_type, p.sequence, p.timestamp, p.ssrc),
            (true, 8, 0xFFFF, 0xDEAD_BEEF, 0x0102_0304)
        );
        assert_eq!(p.payload, &[0xD5; 160][..]);
        assert_eq!(
            h.write(&[0; 160], &mut [0u8; 100]),
            Err(RtpError::BufferTooSmall {
                needed: 172,
                capacity: 100
            })
        );
    }

    #[test]
    fn csrc_extension_and_padding_are_skipped() {
        let mut p = vec![0xB1, 0x00, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9];
        p.extend_from_slice(&[1, 2, 3, 4]); // one CSRC
        p.extend_from_slice(&[0xBE, 0xDE, 0, 1, 9, 9, 9, 9]); // extension, 1 word
        p.extend_from_slice(&[7, 7, 7]); // payload
        p.extend_from_slice(&[0, 0, 3]); // 3 bytes of padding
        let r = RtpPacket::parse(&p).unwrap();
        assert_eq!(
            (r.csrc_count, r.has_extension, r.payload),
            (1, true, &[7u8, 7, 7][..])
        );
        p[0] = 0xB2; // claims 2 CSRCs: the header no longer fits.
        assert!(matches!(
            RtpPacket::parse(&p[..20]),
            Err(RtpError::Truncated { .. })
        ));
        let last = p.len() - 1;
        p[0] = 0xB1;
        p[last] = 0;
        assert_eq!(
            RtpPacket::parse(&p),
            Err(RtpError::BadPadding { padding: 0 })
        );
        p[last] = 200;
        assert_eq!(
            RtpPacket::parse(&p),
            Err(RtpError::BadPadding { padding: 200 })
        );
    }

    #[test]
    fn rejects_bad_version_short_and_rtcp() {
        assert_eq!(
            RtpPacket::parse(&[0x80; 5]),
            Err(RtpError::TooShort { len: 5 })
        );
        assert_eq!(
            RtpPacket::parse(&[0x40; 12]),
            Err(RtpError::BadVersion { version: 1 })
        );
        let rr = [0x81, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0];
        assert_eq!(
            RtpPacket::parse(&rr),
            Err(RtpError::Rtcp { packet_type: 201 })
        );
    }

    #[test]
    fn serial_comparisons_wrap() {
        assert!(seq_after(0, 0xFFFF) && !seq_after(0xFFFF, 0) && !seq_after(5, 5));
        assert!(ts_after(10, u32::MAX - 10) && !ts_after(u32::MAX - 10, 10));
    }
}
