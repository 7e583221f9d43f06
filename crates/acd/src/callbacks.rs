//! Callback requests (seed 004; Molise "Return Call").
//!
//! ```text
//!  callback_requested ──► Waiting (the call's place) ──agent free──► Ringing (StartCallback)
//!                            ▲   ▲                                    │ AgentFailed → Waiting
//!                            │   └──── retry_interval ─── Parked ◄─┐  │ AgentAnswered
//!                            │                                     │  ▼
//!                            │              CitizenUnreached ──────┴─ Serving ── Connected ──► Completed
//!                            │              (attempts left)            (agent in call)
//!  expiry (Waiting/Parked) ──► Expired; attempts used up ──► Failed; callback_cancel ──► Cancelled
//! ```
//!
//! A request keeps the arrival of its call, so it is served among calls in
//! arrival order; it has no max wait (it has an expiry) and no announcement.

use crate::acd::Acd;
use crate::error::AcdError;
use crate::state::{AIdx, CallbackInfo, Item, Phase, Timer};
use crate::types::{
    Action, AgentState, CallbackId, CallbackOutcome, CallbackRestore, CallbackResult, CancelCause,
    Work,
};
use centralino_model::CallKey;
use std::time::Instant;

impl Acd {
    /// The caller accepted a callback (after `OfferCallback`, or after an
    /// `Exit` with `callback_offer` within two minutes). The call leaves the
    /// queue (the engine hangs it up) and a request takes its place. The
    /// request expires after the queue's `callback.expiry`, or at `expires`
    /// if earlier (the end of the service window).
    pub fn callback_requested(
        &mut self,
        now: Instant,
        call: CallKey,
        expires: Option<Instant>,
    ) -> Result<CallbackId, AcdError> {
        let now = self.advance(now);
        let r = self.request_callback(now, call, expires);
        self.dispatch(now);
        self.refuse(r)
    }

    fn request_callback(
        &mut self,
        now: Instant,
        call: CallKey,
        expires: Option<Instant>,
    ) -> Result<CallbackId, AcdError> {
        let w = Work::Call(call);
        let item = if let Some(item) = self.items.get(&w) {
            if let Phase::Ringing(set) = item.phase.clone() {
                for a in set {
                    self.release_agent(now, a, None, Some(CancelCause::CallbackRequested));
                }
            }
            let Some(item) = self.detach(w) else {
                return Err(AcdError::UnknownCall { call });
            };
            self.queues[item.queue].stats.called_back += 1;
            self.counters.called_back += 1;
            item
        } else if let Some(ghost) = self.ghosts.remove(&call) {
            ghost.item
        } else {
            return Err(AcdError::UnknownCall { call });
        };
        let request = CallbackId(self.next_callback);
        self.next_callback += 1;
        let limit = now + self.queues[item.queue].cfg.callback.expiry;
        self.insert_callback(
            now,
            request,
            item,
            0,
            expires.map_or(limit, |e| e.min(limit)),
        );
        Ok(request)
    }

    fn insert_callback(
        &mut self,
        now: Instant,
        request: CallbackId,
        mut item: Item,
        attempts: u32,
        expires: Instant,
    ) {
        let w = Work::Callback(request);
        item.phase = Phase::Waiting;
        item.max_wait_at = None;
        item.announce_at = None;
        item.callback_offer_at = None;
        item.callback = Some(CallbackInfo { attempts, expires });
        self.counters.callbacks_requested += 1;
        if expires <= now {
            return self.finish(request, CallbackOutcome::Expired);
        }
        self.queues[item.queue].lane_insert(&item, w);
        self.items.insert(w, item);
        self.push_timer(expires, Timer::CallbackExpiry(w));
    }

