//! A reference model of the ACD rules, written independently of the crate's
//! indexes: plain lists scanned in full. The simulation feeds the same
//! inputs to both and checks every decision the ACD makes against it.

use centralino_acd::*;
use centralino_model::{AgentId, CallKey, QueueId};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

pub struct MAgent {
    pub id: AgentId,
    pub skills: BTreeSet<String>,
    pub wrap: Option<Duration>,
    pub levels: HashMap<usize, u8>,
    pub status: AgentStatus,
    pub reachable: bool,
    pub offered: Option<Work>,
    pub in_call: Option<(Work, usize)>,
    pub wrap_until: Option<Instant>,
    pub hold_until: Option<Instant>,
    pub idle_since: Instant,
    pub streak: u32,
    pub answered_in: HashMap<usize, u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MPhase {
    Waiting,
    /// Agents ringing and their deadlines.
    Ringing(BTreeMap<usize, Instant>),
    Parked(Instant),
    Serving(usize),
}

#[derive(Clone, Debug)]
pub struct MItem {
    pub queue: usize,
    pub arrived: Instant,
    pub seq: u64,
    pub joined: Instant,
    pub prio_override: Option<u32>,
    pub prio: u32,
    pub skills: BTreeSet<String>,
    pub lang: Option<String>,
    pub phase: MPhase,
    /// Callback: attempts made, expiry.
    pub cb: Option<(u32, Instant)>,
    pub no_answers: u32,
    pub callback_offered: bool,
}

pub struct Model {
    pub queues: Vec<QueueConfig>,
    pub qindex: HashMap<QueueId, usize>,
    pub agents: Vec<MAgent>,
    pub aindex: HashMap<AgentId, usize>,
    pub items: HashMap<Work, MItem>,
    pub ghosts: HashMap<CallKey, (MItem, Instant)>,
    pub seq: u64,
    pub c: Counters,
    pub expect_finish: Vec<(CallbackId, CallbackOutcome)>,
}

impl Model {
    pub fn new(cfg: &AcdConfig, t0: Instant) -> Model {
        let qindex: HashMap<QueueId, usize> = cfg
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), i))
            .collect();
        let agents = cfg
            .agents
            .iter()
            .map(|a| MAgent {
                id: a.id.clone(),
                skills: a.skills.iter().map(|s| s.as_str().to_string()).collect(),
                wrap: a.wrap_up,
                levels: a
                    .queues
                    .iter()
                    .map(|m| (qindex[&m.queue], m.level))
                    .collect(),
                status: AgentStatus::LoggedOut,
                reachable: false,
                offered: None,
                in_call: None,
                wrap_until: None,
                hold_until: None,
                idle_since: t0,
                streak: 0,
                answered_in: HashMap::new(),
            })
            .collect::<Vec<_>>();
        let aindex = agents
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i))
            .collect();
        Model {
            queues: cfg.queues.clone(),
            qindex,
            agents,
            aindex,
            items: HashMap::new(),
            ghosts: HashMap::new(),
            seq: 0,
            c: Counters::default(),
            expect_finish: Vec::new(),
        }
    }

    pub fn free(&self, a: usize, t: Instant) -> bool {
        let g = &self.agents[a];
        g.status == AgentStatus::Available
            && g.reachable
            && g.offered.is_none()
            && g.in_call.is_none()
            && g.wrap_until.is_none_or(|w| t >= w)
            && g.hold_until.is_none_or(|h| t >= h)
    }

    pub fn state(&self, a: usize, t: Instant) -> AgentState {
        let g = &self.agents[a];
        if g.offered.is_some() {
            AgentState::Offered
        } else if g.in_call.is_some() {
            AgentState::InCall
        } else if g.wrap_until.is_some_and(|w| t < w) {
            AgentState::WrapUp
        } else {
            AgentState::Idle
        }
    }

    /// The skills `item` needs in its queue.
    pub fn needs(&self, item: &MItem) -> BTreeSet<String> {
        let mut n = item.skills.clone();
        if let Some(l) = &item.lang {
            if l.as_str() != self.queues[item.queue].language.as_str() {
                n.insert(l.clone());
            }
        }
        n
    }

    pub fn level(&self, a: usize, item: &MItem) -> Option<u8> {
        self.agents[a].levels.get(&item.queue).copied()
    }

    pub fn eligible(&self, a: usize, item: &MItem, t: Instant) -> bool {
        let Some(level) = self.level(a, item) else {
            return false;
        };
        let q = &self.queues[item.queue];
        let age = t.saturating_duration_since(item.arrived);
        let tier_ok = level == 1 || age >= q.tier_delay * u32::from(level - 1);
        let needs = self.needs(item);
        let skill_ok =
            needs.is_empty() || age >= q.skill_fallback || needs.is_subset(&self.agents[a].skills);
        tier_ok && skill_ok
    }

    pub fn order(item: &MItem) -> (Reverse<u32>, Instant, u64) {
        (Reverse(item.prio), item.arrived, item.seq)
    }

    pub fn logged_in(&self, q: usize) -> usize {
        self.agents
            .iter()
            .filter(|g| g.levels.contains_key(&q) && g.status.is_logged_in())
            .count()
    }

    pub fn live_calls(&self, q: usize) -> usize {
        self.items
            .iter()
            .filter(|(w, i)| {
                matches!(w, Work::Call(_))
                    && i.queue == q
                    && matches!(i.phase, MPhase::Waiting | MPhase::Ringing(_))
            })
            .count()
    }

    pub fn position(&self, w: Work) -> u32 {
        let me = &self.items[&w];
        let ahead = self
            .items
            .values()
            .filter(|i| {
                i.queue == me.queue
                    && i.phase == MPhase::Waiting
                    && Self::order(i) < Self::order(me)
            })
            .count();
        ahead as u32 + 1
    }

    /// Time passes to `t`: wrap-ups and delays end, parked callbacks wake,
    /// requests expire, ghosts vanish.
    pub fn tick(&mut self, t: Instant) {
        for g in &mut self.agents {
            if let Some(w) = g.wrap_until {
                if t >= w {
                    g.wrap_until = None;
                    g.idle_since = g.idle_since.max(w);
                }
            }
            if g.hold_until.is_some_and(|h| t >= h) {
                g.hold_until = None;
            }
        }
        let mut expired = Vec::new();
        for (w, i) in &mut self.items {
            if let MPhase::Parked(r) = i.phase {
                if t >= r {
                    i.phase = MPhase::Waiting;
                }
            }
            if let (Work::Callback(id), Some((_, exp))) = (w, i.cb) {
                if t >= exp && matches!(i.phase, MPhase::Waiting | MPhase::Parked(_)) {
                    expired.push(*id);
                }
            }
        }
        for id in expired {
            self.items.remove(&Work::Callback(id));
            self.expect(id, CallbackOutcome::Expired);
        }
        self.ghosts.retain(|_, (_, until)| *until > t);
    }

    pub fn expect(&mut self, id: CallbackId, outcome: CallbackOutcome) {
        match outcome {
            CallbackOutcome::Completed => self.c.callbacks_completed += 1,
            CallbackOutcome::Failed => self.c.callbacks_failed += 1,
            CallbackOutcome::Expired => self.c.callbacks_expired += 1,
            CallbackOutcome::Cancelled => self.c.callbacks_cancelled += 1,
        }
        self.expect_finish.push((id, outcome));
    }

    /// An offer of `queue` to agent `a` failed.
    pub fn penalise(&mut self, a: usize, queue: usize, f: OfferFailure, t: Instant) {
        let q = &self.queues[queue];
        let g = &mut self.agents[a];
        let delay = match f {
            OfferFailure::NoAnswer => {
                g.streak += 1;
                if q.max_no_answer > 0 && g.streak >= q.max_no_answer {
                    g.streak = 0;
                    g.status = AgentStatus::OnBreak(BreakReason::MaxNoAnswer);
                    return;
                }
                q.no_answer_delay
            }
            _ => q.reject_delay,
        };
        if !delay.is_zero() {
            g.hold_until = Some(t + delay);
        }
    }

    /// Agent `a` stops ringing for `w`; `w` goes back when nobody rings (a
    /// callback past its expiry ends instead).
    pub fn ring_over(&mut self, a: usize, w: Work, no_answer: bool, t: Instant) {
        self.agents[a].offered = None;
        let Some(item) = self.items.get_mut(&w) else {
            return;
        };
        let MPhase::Ringing(set) = &mut item.phase else {
            return;
        };
        set.remove(&a);
        if no_answer {
            item.no_answers += 1;
        }
        if set.is_empty() {
            item.phase = MPhase::Waiting;
            if let (Work::Callback(id), Some((_, exp))) = (w, item.cb) {
                if exp <= t {
                    self.items.remove(&w);
                    self.expect(id, CallbackOutcome::Expired);
                }
            }
        }
    }

    /// The callback's citizen was not reached.
    pub fn unreached(&mut self, id: CallbackId, a: usize, t: Instant) {
        let g = &mut self.agents[a];
        g.in_call = None;
        g.idle_since = t;
        let w = Work::Callback(id);
        let Some(item) = self.items.get_mut(&w) else {
            return;
        };
        let q = &self.queues[item.queue].callback;
        let Some((attempts, exp)) = item.cb.as_mut() else {
            return;
        };
        *attempts += 1;
        if *attempts >= q.max_attempts {
            self.items.remove(&w);
            self.expect(id, CallbackOutcome::Failed);
        } else if *exp <= t {
            self.items.remove(&w);
            self.expect(id, CallbackOutcome::Expired);
        } else {
            item.phase = MPhase::Parked(t + q.retry_interval);
        }
    }
}
