//! What happens on an answered call: the IVR drives it, the engine executes
//! its actions on the media session, feeds it key presses and playback
//! ends, and writes the CDR events. Also the call's end.

use crate::call::{EndCause, LegRole, LegState, QueuePhase, Recording};
use crate::inbound::EventEngine;
use crate::timers::Timer;
use crate::{Engine, EngineEvent, RecordedVoicemail};
use centralino_cdr::{CallId, EndedBy, EventKind};
use centralino_ivr::{CallContext, IvrAction, IvrCall, IvrEvent, IvrOutcome, PromptRef};
use centralino_media::{MediaEvent, PlayItem, PlayToken, RecordConfig};
use centralino_model::{CallKey, Codec, DtmfDigit};
use std::time::{Duration, Instant};

impl Engine {
    /// Emit a CDR event for a call.
    pub(crate) fn cdr(&mut self, now: Instant, key: CallKey, kind: EventKind) {
        let Some(call) = self.calls.get(&key).filter(|c| !c.service_call) else {
            return;
        };
        let tz = call.service.calendar().time_zone();
        let at = self.clock.at(now).with_timezone(&tz).fixed_offset();
        let ev = EventEngine::call(CallId::new(call.uid.clone()), at, call.mono_ms(now), kind);
        self.events.push_back(ev);
    }

    /// The call's first event: it is written at arrival so a crash leaves a
    /// row that restart closes as failed.
    pub(crate) fn cdr_arrived(&mut self, _now: Instant, key: CallKey, codec: Option<Codec>) {
        let Some(call) = self.calls.get(&key).filter(|c| !c.service_call) else {
            return;
        };
        let tz = call.service.calendar().time_zone();
        let at = call.arrived_wall.with_timezone(&tz).fixed_offset();
        let kind = EventKind::Arrived {
            service: call.service.id().clone(),
            called: call.called.clone(),
            caller: Some(call.caller.clone()),
            diverted_from: call.diverted_from.clone(),
            codec,
        };
        let ev = EventEngine::call(CallId::new(call.uid.clone()), at, 0, kind);
        self.events.push_back(ev);
    }

    /// The codec became known later (offerless INVITE).
    pub(crate) fn cdr_codec(&mut self, _now: Instant, _key: CallKey, _codec: Option<Codec>) {}

    pub(crate) fn start_ivr(&mut self, now: Instant, key: CallKey) {
        let wall = self.clock.at(now);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.ivr.is_some() {
            return;
        }
        if call.service_call {
            // A feature code: a beep confirms it, then we hang up.
            let beep: Vec<PromptRef> =
                crate::acd_glue::system_prompt(&call.language.clone(), "beep")
                    .into_iter()
                    .collect();
            return self.play_engine(now, key, &beep, crate::acd_glue::TOKEN_HANGUP);
        }
        let mut ctx = CallContext::new(call.caller.clone(), call.called.clone());
        if let Some(d) = &call.diverted_from {
            ctx = ctx.with_diverted_from(d.clone());
        }
        call.ivr = Some(IvrCall::start(call.service.clone(), ctx, wall, now));
        self.drive_ivr(now, key);
    }

    /// Execute every pending IVR action, then re-arm the call's timer.
    pub(crate) fn drive_ivr(&mut self, now: Instant, key: CallKey) {
        loop {
            let Some(call) = self.calls.get_mut(&key) else {
                return;
            };
            if call.ended {
                return;
            }
            let Some(action) = call.ivr.as_mut().and_then(IvrCall::poll_action) else {
                break;
            };
            self.execute(now, key, action);
        }
        self.reschedule(now, key);
    }

