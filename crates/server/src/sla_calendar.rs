//! The SLA engine's view of service windows ([`ServiceCalendar`]) over the
//! configured services' calendars (`crates/calendar`: weekly hours,
//! holidays, closures, open days, time zone).
//!
//! A CDR may name a service the config no longer has (an old archive):
//! such a service gets the tenders' default window, Monday–Friday
//! 08:00–17:00 Europe/Rome without holidays, and is listed by
//! [`SlaCalendar::unknown_services`] so the command can say so.

use centralino_calendar::Calendar;
use centralino_cdr::{ServiceCalendar, WeeklyCalendar};
use centralino_ivr::ServiceDirectory;
use centralino_model::ServiceId;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// Service windows by service id.
pub struct SlaCalendar {
    calendars: HashMap<ServiceId, Calendar>,
    fallback: WeeklyCalendar,
    unknown: RefCell<BTreeSet<ServiceId>>,
}

impl std::fmt::Debug for SlaCalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlaCalendar")
            .field("services", &self.calendars.len())
            .finish_non_exhaustive()
    }
}

impl SlaCalendar {
    /// The calendars of every configured service.
    pub fn new(services: &ServiceDirectory) -> Self {
        let calendars = services
            .services()
            .iter()
            .map(|s| (s.id().clone(), s.calendar().clone()))
            .collect();
        SlaCalendar {
            calendars,
            fallback: WeeklyCalendar::office_hours(),
            unknown: RefCell::new(BTreeSet::new()),
        }
    }

    /// Whether `service` is configured.
    pub fn knows(&self, service: &str) -> bool {
        self.calendars.contains_key(service)
    }

    /// The configured services, sorted.
    pub fn services(&self) -> Vec<ServiceId> {
        let mut v: Vec<ServiceId> = self.calendars.keys().cloned().collect();
        v.sort();
        v
    }

    /// Services asked about that the config does not have.
    pub fn unknown_services(&self) -> Vec<ServiceId> {
        self.unknown.borrow().iter().cloned().collect()
    }

    fn get(&self, service: &ServiceId) -> Option<&Calendar> {
        let c = self.calendars.get(service);
        if c.is_none() {
            let mut unknown = self.unknown.borrow_mut();
            if !unknown.contains(service) {
                unknown.insert(service.clone());
            }
        }
        c
    }
}

impl ServiceCalendar for SlaCalendar {
    fn is_open(&self, service: &ServiceId, at: DateTime<Utc>) -> bool {
        match self.get(service) {
            Some(c) => c.is_open(at),
            None => self.fallback.is_open(service, at),
        }
    }

    fn next_open(&self, service: &ServiceId, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.get(service) {
            Some(c) => c.next_open(after),
            None => self.fallback.next_open(service, after),
        }
    }

    fn working_time_between(
        &self,
        service: &ServiceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Duration {
        match self.get(service) {
            Some(c) => c.working_time_between(from, to),
            None => self.fallback.working_time_between(service, from, to),
        }
    }

    fn time_zone(&self, service: &ServiceId) -> Tz {
        match self.get(service) {
            Some(c) => c.time_zone(),
            None => self.fallback.time_zone(service),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn shipped() -> SlaCalendar {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/centralino.yaml");
        let (cfg, _) = crate::config::load(&path).unwrap();
        SlaCalendar::new(&ServiceDirectory::from_config(cfg.services).unwrap())
    }

    #[test]
    fn the_shipped_windows_and_holidays_apply() {
        let c = shipped();
        let apiae = ServiceId::new("apiae");
        assert!(
            c.is_open(&apiae, utc("2026-11-23T09:00:00+01:00")),
            "Monday 09:00"
        );
        assert!(
            !c.is_open(&apiae, utc("2026-11-22T10:00:00+01:00")),
            "Sunday"
        );
        assert!(
            !c.is_open(&apiae, utc("2026-12-08T10:00:00+01:00")),
            "8 December"
        );
        assert!(
            c.is_open(&apiae, utc("2026-06-26T10:00:00+02:00")),
            "San Vigilio is open in Trento"
        );
        assert!(c.is_open(&ServiceId::new("molise"), utc("2026-11-23T18:59:00+01:00")));
        assert!(!c.is_open(&apiae, utc("2026-11-23T18:59:00+01:00")));
        assert_eq!(
            c.next_open(&apiae, utc("2026-11-22T10:00:00+01:00")),
            Some(utc("2026-11-23T08:00:00+01:00"))
        );
        assert_eq!(
            c.working_time_between(
                &apiae,
                utc("2026-11-20T16:00:00+01:00"),
                utc("2026-11-23T10:00:00+01:00")
            ),
            Duration::from_secs(3 * 3600)
        );
        assert_eq!(c.time_zone(&apiae), chrono_tz::Europe::Rome);
        assert!(c.unknown_services().is_empty());
    }

    #[test]
    fn an_unknown_service_gets_office_hours_and_is_reported() {
        let c = shipped();
        let old = ServiceId::new("closed-down-service");
        assert!(c.is_open(&old, utc("2026-11-23T09:00:00+01:00")));
        assert!(!c.is_open(&old, utc("2026-11-22T09:00:00+01:00")));
        assert_eq!(c.unknown_services(), vec![old]);
    }
}
