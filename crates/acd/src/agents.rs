//! Agents: status (people), reachability (registrar), and the state the
//! engine drives (offer released, call ended, wrap-up, delays).

use crate::acd::Acd;
use crate::error::AcdError;
use crate::state::{AIdx, Phase, QIdx, Timer};
use crate::types::{
    Action, AgentState, AgentStatus, BreakReason, CancelCause, ExitReason, OfferFailure, Work,
};
use centralino_model::AgentId;
use std::time::Instant;

impl Acd {
    /// An agent changes status (feature code, HTTP API). Takes effect at
    /// once; a call in progress continues, a ringing offer is cancelled and
    /// its call goes back to the head of the queue.
    pub fn agent_status(
        &mut self,
        now: Instant,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self
            .agent_idx(agent)
            .map(|a| self.set_status(now, a, status));
        self.dispatch(now);
        self.refuse(r)
    }

    /// The agent's softphone registered (`true`) or its binding expired or
    /// was removed (`false`). Independent of the status: a registered agent
    /// is not logged in until they say so. Losing the registration while
    /// ringing cancels the offer (no penalty).
    pub fn agent_reachable(
        &mut self,
        now: Instant,
        agent: &AgentId,
        reachable: bool,
    ) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.agent_idx(agent).map(|a| {
            if self.agents[a].reachable != reachable {
                self.agents[a].reachable = reachable;
                if !reachable {
                    self.withdraw_offer(now, a);
                }
                self.refresh_free(a);
                self.emit_agent(a);
            }
        });
        self.dispatch(now);
        self.refuse(r)
    }

    /// The agent's call ended (either side hung up, or the agent
    /// transferred it): wrap-up starts (the agent's own, else the queue's).
    pub fn call_ended(&mut self, now: Instant, agent: &AgentId) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.ended(now, agent);
        self.dispatch(now);
        self.refuse(r)
    }

    /// The agent takes a call that did not come from a queue (a colleague
    /// hands them a caller): from now until [`Acd::call_ended`] (wrap-up
    /// as for a call of no queue: the agent's own, else none) or
    /// [`Acd::direct_call_released`] (it never connected) they are in a
    /// call and offered nothing. Refused unless the agent is idle (any
    /// status: a colleague on break may take a handed-over caller).
    pub fn direct_call_started(&mut self, now: Instant, agent: &AgentId) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.agent_idx(agent).and_then(|a| {
            let ag = &mut self.agents[a];
            if ag.state != AgentState::Idle || ag.hold_until.is_some() {
                return Err(AcdError::AgentBusy {
                    agent: agent.clone(),
                });
            }
            ag.state = AgentState::InCall;
            ag.state_since = now;
            ag.work = None;
            ag.work_queue = None;
            ag.talk_since = Some(now);
            self.refresh_free(a);
            self.emit_agent(a);
            Ok(())
        });
        self.dispatch(now);
        self.refuse(r)
    }

    /// A direct call that never connected (no answer, busy, the caller
    /// left): the agent is idle again, with their place in the idle order.
    pub fn direct_call_released(&mut self, now: Instant, agent: &AgentId) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.agent_idx(agent).and_then(|a| {
            let ag = &mut self.agents[a];
            if ag.state != AgentState::InCall || ag.work.is_some() {
                return Err(AcdError::NotInCall {
                    agent: agent.clone(),
                });
            }
            ag.state = AgentState::Idle;
            ag.state_since = now;
            ag.talk_since = None;
            self.refresh_free(a);
            self.emit_agent(a);
            Ok(())
        });
        self.dispatch(now);
        self.refuse(r)
    }

    fn ended(&mut self, now: Instant, agent: &AgentId) -> Result<(), AcdError> {
        let a = self.agent_idx(agent)?;
        let ag = &self.agents[a];
        if ag.state != AgentState::InCall {
            return Err(AcdError::NotInCall {
                agent: agent.clone(),
            });
        }
        if let Some(w @ Work::Callback(_)) = ag.work {
            if self
                .items
                .get(&w)
                .is_some_and(|i| i.phase == Phase::Serving(a))
            {
                // The agent gave up before the citizen answered.
                self.citizen_unreached(now, w, a);
                return Ok(());
            }
        }
        let ag = &mut self.agents[a];
        let talk = ag
            .talk_since
            .map_or_else(Default::default, |t| now.saturating_duration_since(t));
        let qi = ag.work_queue.take();
        ag.work = None;
        ag.talk_since = None;
        let wrap = match qi {
            Some(qi) => {
                let q = &mut self.queues[qi];
                let wrap = ag.wrap_up.unwrap_or(q.cfg.wrap_up);
                q.stats.handled += 1;
                q.stats.handle_total += talk + wrap;
                wrap
            }
            None => ag.wrap_up.unwrap_or_default(),
        };
        ag.state_since = now;
        if wrap.is_zero() {
            ag.state = AgentState::Idle;
            ag.idle_since = now;
        } else {
            ag.state = AgentState::WrapUp;
            ag.wrap_until = Some(now + wrap);
            self.push_timer(now + wrap, Timer::AgentWake(a));
        }
        self.refresh_free(a);
        self.emit_agent(a);
        Ok(())
    }

    /// Set a status without running timers or scheduling (callers do).
    pub(crate) fn set_status(&mut self, now: Instant, a: AIdx, status: AgentStatus) {
        let ag = &mut self.agents[a];
        if ag.status == status {
            return;
        }
        let was_in = ag.status.is_logged_in();
        let is_in = status.is_logged_in();
        ag.status = status;
        ag.status_since = now;
        if ag.status == AgentStatus::Available {
            ag.idle_since = now;
            ag.streak = 0;
        }
        if was_in != is_in {
            for m in &ag.members {
                let q = &mut self.queues[m.queue];
                if is_in {
                    q.logged_in += 1;
                } else {
                    q.logged_in -= 1;
                }
            }
        }
        if self.agents[a].status != AgentStatus::Available {
            self.withdraw_offer(now, a);
        }
        self.refresh_free(a);
        self.emit_agent(a);
        if was_in && !is_in {
            let queues: Vec<QIdx> = self.agents[a].members.iter().map(|m| m.queue).collect();
            for qi in queues {
                self.check_no_agents(now, qi);
            }
        }
    }

    /// An agent ringing becomes unable to answer: cancel, no penalty.
    fn withdraw_offer(&mut self, now: Instant, a: AIdx) {
        if self.agents[a].state != AgentState::Offered {
            return;
        }
        if let Some(w) = self.agents[a].work {
            self.release_agent(now, a, None, Some(CancelCause::AgentUnavailable));
            self.ring_ended(now, w, a, None);
        }
    }

    /// The agent stops ringing (Offered → Idle): cancel if asked, apply the
    /// failure's penalty. The work's side is the caller's business.
    pub(crate) fn release_agent(
        &mut self,
        now: Instant,
        a: AIdx,
        failure: Option<OfferFailure>,
        cancel: Option<CancelCause>,
    ) {
        let ag = &mut self.agents[a];
        if ag.state != AgentState::Offered {
            return;
        }
        let work = ag.work.take();
        let qi = ag.work_queue.take();
        ag.state = AgentState::Idle;
        ag.state_since = now;
        ag.ring = None;
        let agent = ag.id.clone();
        match (cancel, work) {
            (Some(cause), Some(Work::Call(call))) => {
                self.actions
                    .push_back(Action::CancelOffer { call, agent, cause });
            }
            (Some(_), Some(Work::Callback(request))) => {
                self.actions
                    .push_back(Action::CancelCallback { request, agent });
            }
            _ => {}
        }
        if let (Some(f), Some(qi)) = (failure, qi) {
            self.penalise(now, a, qi, f);
        }
        self.refresh_free(a);
        self.emit_agent(a);
    }

    /// No-answer streak and `max_no_answer`; reject and no-answer delays.
    fn penalise(&mut self, now: Instant, a: AIdx, qi: QIdx, failure: OfferFailure) {
        let cfg = &self.queues[qi].cfg;
        let (max, no_answer_delay, reject_delay) =
            (cfg.max_no_answer, cfg.no_answer_delay, cfg.reject_delay);
        let ag = &mut self.agents[a];
        let delay = match failure {
            OfferFailure::NoAnswer => {
                ag.streak += 1;
                if max > 0 && ag.streak >= max {
                    ag.streak = 0;
                    return self.set_status(now, a, AgentStatus::OnBreak(BreakReason::MaxNoAnswer));
                }
                no_answer_delay
            }
            OfferFailure::Rejected | OfferFailure::Unreachable | OfferFailure::Error => {
                reject_delay
            }
        };
        if !delay.is_zero() {
            ag.hold_until = Some(now + delay);
            self.push_timer(now + delay, Timer::AgentWake(a));
        }
    }

    /// Wrap-up or a delay ended.
    pub(crate) fn agent_wake(&mut self, due: Instant, a: AIdx) {
        let ag = &mut self.agents[a];
        if ag.wrap_until == Some(due) {
            ag.wrap_until = None;
            if ag.state == AgentState::WrapUp {
                ag.state = AgentState::Idle;
                ag.state_since = due;
                ag.idle_since = due;
            }
        }
        if ag.hold_until == Some(due) {
            ag.hold_until = None;
        }
        self.refresh_free(a);
        self.emit_agent(a);
    }

    /// When the last agent of a queue with `on_no_agents` logs out, its
    /// waiting calls leave.
    pub(crate) fn check_no_agents(&mut self, now: Instant, qi: QIdx) {
        let q = &self.queues[qi];
        let Some(action) = q.cfg.on_no_agents.clone() else {
            return;
        };
        if q.logged_in > 0 {
            return;
        }
        let calls: Vec<Work> = q
            .lanes
            .values()
            .flat_map(|l| l.values())
            .filter(|w| matches!(w, Work::Call(_)))
            .copied()
            .collect();
        for w in calls {
            if let (Work::Call(call), Some(item)) = (w, self.detach(w)) {
                self.exit_item(now, call, item, action.clone(), ExitReason::NoAgents);
            }
        }
    }

    /// Credit an answered call to the agent (calls handled, fewest-calls).
    pub(crate) fn credit(&mut self, a: AIdx, qi: QIdx) {
        let ag = &mut self.agents[a];
        ag.handled += 1;
        if let Some(m) = ag.members.iter_mut().find(|m| m.queue == qi) {
            m.answered += 1;
        }
    }
}