    pub(crate) fn prompt_items(&self, key: CallKey, prompts: &[PromptRef]) -> Vec<PlayItem> {
        let Some(call) = self.calls.get(&key) else {
            return Vec::new();
        };
        prompts
            .iter()
            .map(|p| {
                match call
                    .catalog
                    .prompts
                    .get_or(p, &call.catalog.default_language)
                {
                    Some(prompt) => PlayItem::Prompt(prompt.clone()),
                    None => {
                        call.span.in_scope(
                            || tracing::warn!(prompt = %p, "prompt not loaded: playing silence"),
                        );
                        PlayItem::Silence(Duration::from_millis(200))
                    }
                }
            })
            .collect()
    }

    fn execute(&mut self, now: Instant, key: CallKey, action: IvrAction) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let leg = call.inbound;
        match action {
            IvrAction::Play {
                token,
                prompts,
                interruptible: _,
            } => {
                let items = self.prompt_items(key, &prompts);
                if let Some(call) = self.calls.get_mut(&key) {
                    call.playing = Some(token);
                    call.span.in_scope(|| {
                        tracing::debug!(prompts = ?prompts.iter().map(|p| p.to_string()).collect::<Vec<_>>(), "play")
                    });
                }
                if let Some(session) = self.legs.get_mut(leg).and_then(|l| l.media.as_mut()) {
                    session.play(items, PlayToken(token.0));
                }
            }
            IvrAction::StopPlayback { token } => {
                if let Some(call) = self.calls.get_mut(&key) {
                    if call.playing == Some(token) {
                        call.playing = None;
                    }
                }
                if let Some(session) = self.legs.get_mut(leg).and_then(|l| l.media.as_mut()) {
                    session.stop();
                }
            }
            IvrAction::StartRecording {
                max_length,
                silence_timeout,
                finish_key: _,
            } => {
                let wall = self.clock.at(now);
                let g729 = self.config.g729.clone();
                let started = self
                    .legs
                    .get_mut(leg)
                    .and_then(|l| l.media.as_mut())
                    .map(|s| {
                        let cfg = RecordConfig {
                            max_duration: max_length,
                            silence_timeout: Some(silence_timeout),
                            ..RecordConfig::default()
                        };
                        s.start_recording(now, cfg, g729.as_deref())
                    });
                match started {
                    Some(Ok(())) => {
                        if let Some(call) = self.calls.get_mut(&key) {
                            call.recording = Some(Recording { started_wall: wall });
                            call.span
                                .in_scope(|| tracing::info!("voicemail recording started"));
                        }
                    }
                    Some(Err(e)) => {
                        if let Some(call) = self.calls.get(&key) {
                            call.span
                                .in_scope(|| tracing::warn!(error = %e, "cannot record this call"));
                        }
                    }
                    None => {}
                }
            }
            IvrAction::StopRecording { keep } => self.finish_recording(now, key, keep),
            IvrAction::Enqueue(request) => self.enqueue(now, key, request),
            IvrAction::Transfer { number } => {
                if let Some(call) = self.calls.get(&key) {
                    call.span.in_scope(|| tracing::warn!(%number, "transfer to a number needs an outbound trunk: ending the call"));
                }
                self.cdr(now, key, EventKind::Transferred { target: number });
                self.end_call(now, key, EndCause::IvrDone);
            }
            IvrAction::Hangup { outcome } => {
                if let Some(call) = self.calls.get_mut(&key) {
                    call.ivr_outcome = Some(outcome);
                    call.span
                        .in_scope(|| tracing::info!(?outcome, "IVR ends the call"));
                }
                self.end_call(now, key, EndCause::IvrDone);
            }
            IvrAction::Event(event) => self.ivr_event(now, key, event),
            _ => {}
        }
    }

    fn ivr_event(&mut self, now: Instant, key: CallKey, event: IvrEvent) {
        if let Some(call) = self.calls.get(&key) {
            call.span.in_scope(|| tracing::debug!(?event, "ivr"));
        }
        let kind = match event {
            IvrEvent::Choice { menu, digits } => {
                if let Some(call) = self.calls.get(&key) {
                    call.span
                        .in_scope(|| tracing::info!(menu = %menu, digits = %digits, "menu choice"));
                }
                EventKind::IvrChoice {
                    menu: menu.to_string(),
                    digits: digits.to_string(),
                }
            }
            IvrEvent::Announcement { id } => EventKind::Announcement {
                announcement: id.to_string(),
            },
            IvrEvent::LanguageChosen { language } => EventKind::Language { language },
            _ => return,
        };
        self.cdr(now, key, kind);
    }

    /// Stop the recorder; keep the message if asked (and long enough).
    fn finish_recording(&mut self, now: Instant, key: CallKey, keep: bool) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(rec) = call.recording.take() else {
            return;
        };
        let leg = call.inbound;
        let pcm = self
            .legs
            .get_mut(leg)
            .and_then(|l| l.media.as_mut())
            .and_then(|s| s.stop_recording());
        let Some(pcm) = pcm else { return };
        if !keep {
            if let Some(call) = self.calls.get(&key) {
                call.span
                    .in_scope(|| tracing::info!("voicemail discarded (too short)"));
            }
            return;
        }
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let id = format!("vm-{}", call.uid);
        let duration = Duration::from_millis(pcm.len() as u64 / 8);
        let vm = RecordedVoicemail {
            id: id.clone(),
            call_id: call.uid.clone(),
            service: call.service.id().to_string(),
            caller: call.caller.clone(),
            called: call
                .diverted_from
                .clone()
                .unwrap_or_else(|| call.called.clone()),
            received_at: rec.started_wall,
            duration,
            pcm,
        };
        call.span.in_scope(|| tracing::info!(id = %id, duration_ms = duration.as_millis() as u64, "voicemail kept"));
        self.stats.voicemails += 1;
        self.events.push_back(EngineEvent::Voicemail(vm));
        self.cdr(now, key, EventKind::Voicemail { voicemail_id: id });
    }

    /// A key press from RTP or SIP INFO.
    pub(crate) fn on_dtmf(
        &mut self,
        now: Instant,
        key: CallKey,
        digit: DtmfDigit,
        _duration: Duration,
    ) {
        self.stats.dtmf_received += 1;
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.span
            .in_scope(|| tracing::info!(digit = %digit, "DTMF"));
        match call.phase {
            // In the queue: only a callback acceptance counts.
            QueuePhase::Waiting { .. } | QueuePhase::CallbackOffer { .. } => {
                self.queue_dtmf(now, key, digit.as_char());
                self.reschedule(now, key);
            }
            // Talking: the keys are relayed to the other side, not ours.
            QueuePhase::Bridged { .. } | QueuePhase::Transferred { .. } => {}
            QueuePhase::None | QueuePhase::Left => {
                if let Some(ivr) = call.ivr.as_mut() {
                    ivr.handle_dtmf(now, digit);
                    self.drive_ivr(now, key);
                }
            }
        }
    }

    /// Events of a leg's media session.
    pub(crate) fn drain_media_events(&mut self, now: Instant, leg: crate::LegKey) {
        loop {
            let Some(l) = self.legs.get_mut(leg) else {
                return;
            };
            let call = l.call;
            let Some(ev) = l.media.as_mut().and_then(|s| s.poll_event()) else {
                return;
            };
            match ev {
                MediaEvent::PlaybackFinished { token }
                    if token.0 >= crate::acd_glue::TOKEN_CALLBACK_OFFER =>
                {
                    self.engine_playback_finished(now, call, token.0);
                }
                MediaEvent::PlaybackFinished { token } => {
                    let Some(c) = self.calls.get_mut(&call) else {
                        continue;
                    };
                    let token = centralino_ivr::PlayToken(token.0);
                    if c.playing == Some(token) {
                        c.playing = None;
                    }
                    if let Some(ivr) = c.ivr.as_mut() {
                        ivr.handle_playback_finished(now, token);
                        self.drive_ivr(now, call);
                    }
                }
                MediaEvent::Dtmf { digit, duration } => self.on_dtmf(now, call, digit, duration),
                MediaEvent::InactivityTimeout { silent_for } => {
                    if let Some(c) = self.calls.get(&call) {
                        c.span.in_scope(|| {
                            tracing::info!(
                                silent_ms = silent_for.as_millis() as u64,
                                "no RTP: ending the call"
                            )
                        });
                    }
                    self.end_call(now, call, EndCause::MediaTimeout);
                }
                MediaEvent::Silence { .. } => {
                    if let Some(ivr) = self.calls.get_mut(&call).and_then(|c| c.ivr.as_mut()) {
                        ivr.handle_silence(now);
                        self.drive_ivr(now, call);
                    }
                }
                MediaEvent::RecordingFull { duration } => {
                    if let Some(ivr) = self.calls.get_mut(&call).and_then(|c| c.ivr.as_mut()) {
                        ivr.handle_recording_finished(now, duration);
                        self.drive_ivr(now, call);
                    }
                }
                _ => {}
            }
        }
    }

    /// Re-arm a call's own timer from its IVR and ring state.
    pub(crate) fn reschedule(&mut self, _now: Instant, key: CallKey) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let ring = self.legs.get(call.inbound).and_then(|l| match l.state {
            crate::call::LegState::Ringing { answer_at } => Some(answer_at),
            _ => None,
        });
        let next = [
            call.ivr.as_ref().and_then(IvrCall::poll_timeout),
            ring,
            call.callback_offer_until,
        ]
        .into_iter()
        .flatten()
        .min();
        if next != call.deadline {
            call.deadline = next;
            if let Some(at) = next {
                self.timers.schedule(at, Timer::Call(key));
            }
        }
    }

    pub(crate) fn run_timers(&mut self, now: Instant) {
        while let Some((at, timer)) = self.timers.pop_due(now) {
            match timer {
                Timer::Call(key) => {
                    let Some(call) = self.calls.get_mut(&key) else {
                        continue;
                    };
                    if call.deadline != Some(at) {
                        continue; // superseded
                    }
                    call.deadline = None;
                    let leg = call.inbound;
                    if let Some(l) = self.legs.get(leg) {
                        if let crate::call::LegState::Ringing { answer_at } = l.state {
                            if answer_at <= now {
                                self.answer(now, leg);
                            }
                        }
                    }
                    if self
                        .calls
                        .get(&key)
                        .and_then(|c| c.callback_offer_until)
                        .is_some_and(|t| t <= now)
                    {
                        self.callback_offer_expired(now, key);
                    }
                    if let Some(ivr) = self.calls.get_mut(&key).and_then(|c| c.ivr.as_mut()) {
                        ivr.handle_timeout(now);
                    }
                    self.drive_ivr(now, key);
                }
                Timer::ShutdownGrace => self.check_shutdown(now),
            }
        }
    }

    /// End a call: finish the IVR (a voicemail in progress is kept), tell
    /// the ACD, write the last CDR event, hang up or cancel every leg still
    /// up, free media.
    pub(crate) fn end_call(&mut self, now: Instant, key: CallKey, cause: EndCause) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.ended {
            return;
        }
        call.ended = true;
        let inbound = call.inbound;
        // Let the IVR finalise (a recording in progress is kept when long enough).
        if matches!(cause, EndCause::CallerHangup) {
            let actions: Vec<IvrAction> = match call.ivr.as_mut() {
                Some(ivr) => {
                    ivr.handle_caller_hangup(now);
                    std::iter::from_fn(|| ivr.poll_action()).collect()
                }
                None => Vec::new(),
            };
            // Only the recorder matters now: nobody hears prompts any more.
            for action in actions {
                if let IvrAction::StopRecording { keep } = action {
                    self.finish_recording(now, key, keep);
                }
            }
        }
        if self.calls.get(&key).is_some_and(|c| c.recording.is_some()) {
            self.finish_recording(now, key, true);
        }
        // A colleague still ringing with a handed-over caller: released
        // once, here (a late failure of that leg finds no colleague).
        let ringing_colleague = self
            .calls
            .get_mut(&key)
            .and_then(|c| c.transfer.as_mut())
            .and_then(|t| t.colleague.take());
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let waiting = matches!(
            call.phase,
            QueuePhase::Waiting { .. } | QueuePhase::CallbackOffer { .. }
        ) || !call.offers.is_empty();
        let bridged_agent = match &call.phase {
            QueuePhase::Bridged { agent } => Some(agent.clone()),
            QueuePhase::Transferred { colleague, .. } => colleague.clone(),
            _ => None,
        };

        let callback = call.callback;
        let ended_by = match cause {
            EndCause::CallerHangup => EndedBy::Caller,
            EndCause::AgentHangup => EndedBy::Agent,
            _ => EndedBy::System,
        };
        let ivr_outcome = call.ivr_outcome.map(|o| match o {
            IvrOutcome::SelfService => centralino_cdr::IvrOutcome::SelfService,
            IvrOutcome::OutOfHours => centralino_cdr::IvrOutcome::OutOfHours,
            IvrOutcome::Voicemail => centralino_cdr::IvrOutcome::Voicemail,
        });
        call.span.in_scope(|| {
            tracing::info!(
                ?cause,
                duration_ms = call.age(now).as_millis() as u64,
                "call ended"
            )
        });
        // The ACD first: the caller leaves the queue, the agent starts wrap-up.
        if callback.is_none() && waiting {
            let _ = self.acd.call_abandoned(now, key);
        }
        if let Some(agent) = &bridged_agent {
            let _ = self.acd.call_ended(now, agent);
        }
        if let Some(colleague) = &ringing_colleague {
            let _ = self.acd.direct_call_released(now, colleague);
        }
        // Withdraw the offers now, while the call still knows its legs.
        self.drive_acd(now);
        if matches!(cause, EndCause::CallerHangup) && waiting {
            self.cdr(now, key, EventKind::Abandoned);
        }
        self.cdr(
            now,
            key,
            EventKind::Ended {
                ended_by,
                ivr_outcome,
            },
        );
        // An INVITE still pending gets a final response (ignored when one
        // was already sent, e.g. 487 after CANCEL).
        let pending_invite = self
            .legs
            .get(inbound)
            .and_then(|l| l.invite_tx.filter(|_| l.dialog.is_none()));
        if let Some(tx) = pending_invite {
            if let Some(l) = self.legs.get(inbound) {
                let r = centralino_sip::builder::response(&l.invite, 480)
                    .to_tag(&l.local_tag)
                    .server(&self.config.user_agent)
                    .build();
                let _ = self.sip.respond(now, tx, r);
            }
        }
        // Every leg still up: BYE when answered, CANCEL when ringing.
        for leg in self.legs_of_call(key) {
            self.unbridge(leg);
            let Some(l) = self.legs.get(leg) else {
                continue;
            };
            match (l.state, &l.role) {
                // Already on their way out (CANCEL or BYE sent): their final
                // response finishes them; a 200 crossing a CANCEL gets ACK and BYE.
                (LegState::Cancelling | LegState::Ending, _) => {}
                (LegState::Inviting | LegState::Early | LegState::MediaPending, r)
                    if *r != LegRole::Inbound =>
                {
                    self.cancel_leg(now, leg)
                }
                (LegState::MediaPending | LegState::Ringing { .. }, _) => {
                    self.leg_finished(now, leg)
                }
                _ => self.hang_up_leg(now, leg),
            }
        }
        if let Some(c) = self.calls.remove(&key) {
            if !c.service_call {
                self.stats.calls_ended += 1;
            }
        }
        self.drive_acd(now);
    }
}
