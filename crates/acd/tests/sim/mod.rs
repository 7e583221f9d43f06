//! The simulation: random operations on a random contact centre, under a
//! simulated clock, with the reference model checking every step.
#![allow(dead_code)]

mod check;
pub mod gen;
pub mod model;

use centralino_acd::*;
use centralino_model::{AgentId, CallKey};
use model::{MItem, MPhase, Model};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What the current step is, to tell why the ACD cancelled an offer.
#[derive(Clone, Debug, PartialEq)]
pub enum Cause {
    Timeout,
    Enqueue,
    Abandon(CallKey),
    Status(usize),
    Reach(usize),
    Answer(CallKey, usize),
    Fail,
    End,
    CallbackRequest(CallKey),
    CallbackResult,
    CallbackCancel(CallbackId),
}

/// One random operation; `pick` chooses among the candidates at that moment.
#[derive(Clone, Debug)]
pub enum Op {
    Wait(u32),
    Arrive {
        queue: usize,
        skill: u8,
        lang: u8,
        prio: u8,
    },
    Abandon(usize),
    Status {
        agent: usize,
        status: u8,
    },
    Reach {
        agent: usize,
        up: bool,
    },
    Answer(usize),
    Fail(usize, u8),
    End(usize),
    Callback(usize),
    CallbackResult(usize, u8),
    CallbackCancel(usize),
}

pub struct Sim {
    pub acd: Acd,
    pub m: Model,
    pub t0: Instant,
    pub now: Instant,
    next_call: u64,
    cause: Cause,
    /// Work offered in this step, in order, with its agents.
    step_offers: Vec<(Work, Vec<usize>)>,
    last_event: BTreeMap<usize, (AgentStatus, AgentState, bool)>,
    pub trace: Vec<String>,
    pub steps: u64,
    /// Actions seen, by kind (to see what a run exercised).
    pub seen: BTreeMap<String, u64>,
}

impl Sim {
    pub fn new(cfg: &AcdConfig) -> Sim {
        let t0 = Instant::now();
        Sim {
            acd: Acd::new(t0, cfg).expect("valid generated config"),
            m: Model::new(cfg, t0),
            t0,
            now: t0,
            next_call: 1,
            cause: Cause::Timeout,
            step_offers: Vec::new(),
            last_event: BTreeMap::new(),
            trace: Vec::new(),
            steps: 0,
            seen: BTreeMap::new(),
        }
    }

    fn log(&mut self, s: String) {
        if self.trace.len() > 400 {
            self.trace.drain(..200);
        }
        self.trace
            .push(format!("[{:>8.3}] {s}", (self.now - self.t0).as_secs_f64()));
    }

    /// Fail with the recent trace.
    #[track_caller]
    fn bad(&self, what: String) -> ! {
        panic!("{what}\n--- trace ---\n{}", self.trace.join("\n"));
    }

    /// Move to `t`, stepping through every ACD deadline on the way.
    pub fn advance_to(&mut self, t: Instant) {
        let mut guard = 0;
        while let Some(d) = self.acd.poll_timeout() {
            if d > t {
                break;
            }
            guard += 1;
            if guard > 100_000 {
                self.bad("poll_timeout does not move forward".into());
            }
            self.begin(d.max(self.now), Cause::Timeout);
            self.acd.handle_timeout(self.now);
            self.finish();
        }
        self.now = self.now.max(t);
    }

    fn begin(&mut self, t: Instant, cause: Cause) {
        self.now = t;
        self.m.tick(t);
        self.log(format!("{cause:?}"));
        self.cause = cause;
        self.step_offers.clear();
    }

    fn agent_idx(&self, id: &AgentId) -> usize {
        self.m.aindex[id]
    }

    /// Offers in flight, in a stable order.
    fn offers(&self) -> Vec<(Work, usize)> {
        let mut v: Vec<(Work, usize)> = self
            .m
            .agents
            .iter()
            .enumerate()
            .filter_map(|(a, g)| g.offered.map(|w| (w, a)))
            .collect();
        v.sort();
        v
    }

