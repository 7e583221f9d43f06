//! Read-only views for the wallboard, the HTTP API and the engine.

use crate::acd::{Acd, Counters};
use crate::config::Strategy;
use crate::state::{Phase, QIdx};
use crate::types::{AgentState, AgentStatus, CallbackId, Work};
use centralino_model::{AgentId, CallKey, QueueId};
use serde::Serialize;
use std::time::{Duration, Instant};

/// A queue right now (MISSION §5 queue view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// The queue.
    pub id: QueueId,
    /// Its name.
    pub name: String,
    /// Its strategy.
    pub strategy: Strategy,
    /// Calls waiting for an agent.
    pub waiting: usize,
    /// Calls ringing an agent.
    pub ringing: usize,
    /// Callback requests waiting their turn or their retry.
    pub callbacks: usize,
    /// Time since the oldest waiting or ringing call reached the ACD.
    pub oldest_wait: Option<Duration>,
    /// Members of the queue (terminals).
    pub agents: usize,
    /// Members logged in (available or on break).
    pub agents_logged_in: usize,
    /// Members free to take a call now.
    pub agents_free: usize,
    /// Members ringing.
    pub agents_ringing: usize,
    /// Members in a call (from any queue).
    pub agents_talking: usize,
    /// Members in wrap-up.
    pub agents_wrap_up: usize,
    /// Members on break.
    pub agents_on_break: usize,
    /// Calls that joined (including moved in).
    pub enqueued: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls abandoned.
    pub abandoned: u64,
    /// Calls that left by an exit action (including moved out).
    pub exited: u64,
    /// Calls turned into callback requests.
    pub called_back: u64,
    /// Mean wait of the answered calls.
    pub average_wait: Option<Duration>,
    /// Mean handling (talk + wrap-up) of the ended calls.
    pub average_handling: Option<Duration>,
}

/// An agent right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentView {
    /// The agent.
    pub id: AgentId,
    /// The name.
    pub name: String,
    /// The SIP username.
    pub username: String,
    /// Status (set by people).
    pub status: AgentStatus,
    /// Since when.
    #[serde(skip)]
    pub status_since: Instant,
    /// State (set by the engine).
    pub state: AgentState,
    /// Since when.
    #[serde(skip)]
    pub state_since: Instant,
    /// Registered.
    pub reachable: bool,
    /// Free to be offered a call now.
    pub free: bool,
    /// Idle since: end of the last wrap-up, or becoming available.
    #[serde(skip)]
    pub idle_since: Instant,
    /// End of the current wrap-up.
    #[serde(skip)]
    pub wrap_up_until: Option<Instant>,
    /// End of a reject or no-answer delay.
    #[serde(skip)]
    pub held_until: Option<Instant>,
    /// Unanswered offers in a row.
    pub no_answers_in_a_row: u32,
    /// Calls answered (and callbacks connected).
    pub calls_handled: u64,
    /// What the agent is ringing with or talking on.
    pub current: Option<Work>,
    /// The queue of `current`.
    pub queue: Option<QueueId>,
}

/// A queued call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallView {
    /// The call.
    pub call: CallKey,
    /// Its queue.
    pub queue: QueueId,
    /// Waited in this queue.
    pub waited: Duration,
    /// 1-based position while waiting; `None` while ringing.
    pub position: Option<u32>,
    /// The agents ringing.
    pub ringing: Vec<AgentId>,
}

/// A callback request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackView {
    /// The request.
    pub request: CallbackId,
    /// Its queue.
    pub queue: QueueId,
    /// Calls to the citizen made so far.
    pub attempts: u32,
    /// When it expires.
    #[serde(skip)]
    pub expires: Instant,
    /// The agent working on it, if any.
    pub agent: Option<AgentId>,
    /// Waiting for its retry time.
    pub parked: bool,
}

impl Acd {
    /// One queue's figures; `None` for an unknown queue.
    pub fn queue_stats(&self, now: Instant, queue: &QueueId) -> Option<QueueStats> {
        self.queue_index
            .get(queue)
            .map(|&qi| self.stats_of(now, qi))
    }

    /// Every queue, in config order.
    pub fn all_queue_stats(&self, now: Instant) -> Vec<QueueStats> {
        (0..self.queues.len())
            .map(|qi| self.stats_of(now, qi))
            .collect()
    }

    fn stats_of(&self, now: Instant, qi: QIdx) -> QueueStats {
        let q = &self.queues[qi];
        let members = q.members.iter().map(|&(a, _)| &self.agents[a]);
        let count =
            |f: &dyn Fn(&crate::state::Agent) -> bool| members.clone().filter(|a| f(a)).count();
        let callbacks = self
            .items
            .iter()
            .filter(|(w, i)| matches!(w, Work::Callback(_)) && i.queue == qi)
            .count();
        let mean =
            |total: Duration, n: u64| (n > 0).then(|| total / u32::try_from(n).unwrap_or(u32::MAX));
        QueueStats {
            id: q.cfg.id.clone(),
            name: q.cfg.name.clone(),
            strategy: q.cfg.strategy,
            waiting: q.live_calls.len() - q.ringing_calls,
            ringing: q.ringing_calls,
            callbacks,
            oldest_wait: q
                .live_calls
                .first()
                .map(|&(t, _)| now.saturating_duration_since(t)),
            agents: q.members.len(),
            agents_logged_in: q.logged_in,
            agents_free: count(&|a| a.indexed),
            agents_ringing: count(&|a| a.state == AgentState::Offered),
            agents_talking: count(&|a| a.state == AgentState::InCall),
            agents_wrap_up: count(&|a| a.state == AgentState::WrapUp),
            agents_on_break: count(&|a| matches!(a.status, AgentStatus::OnBreak(_))),
            enqueued: q.stats.enqueued,
            answered: q.stats.answered,
            abandoned: q.stats.abandoned,
            exited: q.stats.exited,
            called_back: q.stats.called_back,
            average_wait: mean(q.stats.wait_total, q.stats.answered),
            average_handling: mean(q.stats.handle_total, q.stats.handled),
        }
    }

