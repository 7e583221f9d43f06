//! From counters to figures, checks and the overflow rule.

use super::acc::{Acc, Rules};
use super::availability::{up_intervals, up_within};
use super::report::{
    pct, ratio_ms, BucketReport, Check, Figures, Interval, Report, ServiceReport, SlaName,
};
use super::{ServiceState, SlaEngine};
use crate::calendar::ServiceCalendar;
use crate::cdr::Outcome;
use crate::config::{Contract, Percent};
use crate::slots::{days_in_month, local_midnight};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use std::collections::HashMap;

type Up = Vec<(DateTime<Utc>, DateTime<Utc>)>;

/// lcm(28, 29, 30, 31): a month's forecast split per day stays an integer.
const L: u128 = 377_580;

/// Overflow points: every full 10 % of `volume` above the forecast prorated
/// to the days `first..=last` lowers each percentage threshold by 1 point.
/// Exact integer arithmetic, so 10 % over gives 1, 9.99 % gives 0.
pub fn overflow_points(
    forecast_monthly: u64,
    volume: u64,
    first: NaiveDate,
    last: NaiveDate,
) -> u32 {
    let expected: u128 = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| u128::from(forecast_monthly) * (L / u128::from(days_in_month(d))))
        .sum();
    let actual = u128::from(volume) * L;
    if expected == 0 || actual <= expected {
        return 0;
    }
    u32::try_from((actual - expected) * 10 / expected).unwrap_or(u32::MAX)
}

struct Span {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    first: NaiveDate,
    last: NaiveDate,
}

pub(super) fn finish<C: ServiceCalendar + ?Sized>(engine: SlaEngine<'_, C>) -> Report {
    let as_of = engine.query.as_of;
    let up: Option<Up> = engine
        .availability
        .as_deref()
        .map(|r| up_intervals(r, engine.query.heartbeat_max_gap, as_of));

    // Contract volumes (all its services, reported or not), total and per bucket.
    let mut volumes: HashMap<&str, (u64, Vec<u64>)> = HashMap::new();
    for st in &engine.states {
        if let Some((id, _)) = st.contract {
            let v = volumes
                .entry(id)
                .or_insert_with(|| (0, vec![0; engine.buckets.len()]));
            v.0 += st.total.arrivals;
            for (b, acc) in v.1.iter_mut().zip(&st.buckets) {
                *b += acc.arrivals;
            }
        }
    }

    let mut services = Vec::new();
    let mut states: Vec<&ServiceState<'_>> = engine.states.iter().filter(|s| s.reported).collect();
    states.sort_by(|a, b| a.id.cmp(&b.id));
    for st in states {
        let ctx = Ctx {
            st,
            calendar: engine.calendar,
            up: up.as_ref(),
            as_of,
        };
        let volume = |b: Option<usize>| -> u64 {
            let own = b.map_or(st.total.arrivals, |b| {
                st.buckets.get(b).map_or(0, |a| a.arrivals)
            });
            st.contract
                .and_then(|(id, _)| volumes.get(id))
                .map_or(own, |v| b.map_or(v.0, |b| v.1.get(b).copied().unwrap_or(0)))
        };
        let whole = Span {
            start: st.start,
            end: st.end,
            first: engine.query.from,
            last: engine.query.to,
        };
        let (figures, checks) = ctx.evaluate(&st.total, &whole, volume(None));
        let mut breakdown = Vec::new();
        for (b, (label, first, last)) in engine.buckets.iter().enumerate() {
            let span = Span {
                start: local_midnight(st.tz, *first).max(st.start),
                end: last
                    .succ_opt()
                    .map_or(st.end, |d| local_midnight(st.tz, d))
                    .min(st.end),
                first: *first,
                last: *last,
            };
            let acc = st.buckets.get(b).cloned().unwrap_or_default();
            let (figures, checks) = ctx.evaluate(&acc, &span, volume(Some(b)));
            breakdown.push(BucketReport {
                label: label.clone(),
                start: span.start.with_timezone(&st.tz).fixed_offset(),
                end: span.end.with_timezone(&st.tz).fixed_offset(),
                figures,
                checks,
            });
        }
        let intervals = st
            .slots
            .iter()
            .filter_map(|(&start, s)| {
                let start = DateTime::from_timestamp(start, 0)?
                    .with_timezone(&st.tz)
                    .fixed_offset();
                Some(Interval {
                    start,
                    offered: s.offered,
                    answered: s.answered,
                    abandoned: s.abandoned,
                    short_abandoned: s.short_abandoned,
                    avg_wait_s: ratio_ms(s.answer_sum_ms, s.answer_n),
                    avg_talk_s: ratio_ms(s.talk_sum_ms, s.talk_n),
                    within_30s_pct: pct(s.within, s.queued),
                    sums: *s,
                })
            })
            .collect();
        services.push(ServiceReport {
            service: st.id.clone(),
            contract: st.contract.map(|(id, _)| id.to_string()),
            time_zone: st.tz,
            start: st.start.with_timezone(&st.tz).fixed_offset(),
            end: st.end.with_timezone(&st.tz).fixed_offset(),
            figures,
            checks,
            intervals,
            breakdown,
        });
    }
    Report {
        from: engine.query.from,
        to: engine.query.to,
        as_of: as_of.fixed_offset(),
        group_by: engine.query.group_by,
        services,
    }
}