    fn nth<T: Clone>(v: &[T], pick: usize) -> Option<T> {
        if v.is_empty() {
            None
        } else {
            v.get(pick % v.len()).cloned()
        }
    }

    pub fn apply(&mut self, op: &Op) {
        let now = self.now;
        match op.clone() {
            Op::Wait(ms) => self.advance_to(now + Duration::from_millis(u64::from(ms))),
            Op::Arrive {
                queue,
                skill,
                lang,
                prio,
            } => {
                let call = CallKey(self.next_call);
                self.next_call += 1;
                let q = self.m.queues[queue % self.m.queues.len()].id.clone();
                let mut req = CallRequest::new(q.clone());
                let skills: Vec<&str> = match skill % 6 {
                    1 => vec!["fisco"],
                    2 => vec!["fisco", "veicoli"],
                    3 => vec!["nessuno"],
                    _ => vec![],
                };
                for s in &skills {
                    req = req.skill(*s);
                }
                let l = match lang % 5 {
                    1 => Some("en"),
                    2 => Some("it"),
                    3 => Some("de"),
                    _ => None,
                };
                if let Some(l) = l {
                    req = req.language(l);
                }
                if prio % 7 == 0 {
                    req = req.priority(u32::from(prio % 3));
                }
                self.begin(now, Cause::Enqueue);
                let qi = self.m.qindex[&q];
                self.m.seq += 1;
                let item = MItem {
                    queue: qi,
                    arrived: now,
                    seq: self.m.seq,
                    joined: now,
                    prio_override: req.priority,
                    prio: req.priority.unwrap_or(self.m.queues[qi].priority),
                    skills: skills.iter().map(|s| s.to_string()).collect(),
                    lang: l.map(str::to_string),
                    phase: MPhase::Waiting,
                    cb: None,
                    no_answers: 0,
                    callback_offered: false,
                };
                self.m.items.insert(Work::Call(call), item);
                self.m.c.enqueued += 1;
                self.log(format!(
                    "enqueue {call} in {q} skills {skills:?} lang {l:?} prio {:?}",
                    req.priority
                ));
                self.acd.call_enqueued(now, call, req).unwrap();
                self.finish();
            }
            Op::Abandon(pick) => {
                let mut calls: Vec<CallKey> = self
                    .m
                    .items
                    .keys()
                    .filter_map(|w| match w {
                        Work::Call(k) => Some(*k),
                        _ => None,
                    })
                    .chain(self.m.ghosts.keys().copied())
                    .collect();
                calls.sort();
                let Some(call) = Self::nth(&calls, pick) else {
                    return;
                };
                self.begin(now, Cause::Abandon(call));
                if self.m.items.remove(&Work::Call(call)).is_some() {
                    self.m.c.abandoned += 1;
                } else {
                    self.m.ghosts.remove(&call);
                }
                self.acd.call_abandoned(now, call).unwrap();
                self.finish();
            }
            Op::Status { agent, status } => {
                let a = agent % self.m.agents.len();
                let status = match status % 6 {
                    0 => AgentStatus::LoggedOut,
                    1 => AgentStatus::OnBreak(BreakReason::Requested),
                    _ => AgentStatus::Available,
                };
                self.begin(now, Cause::Status(a));
                let g = &mut self.m.agents[a];
                if g.status != status {
                    g.status = status.clone();
                    if status == AgentStatus::Available {
                        g.idle_since = now;
                        g.streak = 0;
                    }
                }
                let id = g.id.clone();
                self.log(format!("status {id} {status:?}"));
                self.acd.agent_status(now, &id, status).unwrap();
                self.finish();
            }
            Op::Reach { agent, up } => {
                let a = agent % self.m.agents.len();
                self.begin(now, Cause::Reach(a));
                self.m.agents[a].reachable = up;
                let id = self.m.agents[a].id.clone();
                self.log(format!("reachable {id} {up}"));
                self.acd.agent_reachable(now, &id, up).unwrap();
                self.finish();
            }
            Op::Answer(pick) => {
                let Some((w, a)) = Self::nth(&self.offers(), pick) else {
                    return;
                };
                let id = self.m.agents[a].id.clone();
                self.begin(now, Cause::Fail);
                match w {
                    Work::Call(call) => {
                        self.cause = Cause::Answer(call, a);
                        let item = self.m.items.remove(&w).unwrap();
                        let g = &mut self.m.agents[a];
                        g.offered = None;
                        g.in_call = Some((w, item.queue));
                        g.streak = 0;
                        *g.answered_in.entry(item.queue).or_default() += 1;
                        self.m.c.answered += 1;
                        self.log(format!("answer {call} by {id}"));
                        self.acd.offer_answered(now, call, &id).unwrap();
                    }
                    Work::Callback(r) => {
                        self.cause = Cause::CallbackResult;
                        let item = self.m.items.get_mut(&w).unwrap();
                        item.phase = MPhase::Serving(a);
                        let g = &mut self.m.agents[a];
                        g.offered = None;
                        g.in_call = Some((w, item.queue));
                        g.streak = 0;
                        self.log(format!("callback {r} agent {id} answered"));
                        self.acd
                            .callback_result(now, r, CallbackResult::AgentAnswered)
                            .unwrap();
                    }
                }
                self.finish();
            }
            Op::Fail(pick, why) => {
                let Some((w, a)) = Self::nth(&self.offers(), pick) else {
                    return;
                };
                let f = [
                    OfferFailure::NoAnswer,
                    OfferFailure::Rejected,
                    OfferFailure::Unreachable,
                    OfferFailure::Error,
                ][usize::from(why) % 4];
                let id = self.m.agents[a].id.clone();
                self.begin(now, Cause::Fail);
                let qi = self.m.items[&w].queue;
                self.m.penalise(a, qi, f, now);
                self.m.ring_over(a, w, f == OfferFailure::NoAnswer, now);
                self.log(format!("fail {w:?} at {id}: {f:?}"));
                match w {
                    Work::Call(call) => self.acd.offer_failed(now, call, &id, f).unwrap(),
                    Work::Callback(r) => self
                        .acd
                        .callback_result(now, r, CallbackResult::AgentFailed(f))
                        .unwrap(),
                }
                self.finish();
            }
            Op::End(pick) => {
                let talking: Vec<usize> = (0..self.m.agents.len())
                    .filter(|&a| self.m.agents[a].in_call.is_some())
                    .collect();
                let Some(a) = Self::nth(&talking, pick) else {
                    return;
                };
                self.begin(now, Cause::End);
                self.end_call(a);
                self.finish();
            }
            Op::Callback(pick) => {
                let mut calls: Vec<CallKey> = self
                    .m
                    .items
                    .keys()
                    .filter_map(|w| match w {
                        Work::Call(k) => Some(*k),
                        _ => None,
                    })
                    .chain(self.m.ghosts.keys().copied())
                    .collect();
                calls.sort();
                let Some(call) = Self::nth(&calls, pick) else {
                    return;
                };
                self.begin(now, Cause::CallbackRequest(call));
                let id = self.acd.callback_requested(now, call, None).unwrap();
                self.log(format!("callback requested for {call}: {id}"));
                let mut item = match self.m.items.remove(&Work::Call(call)) {
                    Some(item) => {
                        self.m.c.called_back += 1;
                        item
                    }
                    None => self.m.ghosts.remove(&call).unwrap().0,
                };
                let exp = now + self.m.queues[item.queue].callback.expiry;
                item.phase = MPhase::Waiting;
                item.cb = Some((0, exp));
                self.m.c.callbacks_requested += 1;
                self.m.items.insert(Work::Callback(id), item);
                self.finish();
            }
            Op::CallbackResult(pick, r) => {
                let serving: Vec<(CallbackId, usize)> = {
                    let mut v: Vec<(CallbackId, usize)> = self
                        .m
                        .items
                        .iter()
                        .filter_map(|(w, i)| match (w, &i.phase) {
                            (Work::Callback(id), MPhase::Serving(a)) => Some((*id, *a)),
                            _ => None,
                        })
                        .collect();
                    v.sort();
                    v
                };
                let Some((id, a)) = Self::nth(&serving, pick) else {
                    return;
                };
                self.begin(now, Cause::CallbackResult);
                if r % 2 == 0 {
                    let w = Work::Callback(id);
                    let item = self.m.items.remove(&w).unwrap();
                    *self.m.agents[a].answered_in.entry(item.queue).or_default() += 1;
                    self.m.expect(id, CallbackOutcome::Completed);
                    self.log(format!("callback {id} connected"));
                    self.acd
                        .callback_result(now, id, CallbackResult::Connected)
                        .unwrap();
                } else {
                    self.m.unreached(id, a, now);
                    self.log(format!("callback {id} citizen unreached"));
                    self.acd
                        .callback_result(now, id, CallbackResult::CitizenUnreached)
                        .unwrap();
                }
                self.finish();
            }
            Op::CallbackCancel(pick) => {
                let mut ids: Vec<CallbackId> = self
                    .m
                    .items
                    .keys()
                    .filter_map(|w| match w {
                        Work::Callback(id) => Some(*id),
                        _ => None,
                    })
                    .collect();
                ids.sort();
                let Some(id) = Self::nth(&ids, pick) else {
                    return;
                };
                self.begin(now, Cause::CallbackCancel(id));
                self.m.items.remove(&Work::Callback(id));
                self.m.expect(id, CallbackOutcome::Cancelled);
                self.log(format!("callback {id} cancelled"));
                self.acd.callback_cancel(now, id).unwrap();
                self.finish();
            }
        }
    }

