//! Callbacks (Agenzia delle Entrate's note, Molise's "Return Call"): the
//! caller presses 1, keeps their place in the queue and hangs up; when the
//! request reaches the head and an operator is free, the engine calls the
//! operator first, then the citizen through the trunk, and bridges them.
//! Neither Asterisk nor FreeSWITCH does this natively.

use crate::acd_glue::{system_prompt, TOKEN_HANGUP};
use crate::call::{Call, EndCause, LegRole, QueuePhase};
use crate::{Engine, EngineEvent, LegKey};
use centralino_acd::{CallbackId, CallbackOutcome, CallbackRestore, CallbackResult, OfferFailure};
use centralino_cdr::{CallId, EventKind};
use centralino_ivr::PromptRef;
use centralino_model::{AgentId, CallKey, Language, QueueId, ServiceId};
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

/// A callback request as the database keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRecord {
    /// The ACD's id (`cb-N`), unique within a database.
    pub id: String,
    /// The CDR id of the call that asked for it.
    pub call_id: String,
    /// Its service.
    pub service: ServiceId,
    /// Its queue.
    pub queue: QueueId,
    /// The language the caller chose.
    pub language: Language,
    /// The number to call back.
    pub number: String,
    /// When the original call arrived (wall clock).
    pub arrived_at: DateTime<Utc>,
    /// When the request was made.
    pub requested_at: DateTime<Utc>,
    /// When it lapses (end of the service window).
    pub expires_at: DateTime<Utc>,
    /// How long the caller had waited when they asked.
    pub waited: Duration,
    /// Attempts so far.
    pub attempts: u32,
    /// `pending`, `completed`, `failed`, `expired`, `cancelled`.
    pub state: String,
}

/// What the engine keeps about a pending callback.
#[derive(Debug, Clone)]
pub(crate) struct PendingCallback {
    pub record: CallbackRecord,
    /// The call running it now (agent leg, then citizen leg).
    pub running: Option<CallKey>,
}

impl Engine {
    /// The caller pressed 1 after the callback offer.
    pub(crate) fn accept_callback(&mut self, now: Instant, key: CallKey) {
        let wall = self.clock.at(now);
        let Some(c) = self.calls.get_mut(&key) else {
            return;
        };
        c.callback_offer_until = None;
        let queue = match &c.phase {
            QueuePhase::Waiting { queue, .. } | QueuePhase::CallbackOffer { queue, .. } => {
                queue.clone()
            }
            _ => return,
        };
        let waited = match &c.phase {
            QueuePhase::Waiting { since, .. } | QueuePhase::CallbackOffer { since, .. } => {
                now.saturating_duration_since(*since)
            }
            _ => Duration::ZERO,
        };
        // The request lapses at the end of today's service window.
        let window_end = c.service.calendar().window_containing(wall).map(|w| w.end);
        let expires_wall = window_end.unwrap_or(wall + chrono::Duration::hours(8));
        let expires = now
            + (expires_wall - wall)
                .to_std()
                .unwrap_or(Duration::from_secs(8 * 3600));
        let id = match self.acd.callback_requested(now, key, Some(expires)) {
            Ok(id) => id,
            Err(e) => {
                c.span
                    .in_scope(|| tracing::warn!(error = %e, "callback refused by the ACD"));
                return;
            }
        };
        c.phase = QueuePhase::Left;
        let record = CallbackRecord {
            id: id.to_string(),
            call_id: c.uid.clone(),
            service: c.service.id().clone(),
            queue,
            language: c.language.clone(),
            number: c.caller.clone(),
            arrived_at: c.arrived_wall,
            requested_at: wall,
            expires_at: expires_wall,
            waited,
            attempts: 0,
            state: "pending".into(),
        };
        c.span.in_scope(
            || tracing::info!(callback = %id, number = %record.number, "callback requested"),
        );
        let lang = c.language.clone();
        self.callbacks.insert(
            id,
            PendingCallback {
                record: record.clone(),
                running: None,
            },
        );
        self.events.push_back(EngineEvent::Callback(record));
        self.cdr(
            now,
            key,
            EventKind::CallbackRequested {
                callback_id: id.to_string(),
            },
        );
        let confirm: Vec<PromptRef> = system_prompt(&lang, "richiamata-confermata")
            .into_iter()
            .collect();
        self.play_engine(now, key, &confirm, TOKEN_HANGUP);
        self.drive_acd(now);
    }

