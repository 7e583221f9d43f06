//! Call events: what the engine reports about a call while it happens.
//!
//! Each event carries two clocks:
//!
//! - `at`, the wall clock (RFC 3339 with offset, millisecond precision),
//!   for people and for "which day, which half-hour";
//! - `mono_ms`, milliseconds on the engine's monotonic clock since the call
//!   arrived (0 for `arrived`).
//!
//! The CDR derives every instant after arrival as `arrived.at + mono_ms`, so
//! a wall-clock step (NTP, a manual change) during a call cannot stretch or
//! shrink a wait or a talk time. The wall stamps of later events are kept in
//! the event log for audit only.
//!
//! JSON shape (one object per event, `type` names the variant):
//!
//! ```json
//! {"call_id":"c-1","at":"2026-10-05T09:00:00.000+02:00","mono_ms":0,
//!  "type":"arrived","service":"apiae","called":"0461497300",
//!  "caller":"0461123456","diverted_from":null,"codec":"PCMA"}
//! ```

use crate::cdr::{CallId, EndedBy, Resolution};
use crate::stamp::{self, Stamp};
use centralino_model::{AgentId, Codec, Language, QueueId, ServiceId};
use serde::{Deserialize, Serialize};

/// One thing that happened to one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEvent {
    /// The call this event belongs to.
    pub call_id: CallId,
    /// Wall-clock instant, millisecond precision.
    #[serde(with = "stamp")]
    pub at: Stamp,
    /// Monotonic milliseconds since the call arrived.
    pub mono_ms: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl CallEvent {
    /// An event; `at` is truncated to the millisecond.
    pub fn new(call_id: CallId, at: Stamp, mono_ms: u64, kind: EventKind) -> Self {
        CallEvent {
            call_id,
            at: stamp::truncate_ms(at),
            mono_ms,
            kind,
        }
    }

    /// The event as one line of JSON (no trailing newline).
    pub fn to_json(&self) -> String {
        // Serializing this type cannot fail: every field is a string, a
        // number or an enum of unit variants; the fallback is unreachable.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parse an event written by [`CallEvent::to_json`].
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        serde_json::from_str(text).map_err(|e| crate::Error::json(e.line(), &e))
    }
}

/// What happened. Serialized with a `type` tag in snake case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// The trunk delivered the call (the INVITE arrived): the instant the
    /// telephone system "registers" the call.
    Arrived {
        /// The service selected by the called number.
        service: ServiceId,
        /// The called number (DNIS), normalised.
        called: String,
        /// The caller's number, `None` when withheld.
        #[serde(default)]
        caller: Option<String>,
        /// The number the call was diverted from (Diversion / History-Info).
        #[serde(default)]
        diverted_from: Option<String>,
        /// The codec negotiated on the trunk leg.
        #[serde(default)]
        codec: Option<Codec>,
    },
    /// The caller chose in an IVR menu.
    IvrChoice {
        /// The menu's id in config.
        menu: String,
        /// The digits entered.
        digits: String,
    },
    /// An announcement (avviso) was played.
    Announcement {
        /// The announcement's id in config.
        announcement: String,
    },
    /// The caller's language was set (by menu or by number).
    Language {
        /// The language.
        language: Language,
    },
    /// The call entered a queue (after welcome, announcements and menus).
    Queued {
        /// The queue.
        queue: QueueId,
    },
    /// The ACD offered the call to an agent (the agent's phone rings).
    Offered {
        /// The agent.
        agent: AgentId,
    },
    /// The agent did not answer within the ring timeout.
    RingNoAnswer {
        /// The agent.
        agent: AgentId,
    },
    /// An agent answered.
    Answered {
        /// The agent.
        agent: AgentId,
    },
    /// The agent transferred the call (REFER) to a second-level office.
    Transferred {
        /// Where to (a number or a URI).
        target: String,
    },
    /// The caller left the queue asking to be called back.
    CallbackRequested {
        /// The callback's id.
        callback_id: String,
    },
    /// An outbound callback attempt was made.
    CallbackAttempted {
        /// The callback's id.
        callback_id: String,
    },
    /// The callback reached the citizen.
    CallbackCompleted {
        /// The callback's id.
        callback_id: String,
    },
    /// The caller left a voicemail message.
    Voicemail {
        /// The message's id.
        voicemail_id: String,
    },
    /// The caller hung up while queued or while an agent's phone rang.
    Abandoned,
    /// The call was refused without reaching the welcome message.
    Rejected {
        /// Why.
        reason: RejectReason,
    },
    /// The call ended.
    Ended {
        /// Who hung up.
        ended_by: EndedBy,
        /// When the IVR ended the call, what the IVR considers the outcome.
        #[serde(default)]
        ivr_outcome: Option<IvrOutcome>,
    },
    /// The agent (or the API) set the call's resolution.
    ResolutionSet {
        /// Resolved at first level, or escalated.
        resolution: Resolution,
        /// The CRM ticket, if any (kept in the event log only).
        #[serde(default)]
        ticket: Option<String>,
    },
}

/// Why a call was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectReason {
    /// No free line: the engine's call capacity is reached.
    Capacity,
    /// The queue is full.
    QueueFull,
    /// The service is unavailable (503 from downstream, disabled service).
    Unavailable,
    /// Any other reason.
    Other,
}

/// How the IVR classifies a call it ended itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IvrOutcome {
    /// Ended in the IVR by design (e.g. APIAE choice 1: office hours).
    SelfService,
    /// Out-of-hours message played, no message left.
    OutOfHours,
    /// A voicemail message was recorded.
    Voicemail,
}
