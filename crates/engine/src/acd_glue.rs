//! The ACD at work: queued calls are offered to operators' softphones, the
//! first to answer is bridged to the caller, the others are cancelled;
//! ring timeouts, rejects and hang-ups go back to the ACD, which decides
//! again. While a caller waits: the queue announcement, music on hold,
//! position and estimated-wait announcements, a callback offer.

use crate::call::{EndCause, LegRole, QueuePhase};
use crate::Engine;
use centralino_acd::{Action, CallRequest, CancelCause, ExitAction, OfferFailure};
use centralino_cdr::EventKind;
use centralino_ivr::{CallContext, EnqueueRequest, IvrCall, PromptRef};
use centralino_media::{PlayItem, PlayToken};
use centralino_model::{AgentId, CallKey, Language};
use std::time::{Duration, Instant};

/// Play tokens of the engine's own prompts (the IVR's are small numbers).
pub(crate) const TOKEN_HOLD: u64 = u64::MAX;
/// Hang up when this list has played.
pub(crate) const TOKEN_HANGUP: u64 = u64::MAX - 1;
/// The callback offer has played.
pub(crate) const TOKEN_CALLBACK_OFFER: u64 = u64::MAX - 2;

/// An offer held back until the agent's cancelled INVITE has ended (a
/// phone gets one INVITE at a time).
#[derive(Debug, Clone)]
pub(crate) struct DeferredOffer {
    pub call: CallKey,
    pub queue: centralino_model::QueueId,
    pub waited: Duration,
}

/// How long a caller has to press 1 after a callback offer.
const CALLBACK_ANSWER_WINDOW: Duration = Duration::from_secs(10);

impl Engine {
    /// Run every pending ACD action, then re-read its deadline.
    pub(crate) fn drive_acd(&mut self, now: Instant) {
        while let Some(action) = self.acd.poll_action() {
            self.acd_action(now, action);
        }
        self.acd_deadline = self.acd.poll_timeout();
    }

    fn acd_action(&mut self, now: Instant, action: Action) {
        match action {
            Action::Offer {
                call,
                agent,
                queue,
                ring_timeout: _,
                waited,
            } => self.offer_to_agent(now, call, agent, &queue, waited),
            Action::CancelOffer { call, agent, cause } => {
                if self
                    .deferred_offers
                    .get(&agent)
                    .is_some_and(|d| d.call == call)
                {
                    self.deferred_offers.remove(&agent);
                }
                let leg = self.calls.get_mut(&call).and_then(|c| {
                    let i = c.offers.iter().position(|(a, _)| *a == agent)?;
                    Some(c.offers.remove(i).1)
                });
                if let Some(c) = self.calls.get(&call) {
                    c.span
                        .in_scope(|| tracing::info!(agent = %agent, ?cause, "offer withdrawn"));
                }
                if cause == CancelCause::RingTimeout {
                    self.cdr(
                        now,
                        call,
                        EventKind::RingNoAnswer {
                            agent: agent.clone(),
                        },
                    );
                }
                if let Some(leg) = leg {
                    self.cancel_leg(now, leg);
                }
            }
            Action::Announce {
                call,
                position,
                estimated_wait,
            } => self.announce_position(now, call, position, estimated_wait),
            Action::Exit {
                call,
                queue,
                action,
                reason,
                waited,
            } => {
                if let Some(c) = self.calls.get(&call) {
                    c.span.in_scope(|| tracing::info!(queue = %queue, ?reason, ?action, waited_ms = waited.as_millis() as u64, "leaves the queue"));
                }
                self.queue_exit(now, call, action);
            }
            Action::OfferCallback { call, queue: _ } => self.offer_callback(now, call, false),
            Action::StartCallback {
                request,
                agent,
                queue,
                attempt,
                ring_timeout: _,
            } => self.start_callback(now, request, agent, queue, attempt),
            Action::CancelCallback { request, agent } => self.cancel_callback(now, request, agent),
            Action::CallbackFinished { request, outcome } => {
                self.callback_finished(now, request, outcome)
            }
            Action::AgentStatusChanged {
                agent,
                status,
                state,
                reachable,
            } => {
                tracing::info!(agent = %agent, ?status, ?state, reachable, "agent");
                self.events
                    .push_back(crate::EngineEvent::Agent(crate::AgentUpdate {
                        agent,
                        status,
                        state,
                        reachable,
                    }));
            }
        }
    }

