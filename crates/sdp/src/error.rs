//! The two ways an SDP exchange fails: the body cannot be read (the engine
//! answers 400), or it can be read but nothing in it is acceptable (488).

use centralino_model::Codec;

/// Why an SDP body could not be read. The engine answers the request that
/// carried it with [`SdpError::status_code`] (400 Bad Request).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdpError {
    /// The body is larger than [`crate::MAX_SDP_LEN`]; nothing was parsed.
    #[error("SDP body of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Length of the body received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not UTF-8 text.
    #[error("SDP body is not UTF-8 text (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The body does not follow the SDP grammar (RFC 8866 §9), as reported
    /// by the `sdp` crate's parser.
    #[error("malformed SDP: {reason}")]
    Malformed {
        /// The parser's description of the problem.
        reason: String,
    },
    /// A `c=` line names something that is not an IP address literal (we do
    /// not resolve host names in a media description).
    #[error("unsupported connection address {address:?}")]
    UnsupportedAddress {
        /// The address as written.
        address: String,
    },
    /// An active (port ≠ 0) audio stream has no `c=` line, neither at media
    /// nor at session level (RFC 8866 §5.7).
    #[error("m-line {index} has no connection address")]
    MissingConnection {
        /// Zero-based index of the m-line.
        index: usize,
    },
}

impl SdpError {
    /// The SIP status the engine answers with: always 400.
    pub const fn status_code(&self) -> u16 {
        400
    }
}

/// Why an offer or answer was readable but not acceptable. The engine
/// answers an offer that fails with [`NegotiationError::status_code`]
/// (488 Not Acceptable Here).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// No audio m-line with a non-zero port and an RTP/AVP(F) transport.
    #[error("no usable audio stream in the SDP")]
    NoAudioStream,
    /// Audio streams exist but none offers a codec we accept.
    #[error("no common codec: offered payload types {offered:?}, we accept {accepted:?}")]
    NoCommonCodec {
        /// Payload types listed in the offered audio m-lines, in order.
        offered: Vec<u8>,
        /// The codecs we were ready to use.
        accepted: Vec<Codec>,
    },
}

impl NegotiationError {
    /// The SIP status the engine answers an offer with: always 488.
    pub const fn status_code(&self) -> u16 {
        488
    }
}
