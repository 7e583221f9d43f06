//! The call detail record: one row per call, every instant the contracts
//! measure. Its JSON form is the archive format (JSONL, one CDR a line).

use crate::stamp::{self, Stamp};
use centralino_model::{AgentId, Codec, Language, QueueId, ServiceId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A call's durable id (unique across engine runs; the engine chooses it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(String);

impl CallId {
    /// Wrap a string.
    pub fn new(s: impl Into<String>) -> Self {
        CallId(s.into())
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for CallId {
    fn from(s: &str) -> Self {
        CallId::new(s)
    }
}

/// Who hung up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// The citizen.
    Caller,
    /// The operator.
    Agent,
    /// Centralino (IVR end, max wait, rejection, failure).
    System,
}

/// How a call ended, as the SLAs count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An operator answered.
    Answered,
    /// The caller hung up while queued or while an agent's phone rang.
    Abandoned,
    /// The caller hung up before reaching a queue.
    IvrHangup,
    /// Ended in the IVR by design (e.g. APIAE choice 1).
    SelfService,
    /// The caller left a voicemail message.
    Voicemail,
    /// Out of hours, no message left.
    OutOfHours,
    /// The caller left the queue with a callback request.
    Callback,
    /// No free line (capacity, 503, queue full).
    Rejected,
    /// Anything else, including a call cut by a crash and closed at restart.
    Failed,
}

impl Outcome {
    /// Every outcome, in the order of the schema.
    pub const ALL: [Outcome; 9] = [
        Outcome::Answered,
        Outcome::Abandoned,
        Outcome::IvrHangup,
        Outcome::SelfService,
        Outcome::Voicemail,
        Outcome::OutOfHours,
        Outcome::Callback,
        Outcome::Rejected,
        Outcome::Failed,
    ];

    /// The outcome's name in JSON and CSV.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Abandoned => "abandoned",
            Outcome::IvrHangup => "ivr_hangup",
            Outcome::SelfService => "self_service",
            Outcome::Voicemail => "voicemail",
            Outcome::OutOfHours => "out_of_hours",
            Outcome::Callback => "callback",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
        }
    }
}

/// Whether the operator resolved the call at first level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Resolved without involving the competent office.
    Resolved,
    /// Transferred or handed to second level.
    Escalated,
}

impl Resolution {
    /// The name in JSON and CSV.
    pub const fn as_str(self) -> &'static str {
        match self {
            Resolution::Resolved => "resolved",
            Resolution::Escalated => "escalated",
        }
    }
}

impl EndedBy {
    /// The name in JSON and CSV.
    pub const fn as_str(self) -> &'static str {
        match self {
            EndedBy::Caller => "caller",
            EndedBy::Agent => "agent",
            EndedBy::System => "system",
        }
    }
}

/// One call's record. Field names and order are the documented schema
/// (`docs/sla.md`); every instant is RFC 3339 with offset, in milliseconds.
///
/// A call still in progress has `ended_at`, `ended_by` and `outcome` null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cdr {
    /// The call's id.
    pub call_id: CallId,
    /// The service the called number selected.
    pub service: ServiceId,
    /// The called number (DNIS).
    pub called: String,
    /// The caller's number; null when withheld.
    #[serde(default)]
    pub caller: Option<String>,
    /// When the call reached the system.
    #[serde(with = "stamp")]
    pub arrived_at: Stamp,
    /// The queue the call was last in.
    #[serde(default)]
    pub queue: Option<QueueId>,
    /// When the call first entered a queue (after IVR and welcome).
    #[serde(default, with = "stamp::option")]
    pub queued_at: Option<Stamp>,
    /// When an operator answered.
    #[serde(default, with = "stamp::option")]
    pub answered_at: Option<Stamp>,
    /// The operator who answered.
    #[serde(default)]
    pub agent: Option<AgentId>,
    /// When the call ended.
    #[serde(default, with = "stamp::option")]
    pub ended_at: Option<Stamp>,
    /// Who hung up.
    #[serde(default)]
    pub ended_by: Option<EndedBy>,
    /// How the call ended.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// First-level resolution of an answered call.
    #[serde(default)]
    pub resolution: Option<Resolution>,
    /// Where the operator transferred the call.
    #[serde(default)]
    pub transfer_to: Option<String>,
    /// The IVR choices, in order, joined by `,` (`"2"`, `"1,3"`).
    #[serde(default)]
    pub ivr_digits: Option<String>,
    /// The caller's language.
    #[serde(default)]
    pub language: Option<Language>,
    /// The number the call was diverted from.
    #[serde(default)]
    pub diverted_from: Option<String>,
    /// The trunk leg's codec.
    #[serde(default)]
    pub codec: Option<Codec>,
    /// The voicemail message left, if any.
    #[serde(default)]
    pub voicemail_id: Option<String>,
    /// The callback requested, if any.
    #[serde(default)]
    pub callback_id: Option<String>,
}

