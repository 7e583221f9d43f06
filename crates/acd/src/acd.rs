//! [`Acd`]: construction, the run loop (`poll_action`, `poll_timeout`,
//! `handle_timeout`) and the timer wheel.

use crate::config::AcdConfig;
use crate::error::{AcdError, ConfigError};
use crate::state::{AIdx, Agent, Ghost, Head, Item, Member, QIdx, Queue, Timer, UNMATCHABLE};
use crate::types::{Action, AgentState, AgentStatus, Work};
use crate::validate::MAX_LEVEL;
use centralino_model::{AgentId, CallKey, Language, QueueId};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::Instant;

/// Totals since construction (or [`Acd::reset_counters`]).
///
/// Always (a call moved to another queue by an exit action stays one call):
///
/// ```text
/// enqueued            == answered + abandoned + exited + called_back + waiting + ringing
/// callbacks_requested == callbacks_completed + callbacks_failed + callbacks_expired
///                        + callbacks_cancelled + callbacks_pending
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Calls that entered the ACD.
    pub enqueued: u64,
    /// Calls an agent answered.
    pub answered: u64,
    /// Calls whose caller hung up while queued or ringing.
    pub abandoned: u64,
    /// Calls that left by an exit action (other than moving to a queue).
    pub exited: u64,
    /// Calls turned into callback requests.
    pub called_back: u64,
    /// Calls waiting now.
    pub waiting: u64,
    /// Calls ringing an agent now.
    pub ringing: u64,
    /// Callback requests made (including restored and after an exit).
    pub callbacks_requested: u64,
    /// Requests bridged with an agent.
    pub callbacks_completed: u64,
    /// Requests that ran out of attempts.
    pub callbacks_failed: u64,
    /// Requests that expired.
    pub callbacks_expired: u64,
    /// Requests cancelled through the API.
    pub callbacks_cancelled: u64,
    /// Requests still open.
    pub callbacks_pending: u64,
    /// Inputs refused with an [`AcdError`].
    pub ignored_inputs: u64,
}

/// The automatic call distributor: sans-IO, driven by the engine.
///
/// Run loop (see `docs/architecture.md`): feed an input (`call_enqueued`,
/// `agent_status`, …, or `handle_timeout`) with the current `now`; drain
/// [`Acd::poll_action`] until `None`; ask [`Acd::poll_timeout`] for the next
/// deadline. Every input first runs the timers that are due, in order, so a
/// late `handle_timeout` changes nothing but latency.
#[derive(Debug)]
pub struct Acd {
    pub(crate) queues: Vec<Queue>,
    pub(crate) queue_index: HashMap<QueueId, QIdx>,
    pub(crate) agents: Vec<Agent>,
    pub(crate) agent_index: HashMap<AgentId, AIdx>,
    pub(crate) usernames: HashMap<String, AIdx>,
    pub(crate) skills: HashMap<String, u8>,
    pub(crate) items: HashMap<Work, Item>,
    pub(crate) ghosts: HashMap<CallKey, Ghost>,
    pub(crate) timers: BinaryHeap<Reverse<(Instant, Timer)>>,
    pub(crate) next_eligibility: Option<Instant>,
    pub(crate) actions: VecDeque<Action>,
    pub(crate) epoch: Instant,
    pub(crate) clock: Instant,
    pub(crate) seq: u64,
    pub(crate) next_callback: u64,
    pub(crate) free_agents: usize,
    pub(crate) counters: Counters,
    pub(crate) scratch: Vec<Head>,
    pub(crate) announcements: Vec<Work>,
}