    fn end_call(&mut self, a: usize) {
        let now = self.now;
        let (w, qi) = self.m.agents[a].in_call.unwrap();
        let id = self.m.agents[a].id.clone();
        self.log(format!("end {w:?} by {id}"));
        if let (Work::Callback(r), Some(MPhase::Serving(b))) =
            (w, self.m.items.get(&w).map(|i| i.phase.clone()))
        {
            assert_eq!(a, b);
            self.m.unreached(r, a, now);
        } else {
            let wrap = self.m.agents[a].wrap.unwrap_or(self.m.queues[qi].wrap_up);
            let g = &mut self.m.agents[a];
            g.in_call = None;
            if wrap.is_zero() {
                g.idle_since = now;
            } else {
                g.wrap_until = Some(now + wrap);
            }
        }
        self.acd.call_ended(now, &id).unwrap();
    }

    /// Drain the ACD's actions, check each against the model, then check
    /// the invariants.
    fn finish(&mut self) {
        self.steps += 1;
        while let Some(action) = self.acd.poll_action() {
            self.log(format!("  -> {action:?}"));
            self.check_action(action);
        }
        self.check_invariants();
    }

    /// Drive everything to an end: no arrivals; offers are answered and
    /// calls ended at once. Returns when nothing is left.
    pub fn drain(&mut self) {
        for _ in 0..200_000 {
            if let Some((w, a)) = self.offers().first().copied() {
                let _ = w;
                self.apply(&Op::Answer(
                    self.offers()
                        .iter()
                        .position(|&(x, b)| (x, b) == (w, a))
                        .unwrap(),
                ));
                continue;
            }
            if self
                .m
                .items
                .values()
                .any(|i| matches!(i.phase, MPhase::Serving(_)))
            {
                self.apply(&Op::CallbackResult(0, 0));
                continue;
            }
            if self.m.agents.iter().any(|g| g.in_call.is_some()) {
                self.apply(&Op::End(0));
                continue;
            }
            match self.acd.poll_timeout() {
                Some(t) => self.advance_to(t),
                None => break,
            }
        }
        let c = self.acd.counters();
        assert_eq!(
            (c.waiting, c.ringing, c.callbacks_pending),
            (0, 0, 0),
            "{c:?}"
        );
        assert!(self.m.items.is_empty());
        assert_eq!(
            c.enqueued,
            c.answered + c.abandoned + c.exited + c.called_back
        );
    }
}
