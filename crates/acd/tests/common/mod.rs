//! A small test language for the ACD: a clock that only moves when told,
//! and helpers that drain actions after every input.
#![allow(dead_code)]

use centralino_acd::*;
use centralino_model::{AgentId, CallKey};
use std::time::{Duration, Instant};

/// An ACD under a simulated clock.
pub struct H {
    pub acd: Acd,
    pub t0: Instant,
    pub now: Instant,
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub fn id(s: &str) -> AgentId {
    AgentId::new(s)
}

impl H {
    pub fn new(cfg: AcdConfig) -> H {
        let t0 = Instant::now();
        H {
            acd: Acd::new(t0, &cfg).expect("valid config"),
            t0,
            now: t0,
        }
    }

    pub fn drain(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.acd.poll_action()).collect()
    }

    /// Move the clock to `t0 + s` seconds, firing every deadline on the way
    /// at its own instant; returns the actions.
    pub fn at(&mut self, s: f64) -> Vec<Action> {
        self.until(self.t0 + Duration::from_secs_f64(s))
    }

    /// Move the clock forward by `d`.
    pub fn wait(&mut self, d: Duration) -> Vec<Action> {
        self.until(self.now + d)
    }

    fn until(&mut self, t: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        while let Some(d) = self.acd.poll_timeout() {
            if d > t {
                break;
            }
            self.now = self.now.max(d);
            self.acd.handle_timeout(self.now);
            out.extend(self.drain());
        }
        self.now = self.now.max(t);
        out
    }

    pub fn login(&mut self, agent: &str) -> Vec<Action> {
        self.acd
            .agent_reachable(self.now, &id(agent), true)
            .unwrap();
        self.acd
            .agent_status(self.now, &id(agent), AgentStatus::Available)
            .unwrap();
        self.drain()
    }

    pub fn status(&mut self, agent: &str, status: AgentStatus) -> Vec<Action> {
        self.acd.agent_status(self.now, &id(agent), status).unwrap();
        self.drain()
    }

    pub fn enqueue(&mut self, call: u64, req: CallRequest) -> Vec<Action> {
        self.acd
            .call_enqueued(self.now, CallKey(call), req)
            .unwrap();
        self.drain()
    }

    pub fn call(&mut self, call: u64, queue: &str) -> Vec<Action> {
        self.enqueue(call, CallRequest::new(queue))
    }

    pub fn answer(&mut self, call: u64, agent: &str) -> Vec<Action> {
        self.acd
            .offer_answered(self.now, CallKey(call), &id(agent))
            .unwrap();
        self.drain()
    }

    pub fn fail(&mut self, call: u64, agent: &str, why: OfferFailure) -> Vec<Action> {
        self.acd
            .offer_failed(self.now, CallKey(call), &id(agent), why)
            .unwrap();
        self.drain()
    }

    pub fn end(&mut self, agent: &str) -> Vec<Action> {
        self.acd.call_ended(self.now, &id(agent)).unwrap();
        self.drain()
    }

    pub fn agent(&self, agent: &str) -> AgentView {
        self.acd.agent(&id(agent)).unwrap()
    }
}

/// The (call, agent) pairs offered, in order.
pub fn offers(actions: &[Action]) -> Vec<(u64, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Offer { call, agent, .. } => Some((call.0, agent.to_string())),
            _ => None,
        })
        .collect()
}

/// The (call, agent) pairs cancelled, in order.
pub fn cancels(actions: &[Action]) -> Vec<(u64, String, CancelCause)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::CancelOffer { call, agent, cause } => Some((call.0, agent.to_string(), *cause)),
            _ => None,
        })
        .collect()
}

/// The exits, in order.
pub fn exits(actions: &[Action]) -> Vec<(u64, ExitAction, ExitReason)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Exit {
                call,
                action,
                reason,
                ..
            } => Some((call.0, action.clone(), *reason)),
            _ => None,
        })
        .collect()
}

pub fn o(call: u64, agent: &str) -> (u64, String) {
    (call, agent.to_string())
}

/// One queue `q` of this strategy with no wrap-up, delays or tiers in the
/// way, and agents `a1…aN` in it at level 1.
pub fn simple(strategy: Strategy, n: usize) -> AcdConfig {
    let mut q = QueueConfig::new("q", "Q");
    q.strategy = strategy;
    q.wrap_up = Duration::ZERO;
    AcdConfig {
        queues: vec![q],
        agents: (1..=n)
            .map(|i| AgentConfig::new(format!("a{i}").as_str(), "pw").member_of("q", 1))
            .collect(),
    }
}