    /// Put back a request saved before a restart. It keeps its place by the
    /// wait it had (`waited` before `now`).
    pub fn callback_restore(
        &mut self,
        now: Instant,
        restore: CallbackRestore,
    ) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.restore(now, restore);
        self.dispatch(now);
        self.refuse(r)
    }

    fn restore(&mut self, now: Instant, r: CallbackRestore) -> Result<(), AcdError> {
        let qi = self.queue_idx(&r.queue)?;
        if self.items.contains_key(&Work::Callback(r.request)) {
            return Err(AcdError::CallbackOutOfStep { request: r.request });
        }
        self.next_callback = self.next_callback.max(r.request.0.saturating_add(1));
        let base_mask = self.skill_mask(r.skills.iter().map(|s| s.as_str()));
        let seq = self.next_seq();
        let priority = r.priority.unwrap_or(self.queues[qi].cfg.priority);
        let item = Item {
            queue: qi,
            order: (now.checked_sub(r.waited).unwrap_or(now), seq),
            joined: now,
            priority,
            priority_override: r.priority,
            base_mask,
            mask: self.mask_in(base_mask, r.language.as_ref(), qi),
            language: r.language,
            phase: Phase::Waiting,
            max_wait_at: None,
            announce_at: None,
            callback_offer_at: None,
            callback_offered: true,
            no_answers: 0,
            callback: None,
        };
        self.insert_callback(now, r.request, item, r.attempts, r.expires);
        Ok(())
    }

    /// The engine reports a step of a callback it started (`StartCallback`).
    pub fn callback_result(
        &mut self,
        now: Instant,
        request: CallbackId,
        result: CallbackResult,
    ) -> Result<(), AcdError> {
        let now = self.advance(now);
        let r = self.apply_result(now, request, result);
        self.dispatch(now);
        self.refuse(r)
    }

    fn apply_result(
        &mut self,
        now: Instant,
        request: CallbackId,
        result: CallbackResult,
    ) -> Result<(), AcdError> {
        let w = Work::Callback(request);
        let item = self
            .items
            .get_mut(&w)
            .ok_or(AcdError::UnknownCallback { request })?;
        let out_of_step = Err(AcdError::CallbackOutOfStep { request });
        match (result, item.phase.clone()) {
            (CallbackResult::AgentFailed(f), Phase::Ringing(set)) => {
                let Some(&a) = set.first() else {
                    return out_of_step;
                };
                self.release_agent(now, a, Some(f), None);
                self.ring_ended(now, w, a, Some(f));
            }
            (CallbackResult::AgentAnswered, Phase::Ringing(set)) => {
                let Some(&a) = set.first() else {
                    return out_of_step;
                };
                item.phase = Phase::Serving(a);
                let qi = item.queue;
                self.start_talking(now, a, w, qi);
            }
            (CallbackResult::Connected, Phase::Serving(a)) => {
                let qi = item.queue;
                self.items.remove(&w);
                self.credit(a, qi);
                self.finish(request, CallbackOutcome::Completed);
            }
            (CallbackResult::CitizenUnreached, Phase::Serving(a)) => {
                self.citizen_unreached(now, w, a)
            }
            _ => return out_of_step,
        }
        Ok(())
    }

    /// Cancel a request (HTTP API). A ringing agent is cancelled; an agent
    /// already calling the citizen stays in the call until `call_ended`.
    pub fn callback_cancel(&mut self, now: Instant, request: CallbackId) -> Result<(), AcdError> {
        let now = self.advance(now);
        let w = Work::Callback(request);
        let r = match self.items.get(&w).map(|i| i.phase.clone()) {
            None => Err(AcdError::UnknownCallback { request }),
            Some(phase) => {
                if let Phase::Ringing(set) = phase {
                    for a in set {
                        self.release_agent(now, a, None, Some(CancelCause::AgentUnavailable));
                    }
                }
                self.detach(w);
                self.finish(request, CallbackOutcome::Cancelled);
                Ok(())
            }
        };
        self.dispatch(now);
        self.refuse(r)
    }

    /// The agent answered but the citizen did not: one attempt used.
    pub(crate) fn citizen_unreached(&mut self, now: Instant, w: Work, a: AIdx) {
        let ag = &mut self.agents[a];
        if ag.work == Some(w) && ag.state == AgentState::InCall {
            ag.state = AgentState::Idle;
            ag.state_since = now;
            ag.idle_since = now;
            ag.work = None;
            ag.work_queue = None;
            ag.talk_since = None;
            self.refresh_free(a);
            self.emit_agent(a);
        }
        let Work::Callback(request) = w else { return };
        let Some(item) = self.items.get_mut(&w) else {
            return;
        };
        let cfg = &self.queues[item.queue].cfg.callback;
        let Some(cb) = item.callback.as_mut() else {
            return;
        };
        cb.attempts += 1;
        if cb.attempts >= cfg.max_attempts {
            self.items.remove(&w);
            return self.finish(request, CallbackOutcome::Failed);
        }
        if cb.expires <= now {
            self.items.remove(&w);
            return self.finish(request, CallbackOutcome::Expired);
        }
        let retry = now + cfg.retry_interval;
        item.phase = Phase::Parked(retry);
        self.push_timer(retry, Timer::CallbackRetry(w));
    }

    pub(crate) fn callback_retry(&mut self, due: Instant, w: Work) {
        let Some(item) = self.items.get_mut(&w) else {
            return;
        };
        if item.phase == Phase::Parked(due) {
            item.phase = Phase::Waiting;
            self.queues[item.queue].lane_insert(item, w);
        }
    }

    /// Expiry: a request waiting or parked ends; one in progress finishes
    /// its attempt first.
    pub(crate) fn callback_expired(&mut self, _now: Instant, w: Work) {
        let Work::Callback(request) = w else { return };
        let Some(item) = self.items.get(&w) else {
            return;
        };
        if matches!(item.phase, Phase::Waiting | Phase::Parked(_)) {
            self.detach(w);
            self.finish(request, CallbackOutcome::Expired);
        }
    }

    fn finish(&mut self, request: CallbackId, outcome: CallbackOutcome) {
        let c = &mut self.counters;
        match outcome {
            CallbackOutcome::Completed => c.callbacks_completed += 1,
            CallbackOutcome::Failed => c.callbacks_failed += 1,
            CallbackOutcome::Expired => c.callbacks_expired += 1,
            CallbackOutcome::Cancelled => c.callbacks_cancelled += 1,
        }
        self.actions
            .push_back(Action::CallbackFinished { request, outcome });
    }
}
