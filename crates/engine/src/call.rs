//! Calls and their legs.
//!
//! A **call** is one citizen's call: an inbound leg (the trunk's INVITE),
//! the IVR that runs on it, and, once the ACD hands it to an operator, an
//! agent leg bridged to it. A **leg** is one SIP dialog with one RTP socket
//! and one media session; two bridged legs relay RTP to each other.
//!
//! Inbound leg (UAS, RFC 3261 §13.3):
//!
//! ```text
//!  INVITE ─► MediaPending ─(socket)─► Ringing ─(answer_delay)─► Answered ─(ACK)─► Confirmed
//!               └─────── CANCEL / error ─► 487/5xx ─► gone           BYE, Timer H, RTP timeout ─► Ending ─► gone
//! ```
//!
//! Outgoing leg to an agent or a number (UAC, §13.2):
//!
//! ```text
//!  MediaPending ─(socket)─► Inviting ─(1xx)─► Ringing ─(2xx, ACK sent)─► Confirmed ─► Ending ─► gone
//!                              └──── CANCEL / 3xx-6xx / Timer B ───────► gone
//! ```

use crate::slab::LegKey;
use centralino_ivr::{IvrCall, Service};
use centralino_media::MediaSession;
use centralino_model::{AgentId, CallKey, Codec, QueueId};
use centralino_sdp::{Negotiated, RemoteSdp};
use centralino_sip::dialog::Dialog;
use centralino_sip::msg::Request;
use centralino_sip::txn::{ClientTxKey, ServerTxKey};
use chrono::{DateTime, Utc};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why a call ends (for the CDR's `ended_by` and the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndCause {
    /// The caller sent BYE or CANCEL.
    CallerHangup,
    /// The operator hung up.
    AgentHangup,
    /// The IVR or the queue's exit action finished the call by design.
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

/// Where a leg is in its INVITE transaction and dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegState {
    /// Waiting for the driver to bind the RTP socket.
    MediaPending,
    /// UAS: 180 sent; the answer goes out when `answer_at` passes.
    Ringing { answer_at: Instant },
    /// UAC: INVITE sent, no provisional yet.
    Inviting,
    /// UAC: a provisional response came (it rings).
    Early,
    /// UAS: 2xx sent, waiting for the ACK.
    Answered,
    /// The dialog is confirmed (ACK received or sent).
    Confirmed,
    /// UAC: CANCEL sent, waiting for the 487.
    Cancelling,
    /// BYE sent; waiting for its response.
    Ending,
}

/// What a leg is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LegRole {
    /// The citizen's call from the trunk.
    Inbound,
    /// An operator's softphone, offered this call by the ACD.
    Agent(AgentId),
    /// A number (transfer target or a callback's citizen) through the trunk.
    Outbound { target: String },
    /// A feature-code call from an operator (`*11` …): answered, beep, BYE.
    Service,
}

/// One SIP dialog with its media.
pub(crate) struct Leg {
    pub call: CallKey,
    pub role: LegRole,
    pub state: LegState,
    /// UAS: the INVITE's server transaction until the ACK.
    pub invite_tx: Option<ServerTxKey>,
    /// UAC: our INVITE's client transaction until its final response.
    pub client_tx: Option<ClientTxKey>,
    /// UAS: the INVITE received; UAC: the INVITE we send.
    pub invite: Request,
    /// UAS: where the INVITE came from; UAC: where we send it.
    pub source: SocketAddr,
    pub local_tag: String,
    pub dialog: Option<Dialog>,
    /// The remote offer (UAS; None for an offerless INVITE until the ACK).
    pub remote_offer: Option<RemoteSdp>,
    /// UAC: the codecs we offered.
    pub offered: Vec<Codec>,
    pub negotiated: Option<Negotiated>,
    pub local_rtp: Option<SocketAddr>,
    pub sdp_session_id: u64,
    pub sdp_version: u64,
    pub media: Option<MediaSession>,
    pub media_open: bool,
    /// The leg this one is bridged to (RTP relayed both ways).
    pub peer: Option<LegKey>,
    /// UAS: the re-INVITE whose 200 carried our offer (offerless re-INVITE);
    /// its ACK carries the answer.
    pub reoffer: Option<ServerTxKey>,
    /// UAS: we want to hang up but our 2xx has no ACK yet (RFC 3261 §15).
    pub bye_after_ack: bool,
    /// UAC legs: extra headers for the INVITE, sent once media is ready.
    pub extra_headers: Vec<(String, String)>,
    /// UAC: the Request-URI to call.
    pub target_uri: String,
}

impl Leg {
    pub fn codec(&self) -> Option<Codec> {
        self.negotiated.as_ref().map(|n| n.codec)
    }
}

/// Recording state of a voicemail in progress.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recording {
    pub started_wall: DateTime<Utc>,
}

/// Where the call is in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueuePhase {
    /// Not in a queue.
    None,
    /// Waiting in `queue` (music on hold, announcements).
    Waiting { queue: QueueId, since: Instant },
    /// Talking to an agent.
    Bridged { agent: AgentId },
    /// A callback offer plays after the call left `queue` (max wait), where
    /// it had waited since `since`; `1` accepts until `until`.
    CallbackOffer {
        queue: QueueId,
        since: Instant,
        until: Instant,
    },
    /// Left the queue (exit action, callback accepted).
    Left,
    /// Handed over to a number by the operator (REFER).
    Transferred {
        target: String,
        /// The operator who took the caller over, when the target was one:
        /// in a call for the ACD until this call ends.
        colleague: Option<AgentId>,
    },
}

/// One citizen's call.
pub(crate) struct Call {
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
    /// The queue the call joined, with its language and the IVR digits.
    pub queued: Option<QueueId>,
    pub language: centralino_model::Language,
    pub digits: String,
    pub queue_prompts: Option<(centralino_ivr::PromptRef, centralino_ivr::PromptRef)>,
    pub phase: QueuePhase,
    /// Agent legs ringing for this call.
    pub offers: Vec<(AgentId, LegKey)>,
    /// How long the caller waited in the queue before an agent answered.
    pub waited_at_answer: Option<Duration>,
    /// The earliest deadline of this call's own timers, as scheduled.
    pub deadline: Option<Instant>,
    pub ended: bool,
    /// A feature-code call (`*11`…) or a callback run, not a citizen's
    /// arrival: no IVR, no CDR of its own.
    pub service_call: bool,
    /// The callback request this call runs.
    pub callback: Option<centralino_acd::CallbackId>,
    /// A callback offer is open until then (`1` accepts).
    pub callback_offer_until: Option<Instant>,
    /// The offer came with leaving the queue (max wait).
    pub callback_offer_leaving: bool,
    /// A transfer (or a callback's citizen leg) in progress.
    pub transfer: Option<crate::transfer::Transfer>,
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