    /// Give the ACD back the callbacks of the database after a restart.
    pub(crate) fn restore_callbacks(&mut self, now: Instant, records: Vec<CallbackRecord>) {
        let wall = self.clock.at(now);
        for record in records {
            let Some(n) = record
                .id
                .strip_prefix("cb-")
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            let id = CallbackId(n);
            let left = (record.expires_at - wall)
                .to_std()
                .unwrap_or(Duration::ZERO);
            let restore = CallbackRestore {
                request: id,
                queue: record.queue.clone(),
                skills: Vec::new(),
                language: Some(record.language.clone()),
                priority: None,
                // Its place in the queue: the wait before the request plus
                // the time since (the engine was down for part of it).
                waited: record.waited
                    + (wall - record.requested_at)
                        .to_std()
                        .unwrap_or(Duration::ZERO),
                attempts: record.attempts,
                expires: now + left,
            };
            match self.acd.callback_restore(now, restore) {
                Ok(()) => {
                    tracing::info!(callback = %record.id, "callback restored");
                    self.callbacks.insert(
                        id,
                        PendingCallback {
                            record,
                            running: None,
                        },
                    );
                }
                Err(e) => {
                    tracing::warn!(callback = %record.id, error = %e, "callback not restored")
                }
            }
        }
        self.drive_acd(now);
    }

    /// The request reached the head of its queue and `agent` is free: ring
    /// the agent first.
    pub(crate) fn start_callback(
        &mut self,
        now: Instant,
        id: CallbackId,
        agent: AgentId,
        queue: QueueId,
        attempt: u32,
    ) {
        let Some(pending) = self.callbacks.get(&id).cloned() else {
            let _ =
                self.acd
                    .callback_result(now, id, CallbackResult::AgentFailed(OfferFailure::Error));
            return;
        };
        let Some(service) = self
            .catalog
            .services
            .by_id(pending.record.service.as_str())
            .cloned()
        else {
            tracing::warn!(callback = %id, service = %pending.record.service, "service gone: callback cancelled");
            let _ = self.acd.callback_cancel(now, id);
            return;
        };
        let Some((uri, destination)) = self.agent_contact(&agent) else {
            let _ = self.acd.callback_result(
                now,
                id,
                CallbackResult::AgentFailed(OfferFailure::Unreachable),
            );
            return;
        };
        let (key, _) = self.new_call_key();
        let uid = format!("{}-{}", pending.record.call_id, id);
        let span =
            tracing::info_span!("callback", id = %id, number = %pending.record.number, attempt);
        span.in_scope(
            || tracing::info!(agent = %agent, queue = %queue, "callback: calling the agent"),
        );
        let headers = vec![
            (
                "X-Centralino-Call-Id".to_string(),
                pending.record.call_id.clone(),
            ),
            ("X-Centralino-Callback".to_string(), id.to_string()),
            (
                "X-Centralino-Service".to_string(),
                pending.record.service.to_string(),
            ),
            ("X-Centralino-Queue".to_string(), queue.to_string()),
            (
                "X-Centralino-Caller".to_string(),
                pending.record.number.clone(),
            ),
        ];
        let placeholder = crate::LegKey::placeholder();
        self.calls.insert(
            key,
            Call {
                uid,
                span,
                service,
                catalog: self.catalog.clone(),
                caller: pending.record.number.clone(),
                called: String::new(),
                diverted_from: None,
                arrived: now,
                arrived_wall: self.clock.at(now),
                inbound: placeholder,
                ivr: None,
                playing: None,
                recording: None,
                ivr_outcome: None,
                queued: Some(queue),
                language: pending.record.language.clone(),
                digits: String::new(),
                queue_prompts: None,
                phase: QueuePhase::Left,
                offers: Vec::new(),
                waited_at_answer: None,
                deadline: None,
                ended: false,
                service_call: true,
                callback: Some(id),
                callback_offer_until: None,
                callback_offer_leaving: false,
                transfer: None,
            },
        );
        let leg = self.originate(
            now,
            key,
            crate::outbound::Originate {
                role: LegRole::Agent(agent.clone()),
                target_uri: uri,
                destination,
                first_codec: None,
                extra_headers: headers,
            },
        );
        if let Some(c) = self.calls.get_mut(&key) {
            c.offers.push((agent, leg));
        }
        if let Some(p) = self.callbacks.get_mut(&id) {
            p.running = Some(key);
            p.record.attempts = attempt;
        }
        self.cdr_for(
            now,
            &pending.record,
            EventKind::CallbackAttempted {
                callback_id: id.to_string(),
            },
        );
    }

