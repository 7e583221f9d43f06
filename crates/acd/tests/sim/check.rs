//! The checks: every action the ACD emits against the model, and the
//! invariants after every step.

use super::model::{MPhase, Model};
use super::{Cause, Sim};
use centralino_acd::*;
use centralino_model::{AgentId, CallKey, QueueId};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

impl Sim {
    pub fn check_action(&mut self, action: Action) {
        let kind = match &action {
            Action::CancelOffer { cause, .. } => format!("CancelOffer({cause:?})"),
            Action::Exit { reason, action, .. } => format!("Exit({reason:?}, {action:?})"),
            Action::AgentStatusChanged {
                status: AgentStatus::OnBreak(BreakReason::MaxNoAnswer),
                ..
            } => "MaxNoAnswerBreak".to_string(),
            Action::CallbackFinished { outcome, .. } => format!("CallbackFinished({outcome:?})"),
            other => format!("{other:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap_or("")
                .to_string(),
        };
        *self.seen.entry(kind).or_default() += 1;
        match action {
            Action::Offer {
                call,
                agent,
                queue,
                ring_timeout,
                waited,
            } => {
                let w = Work::Call(call);
                let a = self.agent_idx(&agent);
                let Some(item) = self.m.items.get(&w) else {
                    self.bad(format!("offer of unknown {call}"))
                };
                let qc = &self.m.queues[item.queue];
                assert_eq!(queue, qc.id);
                assert_eq!(ring_timeout, qc.ring_timeout);
                assert_eq!(waited, self.now - item.joined);
                self.offer(w, a);
            }
            Action::StartCallback {
                request,
                agent,
                attempt,
                ring_timeout,
                ..
            } => {
                let w = Work::Callback(request);
                let a = self.agent_idx(&agent);
                let Some(item) = self.m.items.get(&w) else {
                    self.bad(format!("start of unknown {request}"))
                };
                assert_eq!(ring_timeout, self.m.queues[item.queue].ring_timeout);
                assert_eq!(Some(attempt), item.cb.map(|(n, _)| n + 1));
                self.offer(w, a);
            }
            Action::CancelOffer { call, agent, cause } => {
                let a = self.agent_idx(&agent);
                let expected = match &self.cause {
                    Cause::Timeout => CancelCause::RingTimeout,
                    Cause::Abandon(k) if *k == call => CancelCause::Abandoned,
                    Cause::Answer(k, b) if *k == call && *b != a => CancelCause::TakenByOther,
                    Cause::Status(b) | Cause::Reach(b) if *b == a => CancelCause::AgentUnavailable,
                    Cause::CallbackRequest(k) if *k == call => CancelCause::CallbackRequested,
                    other => self.bad(format!("cancel of {call} at {agent} during {other:?}")),
                };
                if cause != expected {
                    self.bad(format!("cancel cause {cause:?}, expected {expected:?}"));
                }
                self.cancelled(Work::Call(call), a);
            }
            Action::CancelCallback { request, agent } => {
                let a = self.agent_idx(&agent);
                self.cancelled(Work::Callback(request), a);
            }
            Action::Exit {
                call,
                queue,
                action,
                reason,
                waited,
            } => self.exited(call, queue, action, reason, waited),
            Action::Announce { call, position, .. } => {
                let w = Work::Call(call);
                let Some(item) = self.m.items.get(&w) else {
                    self.bad(format!("announce for unknown {call}"))
                };
                if item.phase != MPhase::Waiting {
                    self.bad(format!("announce for {call} not waiting"));
                }
                let every = self.m.queues[item.queue]
                    .announce_every
                    .expect("announcements on");
                let waited = self.now - item.joined;
                assert!(
                    !waited.is_zero() && waited.as_nanos().checked_rem(every.as_nanos()) == Some(0),
                    "announce off the grid: {waited:?}"
                );
                assert_eq!(position, self.m.position(w));
            }
            Action::OfferCallback { call, .. } => {
                let w = Work::Call(call);
                let due = self.callback_due(w);
                let Some(item) = self.m.items.get_mut(&w) else {
                    self.bad(format!("callback offer for unknown {call}"))
                };
                if item.callback_offered || !due {
                    self.bad(format!("callback offer for {call} not due or repeated"));
                }
                item.callback_offered = true;
            }
            Action::CallbackFinished { request, outcome } => {
                match self
                    .m
                    .expect_finish
                    .iter()
                    .position(|&x| x == (request, outcome))
                {
                    Some(i) => {
                        self.m.expect_finish.remove(i);
                    }
                    None => self.bad(format!("unexpected finish {request} {outcome:?}")),
                }
            }
            Action::AgentStatusChanged {
                agent,
                status,
                state,
                reachable,
            } => {
                let a = self.agent_idx(&agent);
                if self.last_event.get(&a) == Some(&(status.clone(), state, reachable)) {
                    self.bad(format!("repeated AgentStatusChanged for {agent}"));
                }
                self.last_event.insert(a, (status, state, reachable));
            }
        }
    }

    fn callback_due(&self, w: Work) -> bool {
        let Some(item) = self.m.items.get(&w) else {
            return false;
        };
        let cb = &self.m.queues[item.queue].callback;
        item.phase == MPhase::Waiting
            && (cb.offer_after.is_some_and(|d| self.now >= item.joined + d)
                || cb
                    .offer_after_no_answers
                    .is_some_and(|n| item.no_answers >= n))
    }

    fn offer(&mut self, w: Work, a: usize) {
        let now = self.now;
        if !self.m.free(a, now) {
            self.bad(format!(
                "offer {w:?} to {} who is not free",
                self.m.agents[a].id
            ));
        }
        let item = &self.m.items[&w];
        if !self.m.eligible(a, item, now) {
            self.bad(format!(
                "offer {w:?} to {} who may not take it",
                self.m.agents[a].id
            ));
        }
        let ring_all =
            self.m.queues[item.queue].strategy == Strategy::RingAll && matches!(w, Work::Call(_));
        let deadline = now + self.m.queues[item.queue].ring_timeout;
        let this_step = self.step_offers.iter().position(|(x, _)| *x == w);
        let item = self.m.items.get_mut(&w).unwrap();
        match (&mut item.phase, this_step) {
            (MPhase::Waiting, _) => {
                item.phase = MPhase::Ringing(BTreeMap::from([(a, deadline)]));
                self.step_offers.push((w, vec![a]));
            }
            (MPhase::Ringing(set), Some(i)) if ring_all => {
                set.insert(a, deadline);
                self.step_offers[i].1.push(a);
            }
            _ => self.bad(format!("{w:?} offered to a second agent")),
        }
        self.m.agents[a].offered = Some(w);
    }

    fn cancelled(&mut self, w: Work, a: usize) {
        if self.m.agents[a].offered != Some(w) {
            self.bad(format!(
                "cancel of {w:?} at {} which was not ringing it",
                self.m.agents[a].id
            ));
        }
        let deadline = self.m.items.get(&w).and_then(|i| match &i.phase {
            MPhase::Ringing(set) => set.get(&a).copied(),
            _ => None,
        });
        let timeout = self.cause == Cause::Timeout;
        if timeout {
            if deadline != Some(self.now) {
                self.bad(format!(
                    "ring timeout of {w:?} at {:?}, deadline {deadline:?}",
                    self.now - self.t0
                ));
            }
            let qi = self.m.items[&w].queue;
            self.m.penalise(a, qi, OfferFailure::NoAnswer, self.now);
        }
        self.m.ring_over(a, w, timeout, self.now);
    }

    fn exited(
        &mut self,
        call: CallKey,
        queue: QueueId,
        action: ExitAction,
        reason: ExitReason,
        waited: Duration,
    ) {
        let w = Work::Call(call);
        let now = self.now;
        let Some(item) = self.m.items.get(&w).cloned() else {
            self.bad(format!("exit of unknown {call}"))
        };
        let q = &self.m.queues[item.queue];
        assert_eq!(queue, q.id);
        assert_eq!(waited, now - item.joined);
        if item.phase != MPhase::Waiting {
            self.bad(format!("exit of {call} while {:?}", item.phase));
        }
        let ok = match reason {
            ExitReason::MaxWait => now >= item.joined + q.max_wait && action == q.on_max_wait,
            ExitReason::QueueFull => {
                item.joined == now
                    && action == q.on_full
                    && self.m.live_calls(item.queue) > q.max_length.unwrap_or(u32::MAX) as usize
            }
            ExitReason::NoAgents => {
                self.m.logged_in(item.queue) == 0 && Some(&action) == q.on_no_agents.as_ref()
            }
        };
        if !ok {
            self.bad(format!("unjustified exit of {call}: {reason:?} {action:?}"));
        }
        match action {
            ExitAction::Queue(target) => {
                let t = self.m.qindex[&target];
                let item = self.m.items.get_mut(&w).unwrap();
                item.queue = t;
                item.joined = now;
                item.no_answers = 0;
                item.prio = item.prio_override.unwrap_or(self.m.queues[t].priority);
            }
            other => {
                let item = self.m.items.remove(&w).unwrap();
                self.m.c.exited += 1;
                if other == ExitAction::CallbackOffer {
                    self.m
                        .ghosts
                        .insert(call, (item, now + Duration::from_secs(120)));
                }
            }
        }
    }

    pub fn check_invariants(&mut self) {
        let now = self.now;
        let m = &self.m;
        // Agents: the model and the ACD agree on status, state, reachability,
        // freedom and idle time; an offered agent is available and reachable.
        for (a, g) in m.agents.iter().enumerate() {
            let v = self.acd.agent(&g.id).unwrap();
            let mine = (
                g.status.clone(),
                m.state(a, now),
                g.reachable,
                m.free(a, now),
            );
            let theirs = (v.status.clone(), v.state, v.reachable, v.free);
            if mine != theirs {
                self.bad(format!("agent {}: model {mine:?}, acd {theirs:?}", g.id));
            }
            if v.idle_since != g.idle_since {
                self.bad(format!(
                    "agent {}: idle since {:?} vs {:?}",
                    g.id,
                    g.idle_since - self.t0,
                    v.idle_since - self.t0
                ));
            }
            if g.offered.is_some() && !(g.status == AgentStatus::Available && g.reachable) {
                self.bad(format!("agent {} rings while unavailable", g.id));
            }
            if let Some(e) = self.last_event.get(&a) {
                if *e != (v.status.clone(), v.state, v.reachable) {
                    self.bad(format!("agent {}: last event {e:?} is not the state", g.id));
                }
            }
        }
        // Calls: no offer past its ring timeout; one agent unless ring_all.
        for (w, item) in &m.items {
            if let MPhase::Ringing(set) = &item.phase {
                if set.values().any(|&d| d <= now) {
                    self.bad(format!("{w:?} rings past its ring timeout"));
                }
                if set.len() > 1 && m.queues[item.queue].strategy != Strategy::RingAll {
                    self.bad(format!("{w:?} rings {} agents", set.len()));
                }
                for a in set.keys() {
                    assert_eq!(m.agents[*a].offered, Some(*w));
                }
            }
        }
        // Each offer of this step: no older waiting work the agent could have
        // taken; the agent is the best free one (level, then strategy).
        for (w, agents) in &self.step_offers {
            let Some(item) = m.items.get(w) else { continue };
            let a = agents[0];
            for (x, other) in &m.items {
                if other.phase == MPhase::Waiting && Model::order(other) < Model::order(item) {
                    for &b in agents {
                        if m.eligible(b, other, now) {
                            self.bad(format!(
                                "{w:?} served before older {x:?} that {} could take",
                                m.agents[b].id
                            ));
                        }
                    }
                }
            }
            let q = &m.queues[item.queue];
            let level = m.level(a, item).unwrap();
            for b in (0..m.agents.len()).filter(|&b| m.free(b, now) && m.eligible(b, item, now)) {
                let lb = m.level(b, item).unwrap();
                let better = match q.strategy {
                    Strategy::LongestIdle => {
                        (lb, m.agents[b].idle_since) < (level, m.agents[a].idle_since)
                    }
                    Strategy::FewestCalls => {
                        let calls = |x: usize| {
                            m.agents[x]
                                .answered_in
                                .get(&item.queue)
                                .copied()
                                .unwrap_or(0)
                        };
                        (lb, calls(b), m.agents[b].idle_since)
                            < (level, calls(a), m.agents[a].idle_since)
                    }
                    Strategy::RingAll if matches!(w, Work::Call(_)) => lb <= level,
                    Strategy::RingAll => {
                        (lb, m.agents[b].idle_since) < (level, m.agents[a].idle_since)
                    }
                    Strategy::RoundRobin => lb < level,
                };
                if better {
                    self.bad(format!(
                        "{w:?} went to {} but {} was free and better",
                        m.agents[a].id, m.agents[b].id
                    ));
                }
            }
        }
        // Liveness: no waiting work with a free agent allowed to take it; no
        // call past max wait; queues within their length; no calls waiting
        // in a queue that exits when nobody is logged in; callback offers
        // made when due.
        for (w, item) in &m.items {
            if item.phase != MPhase::Waiting {
                continue;
            }
            for a in 0..m.agents.len() {
                if m.free(a, now) && m.eligible(a, item, now) {
                    self.bad(format!(
                        "{w:?} waits while {} is free for it",
                        m.agents[a].id
                    ));
                }
            }
            let q = &m.queues[item.queue];
            if item.cb.is_none() {
                if now >= item.joined + q.max_wait {
                    self.bad(format!("{w:?} waits past max wait"));
                }
                if q.on_no_agents.is_some() && m.logged_in(item.queue) == 0 {
                    self.bad(format!("{w:?} waits in {} with nobody logged in", q.id));
                }
                if !item.callback_offered && self.callback_due(*w) {
                    self.bad(format!("{w:?} was not offered a callback"));
                }
            }
        }
        for (qi, q) in m.queues.iter().enumerate() {
            if let Some(n) = q.max_length {
                assert!(m.live_calls(qi) <= n as usize, "{} over max_length", q.id);
            }
            let s = self.acd.queue_stats(now, &q.id).unwrap();
            assert_eq!(
                s.enqueued,
                s.answered
                    + s.abandoned
                    + s.exited
                    + s.called_back
                    + s.waiting as u64
                    + s.ringing as u64,
                "queue {} counters",
                q.id
            );
        }
        if !m.expect_finish.is_empty() {
            self.bad(format!(
                "callback outcomes not reported: {:?}",
                m.expect_finish
            ));
        }
        // Counters add up, and match the model.
        let c = self.acd.counters();
        assert_eq!(
            c.enqueued,
            c.answered + c.abandoned + c.exited + c.called_back + c.waiting + c.ringing,
            "{c:?}"
        );
        assert_eq!(
            c.callbacks_requested,
            c.callbacks_completed
                + c.callbacks_failed
                + c.callbacks_expired
                + c.callbacks_cancelled
                + c.callbacks_pending
        );
        let calls = m.items.iter().filter(|(w, _)| matches!(w, Work::Call(_)));
        let ringing = calls
            .clone()
            .filter(|(_, i)| matches!(i.phase, MPhase::Ringing(_)))
            .count() as u64;
        let waiting = calls.count() as u64 - ringing;
        let pending = m
            .items
            .keys()
            .filter(|w| matches!(w, Work::Callback(_)))
            .count() as u64;
        let mut expected = m.c.clone();
        expected.waiting = waiting;
        expected.ringing = ringing;
        expected.callbacks_pending = pending;
        expected.ignored_inputs = c.ignored_inputs;
        if c != expected {
            self.bad(format!("counters {c:?}\n   model {expected:?}"));
        }
        // Every queued call of the model is in the ACD, in the same place.
        for (w, item) in &m.items {
            if let Work::Call(k) = w {
                let v = self
                    .acd
                    .call(now, *k)
                    .unwrap_or_else(|| self.bad(format!("{k} missing")));
                assert_eq!(v.queue, m.queues[item.queue].id);
                let ringing: BTreeSet<AgentId> = match &item.phase {
                    MPhase::Ringing(set) => set.keys().map(|&a| m.agents[a].id.clone()).collect(),
                    _ => BTreeSet::new(),
                };
                assert_eq!(v.ringing.iter().cloned().collect::<BTreeSet<_>>(), ringing);
                if item.phase == MPhase::Waiting {
                    assert_eq!(v.position, Some(m.position(*w)));
                }
            }
        }
    }
}
