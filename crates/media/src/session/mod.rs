//! A per-call-leg media session, sans-IO: the RTP stream we send (player,
//! DTMF, relay) and the one we receive (source check, statistics, DTMF,
//! recorder, inactivity).
//!
//! ## How the engine drives it
//! - **Send**: on every tick of the shared [`PacingGrid`], call
//!   [`MediaSession::on_tick`] until it returns `None` (normally one
//!   packet; more only to catch up after the server was late), and send
//!   each [`Transmit`] from the leg's socket.
//! - **Receive**: pass each datagram to [`MediaSession::handle_rtp`]; the
//!   [`Received`] value borrows the datagram, for relaying
//!   ([`MediaSession::relay`] on the other leg) or inspection.
//! - **Events and timers**: after any call, drain
//!   [`MediaSession::poll_event`]; call [`MediaSession::handle_timeout`]
//!   when [`MediaSession::poll_timeout`] passes (ticks are not timeouts:
//!   the grid drives them).
//!
//! Nothing here allocates per packet: frames are borrowed from shared
//! prompts, packets are written into the caller's buffer, the event queue
//! and the recorder buffer are allocated up front.

pub(crate) mod receive;
pub(crate) mod send;

use crate::dtmf::{DtmfReceiver, DtmfSender};
use crate::event::{EventError, TelephoneEvent};
use crate::g711::Law;
use crate::g729::G729Provider;
use crate::pacing::PacingGrid;
use crate::player::{Output, PlayItem, PlayToken, Player};
use crate::recorder::{RecordConfig, Recorder};
use crate::relay::{Relay, RelaySource, Target};
use crate::rtp::{RtpError, RtpPacket};
use centralino_model::{Codec, DtmfDigit};
use receive::{ReceiveStats, RxTracker};
use send::{Outbound, SendStats};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// What was negotiated for this leg (from `centralino_sdp::Negotiated`:
/// `send = direction.sends() && remote_rtp.is_some()`,
/// `receive = direction.receives()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamParams {
    /// The audio codec.
    pub codec: Codec,
    /// Its payload type.
    pub payload_type: u8,
    /// The telephone-event payload type, if negotiated. Events on any other
    /// payload type are not DTMF (SIPp's `play_dtmf` sends PT 96 whatever
    /// was negotiated: those packets count as unexpected and are dropped).
    pub telephone_event_pt: Option<u8>,
    /// The remote RTP address.
    pub remote: Option<SocketAddr>,
    /// Whether we may send.
    pub send: bool,
    /// Whether we expect to receive (arms the inactivity timer).
    pub receive: bool,
}

impl StreamParams {
    /// Sending and receiving `codec` on its static payload type, no events.
    pub fn new(codec: Codec, remote: Option<SocketAddr>) -> Self {
        StreamParams {
            codec,
            payload_type: codec.payload_type(),
            telephone_event_pt: None,
            remote,
            send: true,
            receive: true,
        }
    }
}

/// How to build a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// Our SSRC (from the engine's seeded RNG).
    pub ssrc: u32,
    /// First sequence number (random, RFC 3550 §5.1).
    pub initial_sequence: u16,
    /// First timestamp (random).
    pub initial_timestamp: u32,
    /// The shared 20 ms grid.
    pub grid: PacingGrid,
    /// What was negotiated.
    pub stream: StreamParams,
    /// Symmetric RTP: send to, and accept only, the source of the first
    /// valid packet received (for callers behind NAT), instead of the SDP
    /// address.
    pub latch: bool,
    /// End the call after this long without RTP while receiving (default
    /// 60 s; `None` disables).
    pub inactivity_timeout: Option<Duration>,
    /// Send G.711 silence when nothing plays (keeps NAT bindings and the
    /// peer's own RTP timeout happy). G.729 sends nothing when idle.
    pub silence_when_idle: bool,
}

