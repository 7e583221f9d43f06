//! Errors: a bad config (naming the key) and inputs that make no sense in the
//! current state (answered an offer that was never made, an unknown agent…).
//!
//! Input errors never change the state: the ACD ignores the input, counts it
//! ([`crate::Counters::ignored_inputs`]) and tells the caller why.

use crate::CallbackId;
use centralino_model::{AgentId, CallKey, QueueId};
use std::time::Duration;

/// Why the `queues:`/`agents:` config was refused. `key` is the path of the
/// offending key, e.g. `agents[3].queues[0].queue`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An id or name is empty or has whitespace in it.
    #[error("{key}: {value:?} is not a valid id (non-empty, no spaces)")]
    BadId {
        /// The key.
        key: String,
        /// The value given.
        value: String,
    },
    /// Two queues, two agents or two SIP usernames are the same.
    #[error("{key}: {value:?} is already used by {first}")]
    Duplicate {
        /// The key of the second occurrence.
        key: String,
        /// The duplicated value.
        value: String,
        /// The key of the first occurrence.
        first: String,
    },
    /// A queue that is not in `queues:`.
    #[error("{key}: no queue {queue:?} in queues")]
    UnknownQueue {
        /// The key.
        key: String,
        /// The missing queue.
        queue: QueueId,
    },
    /// A duration outside its range.
    #[error("{key}: {value:?} is out of range ({min:?} to {max:?})")]
    DurationOutOfRange {
        /// The key.
        key: String,
        /// The value given.
        value: Duration,
        /// The smallest value accepted.
        min: Duration,
        /// The largest value accepted.
        max: Duration,
    },
    /// A number outside its range.
    #[error("{key}: {value} is out of range ({min} to {max})")]
    NumberOutOfRange {
        /// The key.
        key: String,
        /// The value given.
        value: u64,
        /// The smallest value accepted.
        min: u64,
        /// The largest value accepted.
        max: u64,
    },
    /// Exit actions that send calls around in a circle (`a` → `b` → `a`).
    #[error("{key}: calls could go round forever: {}", cycle.iter().map(QueueId::as_str).collect::<Vec<_>>().join(" → "))]
    QueueCycle {
        /// The key of the action that closes the circle.
        key: String,
        /// The queues of the circle, first repeated at the end.
        cycle: Vec<QueueId>,
    },
    /// More distinct skills than the ACD indexes (63).
    #[error("{key}: {count} distinct skills; at most 63 are supported")]
    TooManySkills {
        /// The key where the limit was passed.
        key: String,
        /// How many distinct skills there are.
        count: usize,
    },
    /// HA1 credentials with neither `md5` nor `sha256`, or an empty password.
    #[error("{key}: credentials are empty")]
    EmptyCredentials {
        /// The key.
        key: String,
    },
}

impl ConfigError {
    /// The path of the offending key.
    pub fn key(&self) -> &str {
        match self {
            ConfigError::BadId { key, .. }
            | ConfigError::Duplicate { key, .. }
            | ConfigError::UnknownQueue { key, .. }
            | ConfigError::DurationOutOfRange { key, .. }
            | ConfigError::NumberOutOfRange { key, .. }
            | ConfigError::QueueCycle { key, .. }
            | ConfigError::TooManySkills { key, .. }
            | ConfigError::EmptyCredentials { key } => key,
        }
    }
}

/// An input the ACD could not apply. The state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcdError {
    /// No such queue.
    #[error("unknown queue {queue}")]
    UnknownQueue {
        /// The queue named.
        queue: QueueId,
    },
    /// No such agent.
    #[error("unknown agent {agent}")]
    UnknownAgent {
        /// The agent named.
        agent: AgentId,
    },
    /// The call is not (or no longer) in the ACD.
    #[error("call {call} is not queued")]
    UnknownCall {
        /// The call.
        call: CallKey,
    },
    /// The call is already queued.
    #[error("call {call} is already queued")]
    DuplicateCall {
        /// The call.
        call: CallKey,
    },
    /// The call is not (or no longer) ringing this agent.
    #[error("call {call} is not offered to agent {agent}")]
    NotOffered {
        /// The call.
        call: CallKey,
        /// The agent.
        agent: AgentId,
    },
    /// `call_ended` for an agent who is not in a call.
    #[error("agent {agent} is not in a call")]
    NotInCall {
        /// The agent.
        agent: AgentId,
    },
    /// A direct call for an agent who is not idle (ringing, talking, in
    /// wrap-up): a busy agent is never given a second call.
    #[error("agent {agent} is busy")]
    AgentBusy {
        /// The agent.
        agent: AgentId,
    },
    /// No such callback request (finished, cancelled or never made).
    #[error("unknown callback request {request}")]
    UnknownCallback {
        /// The request.
        request: CallbackId,
    },
    /// A callback result that does not fit the request's progress (e.g.
    /// `Connected` before the agent answered).
    #[error("callback request {request} is not at that step")]
    CallbackOutOfStep {
        /// The request.
        request: CallbackId,
    },
}
