//! Events → CDR: a pure fold.
//!
//! ```text
//!   arrived ──► (ivr_choice | announcement | language)* ──► queued ──► offered ─┬─► answered ──► ended
//!      │                                                      │  ▲              └─► ring_no_answer ─┘(back to queued)
//!      │                                                      │  └────────────────────────────┘
//!      ├─► rejected                                           ├─► abandoned / ended by caller
//!      └─► ended (ivr_outcome?)                               ├─► callback_requested ──► ended
//!                                                             └─► voicemail ──► ended
//! ```
//!
//! The fold accepts events in any order and never panics; what it cannot
//! place it ignores. Instants after arrival are `arrived.at + (mono_ms −
//! arrived.mono_ms)`; when several events of a kind exist, `queued_at` and
//! `answered_at` take the earliest, `ended_at` the latest.
//!
//! Outcome, first rule that applies (only once the call is over: an `ended`,
//! `abandoned` or `rejected` event was seen):
//!
//! 1. `rejected` event → `rejected`;
//! 2. answered by an agent → `answered`;
//! 3. callback requested → `callback`;
//! 4. voicemail left (event or IVR hint) → `voicemail`;
//! 5. `abandoned` event, or ended by the caller after `queued` → `abandoned`;
//! 6. IVR hint `self_service` / `out_of_hours` → that outcome;
//! 7. ended by the caller before any queue → `ivr_hangup`;
//! 8. anything else (ended by the system or the agent unanswered) → `failed`.
//!
//! Resolution: the last of {`transferred` (→ `escalated`), `resolution_set`}
//! in event order; otherwise, for an answered call, the configured default.

use crate::cdr::{CallId, Cdr, EndedBy, Outcome, Resolution};
use crate::events::{CallEvent, EventKind, IvrOutcome};
use crate::stamp::{self, Stamp};
use crate::Error;
use centralino_model::{AgentId, Codec, Language, QueueId, ServiceId};
use chrono::TimeDelta;
use std::borrow::Borrow;

/// What the fold needs from config.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FoldOptions {
    /// Resolution of an answered call that was neither transferred nor
    /// explicitly resolved (a contract's `default_resolution`).
    pub default_resolution: Option<Resolution>,
}

#[derive(Debug, Clone)]
struct Arrival {
    at: Stamp,
    mono: u64,
    service: ServiceId,
    called: String,
    caller: Option<String>,
    diverted_from: Option<String>,
    codec: Option<Codec>,
}

/// A CDR under construction: feed events with [`CdrFold::apply`], read the
/// record at any time with [`CdrFold::cdr`] (in progress or finished).
#[derive(Debug, Clone, Default)]
pub struct CdrFold {
    options: FoldOptions,
    call_id: Option<CallId>,
    arrival: Option<Arrival>,
    queue: Option<QueueId>,
    queued: Option<u64>,
    answered: Option<(u64, AgentId)>,
    ended: Option<(u64, EndedBy, Option<IvrOutcome>)>,
    abandoned: Option<u64>,
    rejected: Option<u64>,
    resolution: Option<Resolution>,
    transfer_to: Option<String>,
    ivr_digits: Option<String>,
    language: Option<Language>,
    voicemail_id: Option<String>,
    callback_id: Option<String>,
    callback_requested: bool,
    ignored: usize,
}

fn earliest(slot: &mut Option<u64>, mono: u64) {
    *slot = Some(slot.map_or(mono, |m| m.min(mono)));
}

impl CdrFold {
    /// An empty fold.
    pub fn new(options: FoldOptions) -> Self {
        CdrFold {
            options,
            ..CdrFold::default()
        }
    }

    /// Events ignored because they belong to another call than the first.
    pub fn ignored(&self) -> usize {
        self.ignored
    }

