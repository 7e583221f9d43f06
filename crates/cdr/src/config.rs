//! The `contracts:` section of `centralino.yaml`: which SLAs apply to which
//! services, with which thresholds.
//!
//! ```yaml
//! contracts:
//!   trento-2020:
//!     services: [agenzia-lavoro, trentino-digitale, uru, io-partecipo]
//!     abandon_threshold: 10s
//!     abandon_measured_from: arrived
//!     default_resolution: resolved
//!     slas: { tm_max: 16s, p_max_pct: 3.0, q_min_pct: 75 }
//! ```
//!
//! A service belongs to at most one contract; a service in none is reported
//! with the defaults below and no checks.

use crate::cdr::Resolution;
use crate::fold::FoldOptions;
use crate::Error;
use centralino_model::{duration, ServiceId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// A percentage in 0..=100, checked when config is read.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Percent(f64);

impl Percent {
    /// The value, 0..=100.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Percent {
    type Error = Error;
    fn try_from(value: f64) -> Result<Self, Error> {
        if (0.0..=100.0).contains(&value) {
            Ok(Percent(value))
        } else {
            Err(Error::InvalidPercent { value })
        }
    }
}

impl From<Percent> for f64 {
    fn from(p: Percent) -> f64 {
        p.0
    }
}

/// From which instant an abandon's 10 s are measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbandonFrom {
    /// From `queued_at` (issue 5's reading; the default).
    #[default]
    Queued,
    /// From `arrived_at`, "dal momento di registrazione del sistema
    /// telefonico" (Trento 2014 and 2020, note to Tabella 2).
    Arrived,
}

/// A "within T, at least X %" SLA (C.2's first half, O.1–O.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Within {
    /// The time limit (O.1: working time; O.2/O.3: elapsed time).
    #[serde(with = "duration")]
    pub within: Duration,
    /// The minimum share of items meeting it.
    pub min_pct: Percent,
}

/// SLA.C.2: queue time under `within` for `min_pct` of queued calls, and
/// never more than `max_wait`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct C2 {
    /// Queue time strictly below this counts ("inferiore ai 30 secondi").
    #[serde(with = "duration", default = "thirty_seconds")]
    pub within: Duration,
    /// The minimum share of queued calls under `within`.
    pub min_pct: Percent,
    /// No queued call may wait longer ("non superiore ai 90 secondi").
    #[serde(with = "duration")]
    pub max_wait: Duration,
}

/// Availability thresholds (Molise §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilitySla {
    /// ACD/CTI up during service time, minimum %.
    #[serde(default)]
    pub service_time_min_pct: Option<Percent>,
    /// ACD/CTI up outside service time ("nelle restanti fasce orarie"), minimum %.
    #[serde(default)]
    pub other_time_min_pct: Option<Percent>,
    /// IVR up over the whole period, 24×7, minimum %.
    #[serde(default)]
    pub total_min_pct: Option<Percent>,
}

/// Which SLAs a contract measures, and their thresholds. Absent = not measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slas {
    /// Trento Tm: average answer time, maximum.
    #[serde(default, with = "duration::option")]
    pub tm_max: Option<Duration>,
    /// Trento P: abandoned %, maximum.
    #[serde(default)]
    pub p_max_pct: Option<Percent>,
    /// Trento Q: resolved at first level %, minimum.
    #[serde(default)]
    pub q_min_pct: Option<Percent>,
    /// Molise C.1: calls finding a free line %, minimum.
    #[serde(default)]
    pub c1_min_pct: Option<Percent>,
    /// Molise C.2.
    #[serde(default)]
    pub c2: Option<C2>,
    /// Molise C.3: abandoned over queued %, maximum.
    #[serde(default)]
    pub c3_max_pct: Option<Percent>,
    /// Molise C.4: resolved at first contact %, minimum.
    #[serde(default)]
    pub c4_min_pct: Option<Percent>,
    /// Molise O.1: voicemails taken in charge within working time.
    #[serde(default)]
    pub o1: Option<Within>,
    /// Molise O.2: voicemails resolved within elapsed time.
    #[serde(default)]
    pub o2: Option<Within>,
    /// Molise O.3: voicemails resolved within elapsed time.
    #[serde(default)]
    pub o3: Option<Within>,
    /// Molise §7.1 availability.
    #[serde(default)]
    pub availability: Option<AvailabilitySla>,
}