    /// The agent of a callback answered: now call the citizen.
    pub(crate) fn callback_agent_answered(
        &mut self,
        now: Instant,
        key: CallKey,
        id: CallbackId,
        agent: AgentId,
        agent_leg: LegKey,
    ) {
        if let Err(e) = self
            .acd
            .callback_result(now, id, CallbackResult::AgentAnswered)
        {
            tracing::info!(error = %e, "callback no longer wanted: hanging up the agent");
            self.hang_up_leg(now, agent_leg);
            return self.end_call(now, key, EndCause::IvrDone);
        }
        let Some(trunk) = self.config.trunk.clone() else {
            tracing::warn!("no outbound trunk configured: cannot call the citizen back");
            let _ = self
                .acd
                .callback_result(now, id, CallbackResult::CitizenUnreached);
            return self.end_call(now, key, EndCause::IvrDone);
        };
        let Some(c) = self.calls.get_mut(&key) else {
            return;
        };
        c.offers.clear();
        c.phase = QueuePhase::Bridged { agent };
        c.inbound = agent_leg;
        let number = c.caller.clone();
        let codec = self.legs.get(agent_leg).and_then(|l| l.codec());
        let uri = format!("sip:{number}@{}", trunk.address);
        let target = self.originate(
            now,
            key,
            crate::outbound::Originate {
                role: LegRole::Outbound {
                    target: number.clone(),
                },
                target_uri: uri,
                destination: trunk.address,
                first_codec: codec,
                extra_headers: Vec::new(),
            },
        );
        if let Some(c) = self.calls.get_mut(&key) {
            c.span
                .in_scope(|| tracing::info!(%number, "callback: calling the citizen"));
            c.transfer = Some(crate::transfer::Transfer {
                from_leg: agent_leg,
                target_leg: target,
                colleague: None,
            });
        }
        // The agent hears ringing music meanwhile.
        let moh: Vec<PromptRef> = self
            .calls
            .get(&key)
            .map(|c| PromptRef {
                language: c.language.clone(),
                name: c.service.prompts().music_on_hold.clone(),
            })
            .into_iter()
            .collect();
        if let Some(p) = moh.first() {
            let items = self.prompt_items(key, std::slice::from_ref(p));
            if let (Some(s), Some(centralino_media::PlayItem::Prompt(p))) = (
                self.legs.get_mut(agent_leg).and_then(|l| l.media.as_mut()),
                items.into_iter().next(),
            ) {
                s.play(
                    [centralino_media::PlayItem::Loop(p)],
                    centralino_media::PlayToken(crate::acd_glue::TOKEN_HOLD),
                );
            }
        }
    }

