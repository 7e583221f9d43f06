//! The vocabulary of the ACD's inputs and outputs.

use crate::config::{ExitAction, Skill};
use centralino_model::{AgentId, CallKey, Language, QueueId};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A callback request: made from a queued call, it keeps that call's place.
/// Displayed `cb-N`; the engine persists it so requests survive a restart
/// ([`crate::Acd::callback_restore`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CallbackId(pub u64);

impl fmt::Display for CallbackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cb-{}", self.0)
    }
}

/// What an agent is working on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Work {
    /// A caller from a queue.
    Call(CallKey),
    /// A callback request.
    Callback(CallbackId),
}

/// An agent's **status**: what the person said (feature codes, HTTP API).
/// Independent of the [`AgentState`] the engine drives, and of whether the
/// softphone is registered ("reachable").
///
/// ```text
///              *11 login             *13 break
///  LoggedOut ────────────► Available ─────────► OnBreak(reason)
///      ▲                    │    ▲ ◄────────────┘  *14 back
///      └──── *12 logout ────┘    │
///      (from any status)         └── max_no_answer misses in a row → OnBreak(MaxNoAnswer)
/// ```
///
/// A status change never cuts a call: an agent who logs out or takes a
/// break while talking finishes the call (and its wrap-up) and only gets no
/// new offer. An agent who changes status while *ringing* loses the offer
/// and the call goes back to the head of its queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Not working: never offered a call.
    LoggedOut,
    /// Ready to take calls.
    Available,
    /// Logged in but not taking calls.
    OnBreak(BreakReason),
}

impl AgentStatus {
    /// Logged in (available or on break).
    pub fn is_logged_in(&self) -> bool {
        !matches!(self, AgentStatus::LoggedOut)
    }
}

/// Why an agent is on break.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The agent asked (`*13`).
    Requested,
    /// The ACD put the agent on break after `max_no_answer` unanswered offers.
    MaxNoAnswer,
    /// A reason given through the API ("lunch", "training").
    Other(Arc<str>),
}

/// An agent's **state**: what the engine is doing with them.
///
/// ```text
///        offer (Offer / StartCallback)        answered
///  Idle ───────────────────────────► Offered ─────────► InCall
///   ▲  ◄── no answer / reject / unreachable ─┘            │ call_ended
///   │      cancelled (caller left, status change)         ▼
///   └──────────────── wrap-up elapsed ─────────────────  WrapUp
/// ```
///
/// Only an `Idle`, `Available`, reachable agent outside any reject or
/// no-answer delay is *free*; only a free agent is offered a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    /// Not working on anything.
    Idle,
    /// Ringing with a call or a callback.
    Offered,
    /// Talking (or, for a callback, waiting for the citizen to answer).
    InCall,
    /// After-call work; no offer until it ends.
    WrapUp,
}

/// Why an offer did not become a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferFailure {
    /// No answer (the engine's own timer, 408, 480): counts towards
    /// `max_no_answer`, then `no_answer_delay`.
    NoAnswer,
    /// The agent declined (486, 603): `reject_delay`.
    Rejected,
    /// The softphone could not be reached: `reject_delay`.
    Unreachable,
    /// Anything else (5xx, a local failure): `reject_delay`.
    Error,
}

/// Why an offer was cancelled by the ACD ([`Action::CancelOffer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelCause {
    /// The ring timeout passed (counted as a no-answer).
    RingTimeout,
    /// The caller hung up.
    Abandoned,
    /// `ring_all`: another agent answered.
    TakenByOther,
    /// The agent logged out, took a break or became unreachable.
    AgentUnavailable,
    /// The caller asked for a callback; the request waits in the queue.
    CallbackRequested,
}

/// Why a call left its queue unanswered ([`Action::Exit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// It waited `max_wait`.
    MaxWait,
    /// The queue had `max_length` calls.
    QueueFull,
    /// No agent of the queue was logged in.
    NoAgents,
}

/// What the engine reports about a callback in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackResult {
    /// The agent leg failed: the request goes back to its place, no
    /// attempt is used, the agent is treated as for [`OfferFailure`].
    AgentFailed(OfferFailure),
    /// The agent answered; the engine now calls the citizen.
    AgentAnswered,
    /// The citizen answered and is bridged: the request is complete; the
    /// agent stays in the call until `call_ended`.
    Connected,
    /// The citizen did not answer (busy, no answer, failure): one attempt
    /// is used; the agent is free again (no wrap-up: nobody talked).
    CitizenUnreached,
}

/// How a callback request ended ([`Action::CallbackFinished`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackOutcome {
    /// Agent and citizen were bridged.
    Completed,
    /// `max_attempts` calls to the citizen went unanswered.
    Failed,
    /// The expiry passed first.
    Expired,
    /// Cancelled through the API.
    Cancelled,
}

/// A call joining a queue ([`crate::Acd::call_enqueued`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRequest {
    /// The queue.
    pub queue: QueueId,
    /// Skills the call needs (beyond the language).
    pub skills: Vec<Skill>,
    /// The caller's language; a skill when it is not the queue's language.
    pub language: Option<Language>,
    /// Overrides the queue's priority for this call.
    pub priority: Option<u32>,
    /// When the call reached the ACD, if earlier than now (a call moved
    /// from elsewhere keeps its place among older and newer calls).
    pub arrived: Option<Instant>,
}

