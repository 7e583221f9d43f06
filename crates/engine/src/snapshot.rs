//! A picture of the engine at an instant, for the wallboard, the HTTP API
//! and metrics. The driver takes one every few hundred milliseconds and
//! publishes it; readers never touch the live engine.

use crate::call::QueuePhase;
use crate::{Engine, EngineStats};
use centralino_acd::{AgentState, AgentStatus, QueueStats};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::time::Instant;

/// One agent, as supervisors see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentSnapshot {
    /// Agent id.
    pub id: String,
    /// Name.
    pub name: String,
    /// SIP username.
    pub username: String,
    /// Set by people.
    pub status: AgentStatus,
    /// Seconds in that status.
    pub status_for_s: u64,
    /// Set by the engine.
    pub state: AgentState,
    /// Seconds in that state.
    pub state_for_s: u64,
    /// Registered.
    pub reachable: bool,
    /// Could take a call now.
    pub free: bool,
    /// Calls answered since start.
    pub calls_answered: u64,
    /// The call it handles or rings for (CDR id).
    pub current_call: Option<String>,
    /// How long that caller waited before being answered (or so far).
    pub current_caller_waited_s: Option<u64>,
}

/// One call in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallSnapshot {
    /// CDR id.
    pub call_id: String,
    /// Service id.
    pub service: String,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub called: String,
    /// `ivr`, `queued`, `talking`, `callback_offer`, `leaving`, `transferred`.
    pub state: String,
    /// Queue, once queued.
    pub queue: Option<String>,
    /// Agent talking to the caller.
    pub agent: Option<String>,
    /// Agents ringing for it.
    pub ringing: Vec<String>,
    /// Seconds since arrival.
    pub age_s: u64,
    /// Seconds waited in the queue (so far, or until answered).
    pub waited_s: Option<u64>,
    /// The caller's language.
    pub language: String,
    /// IVR digits.
    pub digits: String,
}

/// The whole picture.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// When it was taken (wall clock).
    pub at: DateTime<Utc>,
    /// Per queue.
    pub queues: Vec<QueueStats>,
    /// Per agent.
    pub agents: Vec<AgentSnapshot>,
    /// Calls in progress (feature-code and callback runs excluded).
    pub calls: Vec<CallSnapshot>,
    /// Engine counters.
    #[serde(skip)]
    pub stats: EngineStats,
    /// Pending callback requests.
    pub callbacks_pending: usize,
}

impl Engine {
    /// Take a snapshot.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        let queues = self.acd.all_queue_stats(now);
        let mut calls = Vec::new();
        let mut by_agent: std::collections::HashMap<String, (String, Option<u64>)> =
            Default::default();
        for (key, c) in &self.calls {
            if c.service_call {
                continue;
            }
            let view = self.acd.call(now, *key);
            let (state, queue, agent) = match &c.phase {
                QueuePhase::None => ("ivr", None, None),
                QueuePhase::Waiting { queue, .. } => ("queued", Some(queue.to_string()), None),
                QueuePhase::Bridged { agent } => (
                    "talking",
                    c.queued.as_ref().map(|q| q.to_string()),
                    Some(agent.to_string()),
                ),
                QueuePhase::CallbackOffer { queue, .. } => {
                    ("callback_offer", Some(queue.to_string()), None)
                }
                QueuePhase::Left => ("leaving", c.queued.as_ref().map(|q| q.to_string()), None),
                QueuePhase::Transferred { .. } => (
                    "transferred",
                    c.queued.as_ref().map(|q| q.to_string()),
                    None,
                ),
            };
            let waited_s = view
                .as_ref()
                .map(|v| v.waited.as_secs())
                .or(c.waited_at_answer.map(|w| w.as_secs()));
            let ringing: Vec<String> = c.offers.iter().map(|(a, _)| a.to_string()).collect();
            if let Some(a) = &agent {
                by_agent.insert(a.clone(), (c.uid.clone(), waited_s));
            }
            for a in &ringing {
                by_agent.insert(a.clone(), (c.uid.clone(), waited_s));
            }
            calls.push(CallSnapshot {
                call_id: c.uid.clone(),
                service: c.service.id().to_string(),
                caller: c.caller.clone(),
                called: c.called.clone(),
                state: state.to_string(),
                queue,
                agent,
                ringing,
                age_s: c.age(now).as_secs(),
                waited_s,
                language: c.language.to_string(),
                digits: c.digits.clone(),
            });
        }
        calls.sort_by_key(|c| std::cmp::Reverse(c.age_s));
        let agents = self
            .acd
            .agents()
            .map(|v| {
                let current = by_agent.get(v.id.as_str()).cloned();
                AgentSnapshot {
                    id: v.id.to_string(),
                    name: v.name.clone(),
                    username: v.username.clone(),
                    status: v.status.clone(),
                    status_for_s: now.saturating_duration_since(v.status_since).as_secs(),
                    state: v.state,
                    state_for_s: now.saturating_duration_since(v.state_since).as_secs(),
                    reachable: v.reachable,
                    free: v.free,
                    calls_answered: v.calls_handled,
                    current_call: current.as_ref().map(|c| c.0.clone()),
                    current_caller_waited_s: current.and_then(|c| c.1),
                }
            })
            .collect();
        Snapshot {
            at: self.clock.at(now),
            queues,
            agents,
            calls,
            stats: self.stats(),
            callbacks_pending: self.callbacks.len(),
        }
    }
}
