//! Deterministic synthetic months: N CDRs from a seed, for property tests
//! and for the server's benchmark (`cargo run --release -p centralino-cdr
//! --example synth -- 1000000 2026 10 > month.jsonl`).
//!
//! The same seed gives the same CDRs on every machine: the generator is a
//! SplitMix64 stream, times are computed in integer milliseconds.

use crate::cdr::{CallId, Cdr, EndedBy, Outcome, Resolution};
use crate::slots::local_instant;
use centralino_model::{AgentId, Codec, QueueId, ServiceId};
use chrono::{NaiveDate, NaiveTime, TimeDelta};
use chrono_tz::Tz;

/// SplitMix64: tiny, fast, and identical everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthMonth {
    /// The stream's seed.
    pub seed: u64,
    /// How many CDRs.
    pub calls: u64,
    /// The month: year.
    pub year: i32,
    /// The month: 1..=12.
    pub month: u32,
    /// Services to spread calls over (round robin by the RNG).
    pub services: Vec<ServiceId>,
    /// Their local time zone.
    pub tz: Tz,
}

impl SynthMonth {
    /// `calls` CDRs of `year`-`month` over the shipped Trento and Molise
    /// services, in Europe/Rome.
    pub fn new(seed: u64, calls: u64, year: i32, month: u32) -> Self {
        SynthMonth {
            seed,
            calls,
            year,
            month,
            services: [
                "agenzia-lavoro",
                "trentino-digitale",
                "apiae",
                "motorizzazione",
                "molise",
            ]
            .into_iter()
            .map(ServiceId::new)
            .collect(),
            tz: chrono_tz::Europe::Rome,
        }
    }

    /// The CDRs, generated lazily.
    pub fn iter(&self) -> SynthIter {
        let first = NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN);
        let agents = (0..40).map(|i| AgentId::new(format!("op{i:02}"))).collect();
        let queues = self
            .services
            .iter()
            .map(|s| QueueId::new(format!("{s}-info")))
            .collect();
        SynthIter {
            spec: self.clone(),
            rng: Rng::new(self.seed),
            n: 0,
            first,
            days: u64::from(crate::slots::days_in_month(first)),
            agents,
            queues,
        }
    }
}

/// Iterator over a [`SynthMonth`].
#[derive(Debug, Clone)]
pub struct SynthIter {
    spec: SynthMonth,
    rng: Rng,
    n: u64,
    first: NaiveDate,
    days: u64,
    agents: Vec<AgentId>,
    queues: Vec<QueueId>,
}

impl Iterator for SynthIter {
    type Item = Cdr;

    fn next(&mut self) -> Option<Cdr> {
        if self.n >= self.spec.calls || self.spec.services.is_empty() {
            return None;
        }
        let i = self.n;
        self.n += 1;
        let r = &mut self.rng;
        let si = r.below(self.spec.services.len() as u64) as usize;
        let service = self.spec.services[si].clone();
        let day = self.first + TimeDelta::days(r.below(self.days) as i64);
        // 85 % of calls in 08:00–17:00, the rest at any time of day.
        let secs = if r.below(100) < 85 {
            8 * 3600 + r.below(9 * 3600)
        } else {
            r.below(86_400)
        };
        let time =
            NaiveTime::from_num_seconds_from_midnight_opt(secs as u32, 0).unwrap_or(NaiveTime::MIN);
        let arrived = local_instant(self.spec.tz, day.and_time(time))
            .with_timezone(&self.spec.tz)
            .fixed_offset()
            + TimeDelta::milliseconds(r.below(1000) as i64);
        let after = |ms: u64| arrived + TimeDelta::milliseconds(ms as i64);
        let ivr_ms = 3_000 + r.below(40_000);
        let wait_ms = if r.below(4) == 0 {
            r.below(150_000)
        } else {
            r.below(30_000)
        };
        let talk_ms = 20_000 + r.below(400_000);
        let mut cdr = Cdr {
            call_id: CallId::new(format!("synth-{:x}-{i}", self.spec.seed)),
            service,
            called: "0461000000".to_string(),
            caller: (r.below(10) > 0).then(|| format!("3{:09}", r.below(1_000_000_000))),
            arrived_at: arrived,
            queue: None,
            queued_at: None,
            answered_at: None,
            agent: None,
            ended_at: None,
            ended_by: None,
            outcome: None,
            resolution: None,
            transfer_to: None,
            ivr_digits: None,
            language: None,
            diverted_from: None,
            codec: Some(Codec::ALL[r.below(3) as usize]),
            voicemail_id: None,
            callback_id: None,
        };
        let roll = r.below(1000);
        let queued = roll < 880;
        if queued {
            cdr.queue = Some(self.queues[si].clone());
            cdr.queued_at = Some(after(ivr_ms));
            cdr.ivr_digits = (r.below(2) == 0).then(|| (1 + r.below(6)).to_string());
        }
        let (outcome, end_ms, by) = match roll {
            0..=729 => {
                cdr.answered_at = Some(after(ivr_ms + wait_ms));
                cdr.agent = Some(self.agents[r.below(self.agents.len() as u64) as usize].clone());
                cdr.resolution = match r.below(20) {
                    0..=15 => Some(Resolution::Resolved),
                    16..=18 => {
                        cdr.transfer_to = Some("0461999999".to_string());
                        Some(Resolution::Escalated)
                    }
                    _ => None,
                };
                (
                    Outcome::Answered,
                    ivr_ms + wait_ms + talk_ms,
                    EndedBy::Agent,
                )
            }
            730..=829 => (
                Outcome::Abandoned,
                ivr_ms + r.below(60_000),
                EndedBy::Caller,
            ),
            830..=859 => {
                cdr.callback_id = Some(format!("cb-{i}"));
                (Outcome::Callback, ivr_ms + wait_ms, EndedBy::System)
            }
            860..=869 => {
                cdr.voicemail_id = Some(format!("vm-{i}"));
                (
                    Outcome::Voicemail,
                    ivr_ms + wait_ms + 30_000,
                    EndedBy::Caller,
                )
            }
            870..=879 => (Outcome::Failed, ivr_ms + wait_ms, EndedBy::System),
            880..=929 => (Outcome::IvrHangup, r.below(ivr_ms), EndedBy::Caller),
            930..=959 => (Outcome::SelfService, ivr_ms, EndedBy::System),
            960..=979 => (Outcome::OutOfHours, 15_000, EndedBy::System),
            _ => (Outcome::Rejected, 0, EndedBy::System),
        };
        cdr.outcome = Some(outcome);
        cdr.ended_at = Some(after(end_ms));
        cdr.ended_by = Some(by);
        Some(cdr)
    }
}
