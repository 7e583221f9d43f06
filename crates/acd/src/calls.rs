//! Calls: joining a queue, leaving it (answered, abandoned, exit actions),
//! and the timers of a waiting call.
//!
//! ```text
//!            call_enqueued
//!                 │  full / no agent logged in ──────────────► Exit
//!                 ▼
//!   ┌────────► Waiting ──── max_wait ─────────────────────────► Exit
//!   │  no answer, │  ▲ (or the queue's last agent logs out)      (queue: x → joins x,
//!   │  reject,    │  │                                            keeping its arrival)
//!   │  cancelled  ▼  │
//!   └──────── Ringing ──── offer_answered ────────────────────► answered
//!                 │
//!   call_abandoned (from Waiting or Ringing) ─────────────────► abandoned
//!   callback_requested (from Waiting or Ringing) ──────────────► a callback request
//! ```
//!
//! A call that goes back from Ringing keeps its arrival: it is again the
//! oldest, so it is next.

use crate::acd::Acd;
use crate::config::ExitAction;
use crate::error::AcdError;
use crate::state::{AIdx, Ghost, Item, Order, Phase, QIdx, Timer, GHOST_WINDOW};
use crate::types::{Action, AgentState, CallRequest, CancelCause, ExitReason, OfferFailure, Work};
use centralino_model::{AgentId, CallKey};
use std::cmp::Reverse;
use std::time::Instant;

