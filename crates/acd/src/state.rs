//! The ACD's internal records: queues, agents, queued work, and the indexes
//! that keep each scheduling step cheap.
//!
//! * Waiting work of a queue sits in *lanes*, one per (priority, skill mask),
//!   each ordered by arrival. Within a lane the head has waited longest, so
//!   if the head cannot go to a free agent (tier, skill), nothing behind it
//!   can: a scheduling step looks at lane heads only.
//! * Free agents of a queue sit in one ordered set per level, keyed by the
//!   queue's strategy (idle since, calls taken, position), so the best free
//!   agent is the first of the set.

use crate::config::{QueueConfig, Strategy};
use crate::types::{AgentState, AgentStatus, Work};
use centralino_model::{AgentId, CallKey, Language};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

pub(crate) type QIdx = usize;
pub(crate) type AIdx = usize;

/// Arrival order of work: when it reached the ACD, then a sequence number.
pub(crate) type Order = (Instant, u64);
/// A lane of a queue: higher priority first, then by skill mask.
pub(crate) type LaneKey = (Reverse<u32>, u64);
/// A free agent in a queue's per-level set: (strategy key, idle since in ns
/// after the ACD's epoch, agent).
pub(crate) type FreeKey = (u64, u64, u32);

/// The head of a lane, as a scheduling step sorts them: priority, arrival,
/// queue, work.
pub(crate) type Head = (Reverse<u32>, Order, QIdx, Work);

/// The mask bit of a skill no agent has: only the fallback serves it.
pub(crate) const UNMATCHABLE: u64 = 1 << 63;

#[derive(Debug, Default, Clone)]
pub(crate) struct QueueCounters {
    pub enqueued: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub exited: u64,
    pub called_back: u64,
    pub wait_total: Duration,
    pub handled: u64,
    pub handle_total: Duration,
}

#[derive(Debug)]
pub(crate) struct Queue {
    pub cfg: QueueConfig,
    /// (agent, level, position in config order).
    pub members: Vec<(AIdx, u8)>,
    pub max_level: u8,
    pub logged_in: usize,
    pub free: BTreeMap<u8, BTreeSet<FreeKey>>,
    pub free_count: usize,
    pub lanes: BTreeMap<LaneKey, BTreeMap<Order, Work>>,
    /// Calls (not callbacks) waiting or ringing, by arrival.
    pub live_calls: BTreeSet<Order>,
    pub ringing_calls: usize,
    pub rr_last: Option<u32>,
    pub stats: QueueCounters,
}

impl Queue {
    pub fn new(cfg: QueueConfig) -> Self {
        Queue {
            cfg,
            members: Vec::new(),
            max_level: 1,
            logged_in: 0,
            free: BTreeMap::new(),
            free_count: 0,
            lanes: BTreeMap::new(),
            live_calls: BTreeSet::new(),
            ringing_calls: 0,
            rr_last: None,
            stats: QueueCounters::default(),
        }
    }

    pub fn lane_insert(&mut self, item: &Item, work: Work) {
        self.lanes
            .entry((Reverse(item.priority), item.mask))
            .or_default()
            .insert(item.order, work);
    }

    pub fn lane_remove(&mut self, item: &Item) {
        let key = (Reverse(item.priority), item.mask);
        if let Some(lane) = self.lanes.get_mut(&key) {
            lane.remove(&item.order);
            if lane.is_empty() {
                self.lanes.remove(&key);
            }
        }
    }

    /// 1-based position of `item` among the queue's waiting work.
    pub fn position(&self, item: &Item) -> u32 {
        let mut ahead = 0usize;
        for ((Reverse(p), _), lane) in &self.lanes {
            if *p > item.priority {
                ahead += lane.len();
            } else if *p == item.priority {
                ahead += lane.range(..item.order).count();
            }
        }
        u32::try_from(ahead + 1).unwrap_or(u32::MAX)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub queue: QIdx,
    pub level: u8,
    pub pos: u32,
    pub answered: u64,
    pub key: Option<FreeKey>,
}

#[derive(Debug)]
pub(crate) struct Agent {
    pub id: AgentId,
    pub name: String,
    pub username: String,
    pub skills: u64,
    pub wrap_up: Option<Duration>,
    pub members: Vec<Member>,
    pub status: AgentStatus,
    pub status_since: Instant,
    pub state: AgentState,
    pub state_since: Instant,
    pub reachable: bool,
    /// What the agent is offered or talking on.
    pub work: Option<Work>,
    pub work_queue: Option<QIdx>,
    /// Ring deadline and the generation of that offer.
    pub ring: Option<(Instant, u64)>,
    pub ring_gen: u64,
    pub talk_since: Option<Instant>,
    pub wrap_until: Option<Instant>,
    pub hold_until: Option<Instant>,
    pub idle_since: Instant,
    pub streak: u32,
    pub handled: u64,
    pub indexed: bool,
    pub emitted: Option<(AgentStatus, AgentState, bool)>,
}

impl Agent {
    pub fn should_be_free(&self) -> bool {
        self.status == AgentStatus::Available
            && self.reachable
            && self.state == AgentState::Idle
            && self.hold_until.is_none()
    }

    pub fn member(&self, q: QIdx) -> Option<&Member> {
        self.members.iter().find(|m| m.queue == q)
    }
}

/// Where a piece of queued work is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    /// In a lane, waiting for a free agent.
    Waiting,
    /// Offered to these agents (several only with `ring_all`).
    Ringing(Vec<AIdx>),
    /// A callback waiting for its retry time.
    Parked(Instant),
    /// A callback whose agent answered; the citizen is being called.
    Serving(AIdx),
}

#[derive(Debug, Clone)]
pub(crate) struct CallbackInfo {
    pub attempts: u32,
    pub expires: Instant,
}

/// A queued call or callback request.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub queue: QIdx,
    pub order: Order,
    pub joined: Instant,
    pub priority: u32,
    pub priority_override: Option<u32>,
    /// Skills asked for, without the language.
    pub base_mask: u64,
    pub language: Option<Language>,
    /// Skills needed in the current queue (language included if foreign).
    pub mask: u64,
    pub phase: Phase,
    pub max_wait_at: Option<Instant>,
    pub announce_at: Option<Instant>,
    pub callback_offer_at: Option<Instant>,
    pub callback_offered: bool,
    pub no_answers: u32,
    pub callback: Option<CallbackInfo>,
}

/// A call that left with `callback_offer`: kept briefly so that accepting
/// the offer puts the request back at the call's place.
#[derive(Debug, Clone)]
pub(crate) struct Ghost {
    pub item: Item,
    pub until: Instant,
}

/// How long the engine has to turn a `callback_offer` exit into a request.
pub(crate) const GHOST_WINDOW: Duration = Duration::from_secs(120);

/// A deadline in the timer heap. Entries are checked against the record
/// they name when they fire, so a stale entry is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    Ring(AIdx, u64),
    AgentWake(AIdx),
    MaxWait(Work),
    Announce(Work),
    CallbackOffer(Work),
    CallbackRetry(Work),
    CallbackExpiry(Work),
    Ghost(CallKey),
}

/// The free-set key of an agent in a queue with this strategy.
pub(crate) fn free_key(strategy: Strategy, m: &Member, idle_ns: u64, agent: AIdx) -> FreeKey {
    let a = u32::try_from(agent).unwrap_or(u32::MAX);
    match strategy {
        Strategy::LongestIdle | Strategy::RingAll => (0, idle_ns, a),
        Strategy::FewestCalls => (m.answered, idle_ns, a),
        Strategy::RoundRobin => (u64::from(m.pos), idle_ns, a),
    }
}
