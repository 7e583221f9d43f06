//! Calls and their legs.
//!
//! A **call** is one citizen's call: it has an inbound leg (the trunk's
//! INVITE), the IVR that runs on it, and later an agent leg. A **leg** is one
//! SIP dialog with one RTP socket and one media session.
//!
//! Inbound leg states (RFC 3261 §13.3, UAS side):
//!
//! ```text
//!  INVITE ─► MediaPending ─(socket bound)─► Ringing ─(answer_delay)─► Answered ─(ACK)─► Confirmed
//!               │                             │                          │                 │
//!               └──── CANCEL / error ─────────┴──► (487/5xx sent) ──► gone                   │
//!                                                  BYE either way, Timer H, RTP timeout ─────┴─► Ending ─► gone
//! ```

use crate::slab::LegKey;
use centralino_ivr::{IvrCall, Service};
use centralino_media::MediaSession;
use centralino_model::{CallKey, Codec};
use centralino_sdp::{Negotiated, RemoteSdp};
use centralino_sip::dialog::Dialog;
use centralino_sip::msg::Request;
use centralino_sip::txn::ServerTxKey;
use chrono::{DateTime, Utc};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why a call ends (for the CDR's `ended_by` and the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndCause {
    /// The caller sent BYE or CANCEL.
    CallerHangup,
    /// The IVR finished the call by design.
    IvrDone,
    /// No RTP for the inactivity timeout.
    MediaTimeout,
    /// Our 2xx was never acknowledged (Timer H).
    AckTimeout,
    /// We could not set up media (no port) or the peer's answer was unusable.
    MediaFailure,
    /// Shutdown grace expired.
    Shutdown,
}

/// Where the inbound leg is in its INVITE transaction and dialog.
#[derive(Debug)]
pub(crate) enum InboundState {
    /// Waiting for the driver to bind the RTP socket.
    MediaPending,
    /// 180 sent; the answer goes out when `answer_at` passes.
    Ringing { answer_at: Instant },
    /// 2xx sent, waiting for the ACK.
    Answered,
    /// ACK received: the dialog is confirmed.
    Confirmed,
    /// We sent BYE (or are about to); waiting for its response.
    Ending,
}

/// One SIP dialog with its media.
pub(crate) struct Leg {
    pub call: CallKey,
    pub state: InboundState,
    pub invite_tx: Option<ServerTxKey>,
    pub invite: Request,
    pub source: SocketAddr,
    pub local_tag: String,
    pub dialog: Option<Dialog>,
    /// The remote offer (None for an offerless INVITE until the ACK).
    pub remote_offer: Option<RemoteSdp>,
    pub negotiated: Option<Negotiated>,
    pub local_rtp: Option<SocketAddr>,
    pub sdp_session_id: u64,
    pub sdp_version: u64,
    /// Our last SDP (answer or offer), re-sent for re-INVITEs that change nothing.
    pub local_sdp: Option<String>,
    pub media: Option<MediaSession>,
    pub media_open: bool,
}

impl Leg {
    pub fn codec(&self) -> Option<Codec> {
        self.negotiated.as_ref().map(|n| n.codec)
    }
}

/// Recording state of a voicemail in progress.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recording {
    pub started: Instant,
    pub started_wall: DateTime<Utc>,
}

/// One citizen's call.
pub(crate) struct Call {
    pub key: CallKey,
    /// The CDR's call id.
    pub uid: String,
    pub span: tracing::Span,
    pub service: Arc<Service>,
    pub catalog: Arc<crate::Catalog>,
    pub caller: String,
    pub called: String,
    pub diverted_from: Option<String>,
    pub arrived: Instant,
    pub arrived_wall: DateTime<Utc>,
    pub inbound: LegKey,
    pub ivr: Option<IvrCall>,
    /// The IVR's play token that the media session is playing.
    pub playing: Option<centralino_ivr::PlayToken>,
    pub recording: Option<Recording>,
    /// The IVR ended the call with this outcome.
    pub ivr_outcome: Option<centralino_ivr::IvrOutcome>,
    /// Queue the call waits in (until the ACD takes over).
    pub queued: Option<centralino_model::QueueId>,
    /// The earliest deadline of this call's own timers, as scheduled.
    pub deadline: Option<Instant>,
    pub ended: bool,
}

impl Call {
    /// Milliseconds since the call arrived (for CDR events).
    pub fn mono_ms(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.arrived).as_millis() as u64
    }

    /// Time in the call.
    pub fn age(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.arrived)
    }
}
