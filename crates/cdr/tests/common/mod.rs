//! Fixture builders shared by the integration tests.
#![allow(dead_code)]

use centralino_cdr::*;
use centralino_model::{AgentId, QueueId, ServiceId};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

pub fn t(s: &str) -> Stamp {
    stamp::parse(s).unwrap()
}

pub fn utc(s: &str) -> DateTime<Utc> {
    t(s).with_timezone(&Utc)
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A CDR builder: instants are milliseconds after arrival.
pub struct Call(pub Cdr);

pub fn call(id: &str, service: &str, arrived: &str) -> Call {
    Call(Cdr {
        call_id: CallId::new(id),
        service: ServiceId::new(service),
        called: "0461000000".into(),
        caller: Some("3330000000".into()),
        arrived_at: t(arrived),
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
        codec: None,
        voicemail_id: None,
        callback_id: None,
    })
}

impl Call {
    fn at(&self, ms: i64) -> Stamp {
        self.0.arrived_at + TimeDelta::milliseconds(ms)
    }
    pub fn queued(mut self, ms: i64) -> Self {
        self.0.queue = Some(QueueId::new("q"));
        self.0.queued_at = Some(self.at(ms));
        self
    }
    /// Answered `ms` after arrival, talk `talk_ms`, then ended by the agent.
    pub fn answered(mut self, ms: i64, talk_ms: i64, r: Option<Resolution>) -> Self {
        self.0.answered_at = Some(self.at(ms));
        self.0.agent = Some(AgentId::new("op1"));
        self.0.resolution = r;
        self.end(ms + talk_ms, EndedBy::Agent, Outcome::Answered)
    }
    pub fn end(mut self, ms: i64, by: EndedBy, o: Outcome) -> Self {
        self.0.ended_at = Some(self.at(ms));
        self.0.ended_by = Some(by);
        self.0.outcome = Some(o);
        self
    }
    /// Hung up while queued, `ms` after arrival.
    pub fn abandoned(self, ms: i64) -> Self {
        self.end(ms, EndedBy::Caller, Outcome::Abandoned)
    }
    pub fn done(self) -> Cdr {
        self.0
    }
}

pub fn contracts(yaml: &str) -> ContractsConfig {
    serde_saphyr::from_str(yaml).unwrap()
}

pub fn query(from: NaiveDate, to: NaiveDate) -> ReportQuery {
    ReportQuery::new(from, to, utc("2027-01-01T00:00:00Z"))
}

pub fn check(s: &ServiceReport, sla: SlaName) -> Check {
    s.checks
        .iter()
        .find(|c| c.sla == sla)
        .cloned()
        .unwrap_or_else(|| panic!("no check {sla:?}"))
}

pub fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// offered = answered + abandoned + short_abandoned + ivr_hangup + self_service
///         + voicemail + out_of_hours + callback + rejected + failed
pub fn identity_holds(f: &Figures) -> bool {
    f.offered
        == f.answered
            + f.abandoned
            + f.short_abandoned
            + f.ivr_hangup
            + f.self_service
            + f.voicemail
            + f.out_of_hours
            + f.callback
            + f.rejected
            + f.failed
}