impl SessionConfig {
    /// Defaults: no latching, 60 s inactivity timeout, silence when idle.
    pub fn new(
        grid: PacingGrid,
        stream: StreamParams,
        ssrc: u32,
        initial_sequence: u16,
        initial_timestamp: u32,
    ) -> Self {
        SessionConfig {
            ssrc,
            initial_sequence,
            initial_timestamp,
            grid,
            stream,
            latch: false,
            inactivity_timeout: Some(Duration::from_secs(60)),
            silence_when_idle: true,
        }
    }
}

/// A packet to send: the first `len` bytes of the buffer given, to
/// `destination`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it (the latched address, with symmetric RTP).
    pub destination: SocketAddr,
    /// Packet length.
    pub len: usize,
}

/// Something the engine should know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaEvent {
    /// The items queued with this token have played out.
    PlaybackFinished {
        /// The token given to [`MediaSession::play`].
        token: PlayToken,
    },
    /// A key press (RFC 4733), reported once.
    Dtmf {
        /// The key.
        digit: DtmfDigit,
        /// How long it was held.
        duration: Duration,
    },
    /// No RTP for the configured time while receiving: hang up.
    InactivityTimeout {
        /// Time since the last packet.
        silent_for: Duration,
    },
    /// Recorder: the caller started speaking (first voiced packet, or the
    /// first after a reported silence).
    VoiceStarted,
    /// Recorder: silence has lasted the configured timeout.
    Silence {
        /// How long since the last voiced packet.
        duration: Duration,
    },
    /// Recorder: the maximum length is reached; audio is no longer kept.
    RecordingFull {
        /// The recording's length.
        duration: Duration,
    },
}

/// Why a received datagram was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// Not valid RTP.
    Malformed(RtpError),
    /// From an address other than the remote one.
    WrongSource {
        /// The sender.
        source: SocketAddr,
    },
    /// The stream is not receiving (we hold the peer, or it is inactive).
    NotReceiving,
    /// A payload type that is neither the audio nor the telephone-event one.
    UnexpectedPayloadType {
        /// The payload type.
        payload_type: u8,
    },
    /// A telephone-event payload too short to read.
    BadTelephoneEvent(EventError),
}

/// The outcome of [`MediaSession::handle_rtp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received<'a> {
    /// Audio in the negotiated codec (already fed to the recorder, if
    /// recording); relay it or ignore it.
    Audio(RtpPacket<'a>),
    /// A telephone-event packet on the negotiated payload type (a
    /// finished key press is also reported as [`MediaEvent::Dtmf`]).
    TelephoneEvent {
        /// The packet, for relaying.
        packet: RtpPacket<'a>,
        /// Its payload.
        event: TelephoneEvent,
    },
    /// Dropped and counted.
    Dropped(DropReason),
}

/// Why a session operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// G.729 audio must be encoded or decoded but no G.729 codec is
    /// available (server built without the `g729` feature).
    #[error("G.729 transcoding or decoding needs the g729 feature")]
    G729Unavailable,
    /// DTMF cannot be sent: no telephone-event payload type was negotiated.
    #[error("no telephone-event payload type negotiated on this leg")]
    NoTelephoneEvent,
}

const SILENCE_A: [u8; 160] = [crate::g711::ALAW_SILENCE; 160];
const SILENCE_U: [u8; 160] = [crate::g711::ULAW_SILENCE; 160];

/// One call leg's media (see the module doc for how to drive it).
#[derive(Debug)]
pub struct MediaSession {
    grid: PacingGrid,
    params: StreamParams,
    latch: bool,
    latched: bool,
    silence_when_idle: bool,
    outbound: Outbound,
    next_tick: u64,
    marker_pending: bool,
    player: Player,
    dtmf_out: Option<DtmfSender>,
    dtmf_queue: VecDeque<(DtmfDigit, Duration)>,
    relay: Option<Relay>,
    rx: RxTracker,
    rx_stats: ReceiveStats,
    dtmf_in: DtmfReceiver,
    inactivity_timeout: Option<Duration>,
    last_rx: Instant,
    inactivity_reported: bool,
    recorder: Option<Recorder>,
    events: VecDeque<MediaEvent>,
}

mod api;
