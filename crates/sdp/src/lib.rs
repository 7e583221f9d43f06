//! SDP offer/answer (RFC 3264) for PCMU, PCMA, G729 and telephone-event.
//!
//! Pure: bytes in, values and strings out; no I/O, no clock, no panics on
//! any input.
//!
//! - [`parse`](fn@parse) reads a remote body (offer or answer) into a [`RemoteSdp`]:
//!   every m-line with its connection address (media or session level),
//!   direction, `ptime` and payload formats (`rtpmap`/`fmtp`, static
//!   payload types without rtpmap understood). Errors are [`SdpError`]
//!   (the engine answers 400).
//! - [`answer`] answers an offer: one audio codec chosen by the rule in
//!   [`negotiate`], telephone-event when offered, `ptime` 20, hold
//!   directions mirrored, other m-lines rejected in place. Errors are
//!   [`NegotiationError`] (the engine answers 488).
//! - [`offer`] writes our offer (offerless INVITE, B2BUA legs, hold) and
//!   [`accept_answer`] reads the answer to it.
//!
//! Parsing and serialisation go through the `sdp` crate (webrtc-rs); see
//! [`parse`](mod@parse) for the one leniency pass we add in front of it.
//!
//! ```
//! use centralino_model::Codec;
//! use centralino_sdp::{answer, parse, Direction, LocalMedia};
//!
//! let offer = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
//! m=audio 30000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n";
//! let local = LocalMedia { address: "198.51.100.7".parse().unwrap(), rtp_port: 20000,
//!                          session_id: 42, session_version: 1 };
//! let a = answer(&parse(offer).unwrap(), &[Codec::Pcma, Codec::Pcmu], &local).unwrap();
//! assert_eq!(a.negotiated.codec, Codec::Pcmu); // the offerer's first among those we accept
//! assert_eq!(a.negotiated.telephone_event_pt, Some(101));
//! assert_eq!(a.negotiated.direction, Direction::SendRecv);
//! assert!(a.sdp.contains("m=audio 20000 RTP/AVP 0 101\r\n"));
//! ```

#![warn(missing_docs)]

mod build;
mod direction;
mod error;
mod events;
pub mod negotiate;
pub mod parse;

pub use build::{offer, LocalMedia, PTIME_MS};
/// The codec type of the shared model, re-exported for callers (and the
/// fuzz targets) that use only this crate.
pub use centralino_model::Codec;
pub use direction::Direction;
pub use error::{NegotiationError, SdpError};
pub use events::EventSet;
pub use negotiate::{accept_answer, answer, Answer, Negotiated};
pub use parse::{parse, MediaKind, Origin, Payload, RemoteMedia, RemoteSdp, MAX_SDP_LEN};