impl Acd {
    /// Build the ACD from a validated config. Every agent starts logged out
    /// and unreachable.
    pub fn new(now: Instant, config: &AcdConfig) -> Result<Acd, ConfigError> {
        config.validate()?;
        let mut queues: Vec<Queue> = config.queues.iter().cloned().map(Queue::new).collect();
        let queue_index: HashMap<QueueId, QIdx> = config
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), i))
            .collect();
        let mut skills: HashMap<String, u8> = HashMap::new();
        let mut agents = Vec::with_capacity(config.agents.len());
        for (a, cfg) in config.agents.iter().enumerate() {
            let mut mask = 0u64;
            for s in &cfg.skills {
                let n = skills.len() as u8;
                let bit = *skills.entry(s.as_str().to_string()).or_insert(n);
                mask |= 1 << bit;
            }
            let mut members = Vec::new();
            for m in &cfg.queues {
                // Validated: the queue exists.
                let Some(&q) = queue_index.get(&m.queue) else {
                    continue;
                };
                let pos = queues[q].members.len() as u32;
                queues[q].members.push((a, m.level));
                queues[q].max_level = queues[q].max_level.max(m.level.min(MAX_LEVEL));
                members.push(Member {
                    queue: q,
                    level: m.level,
                    pos,
                    answered: 0,
                    key: None,
                });
            }
            agents.push(Agent {
                id: cfg.id.clone(),
                name: cfg.name.clone(),
                username: cfg.sip_username().to_string(),
                skills: mask,
                wrap_up: cfg.wrap_up,
                members,
                status: AgentStatus::LoggedOut,
                status_since: now,
                state: AgentState::Idle,
                state_since: now,
                reachable: false,
                work: None,
                work_queue: None,
                ring: None,
                ring_gen: 0,
                talk_since: None,
                wrap_until: None,
                hold_until: None,
                idle_since: now,
                streak: 0,
                handled: 0,
                indexed: false,
                emitted: Some((AgentStatus::LoggedOut, AgentState::Idle, false)),
            });
        }
        let agent_index = agents
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i))
            .collect();
        let usernames = agents
            .iter()
            .enumerate()
            .map(|(i, a)| (a.username.clone(), i))
            .collect();
        Ok(Acd {
            queues,
            queue_index,
            agents,
            agent_index,
            usernames,
            skills,
            items: HashMap::new(),
            ghosts: HashMap::new(),
            timers: BinaryHeap::new(),
            next_eligibility: None,
            actions: VecDeque::new(),
            epoch: now,
            clock: now,
            seq: 0,
            next_callback: 1,
            free_agents: 0,
            counters: Counters::default(),
            scratch: Vec::new(),
            announcements: Vec::new(),
        })
    }

    /// The next thing the engine must do, in order; `None` when drained.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next deadline; call [`Acd::handle_timeout`] when it passes
    /// (earlier is harmless).
    #[must_use]
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        self.purge_stale();
        let top = self.timers.peek().map(|Reverse((t, _))| *t);
        match (top, self.next_eligibility) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Run every timer due at `now` (ring timeouts, wrap-up ends, max waits,
    /// announcements, callback retries…) and schedule.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.advance(now);
        self.dispatch(now);
    }

    // ----- time -----

    /// Bring the ACD to `now`: timers fire at their own instants, each
    /// followed by a scheduling step, so the order of events is the order
    /// of their deadlines however late the engine calls. Returns `now`,
    /// never earlier than a previous input.
    pub(crate) fn advance(&mut self, now: Instant) -> Instant {
        let now = now.max(self.clock);
        while let Some(t) = self.poll_timeout() {
            if t > now {
                break;
            }
            self.clock = t;
            if self.next_eligibility.is_some_and(|e| e <= t) {
                self.next_eligibility = None;
            }
            while let Some(Reverse((due, timer))) = self.timers.peek().copied() {
                if due > t {
                    break;
                }
                self.timers.pop();
                if self.timer_live(due, timer) {
                    self.fire(due, timer);
                }
            }
            self.dispatch(t);
            self.flush_announcements();
        }
        self.clock = now;
        now
    }

    pub(crate) fn push_timer(&mut self, at: Instant, timer: Timer) {
        self.timers.push(Reverse((at, timer)));
    }

    fn purge_stale(&mut self) {
        while let Some(Reverse((due, timer))) = self.timers.peek().copied() {
            if self.timer_live(due, timer) {
                break;
            }
            self.timers.pop();
        }
    }

    fn timer_live(&self, due: Instant, timer: Timer) -> bool {
        match timer {
            Timer::Ring(a, gen) => self.agents[a].ring == Some((due, gen)),
            Timer::AgentWake(a) => {
                let ag = &self.agents[a];
                ag.wrap_until == Some(due) || ag.hold_until == Some(due)
            }
            Timer::MaxWait(w) => self
                .items
                .get(&w)
                .is_some_and(|i| i.max_wait_at == Some(due)),
            Timer::Announce(w) => self
                .items
                .get(&w)
                .is_some_and(|i| i.announce_at == Some(due)),
            Timer::CallbackOffer(w) => self
                .items
                .get(&w)
                .is_some_and(|i| i.callback_offer_at == Some(due)),
            Timer::CallbackRetry(w) => self
                .items
                .get(&w)
                .is_some_and(|i| i.phase == crate::state::Phase::Parked(due)),
            Timer::CallbackExpiry(w) => self
                .items
                .get(&w)
                .and_then(|i| i.callback.as_ref())
                .is_some_and(|c| c.expires == due),
            Timer::Ghost(k) => self.ghosts.get(&k).is_some_and(|g| g.until == due),
        }
    }

    fn fire(&mut self, due: Instant, timer: Timer) {
        match timer {
            Timer::Ring(a, _) => self.ring_timeout(due, a),
            Timer::AgentWake(a) => self.agent_wake(due, a),
            Timer::MaxWait(w) => self.max_wait_reached(due, w),
            Timer::Announce(w) => self.announce(due, w),
            Timer::CallbackOffer(w) => {
                if let Some(item) = self.items.get_mut(&w) {
                    item.callback_offer_at = None;
                }
                self.maybe_offer_callback(due, w);
            }
            Timer::CallbackRetry(w) => self.callback_retry(due, w),
            Timer::CallbackExpiry(w) => self.callback_expired(due, w),
            Timer::Ghost(k) => {
                self.ghosts.remove(&k);
            }
        }
    }

    // ----- small helpers shared by the input modules -----

    pub(crate) fn queue_idx(&self, queue: &QueueId) -> Result<QIdx, AcdError> {
        self.queue_index
            .get(queue)
            .copied()
            .ok_or_else(|| AcdError::UnknownQueue {
                queue: queue.clone(),
            })
    }

    pub(crate) fn agent_idx(&self, agent: &AgentId) -> Result<AIdx, AcdError> {
        self.agent_index
            .get(agent)
            .copied()
            .ok_or_else(|| AcdError::UnknownAgent {
                agent: agent.clone(),
            })
    }

    /// Count a refused input.
    pub(crate) fn refuse<T>(&mut self, r: Result<T, AcdError>) -> Result<T, AcdError> {
        if r.is_err() {
            self.counters.ignored_inputs += 1;
        }
        r
    }

    /// The mask of skills named in a request (unknown ones are unmatchable).
    pub(crate) fn skill_mask<'a>(&self, skills: impl IntoIterator<Item = &'a str>) -> u64 {
        skills.into_iter().fold(0, |m, s| {
            m | self.skills.get(s).map_or(UNMATCHABLE, |&b| 1 << b)
        })
    }

    /// The skills a piece of work needs in queue `q`.
    pub(crate) fn mask_in(&self, base: u64, language: Option<&Language>, q: QIdx) -> u64 {
        match language {
            Some(l) if *l != self.queues[q].cfg.language => base | self.skill_mask([l.as_str()]),
            _ => base,
        }
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Nanoseconds since construction (free-set keys).
    pub(crate) fn ns(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Emit `AgentStatusChanged` if status, state or reachability differ
    /// from what was last emitted.
    pub(crate) fn emit_agent(&mut self, a: AIdx) {
        let ag = &mut self.agents[a];
        let now = (ag.status.clone(), ag.state, ag.reachable);
        if ag.emitted.as_ref() != Some(&now) {
            ag.emitted = Some(now.clone());
            self.actions.push_back(Action::AgentStatusChanged {
                agent: ag.id.clone(),
                status: now.0,
                state: now.1,
                reachable: now.2,
            });
        }
    }
}