struct Ctx<'e, 's, C: ?Sized> {
    st: &'e ServiceState<'s>,
    calendar: &'e C,
    up: Option<&'e Up>,
    as_of: DateTime<Utc>,
}

fn ms(d: TimeDelta) -> u64 {
    u64::try_from(d.num_milliseconds()).unwrap_or(0)
}

impl<C: ServiceCalendar + ?Sized> Ctx<'_, '_, C> {
    fn evaluate(&self, acc: &Acc, span: &Span, volume: u64) -> (Figures, Vec<Check>) {
        let mut f = figures(acc, &self.st.rules);
        if let Some(up) = self.up {
            self.availability(&mut f, up, span);
        }
        let Some((_, contract)) = self.st.contract else {
            return (f, Vec::new());
        };
        f.overflow_points = contract
            .forecast_monthly_volume
            .map_or(0, |fc| overflow_points(fc, volume, span.first, span.last));
        let checks = checks(&f, contract, self.up.is_some());
        (f, checks)
    }

    fn availability(&self, f: &mut Figures, up: &Up, span: &Span) {
        let (a, b) = (span.start, span.end.min(self.as_of));
        if b <= a {
            return;
        }
        let service = &self.st.id;
        let total = ms(b - a);
        let total_up = ms(up_within(up, a, b));
        let work = self
            .calendar
            .working_time_between(service, a, b)
            .as_millis();
        let work = u64::try_from(work).unwrap_or(u64::MAX).min(total);
        let work_up: u64 = up
            .iter()
            .map(|&(x, y)| (x.max(a), y.min(b)))
            .filter(|(x, y)| y > x)
            .map(|(x, y)| {
                u64::try_from(
                    self.calendar
                        .working_time_between(service, x, y)
                        .as_millis(),
                )
                .unwrap_or(0)
            })
            .sum::<u64>()
            .min(total_up);
        f.availability_total_pct = pct(total_up, total);
        f.availability_service_time_pct = pct(work_up, work);
        f.availability_other_time_pct = pct(total_up - work_up, total - work);
    }
}

