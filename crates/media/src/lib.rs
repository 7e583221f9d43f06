//! RTP, 20 ms pacing, RFC 4733 DTMF, G.711, prompts and relay, sans-IO.
//!
//! No I/O and no clock: every entry point takes `now`, packets are written
//! into buffers the caller owns, and nothing on the per-packet path
//! allocates.
//!
//! | module | what |
//! |---|---|
//! | [`g711`] | A-law/µ-law tables (bit-exact with the ITU reference / CPython `audioop`) |
//! | [`rtp`] | validated packet view over `rtp-rs`, header writer |
//! | [`event`], [`dtmf`] | RFC 4733 payload; receiver (each press once), sender |
//! | [`wav`] | WAV → PCM (8 kHz mono 16-bit only), PCM → WAV |
//! | [`prompt`] | prompts encoded once per codec, shared with `Arc` |
//! | [`pacing`] | the shared 20 ms grid |
//! | [`session`] | [`MediaSession`]: player, receiver, recorder, inactivity, relay target |
//! | [`relay`] | the B2BUA leg-to-leg rewrite and transcoding |
//! | [`jitter`] | RFC 3550 jitter and inter-arrival percentiles |
//! | [`g729`] | the G.729 codec traits (implemented by `centralino-g729`) |

#![warn(missing_docs)]

pub mod dtmf;
pub mod event;
pub mod g711;
pub mod g729;
pub mod jitter;
pub mod pacing;
pub mod player;
pub mod prompt;
pub mod recorder;
pub mod relay;
pub mod rtp;
pub mod session;
pub mod wav;

/// Shared model types used in this crate's API, re-exported.
pub use centralino_model::{Codec, DtmfDigit};
pub use dtmf::{DtmfPress, DtmfReceiver, DtmfSender};
pub use event::{EventError, TelephoneEvent};
pub use g729::{G729Decoder, G729Encoder, G729Frame, G729Provider};
pub use jitter::{InterArrival, JitterSummary};
pub use pacing::PacingGrid;
pub use player::{PlayItem, PlayToken};
pub use prompt::Prompt;
pub use recorder::RecordConfig;
pub use relay::RelaySource;
pub use rtp::{RtpError, RtpHeader, RtpPacket};
pub use session::receive::ReceiveStats;
pub use session::send::SendStats;
pub use session::{
    DropReason, MediaEvent, MediaSession, Received, SessionConfig, SessionError, StreamParams,
    Transmit,
};
pub use wav::WavError;