    /// Estimated wait for the caller at `position` (1 = next) of `queue`:
    /// position × mean handling time ÷ agents available. `None` without
    /// history or without an available, reachable agent.
    pub fn estimated_wait(&self, queue: &QueueId, position: u32) -> Option<Duration> {
        self.queue_index
            .get(queue)
            .and_then(|&qi| self.estimated_wait_in(qi, position))
    }

    pub(crate) fn estimated_wait_in(&self, qi: QIdx, position: u32) -> Option<Duration> {
        let q = &self.queues[qi];
        let staffed = q
            .members
            .iter()
            .filter(|&&(a, _)| {
                self.agents[a].status == AgentStatus::Available && self.agents[a].reachable
            })
            .count();
        if staffed == 0 || q.stats.handled == 0 {
            return None;
        }
        let mean = q.stats.handle_total.as_nanos() / u128::from(q.stats.handled);
        let est = mean * u128::from(position) / staffed as u128;
        let secs = est.div_ceil(1_000_000_000);
        Some(Duration::from_secs(u64::try_from(secs).unwrap_or(u64::MAX)))
    }

    /// One agent; `None` if unknown.
    pub fn agent(&self, agent: &AgentId) -> Option<AgentView> {
        self.agent_index.get(agent).map(|&a| self.view_of(a))
    }

    /// Every agent, in config order.
    pub fn agents(&self) -> impl Iterator<Item = AgentView> + '_ {
        (0..self.agents.len()).map(|a| self.view_of(a))
    }

    /// The agent whose softphone registers as `username`.
    pub fn agent_by_username(&self, username: &str) -> Option<&AgentId> {
        self.usernames.get(username).map(|&a| &self.agents[a].id)
    }

    fn view_of(&self, a: usize) -> AgentView {
        let ag = &self.agents[a];
        AgentView {
            id: ag.id.clone(),
            name: ag.name.clone(),
            username: ag.username.clone(),
            status: ag.status.clone(),
            status_since: ag.status_since,
            state: ag.state,
            state_since: ag.state_since,
            reachable: ag.reachable,
            free: ag.indexed,
            idle_since: ag.idle_since,
            wrap_up_until: ag.wrap_until,
            held_until: ag.hold_until,
            no_answers_in_a_row: ag.streak,
            calls_handled: ag.handled,
            current: ag.work,
            queue: ag.work_queue.map(|q| self.queues[q].cfg.id.clone()),
        }
    }

    /// A queued (waiting or ringing) call.
    pub fn call(&self, now: Instant, call: CallKey) -> Option<CallView> {
        let item = self.items.get(&Work::Call(call))?;
        let q = &self.queues[item.queue];
        let (position, ringing) = match &item.phase {
            Phase::Ringing(set) => (
                None,
                set.iter().map(|&a| self.agents[a].id.clone()).collect(),
            ),
            _ => (Some(q.position(item)), Vec::new()),
        };
        Some(CallView {
            call,
            queue: q.cfg.id.clone(),
            waited: now.saturating_duration_since(item.joined),
            position,
            ringing,
        })
    }

    /// An open callback request.
    pub fn callback(&self, request: CallbackId) -> Option<CallbackView> {
        let item = self.items.get(&Work::Callback(request))?;
        let cb = item.callback.as_ref()?;
        let agent = match &item.phase {
            Phase::Ringing(set) => set.first().copied(),
            Phase::Serving(a) => Some(*a),
            _ => None,
        };
        Some(CallbackView {
            request,
            queue: self.queues[item.queue].cfg.id.clone(),
            attempts: cb.attempts,
            expires: cb.expires,
            agent: agent.map(|a| self.agents[a].id.clone()),
            parked: matches!(item.phase, Phase::Parked(_)),
        })
    }

    /// Totals (see [`Counters`] for the identities they satisfy).
    pub fn counters(&self) -> Counters {
        let mut c = self.counters.clone();
        c.ringing = self.queues.iter().map(|q| q.ringing_calls as u64).sum();
        c.waiting = self
            .queues
            .iter()
            .map(|q| q.live_calls.len() as u64)
            .sum::<u64>()
            - c.ringing;
        c.callbacks_pending = self
            .items
            .keys()
            .filter(|w| matches!(w, Work::Callback(_)))
            .count() as u64;
        c
    }

    /// Start new totals (e.g. at midnight): queue and global counters
    /// restart, keeping the identities (calls in the queues count as
    /// enqueued in the new period).
    pub fn reset_counters(&mut self) {
        let now = self.counters();
        self.counters = Counters {
            enqueued: now.waiting + now.ringing,
            callbacks_requested: now.callbacks_pending,
            ..Counters::default()
        };
        for q in &mut self.queues {
            // Handling history feeds the estimated wait: kept.
            q.stats = crate::state::QueueCounters {
                enqueued: q.live_calls.len() as u64,
                handled: q.stats.handled,
                handle_total: q.stats.handle_total,
                ..Default::default()
            };
        }
        for a in &mut self.agents {
            a.handled = 0;
        }
    }

    /// The queues, in config order.
    pub fn queue_ids(&self) -> impl Iterator<Item = &QueueId> {
        self.queues.iter().map(|q| &q.cfg.id)
    }
}