fn ten_seconds() -> Duration {
    Duration::from_secs(10)
}

fn thirty_seconds() -> Duration {
    Duration::from_secs(30)
}

/// One contract (tender).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Free text for people (tender, appendix).
    #[serde(default)]
    pub description: Option<String>,
    /// The services it covers.
    pub services: Vec<ServiceId>,
    /// A hang-up counts as abandoned only when it comes more than this after
    /// the anchor; at or under it, it is a short abandon. Default 10 s.
    #[serde(default = "ten_seconds", with = "duration")]
    pub abandon_threshold: Duration,
    /// The anchor of `abandon_threshold`. Default `queued`.
    #[serde(default)]
    pub abandon_measured_from: AbandonFrom,
    /// Whether C.3 leaves short abandons out of its numerator. Default false.
    #[serde(default)]
    pub exclude_short_abandons_from_c3: bool,
    /// Forecast calls per calendar month, for the overflow rule (none: no rule).
    #[serde(default)]
    pub forecast_monthly_volume: Option<u64>,
    /// Resolution of an answered call nobody escalated or resolved explicitly.
    #[serde(default)]
    pub default_resolution: Option<Resolution>,
    /// The SLAs and thresholds.
    #[serde(default)]
    pub slas: Slas,
}

impl Default for Contract {
    /// The settings used for a service no contract covers.
    fn default() -> Self {
        Contract {
            description: None,
            services: Vec::new(),
            abandon_threshold: ten_seconds(),
            abandon_measured_from: AbandonFrom::Queued,
            exclude_short_abandons_from_c3: false,
            forecast_monthly_volume: None,
            default_resolution: None,
            slas: Slas::default(),
        }
    }
}

/// The whole `contracts:` section: contract id → contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    try_from = "BTreeMap<String, Contract>",
    into = "BTreeMap<String, Contract>"
)]
pub struct ContractsConfig {
    contracts: BTreeMap<String, Contract>,
    by_service: HashMap<ServiceId, String>,
}

impl TryFrom<BTreeMap<String, Contract>> for ContractsConfig {
    type Error = Error;
    fn try_from(contracts: BTreeMap<String, Contract>) -> Result<Self, Error> {
        let mut by_service: HashMap<ServiceId, String> = HashMap::new();
        for (id, c) in &contracts {
            for s in &c.services {
                if let Some(first) = by_service.insert(s.clone(), id.clone()) {
                    return Err(Error::ServiceInTwoContracts {
                        service: s.clone(),
                        first,
                        second: id.clone(),
                    });
                }
            }
        }
        Ok(ContractsConfig {
            contracts,
            by_service,
        })
    }
}

impl From<ContractsConfig> for BTreeMap<String, Contract> {
    fn from(c: ContractsConfig) -> Self {
        c.contracts
    }
}

impl ContractsConfig {
    /// Build from a map, checking that no service is in two contracts.
    pub fn new(contracts: BTreeMap<String, Contract>) -> Result<Self, Error> {
        Self::try_from(contracts)
    }

    /// The contracts, by id.
    pub fn contracts(&self) -> &BTreeMap<String, Contract> {
        &self.contracts
    }

    /// The contract covering `service`, with its id.
    pub fn contract_for(&self, service: &ServiceId) -> Option<(&str, &Contract)> {
        let id = self.by_service.get(service)?;
        self.contracts.get(id).map(|c| (id.as_str(), c))
    }

    /// Every service some contract covers, sorted.
    pub fn services(&self) -> Vec<ServiceId> {
        let mut v: Vec<ServiceId> = self.by_service.keys().cloned().collect();
        v.sort();
        v
    }

    /// The fold options for a call of `service`.
    pub fn fold_options(&self, service: &ServiceId) -> FoldOptions {
        FoldOptions {
            default_resolution: self
                .contract_for(service)
                .and_then(|(_, c)| c.default_resolution),
        }
    }
}