/// The CSV header: the schema's field names, in order.
pub const CSV_HEADER: [&str; 20] = [
    "call_id",
    "service",
    "called",
    "caller",
    "arrived_at",
    "queue",
    "queued_at",
    "answered_at",
    "agent",
    "ended_at",
    "ended_by",
    "outcome",
    "resolution",
    "transfer_to",
    "ivr_digits",
    "language",
    "diverted_from",
    "codec",
    "voicemail_id",
    "callback_id",
];

impl Cdr {
    /// Whether the call has ended.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// Close a call left unfinished (the engine stopped during it, e.g. a
    /// crash): outcome `failed`, ended by the system at `at` (not earlier
    /// than any instant already recorded). Returns whether anything changed;
    /// a finished CDR is left alone.
    pub fn close_as_failed(&mut self, at: Stamp) -> bool {
        if self.is_finished() {
            return false;
        }
        let latest = [self.queued_at, self.answered_at]
            .into_iter()
            .flatten()
            .fold(self.arrived_at, |a, b| a.max(b));
        self.ended_at = Some(stamp::truncate_ms(at.max(latest)));
        self.ended_by = Some(EndedBy::System);
        self.outcome = Some(Outcome::Failed);
        true
    }

    /// The CDR as one line of JSON (no trailing newline).
    pub fn to_json(&self) -> String {
        // Cannot fail: strings, numbers and unit enums only.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parse a CDR written by [`Cdr::to_json`] (unknown fields are refused).
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        serde_json::from_str(text).map_err(|e| crate::Error::json(e.line(), &e))
    }

    /// The CSV cells, in [`CSV_HEADER`] order (null is the empty cell).
    pub fn csv_record(&self) -> [String; 20] {
        fn opt<T: AsRef<str>>(v: &Option<T>) -> String {
            v.as_ref()
                .map(|s| s.as_ref().to_string())
                .unwrap_or_default()
        }
        fn opt_t(v: &Option<Stamp>) -> String {
            v.as_ref().map(stamp::format).unwrap_or_default()
        }
        [
            self.call_id.as_str().to_string(),
            self.service.as_str().to_string(),
            self.called.clone(),
            opt(&self.caller),
            stamp::format(&self.arrived_at),
            opt(&self.queue),
            opt_t(&self.queued_at),
            opt_t(&self.answered_at),
            opt(&self.agent),
            opt_t(&self.ended_at),
            self.ended_by
                .map(|e| e.as_str().to_string())
                .unwrap_or_default(),
            self.outcome
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
            self.resolution
                .map(|r| r.as_str().to_string())
                .unwrap_or_default(),
            opt(&self.transfer_to),
            opt(&self.ivr_digits),
            opt(&self.language),
            opt(&self.diverted_from),
            self.codec
                .map(|c| c.encoding_name().to_string())
                .unwrap_or_default(),
            opt(&self.voicemail_id),
            opt(&self.callback_id),
        ]
    }
}