impl Acd {
    /// A call joins a queue. It is offered at once if an agent is free,
    /// or leaves at once by `on_full` / `on_no_agents`.
    pub fn call_enqueued(
        &mut self,
        now: Instant,
        call: CallKey,
        request: CallRequest,
    ) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.enqueue(now, call, request);
        self.dispatch(now);
        self.refuse(r)
    }

    fn enqueue(
        &mut self,
        now: Instant,
        call: CallKey,
        request: CallRequest,
    ) -> Result<(), AcdError> {
        let w = Work::Call(call);
        if self.items.contains_key(&w) {
            return Err(AcdError::DuplicateCall { call });
        }
        let qi = self.queue_idx(&request.queue)?;
        self.ghosts.remove(&call);
        let base_mask = self.skill_mask(request.skills.iter().map(|s| s.as_str()));
        let seq = self.next_seq();
        let item = Item {
            queue: qi,
            order: (request.arrived.map_or(now, |a| a.min(now)), seq),
            joined: now,
            priority: request.priority.unwrap_or(self.queues[qi].cfg.priority),
            priority_override: request.priority,
            base_mask,
            language: request.language,
            mask: 0,
            phase: Phase::Waiting,
            max_wait_at: None,
            announce_at: None,
            callback_offer_at: None,
            callback_offered: false,
            no_answers: 0,
            callback: None,
        };
        self.counters.enqueued += 1;
        self.join(now, call, item, qi);
        Ok(())
    }

    /// Put a call into queue `qi` (new, or moved by an exit action).
    fn join(&mut self, now: Instant, call: CallKey, mut item: Item, qi: QIdx) {
        let w = Work::Call(call);
        let cfg = &self.queues[qi].cfg;
        item.queue = qi;
        item.joined = now;
        item.priority = item.priority_override.unwrap_or(cfg.priority);
        item.mask = self.mask_in(item.base_mask, item.language.as_ref(), qi);
        item.phase = Phase::Waiting;
        item.max_wait_at = Some(now + cfg.max_wait);
        item.announce_at = cfg.announce_every.map(|e| now + e);
        item.callback_offer_at = cfg.callback.offer_after.map(|a| now + a);
        item.no_answers = 0;
        let q = &mut self.queues[qi];
        q.stats.enqueued += 1;
        if q.cfg
            .max_length
            .is_some_and(|n| q.live_calls.len() >= n as usize)
        {
            let action = q.cfg.on_full.clone();
            return self.exit_item(now, call, item, action, ExitReason::QueueFull);
        }
        if let (Some(action), 0) = (&q.cfg.on_no_agents, q.logged_in) {
            let action = action.clone();
            return self.exit_item(now, call, item, action, ExitReason::NoAgents);
        }
        q.live_calls.insert(item.order);
        q.lane_insert(&item, w);
        for (at, timer) in [
            (item.max_wait_at, Timer::MaxWait(w)),
            (item.announce_at, Timer::Announce(w)),
            (item.callback_offer_at, Timer::CallbackOffer(w)),
        ] {
            if let Some(at) = at {
                self.push_timer(at, timer);
            }
        }
        self.items.insert(w, item);
    }

    /// Take a waiting call out of its queue (lane and live set).
    pub(crate) fn detach(&mut self, w: Work) -> Option<Item> {
        let item = self.items.remove(&w)?;
        let q = &mut self.queues[item.queue];
        match &item.phase {
            Phase::Waiting => q.lane_remove(&item),
            Phase::Ringing(_) if matches!(w, Work::Call(_)) => q.ringing_calls -= 1,
            _ => {}
        }
        if matches!(w, Work::Call(_)) {
            q.live_calls.remove(&item.order);
        }
        Some(item)
    }

    /// A detached call leaves its queue by `action`.
    pub(crate) fn exit_item(
        &mut self,
        now: Instant,
        call: CallKey,
        item: Item,
        action: ExitAction,
        reason: ExitReason,
    ) {
        let qi = item.queue;
        self.queues[qi].stats.exited += 1;
        self.actions.push_back(Action::Exit {
            call,
            queue: self.queues[qi].cfg.id.clone(),
            action: action.clone(),
            reason,
            waited: now.saturating_duration_since(item.joined),
        });
        match action {
            ExitAction::Queue(target) => match self.queue_index.get(&target) {
                Some(&t) => self.join(now, call, item, t),
                None => self.counters.exited += 1,
            },
            ExitAction::CallbackOffer => {
                self.counters.exited += 1;
                let until = now + GHOST_WINDOW;
                self.ghosts.insert(call, Ghost { item, until });
                self.push_timer(until, Timer::Ghost(call));
            }
            ExitAction::Voicemail | ExitAction::MessageThenHangup(_) => self.counters.exited += 1,
        }
    }

    /// Work that was ringing goes back to its place, or leaves if its time
    /// is up.
    pub(crate) fn requeue(&mut self, now: Instant, w: Work) {
        let Some(item) = self.items.get_mut(&w) else {
            return;
        };
        let q = &mut self.queues[item.queue];
        if matches!(item.phase, Phase::Ringing(_)) && matches!(w, Work::Call(_)) {
            q.ringing_calls -= 1;
        }
        item.phase = Phase::Waiting;
        if let Some(cb) = &item.callback {
            if cb.expires <= now {
                return self.callback_expired(now, w);
            }
        }
        if item.max_wait_at.is_some_and(|t| t <= now) {
            return self.max_wait_reached(now, w);
        }
        q.lane_insert(item, w);
        self.maybe_offer_callback(now, w);
    }

    pub(crate) fn max_wait_reached(&mut self, now: Instant, w: Work) {
        let Work::Call(call) = w else { return };
        let Some(item) = self.items.get(&w) else {
            return;
        };
        if item.phase != Phase::Waiting {
            // Ringing: the offer finishes first; `requeue` checks the time.
            return;
        }
        if let Some(item) = self.detach(w) {
            let action = self.queues[item.queue].cfg.on_max_wait.clone();
            self.exit_item(now, call, item, action, ExitReason::MaxWait);
        }
    }

    /// An announcement is due: schedule the next one, and announce after
    /// this instant's scheduling if the call is still waiting then.
    pub(crate) fn announce(&mut self, now: Instant, w: Work) {
        let Some(item) = self.items.get_mut(&w) else {
            return;
        };
        let Some(every) = self.queues[item.queue].cfg.announce_every else {
            return;
        };
        item.announce_at = Some(now + every);
        if item.phase == Phase::Waiting {
            self.announcements.push(w);
        }
        self.push_timer(now + every, Timer::Announce(w));
    }

    /// Emit the announcements of this instant, with positions as they are
    /// after scheduling. Positions of one queue are counted in one pass over
    /// its lanes, however many calls announce at once.
    pub(crate) fn flush_announcements(&mut self) {
        let mut due: Vec<(QIdx, Reverse<u32>, Order, CallKey)> =
            std::mem::take(&mut self.announcements)
                .into_iter()
                .filter_map(|w| match (w, self.items.get(&w)) {
                    (Work::Call(call), Some(i)) if i.phase == Phase::Waiting => {
                        Some((i.queue, Reverse(i.priority), i.order, call))
                    }
                    _ => None,
                })
                .collect();
        due.sort_unstable();
        due.dedup();
        let mut positions = Vec::with_capacity(due.len());
        for group in due.chunk_by(|a, b| a.0 == b.0) {
            let q = &self.queues[group[0].0];
            let mut ahead = vec![0usize; group.len()];
            for ((prio, _), lane) in &q.lanes {
                // Entries of a higher priority are ahead of every call of a
                // lower one; within a priority, count the earlier arrivals.
                let mut keys = lane.keys().peekable();
                let mut before = 0usize;
                for (n, &(_, p, order, _)) in group.iter().enumerate() {
                    if *prio < p {
                        ahead[n] += lane.len();
                    } else if *prio == p {
                        while keys.next_if(|&&k| k < order).is_some() {
                            before += 1;
                        }
                        ahead[n] += before;
                    }
                }
            }
            for (n, &(qi, _, _, call)) in group.iter().enumerate() {
                let position = u32::try_from(ahead[n] + 1).unwrap_or(u32::MAX);
                positions.push((qi, call, position));
            }
        }
        for (qi, call, position) in positions {
            let estimated_wait = self.estimated_wait_in(qi, position);
            self.actions.push_back(Action::Announce {
                call,
                position,
                estimated_wait,
            });
        }
    }

    /// Offer a callback once, when the wait or the unanswered rings reach
    /// the queue's thresholds.
    pub(crate) fn maybe_offer_callback(&mut self, now: Instant, w: Work) {
        let Work::Call(call) = w else { return };
        let Some(item) = self.items.get_mut(&w) else {
            return;
        };
        let cfg = &self.queues[item.queue].cfg;
        let by_wait = cfg
            .callback
            .offer_after
            .is_some_and(|a| now >= item.joined + a);
        let by_rings = cfg
            .callback
            .offer_after_no_answers
            .is_some_and(|n| item.no_answers >= n);
        if item.phase == Phase::Waiting && !item.callback_offered && (by_wait || by_rings) {
            item.callback_offered = true;
            self.actions.push_back(Action::OfferCallback {
                call,
                queue: cfg.id.clone(),
            });
        }
    }

    /// The caller hung up while queued or while an agent rang.
    pub fn call_abandoned(&mut self, now: Instant, call: CallKey) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.abandon(now, call);
        self.dispatch(now);
        self.refuse(r)
    }

    fn abandon(&mut self, now: Instant, call: CallKey) -> Result<(), AcdError> {
        let w = Work::Call(call);
        let Some(item) = self.detach(w) else {
            // A call that left with `callback_offer` and then hung up.
            return self
                .ghosts
                .remove(&call)
                .map(|_| ())
                .ok_or(AcdError::UnknownCall { call });
        };
        if let Phase::Ringing(agents) = &item.phase {
            for &a in agents {
                self.release_agent(now, a, None, Some(CancelCause::Abandoned));
            }
        }
        self.queues[item.queue].stats.abandoned += 1;
        self.counters.abandoned += 1;
        Ok(())
    }

    /// `agent` answered `call` (200 OK). With `ring_all` the others are
    /// cancelled.
    pub fn offer_answered(
        &mut self,
        now: Instant,
        call: CallKey,
        agent: &AgentId,
    ) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.answered(now, call, agent);
        self.dispatch(now);
        self.refuse(r)
    }

    fn ringing(&self, w: Work, agent: &AgentId) -> Result<(AIdx, Vec<AIdx>), AcdError> {
        let a = self.agent_idx(agent)?;
        let not_offered = || match w {
            Work::Call(call) => AcdError::NotOffered {
                call,
                agent: agent.clone(),
            },
            Work::Callback(request) => AcdError::CallbackOutOfStep { request },
        };
        match self.items.get(&w).map(|i| &i.phase) {
            Some(Phase::Ringing(set)) if set.contains(&a) => Ok((a, set.clone())),
            Some(_) => Err(not_offered()),
            None => match w {
                Work::Call(call) => Err(AcdError::UnknownCall { call }),
                Work::Callback(request) => Err(AcdError::UnknownCallback { request }),
            },
        }
    }

    fn answered(&mut self, now: Instant, call: CallKey, agent: &AgentId) -> Result<(), AcdError> {
        let w = Work::Call(call);
        let (a, set) = self.ringing(w, agent)?;
        for b in set.into_iter().filter(|&b| b != a) {
            self.release_agent(now, b, None, Some(CancelCause::TakenByOther));
        }
        let Some(item) = self.detach(w) else {
            return Ok(());
        };
        let qi = item.queue;
        let q = &mut self.queues[qi];
        q.stats.answered += 1;
        q.stats.wait_total += now.saturating_duration_since(item.joined);
        self.counters.answered += 1;
        self.credit(a, qi);
        self.start_talking(now, a, w, qi);
        Ok(())
    }

    /// The agent is now talking on `w` (a call, or a callback's agent leg).
    pub(crate) fn start_talking(&mut self, now: Instant, a: AIdx, w: Work, qi: QIdx) {
        let ag = &mut self.agents[a];
        ag.state = AgentState::InCall;
        ag.state_since = now;
        ag.work = Some(w);
        ag.work_queue = Some(qi);
        ag.ring = None;
        ag.talk_since = Some(now);
        ag.streak = 0;
        self.refresh_free(a);
        self.emit_agent(a);
    }

    /// The offer of `call` to `agent` failed (the engine's report: 486, 603,
    /// 408, transport error…). The call goes back to the head of its queue.
    pub fn offer_failed(
        &mut self,
        now: Instant,
        call: CallKey,
        agent: &AgentId,
        reason: OfferFailure,
    ) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.failed(now, Work::Call(call), agent, reason);
        self.dispatch(now);
        self.refuse(r)
    }

    pub(crate) fn failed(
        &mut self,
        now: Instant,
        w: Work,
        agent: &AgentId,
        reason: OfferFailure,
    ) -> Result<(), AcdError> {
        let (a, _) = self.ringing(w, agent)?;
        self.release_agent(now, a, Some(reason), None);
        self.ring_ended(now, w, a, Some(reason));
        Ok(())
    }

    /// One agent stopped ringing for `w`; when none is left, `w` goes back.
    pub(crate) fn ring_ended(
        &mut self,
        now: Instant,
        w: Work,
        a: AIdx,
        failure: Option<OfferFailure>,
    ) {
        let Some(item) = self.items.get_mut(&w) else {
            return;
        };
        let Phase::Ringing(set) = &mut item.phase else {
            return;
        };
        set.retain(|&b| b != a);
        if failure == Some(OfferFailure::NoAnswer) {
            item.no_answers += 1;
        }
        if set.is_empty() {
            self.requeue(now, w);
        }
    }

    pub(crate) fn ring_timeout(&mut self, now: Instant, a: AIdx) {
        let Some(w) = self.agents[a].work else { return };
        self.release_agent(
            now,
            a,
            Some(OfferFailure::NoAnswer),
            Some(CancelCause::RingTimeout),
        );
        self.ring_ended(now, w, a, Some(OfferFailure::NoAnswer));
    }
}
