//! The SLA engine: CDRs, voicemails and availability records in, a
//! [`Report`] out. Pure and single-pass: feed it with [`SlaEngine::add_cdr`]
//! straight from a database cursor or a JSONL reader, then
//! [`SlaEngine::finish`].
//!
//! Which calls count: a call belongs to the period (and to a day, week,
//! month, year) by its **arrival** in the service's local time, and counts
//! only if it arrived **inside its service's window**. Calls still in
//! progress are reported apart (`in_progress`). Formulas and boundaries are
//! in `docs/sla.md`.

pub(crate) mod acc;
pub mod availability;
mod build;
pub use build::overflow_points;
pub mod offline;
pub mod report;

use crate::calendar::ServiceCalendar;
use crate::cdr::Cdr;
use crate::config::{Contract, ContractsConfig};
use crate::slots::{clamp_instant, local_midnight, slot_start, Grouping};
use crate::Error;
use acc::{facts, Acc, Offline, Rules, SlotAcc};
use availability::AvailabilityRecord;
use centralino_model::ServiceId;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use offline::VoicemailRecord;
use report::Report;
use std::borrow::Borrow as _;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// The longest period accepted, in days (about twenty years).
pub const MAX_PERIOD_DAYS: i64 = 7_400;

/// What to report on.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportQuery {
    /// First day (local to each service).
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// Only this service (`--service`); all otherwise.
    pub service: Option<ServiceId>,
    /// A breakdown besides the totals.
    pub group_by: Option<Grouping>,
    /// "Now" for the report: pending voicemails and availability are judged
    /// at this instant (the server passes its clock; tests pass a constant).
    pub as_of: DateTime<Utc>,
    /// Longest gap between heartbeats still counted as up.
    pub heartbeat_max_gap: Duration,
}

impl ReportQuery {
    /// All services, no breakdown, heartbeat gap 2 min.
    pub fn new(from: NaiveDate, to: NaiveDate, as_of: DateTime<Utc>) -> Self {
        ReportQuery {
            from,
            to,
            service: None,
            group_by: None,
            as_of,
            heartbeat_max_gap: Duration::from_secs(120),
        }
    }

    /// Only `service`.
    pub fn service(mut self, service: ServiceId) -> Self {
        self.service = Some(service);
        self
    }

    /// Break down by `g`.
    pub fn grouped_by(mut self, g: Grouping) -> Self {
        self.group_by = Some(g);
        self
    }
}

struct ServiceState<'a> {
    id: ServiceId,
    contract: Option<(&'a str, &'a Contract)>,
    rules: Rules,
    tz: Tz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    reported: bool,
    total: Acc,
    buckets: Vec<Acc>,
    slots: BTreeMap<i64, SlotAcc>,
}

/// The streaming SLA computation. See the module docs.
pub struct SlaEngine<'a, C: ServiceCalendar + ?Sized> {
    contracts: &'a ContractsConfig,
    calendar: &'a C,
    query: ReportQuery,
    default_contract: Contract,
    /// Local day index (from `query.from`) → bucket index.
    day_bucket: Vec<u32>,
    /// Bucket label, first and last local date.
    buckets: Vec<(String, NaiveDate, NaiveDate)>,
    index: HashMap<ServiceId, usize>,
    states: Vec<ServiceState<'a>>,
    availability: Option<Vec<AvailabilityRecord>>,
}

impl<C: ServiceCalendar + ?Sized> std::fmt::Debug for SlaEngine<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlaEngine")
            .field("query", &self.query)
            .field("services", &self.states.len())
            .finish_non_exhaustive()
    }
}

impl<'a, C: ServiceCalendar + ?Sized> SlaEngine<'a, C> {
    /// Start a report. Fails only on a period that ends before it starts or
    /// is longer than [`MAX_PERIOD_DAYS`].
    pub fn new(
        contracts: &'a ContractsConfig,
        calendar: &'a C,
        query: ReportQuery,
    ) -> Result<Self, Error> {
        let days = (query.to - query.from).num_days() + 1;
        if days < 1 {
            return Err(Error::InvalidPeriod {
                from: query.from,
                to: query.to,
            });
        }
        if query.from.year() < 2 || query.to.year() > 9998 {
            return Err(Error::PeriodOutOfRange {
                from: query.from,
                to: query.to,
            });
        }
        if days > MAX_PERIOD_DAYS {
            return Err(Error::PeriodTooLong {
                days,
                max: MAX_PERIOD_DAYS,
            });
        }
        let mut day_bucket = Vec::new();
        let mut buckets: Vec<(String, NaiveDate, NaiveDate)> = Vec::new();
        if let Some(g) = query.group_by {
            for d in query.from.iter_days().take(days as usize) {
                match buckets.last_mut() {
                    Some(b) if g.same_bucket(b.2, d) => b.2 = d,
                    _ => buckets.push((g.label(d), d, d)),
                }
                day_bucket.push((buckets.len() - 1) as u32);
            }
        }
        let mut engine = SlaEngine {
            contracts,
            calendar,
            query,
            default_contract: Contract::default(),
            day_bucket,
            buckets,
            index: HashMap::new(),
            states: Vec::new(),
            availability: None,
        };
        let wanted = match &engine.query.service {
            Some(s) => vec![s.clone()],
            None => contracts.services(),
        };
        for s in &wanted {
            engine.state(s);
        }
        Ok(engine)
    }