impl CallRequest {
    /// A call for a queue, with no skills, language or priority.
    pub fn new(queue: impl Into<QueueId>) -> Self {
        CallRequest {
            queue: queue.into(),
            skills: Vec::new(),
            language: None,
            priority: None,
            arrived: None,
        }
    }
    /// Require a skill.
    pub fn skill(mut self, skill: impl Into<Skill>) -> Self {
        self.skills.push(skill.into());
        self
    }
    /// The caller's language.
    pub fn language(mut self, language: impl Into<Language>) -> Self {
        self.language = Some(language.into());
        self
    }
    /// A priority for this call.
    pub fn priority(mut self, priority: u32) -> Self {
        self.priority = Some(priority);
        self
    }
    /// The instant the call reached the ACD.
    pub fn arrived(mut self, at: Instant) -> Self {
        self.arrived = Some(at);
        self
    }
}

/// A callback request read back from the database after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRestore {
    /// The id it had (the ACD continues numbering above it).
    pub request: CallbackId,
    /// The queue.
    pub queue: QueueId,
    /// Skills needed.
    pub skills: Vec<Skill>,
    /// The caller's language.
    pub language: Option<Language>,
    /// The priority, if not the queue's.
    pub priority: Option<u32>,
    /// How long the caller had waited when the request was saved.
    pub waited: Duration,
    /// Attempts already made.
    pub attempts: u32,
    /// When it expires.
    pub expires: Instant,
}

/// What the engine must do: drain with [`crate::Acd::poll_action`] after
/// every input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Action {
    /// Ring `agent` with `call` (INVITE to the registered contact). Report
    /// `offer_answered` or `offer_failed`. The ACD cancels by itself after
    /// `ring_timeout`.
    Offer {
        /// The caller.
        call: CallKey,
        /// The agent to ring.
        agent: AgentId,
        /// The queue the call waited in.
        queue: QueueId,
        /// How long the agent rings.
        ring_timeout: Duration,
        /// How long the caller waited in this queue (for the screen-pop).
        waited: Duration,
    },
    /// Stop ringing `agent` (CANCEL). The ACD has already accounted for the
    /// failure: do not report `offer_failed` for it.
    CancelOffer {
        /// The caller.
        call: CallKey,
        /// The agent ringing.
        agent: AgentId,
        /// Why.
        cause: CancelCause,
    },
    /// Tell the caller their position (1 = next) and, when known, the
    /// estimated wait.
    Announce {
        /// The caller.
        call: CallKey,
        /// 1-based place among the waiting calls of the queue.
        position: u32,
        /// Estimated wait, if there is enough history and an agent.
        estimated_wait: Option<Duration>,
    },
    /// The call left its queue unanswered. For [`ExitAction::Queue`] the ACD
    /// has already moved it; otherwise the engine runs `action`.
    Exit {
        /// The caller.
        call: CallKey,
        /// The queue it left.
        queue: QueueId,
        /// What happens next.
        action: ExitAction,
        /// Why it left.
        reason: ExitReason,
        /// How long it waited in that queue.
        waited: Duration,
    },
    /// Offer "press 1 to be called back"; on acceptance call
    /// `callback_requested`. The call stays queued meanwhile.
    OfferCallback {
        /// The caller.
        call: CallKey,
        /// Its queue.
        queue: QueueId,
    },
    /// A callback request reached the head and `agent` is free: call the
    /// agent first, then the citizen; report with `callback_result`.
    StartCallback {
        /// The request.
        request: CallbackId,
        /// The agent to ring.
        agent: AgentId,
        /// Its queue.
        queue: QueueId,
        /// 1 for the first call to the citizen, 2 for the next…
        attempt: u32,
        /// How long the agent rings.
        ring_timeout: Duration,
    },
    /// Stop ringing the agent of a callback (ring timeout, status change,
    /// cancellation). Already accounted for.
    CancelCallback {
        /// The request.
        request: CallbackId,
        /// The agent.
        agent: AgentId,
    },
    /// A callback request ended.
    CallbackFinished {
        /// The request.
        request: CallbackId,
        /// How.
        outcome: CallbackOutcome,
    },
    /// An agent's status, state or reachability changed (wallboard, CTI,
    /// CDR).
    AgentStatusChanged {
        /// The agent.
        agent: AgentId,
        /// Status now.
        status: AgentStatus,
        /// State now.
        state: AgentState,
        /// Registered now.
        reachable: bool,
    },
}

/// The feature codes an agent dials from the softphone. The engine
/// recognises the dialled string and calls [`crate::Acd::agent_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeatureCode {
    /// `*11`: log in (→ available).
    Login,
    /// `*12`: log out.
    Logout,
    /// `*13`: take a break.
    Break,
    /// `*14`: back from a break (→ available).
    Back,
}

impl FeatureCode {
    /// The code dialled, e.g. `*11`.
    pub const fn code(self) -> &'static str {
        match self {
            FeatureCode::Login => "*11",
            FeatureCode::Logout => "*12",
            FeatureCode::Break => "*13",
            FeatureCode::Back => "*14",
        }
    }
    /// The feature of a dialled string (`*11`, also `sip:*11@…` user parts
    /// once the engine has extracted them), if it is one.
    pub fn from_dialled(dialled: &str) -> Option<FeatureCode> {
        [
            FeatureCode::Login,
            FeatureCode::Logout,
            FeatureCode::Break,
            FeatureCode::Back,
        ]
        .into_iter()
        .find(|f| f.code() == dialled.trim())
    }
    /// The status the agent asks for.
    pub fn status(self) -> AgentStatus {
        match self {
            FeatureCode::Login | FeatureCode::Back => AgentStatus::Available,
            FeatureCode::Logout => AgentStatus::LoggedOut,
            FeatureCode::Break => AgentStatus::OnBreak(BreakReason::Requested),
        }
    }
}