    /// The citizen answered the callback: bridge them to the agent.
    pub(crate) fn callback_connected(
        &mut self,
        now: Instant,
        key: CallKey,
        id: CallbackId,
        agent_leg: LegKey,
        citizen_leg: LegKey,
    ) {
        if let Some(s) = self.legs.get_mut(agent_leg).and_then(|l| l.media.as_mut()) {
            s.stop();
        }
        self.bridge(now, agent_leg, citizen_leg);
        if let Some(c) = self.calls.get_mut(&key) {
            c.inbound = citizen_leg;
            c.transfer = None;
            c.span.in_scope(|| tracing::info!("callback connected"));
        }
        let _ = self.acd.callback_result(now, id, CallbackResult::Connected);
        if let Some(p) = self.callbacks.get(&id).cloned() {
            self.cdr_for(
                now,
                &p.record,
                EventKind::CallbackCompleted {
                    callback_id: id.to_string(),
                },
            );
        }
        self.drive_acd(now);
    }

    /// The agent of a callback did not answer.
    pub(crate) fn callback_agent_failed(
        &mut self,
        now: Instant,
        key: CallKey,
        id: CallbackId,
        failure: OfferFailure,
    ) {
        let _ = self
            .acd
            .callback_result(now, id, CallbackResult::AgentFailed(failure));
        self.end_call(now, key, EndCause::IvrDone);
        self.drive_acd(now);
    }

    /// The citizen did not answer the callback.
    pub(crate) fn callback_citizen_failed(&mut self, now: Instant, key: CallKey, id: CallbackId) {
        tracing::info!(callback = %id, "citizen not reached");
        let _ = self
            .acd
            .callback_result(now, id, CallbackResult::CitizenUnreached);
        self.end_call(now, key, EndCause::IvrDone);
        self.drive_acd(now);
    }

    pub(crate) fn cancel_callback(&mut self, now: Instant, id: CallbackId, _agent: AgentId) {
        let running = self.callbacks.get_mut(&id).and_then(|p| p.running.take());
        if let Some(key) = running {
            self.end_call(now, key, EndCause::IvrDone);
        }
    }

    pub(crate) fn callback_finished(
        &mut self,
        now: Instant,
        id: CallbackId,
        outcome: CallbackOutcome,
    ) {
        let state = match outcome {
            CallbackOutcome::Completed => "completed",
            CallbackOutcome::Failed => "failed",
            CallbackOutcome::Expired => "expired",
            CallbackOutcome::Cancelled => "cancelled",
        };
        tracing::info!(callback = %id, state, "callback finished");
        if let Some(mut p) = self.callbacks.remove(&id) {
            p.record.state = state.to_string();
            self.events.push_back(EngineEvent::Callback(p.record));
        }
        let _ = now;
    }

    /// Cancel a pending callback (HTTP API).
    pub fn cancel_callback_request(&mut self, now: Instant, id: &str) -> bool {
        let Some(n) = id.strip_prefix("cb-").and_then(|n| n.parse::<u64>().ok()) else {
            return false;
        };
        let ok = self.acd.callback_cancel(now, CallbackId(n)).is_ok();
        self.drive_acd(now);
        ok
    }

    /// A CDR event for the call that asked for a callback (it has ended; the
    /// event's offset is measured from its arrival on the wall clock).
    fn cdr_for(&mut self, now: Instant, record: &CallbackRecord, kind: EventKind) {
        let wall = self.clock.at(now);
        let Some(service) = self.catalog.services.by_id(record.service.as_str()) else {
            return;
        };
        let tz = service.calendar().time_zone();
        let mono_ms = (wall - record.arrived_at).num_milliseconds().max(0) as u64;
        let at = wall.with_timezone(&tz).fixed_offset();
        self.events.push_back(crate::inbound::EventEngine::call(
            CallId::new(record.call_id.clone()),
            at,
            mono_ms,
            kind,
        ));
    }
}
