//! Per-call classification and the counters a report is made of. Adding a
//! call is a handful of integer updates: no allocation.

use crate::cdr::{Cdr, Outcome, Resolution};
use crate::config::{AbandonFrom, Contract};
use crate::stamp::millis_between;

/// The SLA-relevant facts of one finished call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    pub outcome: Outcome,
    /// For `Abandoned`: beyond the threshold (Mi) or a short abandon.
    pub long_abandon: bool,
    /// The call entered a queue.
    pub queued: bool,
    /// Time in queue until answer or leaving the queue (queued calls).
    pub queue_ms: Option<i64>,
    /// Tm's Ti: `answered_at − queued_at` (answered calls).
    pub answer_ms: Option<i64>,
    /// `ended_at − answered_at` (answered calls).
    pub talk_ms: Option<i64>,
    /// Answered and resolved at first level.
    pub resolved: bool,
}

/// Settings of the call's contract that classification needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    pub abandon_threshold_ms: i64,
    pub abandon_from: AbandonFrom,
    pub exclude_short_from_c3: bool,
    pub c2_within_ms: i64,
}

impl Rules {
    pub fn of(contract: &Contract) -> Self {
        Rules {
            abandon_threshold_ms: i64::try_from(contract.abandon_threshold.as_millis())
                .unwrap_or(i64::MAX),
            abandon_from: contract.abandon_measured_from,
            exclude_short_from_c3: contract.exclude_short_abandons_from_c3,
            c2_within_ms: contract.slas.c2.map_or(30_000, |c| {
                i64::try_from(c.within.as_millis()).unwrap_or(i64::MAX)
            }),
        }
    }
}

/// Classify a finished CDR (`None` while in progress).
pub(crate) fn facts(cdr: &Cdr, rules: &Rules) -> Option<Facts> {
    let outcome = cdr.outcome?;
    let queued = cdr.queued_at.is_some();
    let ms = |a, b| millis_between(a, b).max(0);
    let queue_ms = cdr
        .queued_at
        .as_ref()
        .and_then(|q| match (&cdr.answered_at, &cdr.ended_at) {
            (Some(a), _) if outcome == Outcome::Answered => Some(ms(q, a)),
            (_, Some(e)) => Some(ms(q, e)),
            _ => None,
        });
    let (answer_ms, talk_ms, resolved) = if outcome == Outcome::Answered {
        let from = cdr.queued_at.as_ref().unwrap_or(&cdr.arrived_at);
        let answer = cdr.answered_at.as_ref().map(|a| ms(from, a));
        let talk = match (&cdr.answered_at, &cdr.ended_at) {
            (Some(a), Some(e)) => Some(ms(a, e)),
            _ => None,
        };
        (answer, talk, cdr.resolution == Some(Resolution::Resolved))
    } else {
        (None, None, false)
    };
    let long_abandon = outcome == Outcome::Abandoned && {
        let anchor = match rules.abandon_from {
            AbandonFrom::Queued => cdr.queued_at.as_ref().unwrap_or(&cdr.arrived_at),
            AbandonFrom::Arrived => &cdr.arrived_at,
        };
        // Unknown hang-up instant: count it against the service.
        cdr.ended_at
            .as_ref()
            .is_none_or(|e| millis_between(anchor, e) > rules.abandon_threshold_ms)
    };
    Some(Facts {
        outcome,
        long_abandon,
        queued,
        queue_ms,
        answer_ms,
        talk_ms,
        resolved,
    })
}

/// Counters of one service over one span (the period or a bucket).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Acc {
    /// Calls that arrived in the span, in or out of the window (overflow).
    pub arrivals: u64,
    pub outside_window: u64,
    pub in_progress: u64,
    /// In-window finished calls by outcome (`Outcome as usize`).
    pub by_outcome: [u64; 9],
    pub abandoned_long: u64,
    pub queued: u64,
    pub queued_short_abandon: u64,
    pub queued_within: u64,
    pub max_queue_ms: Option<i64>,
    pub answer_sum_ms: i128,
    pub answer_n: u64,
    pub talk_sum_ms: i128,
    pub talk_n: u64,
    pub resolved: u64,
    pub offline: Offline,
}

/// Voicemail counters for O.1–O.3: met / decided (pending ones excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Offline {
    pub received: u64,
    pub met: [u64; 3],
    pub decided: [u64; 3],
}

pub(crate) fn outcome_index(o: Outcome) -> usize {
    o as usize
}

impl Acc {
    pub fn add(&mut self, f: &Facts, rules: &Rules) {
        self.by_outcome[outcome_index(f.outcome)] += 1;
        if f.long_abandon {
            self.abandoned_long += 1;
        }
        if f.queued {
            self.queued += 1;
            if f.outcome == Outcome::Abandoned && !f.long_abandon {
                self.queued_short_abandon += 1;
            }
            if let Some(q) = f.queue_ms {
                if q < rules.c2_within_ms {
                    self.queued_within += 1;
                }
                self.max_queue_ms = Some(self.max_queue_ms.map_or(q, |m| m.max(q)));
            }
        }
        if let Some(a) = f.answer_ms {
            self.answer_sum_ms += i128::from(a);
            self.answer_n += 1;
        }
        if let Some(t) = f.talk_ms {
            self.talk_sum_ms += i128::from(t);
            self.talk_n += 1;
        }
        if f.resolved {
            self.resolved += 1;
        }
    }

    pub fn count(&self, o: Outcome) -> u64 {
        self.by_outcome[outcome_index(o)]
    }

    pub fn offered(&self) -> u64 {
        self.by_outcome.iter().sum()
    }
}

/// Counters of one half-hour slot.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct SlotAcc {
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
    pub queued: u64,
    pub within: u64,
    pub answer_sum_ms: i128,
    pub answer_n: u64,
    pub talk_sum_ms: i128,
    pub talk_n: u64,
}

impl SlotAcc {
    pub fn add(&mut self, f: &Facts, rules: &Rules) {
        self.offered += 1;
        match f.outcome {
            Outcome::Answered => self.answered += 1,
            Outcome::Abandoned if f.long_abandon => self.abandoned += 1,
            Outcome::Abandoned => self.short_abandoned += 1,
            _ => {}
        }
        if f.queued {
            self.queued += 1;
            if f.queue_ms.is_some_and(|q| q < rules.c2_within_ms) {
                self.within += 1;
            }
        }
        if let Some(a) = f.answer_ms {
            self.answer_sum_ms += i128::from(a);
            self.answer_n += 1;
        }
        if let Some(t) = f.talk_ms {
            self.talk_sum_ms += i128::from(t);
            self.talk_n += 1;
        }
    }

    pub fn merge(&mut self, o: &SlotAcc) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.abandoned += o.abandoned;
        self.short_abandoned += o.short_abandoned;
        self.queued += o.queued;
        self.within += o.within;
        self.answer_sum_ms += o.answer_sum_ms;
        self.answer_n += o.answer_n;
        self.talk_sum_ms += o.talk_sum_ms;
        self.talk_n += o.talk_n;
    }
}