    fn state(&mut self, service: &ServiceId) -> usize {
        if let Some(&i) = self.index.get(service) {
            return i;
        }
        let contract = self.contracts.contract_for(service);
        let tz = self.calendar.time_zone(service);
        let start = local_midnight(tz, self.query.from);
        let end = self
            .query
            .to
            .succ_opt()
            .map_or(DateTime::<Utc>::MAX_UTC, |d| local_midnight(tz, d));
        let reported = self.query.service.as_ref().is_none_or(|s| s == service);
        self.states.push(ServiceState {
            id: service.clone(),
            contract,
            rules: Rules::of(contract.map_or(&self.default_contract, |c| c.1)),
            tz,
            start,
            end,
            reported,
            total: Acc::default(),
            buckets: vec![Acc::default(); self.buckets.len()],
            slots: BTreeMap::new(),
        });
        let i = self.states.len() - 1;
        self.index.insert(service.clone(), i);
        i
    }

    /// The bucket of an instant already known to be inside the period.
    fn bucket_of(&self, tz: Tz, at: DateTime<Utc>) -> Option<usize> {
        let day = (at.with_timezone(&tz).date_naive() - self.query.from).num_days();
        usize::try_from(day)
            .ok()
            .and_then(|d| self.day_bucket.get(d))
            .map(|&b| b as usize)
    }

    /// Add one CDR (any service, any date: what is outside the query is
    /// skipped).
    pub fn add_cdr(&mut self, cdr: &Cdr) {
        let i = self.state(&cdr.service);
        let at = cdr.arrived_at.with_timezone(&Utc);
        let (tz, start, end) = (self.states[i].tz, self.states[i].start, self.states[i].end);
        if at < start || at >= end {
            return;
        }
        let bucket = self.bucket_of(tz, at);
        let open = self.states[i].reported && self.calendar.is_open(&cdr.service, at);
        let st = &mut self.states[i];
        let mut update = |f: &dyn Fn(&mut Acc)| {
            f(&mut st.total);
            if let Some(b) = bucket.and_then(|b| st.buckets.get_mut(b)) {
                f(b);
            }
        };
        update(&|a| a.arrivals += 1);
        if !st.reported {
            return;
        }
        if !open {
            update(&|a| a.outside_window += 1);
            return;
        }
        let rules = st.rules;
        let Some(f) = facts(cdr, &rules) else {
            update(&|a| a.in_progress += 1);
            return;
        };
        update(&|a| a.add(&f, &rules));
        let slot_at = cdr
            .queued_at
            .as_ref()
            .unwrap_or(&cdr.arrived_at)
            .with_timezone(&Utc);
        let slot_at = clamp_instant(slot_at);
        st.slots
            .entry(slot_start(tz, slot_at))
            .or_default()
            .add(&f, &rules);
    }

    /// Add one voicemail message (attributed to the period by `received_at`).
    pub fn add_voicemail(&mut self, vm: &VoicemailRecord) {
        let i = self.state(&vm.service);
        let st = &self.states[i];
        let at = vm.received_at.with_timezone(&Utc);
        if !st.reported || at < st.start || at >= st.end {
            return;
        }
        let bucket = self.bucket_of(st.tz, at);
        let slas = st.contract.map(|c| c.1.slas).unwrap_or_default();
        let mut one = Offline::default();
        offline::add(&mut one, vm, &slas, self.calendar, self.query.as_of);
        let st = &mut self.states[i];
        st.total.offline.merge(&one);
        if let Some(b) = bucket.and_then(|b| st.buckets.get_mut(b)) {
            b.offline.merge(&one);
        }
    }

    /// Give the engine's availability records. Without this call the report
    /// has no availability figures and no availability checks; with it (even
    /// empty) every instant not covered by the records is down.
    pub fn set_availability(&mut self, records: &[AvailabilityRecord]) {
        self.availability = Some(records.to_vec());
    }

    /// The report.
    pub fn finish(self) -> Report {
        build::finish(self)
    }
}

/// One-shot form of [`SlaEngine`].
pub fn compute_report<I, C>(
    cdrs: I,
    voicemails: &[VoicemailRecord],
    availability: Option<&[AvailabilityRecord]>,
    contracts: &ContractsConfig,
    calendar: &C,
    query: ReportQuery,
) -> Result<Report, Error>
where
    I: IntoIterator,
    I::Item: std::borrow::Borrow<Cdr>,
    C: ServiceCalendar + ?Sized,
{
    let mut engine = SlaEngine::new(contracts, calendar, query)?;
    for cdr in cdrs {
        engine.add_cdr(cdr.borrow());
    }
    for vm in voicemails {
        engine.add_voicemail(vm);
    }
    if let Some(a) = availability {
        engine.set_availability(a);
    }
    Ok(engine.finish())
}