    /// Apply one event.
    pub fn apply(&mut self, ev: &CallEvent) {
        match &self.call_id {
            None => self.call_id = Some(ev.call_id.clone()),
            Some(id) if *id != ev.call_id => {
                self.ignored += 1;
                return;
            }
            Some(_) => {}
        }
        let m = ev.mono_ms;
        match &ev.kind {
            EventKind::Arrived {
                service,
                called,
                caller,
                diverted_from,
                codec,
            } => {
                if self.arrival.is_none() {
                    self.arrival = Some(Arrival {
                        at: stamp::truncate_ms(ev.at),
                        mono: m,
                        service: service.clone(),
                        called: called.clone(),
                        caller: caller.clone(),
                        diverted_from: diverted_from.clone(),
                        codec: *codec,
                    });
                }
            }
            EventKind::IvrChoice { digits, .. } => match &mut self.ivr_digits {
                Some(d) => {
                    d.push(',');
                    d.push_str(digits);
                }
                None => self.ivr_digits = Some(digits.clone()),
            },
            EventKind::Announcement { .. } => {}
            EventKind::Language { language } => self.language = Some(language.clone()),
            EventKind::Queued { queue } => {
                self.queue = Some(queue.clone());
                earliest(&mut self.queued, m);
            }
            EventKind::Offered { .. } | EventKind::RingNoAnswer { .. } => {}
            EventKind::Answered { agent } => {
                if self.answered.as_ref().is_none_or(|(a, _)| m < *a) {
                    self.answered = Some((m, agent.clone()));
                }
            }
            EventKind::Transferred { target } => {
                self.transfer_to = Some(target.clone());
                self.resolution = Some(Resolution::Escalated);
            }
            EventKind::CallbackRequested { callback_id } => {
                self.callback_requested = true;
                self.callback_id = Some(callback_id.clone());
            }
            EventKind::CallbackAttempted { callback_id }
            | EventKind::CallbackCompleted { callback_id } => {
                if self.callback_id.is_none() {
                    self.callback_id = Some(callback_id.clone());
                }
            }
            EventKind::Voicemail { voicemail_id } => self.voicemail_id = Some(voicemail_id.clone()),
            EventKind::Abandoned => earliest(&mut self.abandoned, m),
            EventKind::Rejected { .. } => earliest(&mut self.rejected, m),
            EventKind::Ended {
                ended_by,
                ivr_outcome,
            } => {
                if self.ended.as_ref().is_none_or(|(e, _, _)| m >= *e) {
                    self.ended = Some((m, *ended_by, *ivr_outcome));
                }
            }
            EventKind::ResolutionSet { resolution, .. } => self.resolution = Some(*resolution),
        }
    }

    /// The CDR as the events so far describe it. Errors only when no event,
    /// or no `arrived` event, was applied.
    pub fn cdr(&self) -> Result<Cdr, Error> {
        let call_id = self.call_id.clone().ok_or(Error::NoEvents)?;
        let arrival = self.arrival.as_ref().ok_or_else(|| Error::NoArrival {
            call_id: call_id.clone(),
        })?;
        let at = |mono: u64| -> Stamp {
            let ms = i64::try_from(mono.saturating_sub(arrival.mono)).unwrap_or(i64::MAX);
            TimeDelta::try_milliseconds(ms)
                .and_then(|d| arrival.at.checked_add_signed(d))
                .unwrap_or(arrival.at)
        };
        let end = match (&self.ended, self.abandoned, self.rejected) {
            (Some((m, by, hint)), _, _) => Some((*m, *by, *hint)),
            (None, Some(m), _) => Some((m, EndedBy::Caller, None)),
            (None, None, Some(m)) => Some((m, EndedBy::System, None)),
            (None, None, None) => None,
        };
        let outcome = end.map(|(_, by, hint)| self.outcome(by, hint));
        let resolution = match (self.resolution, outcome) {
            (Some(r), _) => Some(r),
            (None, Some(Outcome::Answered)) => self.options.default_resolution,
            _ => None,
        };
        Ok(Cdr {
            call_id,
            service: arrival.service.clone(),
            called: arrival.called.clone(),
            caller: arrival.caller.clone(),
            arrived_at: arrival.at,
            queue: self.queue.clone(),
            queued_at: self.queued.map(at),
            answered_at: self.answered.as_ref().map(|(m, _)| at(*m)),
            agent: self.answered.as_ref().map(|(_, a)| a.clone()),
            ended_at: end.map(|(m, _, _)| at(m)),
            ended_by: end.map(|(_, by, _)| by),
            outcome,
            resolution,
            transfer_to: self.transfer_to.clone(),
            ivr_digits: self.ivr_digits.clone(),
            language: self.language.clone(),
            diverted_from: arrival.diverted_from.clone(),
            codec: arrival.codec,
            voicemail_id: self.voicemail_id.clone(),
            callback_id: self.callback_id.clone(),
        })
    }

    fn outcome(&self, by: EndedBy, hint: Option<IvrOutcome>) -> Outcome {
        if self.rejected.is_some() {
            Outcome::Rejected
        } else if self.answered.is_some() {
            Outcome::Answered
        } else if self.callback_requested {
            Outcome::Callback
        } else if self.voicemail_id.is_some() || hint == Some(IvrOutcome::Voicemail) {
            Outcome::Voicemail
        } else if self.abandoned.is_some() || (by == EndedBy::Caller && self.queued.is_some()) {
            Outcome::Abandoned
        } else if hint == Some(IvrOutcome::SelfService) {
            Outcome::SelfService
        } else if hint == Some(IvrOutcome::OutOfHours) {
            Outcome::OutOfHours
        } else if by == EndedBy::Caller {
            Outcome::IvrHangup
        } else {
            Outcome::Failed
        }
    }
}

/// Fold one call's events into its CDR.
pub fn fold<I>(events: I, options: FoldOptions) -> Result<Cdr, Error>
where
    I: IntoIterator,
    I::Item: Borrow<CallEvent>,
{
    let mut f = CdrFold::new(options);
    for ev in events {
        f.apply(ev.borrow());
    }
    f.cdr()
}