    /// The IVR put the call in a queue.
    pub(crate) fn enqueue(&mut self, now: Instant, key: CallKey, request: EnqueueRequest) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.queued.get_or_insert(request.queue.clone());
        call.language = request.language.clone();
        call.digits = request.digits.clone();
        call.queue_prompts = Some((request.queue_prompt.clone(), request.music_on_hold.clone()));
        call.phase = QueuePhase::Waiting {
            queue: request.queue.clone(),
            since: now,
        };
        call.span.in_scope(|| {
            tracing::info!(queue = %request.queue, language = %request.language, "queued");
        });
        let mut cr = CallRequest::new(request.queue.clone()).language(request.language.clone());
        for s in &request.required_skills {
            cr = cr.skill(s.as_str());
        }
        if request.priority > 0 {
            cr = cr.priority(u32::from(request.priority));
        }
        self.cdr(
            now,
            key,
            EventKind::Queued {
                queue: request.queue.clone(),
            },
        );
        if let Err(e) = self.acd.call_enqueued(now, key, cr) {
            if let Some(c) = self.calls.get(&key) {
                c.span
                    .in_scope(|| tracing::warn!(error = %e, "the ACD refused the call"));
            }
        }
        self.drive_acd(now);
        // Offered at once? Then ringback music, not the "all operators busy" message.
        let offered = self.calls.get(&key).is_some_and(|c| {
            !c.offers.is_empty() || !matches!(c.phase, QueuePhase::Waiting { .. })
        });
        if matches!(
            self.calls.get(&key).map(|c| &c.phase),
            Some(QueuePhase::Waiting { .. })
        ) {
            let (queue_prompt, moh) = (request.queue_prompt, request.music_on_hold);
            let mut list = Vec::new();
            if !offered {
                list.push(queue_prompt);
            }
            self.play_then_hold(now, key, &list, &moh);
        }
    }

    /// Play `prompts`, then loop music on hold.
    pub(crate) fn play_then_hold(
        &mut self,
        _now: Instant,
        key: CallKey,
        prompts: &[PromptRef],
        moh: &PromptRef,
    ) {
        let mut items = self.prompt_items(key, prompts);
        if let Some(PlayItem::Prompt(p)) = self.prompt_items(key, std::slice::from_ref(moh)).pop() {
            items.push(PlayItem::Loop(p));
        }
        if let Some(c) = self.calls.get_mut(&key) {
            c.playing = None;
            let names: Vec<String> = prompts
                .iter()
                .chain(std::iter::once(moh))
                .map(|p| p.to_string())
                .collect();
            c.span
                .in_scope(|| tracing::debug!(prompts = ?names, "play"));
        }
        let leg = self.calls.get(&key).map(|c| c.inbound);
        if let Some(session) = leg
            .and_then(|l| self.legs.get_mut(l))
            .and_then(|l| l.media.as_mut())
        {
            session.stop();
            session.play(items, PlayToken(TOKEN_HOLD));
        }
    }

    /// Resume waiting music after an announcement.
    fn resume_hold(&mut self, now: Instant, key: CallKey, before: &[PromptRef]) {
        let Some((_, moh)) = self.calls.get(&key).and_then(|c| c.queue_prompts.clone()) else {
            return;
        };
        self.play_then_hold(now, key, before, &moh);
    }

    fn offer_to_agent(
        &mut self,
        now: Instant,
        key: CallKey,
        agent: AgentId,
        queue: &centralino_model::QueueId,
        waited: Duration,
    ) {
        // A phone gets one INVITE at a time: when its last ring was just
        // cancelled and the 487 has not come yet, wait for it.
        let busy = self.legs.iter().any(|(_, l)| {
            matches!(&l.role, LegRole::Agent(a) if *a == agent)
                && matches!(
                    l.state,
                    crate::call::LegState::Cancelling
                        | crate::call::LegState::Inviting
                        | crate::call::LegState::Early
                )
        });
        if busy {
            self.deferred_offers.insert(
                agent,
                DeferredOffer {
                    call: key,
                    queue: queue.clone(),
                    waited,
                },
            );
            return;
        }
        let Some((uri, destination)) = self.agent_contact(&agent) else {
            // The ACD thinks the agent is reachable but no binding is left.
            let _ = self
                .acd
                .offer_failed(now, key, &agent, OfferFailure::Unreachable);
            return;
        };
        let Some(call) = self.calls.get(&key) else {
            let _ = self.acd.offer_failed(now, key, &agent, OfferFailure::Error);
            return;
        };
        let codec = self.legs.get(call.inbound).and_then(|l| l.codec());
        let mut headers = vec![
            ("X-Centralino-Call-Id".to_string(), call.uid.clone()),
            (
                "X-Centralino-Service".to_string(),
                call.service.id().to_string(),
            ),
            ("X-Centralino-Queue".to_string(), queue.to_string()),
            (
                "X-Centralino-Waited".to_string(),
                waited.as_secs().to_string(),
            ),
            ("X-Centralino-Caller".to_string(), call.caller.clone()),
            (
                "X-Centralino-Language".to_string(),
                call.language.to_string(),
            ),
        ];
        if !call.digits.is_empty() {
            headers.push(("X-Centralino-Ivr-Digits".to_string(), call.digits.clone()));
        }
        if let Some(d) = &call.diverted_from {
            headers.push(("X-Centralino-Diverted-From".to_string(), d.clone()));
        }
        if let Some(h) = &self.config.agent_auto_answer {
            headers.push(("Call-Info".to_string(), h.clone()));
            headers.push((
                "Alert-Info".to_string(),
                "<http://127.0.0.1>;info=alert-autoanswer;delay=0".to_string(),
            ));
        }
        call.span.in_scope(|| tracing::info!(agent = %agent, waited_ms = waited.as_millis() as u64, "offered to agent"));
        let leg = self.originate(
            now,
            key,
            crate::outbound::Originate {
                role: LegRole::Agent(agent.clone()),
                target_uri: uri,
                destination,
                first_codec: codec,
                extra_headers: headers,
            },
        );
        if let Some(c) = self.calls.get_mut(&key) {
            c.offers.push((agent.clone(), leg));
        }
        self.cdr(now, key, EventKind::Offered { agent });
    }

    /// An agent's leg ended: an offer held back for it goes out now.
    pub(crate) fn agent_leg_ended(&mut self, now: Instant, agent: &AgentId) {
        let Some(d) = self.deferred_offers.remove(agent) else {
            return;
        };
        if self.calls.get(&d.call).is_some_and(|c| !c.ended) {
            self.offer_to_agent(now, d.call, agent.clone(), &d.queue, d.waited);
        } else {
            let _ = self
                .acd
                .offer_failed(now, d.call, agent, OfferFailure::Error);
            self.drive_acd(now);
        }
    }

    /// The operator picked up: bridge, stop the music, tell the ACD.
    pub(crate) fn agent_answered(
        &mut self,
        now: Instant,
        key: CallKey,
        agent: AgentId,
        leg: crate::LegKey,
    ) {
        if let Some(c) = self.calls.get_mut(&key) {
            c.offers.retain(|(_, l)| *l != leg);
            if let Some(id) = c.callback {
                return self.callback_agent_answered(now, key, id, agent, leg);
            }
        }
        match self.acd.offer_answered(now, key, &agent) {
            Ok(()) => {
                let Some(call) = self.calls.get_mut(&key) else {
                    return;
                };
                if let QueuePhase::Waiting { since, .. } = call.phase {
                    call.waited_at_answer = Some(now.saturating_duration_since(since));
                }
                call.phase = QueuePhase::Bridged {
                    agent: agent.clone(),
                };
                call.playing = None;
                let inbound = call.inbound;
                call.span
                    .in_scope(|| tracing::info!(agent = %agent, "answered by agent"));
                if let Some(s) = self.legs.get_mut(inbound).and_then(|l| l.media.as_mut()) {
                    s.stop();
                }
                self.bridge(now, inbound, leg);
                self.cdr(now, key, EventKind::Answered { agent });
                self.reschedule(now, key);
            }
            Err(e) => {
                tracing::info!(agent = %agent, error = %e, "answer no longer wanted: hanging up the agent");
                self.hang_up_leg(now, leg);
            }
        }
        self.drive_acd(now);
    }

    /// An offer failed (busy, declined, unreachable, no final answer).
    pub(crate) fn agent_offer_failed(
        &mut self,
        now: Instant,
        key: CallKey,
        agent: &AgentId,
        leg: crate::LegKey,
        code: u16,
    ) {
        let still_offered = self.calls.get_mut(&key).is_some_and(|c| {
            let before = c.offers.len();
            c.offers.retain(|(_, l)| *l != leg);
            before != c.offers.len()
        });
        if !still_offered {
            return;
        }
        let failure = match code {
            486 | 600 | 603 => OfferFailure::Rejected,
            408 | 480 | 487 => OfferFailure::NoAnswer,
            404 | 410 | 503 => OfferFailure::Unreachable,
            _ => OfferFailure::Error,
        };
        if let Some(id) = self.calls.get(&key).and_then(|c| c.callback) {
            return self.callback_agent_failed(now, key, id, failure);
        }
        tracing::info!(agent = %agent, code, ?failure, "offer failed");
        if let Err(e) = self.acd.offer_failed(now, key, agent, failure) {
            tracing::debug!(error = %e, "ACD ignored the failure");
        }
        self.drive_acd(now);
    }

    fn announce_position(
        &mut self,
        now: Instant,
        key: CallKey,
        position: u32,
        estimated_wait: Option<Duration>,
    ) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if !matches!(call.phase, QueuePhase::Waiting { .. }) || call.playing.is_some() {
            return;
        }
        let lang = call.language.clone();
        let mut names = vec!["coda-posizione".to_string()];
        if position > 20 {
            names.push("numero-oltre-20".into());
        } else {
            names.push(format!("numero-{}", position.max(1)));
        }
        if let Some(w) = estimated_wait {
            let minutes = w.as_secs().div_ceil(60);
            if minutes <= 1 {
                names.push("attesa-un-minuto".into());
            } else {
                names.push("attesa-stimata".into());
                names.push(format!("numero-{}", minutes.min(20)));
                names.push("minuti".into());
            }
        }
        let list: Vec<PromptRef> = names
            .iter()
            .filter_map(|n| system_prompt(&lang, n))
            .collect();
        call.span.in_scope(|| {
            tracing::info!(
                position,
                wait_s = estimated_wait.map(|w| w.as_secs()),
                "position announcement"
            )
        });
        self.resume_hold(now, key, &list);
    }

    /// What happens when the caller leaves the queue by max wait, a full
    /// queue or no agent logged in.
    fn queue_exit(&mut self, now: Instant, key: CallKey, action: ExitAction) {
        match action {
            ExitAction::Queue(q) => {
                if let Some(c) = self.calls.get_mut(&key) {
                    c.phase = QueuePhase::Waiting {
                        queue: q,
                        since: now,
                    };
                }
            }
            ExitAction::Voicemail => self.send_to_voicemail(now, key),
            ExitAction::CallbackOffer => self.offer_callback(now, key, true),
            ExitAction::MessageThenHangup(name) => {
                let Some(c) = self.calls.get_mut(&key) else {
                    return;
                };
                c.phase = QueuePhase::Left;
                let lang = c.language.clone();
                let p: Vec<PromptRef> = system_prompt(&lang, &name).into_iter().collect();
                self.play_engine(now, key, &p, TOKEN_HANGUP);
            }
        }
    }

    /// Take the caller to the service's voicemail.
    pub(crate) fn send_to_voicemail(&mut self, now: Instant, key: CallKey) {
        let wall = self.clock.at(now);
        let Some(c) = self.calls.get_mut(&key) else {
            return;
        };
        c.phase = QueuePhase::Left;
        let mut ctx = CallContext::new(c.caller.clone(), c.called.clone());
        if let Some(d) = &c.diverted_from {
            ctx = ctx.with_diverted_from(d.clone());
        }
        c.ivr = Some(IvrCall::start_voicemail(
            c.service.clone(),
            ctx,
            c.language.clone(),
            wall,
            now,
        ));
        c.playing = None;
        let inbound = c.inbound;
        if let Some(s) = self.legs.get_mut(inbound).and_then(|l| l.media.as_mut()) {
            s.stop();
        }
        self.drive_ivr(now, key);
    }

    /// "Press 1 to be called back on this number." `leaving` is true when
    /// the call leaves the queue (max wait): no answer means voicemail or
    /// goodbye; otherwise the caller keeps waiting either way.
    fn offer_callback(&mut self, now: Instant, key: CallKey, leaving: bool) {
        let Some(c) = self.calls.get_mut(&key) else {
            return;
        };
        let (queue, since) = match &c.phase {
            QueuePhase::Waiting { queue, since } => (queue.clone(), *since),
            _ => return,
        };
        let lang = c.language.clone();
        c.callback_offer_until = Some(now + CALLBACK_ANSWER_WINDOW);
        c.callback_offer_leaving = leaving;
        if leaving {
            c.phase = QueuePhase::CallbackOffer {
                queue,
                since,
                until: now + CALLBACK_ANSWER_WINDOW,
            };
        }
        c.span
            .in_scope(|| tracing::info!(leaving, "callback offered"));
        let offer: Vec<PromptRef> = system_prompt(&lang, "richiamata-offerta")
            .into_iter()
            .collect();
        if leaving {
            self.play_engine(now, key, &offer, TOKEN_CALLBACK_OFFER);
        } else {
            self.resume_hold(now, key, &offer);
        }
        self.reschedule(now, key);
    }

    /// Play prompts with an engine token (no IVR involved).
    pub(crate) fn play_engine(
        &mut self,
        _now: Instant,
        key: CallKey,
        prompts: &[PromptRef],
        token: u64,
    ) {
        let items = self.prompt_items(key, prompts);
        let Some(c) = self.calls.get_mut(&key) else {
            return;
        };
        c.playing = None;
        let names: Vec<String> = prompts.iter().map(|p| p.to_string()).collect();
        c.span
            .in_scope(|| tracing::debug!(prompts = ?names, "play"));
        let inbound = c.inbound;
        if let Some(s) = self.legs.get_mut(inbound).and_then(|l| l.media.as_mut()) {
            s.stop();
            s.play(items, PlayToken(token));
        }
    }

    /// A play list of the engine's own finished.
    pub(crate) fn engine_playback_finished(&mut self, now: Instant, key: CallKey, token: u64) {
        match token {
            TOKEN_HANGUP => self.end_call(now, key, EndCause::IvrDone),
            TOKEN_CALLBACK_OFFER => {} // the answer window runs on the call's timer
            _ => {}
        }
    }

    /// A key press while the call is in the queue (only a callback
    /// acceptance matters; anything else is ignored, the caller keeps their place).
    pub(crate) fn queue_dtmf(&mut self, now: Instant, key: CallKey, digit: char) {
        let Some(c) = self.calls.get(&key) else {
            return;
        };
        let open = c.callback_offer_until.is_some_and(|t| now <= t);
        if digit == '1' && open {
            self.accept_callback(now, key);
        }
    }

    /// The callback offer expired without a key: leaving calls go to
    /// voicemail (or hear goodbye); waiting calls just keep waiting.
    pub(crate) fn callback_offer_expired(&mut self, now: Instant, key: CallKey) {
        let Some(c) = self.calls.get_mut(&key) else {
            return;
        };
        let leaving = c.callback_offer_leaving;
        c.callback_offer_until = None;
        if !leaving {
            return;
        }
        if c.service.out_of_hours().voicemail != centralino_ivr::VoicemailMode::None {
            self.send_to_voicemail(now, key);
        } else {
            let lang = c.language.clone();
            c.phase = QueuePhase::Left;
            let bye: Vec<PromptRef> = system_prompt(&lang, "arrivederci").into_iter().collect();
            self.play_engine(now, key, &bye, TOKEN_HANGUP);
        }
    }
}

/// A prompt of the engine's own (position, callback, confirmations).
pub(crate) fn system_prompt(language: &Language, name: &str) -> Option<PromptRef> {
    Some(PromptRef {
        language: language.clone(),
        name: centralino_ivr::PromptName::new(name)?,
    })
}

/// The prompts the engine itself plays: the server loads them for every
/// language it has prompts in (the default language is required).
pub fn system_prompt_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "coda-posizione",
        "attesa-stimata",
        "attesa-un-minuto",
        "minuti",
        "numero-oltre-20",
        "richiamata-offerta",
        "richiamata-confermata",
        "richiamata-saluto",
        "operatore-login",
        "operatore-logout",
        "operatore-pausa",
        "operatore-rientro",
        "arrivederci",
        "beep",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.extend((1..=20).map(|n| format!("numero-{n}")));
    names
}