fn figures(a: &Acc, rules: &Rules) -> Figures {
    let answered = a.count(Outcome::Answered);
    let abandoned = a.abandoned_long;
    let short = a.count(Outcome::Abandoned) - a.abandoned_long;
    let offered = a.offered();
    let rejected = a.count(Outcome::Rejected);
    let (c3_num, c3_den) = if rules.exclude_short_from_c3 {
        (abandoned, a.queued - a.queued_short_abandon)
    } else {
        (abandoned + short, a.queued)
    };
    let o = &a.offline;
    Figures {
        offered,
        answered,
        abandoned,
        short_abandoned: short,
        rejected,
        voicemail: a.count(Outcome::Voicemail),
        callback: a.count(Outcome::Callback),
        tm_s: ratio_ms(a.answer_sum_ms, a.answer_n),
        abandoned_pct: pct(abandoned, abandoned + answered),
        resolved_pct: pct(a.resolved, answered),
        sla_c1_pct: pct(offered - rejected, offered),
        sla_c2_within_30s_pct: pct(a.queued_within, a.queued),
        sla_c2_max_wait_s: a.max_queue_ms.map(|m| m as f64 / 1000.0),
        sla_c3_abandoned_pct: pct(c3_num, c3_den),
        sla_o1_pct: pct(o.met[0], o.decided[0]),
        sla_o2_pct: pct(o.met[1], o.decided[1]),
        sla_o3_pct: pct(o.met[2], o.decided[2]),
        ivr_hangup: a.count(Outcome::IvrHangup),
        self_service: a.count(Outcome::SelfService),
        out_of_hours: a.count(Outcome::OutOfHours),
        failed: a.count(Outcome::Failed),
        queued: a.queued,
        resolved: a.resolved,
        in_progress: a.in_progress,
        outside_window: a.outside_window,
        arrivals: a.arrivals,
        voicemail_messages: o.received,
        availability_service_time_pct: None,
        availability_other_time_pct: None,
        availability_total_pct: None,
        overflow_points: 0,
    }
}

/// The contract's checks, percentage thresholds relaxed by the overflow
/// points (minimums lowered, maximums raised, within 0..=100); seconds
/// thresholds and availability are not relaxed.
fn checks(f: &Figures, c: &Contract, availability_known: bool) -> Vec<Check> {
    let k = f64::from(f.overflow_points);
    let min = |p: Percent| (p.get() - k).max(0.0);
    let max = |p: Percent| (p.get() + k).min(100.0);
    let s = &c.slas;
    let mut out = Vec::new();
    let mut push = |sla, value, threshold: Option<f64>| {
        if let Some(t) = threshold {
            out.push(Check::judge(sla, value, t));
        }
    };
    push(SlaName::Tm, f.tm_s, s.tm_max.map(|d| d.as_secs_f64()));
    push(SlaName::P, f.abandoned_pct, s.p_max_pct.map(max));
    push(SlaName::Q, f.resolved_pct, s.q_min_pct.map(min));
    push(SlaName::C1, f.sla_c1_pct, s.c1_min_pct.map(min));
    push(
        SlaName::C2Within,
        f.sla_c2_within_30s_pct,
        s.c2.map(|c| min(c.min_pct)),
    );
    push(
        SlaName::C2MaxWait,
        f.sla_c2_max_wait_s,
        s.c2.map(|c| c.max_wait.as_secs_f64()),
    );
    push(SlaName::C3, f.sla_c3_abandoned_pct, s.c3_max_pct.map(max));
    push(SlaName::C4, f.resolved_pct, s.c4_min_pct.map(min));
    push(SlaName::O1, f.sla_o1_pct, s.o1.map(|w| min(w.min_pct)));
    push(SlaName::O2, f.sla_o2_pct, s.o2.map(|w| min(w.min_pct)));
    push(SlaName::O3, f.sla_o3_pct, s.o3.map(|w| min(w.min_pct)));
    if let (Some(a), true) = (s.availability, availability_known) {
        push(
            SlaName::AcdServiceTime,
            f.availability_service_time_pct,
            a.service_time_min_pct.map(f64::from),
        );
        push(
            SlaName::AcdOtherTime,
            f.availability_other_time_pct,
            a.other_time_min_pct.map(f64::from),
        );
        push(
            SlaName::Ivr24x7,
            f.availability_total_pct,
            a.total_min_pct.map(f64::from),
        );
    }
    out
}
