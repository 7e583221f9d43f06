//! SLA.O.1–O.3 on voicemail messages.
//!
//! - O.1: taken in charge within `o1.within` of **working time** (service
//!   window time) after the message arrived — a message left on Friday
//!   evening starts counting at Monday's opening.
//! - O.2 / O.3: resolved (closed) within `within` of **elapsed time** after
//!   the start: the arrival if inside the window, else the next opening.
//!
//! A limit is met when the measured time is ≤ the limit ("entro"). A
//! message not yet taken (or closed) is *pending*, and left out of the
//! ratio, until the limit has passed at the report's `as_of`; then it counts
//! as missed.

use crate::calendar::ServiceCalendar;
use crate::config::Slas;
use crate::sla::acc::Offline;
use crate::stamp::{self, Stamp};
use centralino_model::ServiceId;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A voicemail (or other off-line contact) as the server stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoicemailRecord {
    /// The message id (the CDR's `voicemail_id`).
    pub id: String,
    /// The service whose mailbox received it.
    pub service: ServiceId,
    /// When the message was left.
    #[serde(with = "stamp")]
    pub received_at: Stamp,
    /// When an operator took it in charge.
    #[serde(default, with = "stamp::option")]
    pub taken_at: Option<Stamp>,
    /// When it was resolved.
    #[serde(default, with = "stamp::option")]
    pub closed_at: Option<Stamp>,
}

/// Default limits when a contract does not set O.1–O.3 (Molise's).
const O1_DEFAULT: Duration = Duration::from_secs(4 * 3600);
const O2_DEFAULT: Duration = Duration::from_secs(24 * 3600);
const O3_DEFAULT: Duration = Duration::from_secs(48 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Met,
    Missed,
    Pending,
}

fn elapsed_verdict(
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    limit: Duration,
    as_of: DateTime<Utc>,
) -> Verdict {
    let Some(deadline) = TimeDelta::from_std(limit)
        .ok()
        .and_then(|l| start.checked_add_signed(l))
    else {
        return Verdict::Met;
    };
    match end {
        Some(e) if e <= deadline => Verdict::Met,
        Some(_) => Verdict::Missed,
        None if as_of > deadline => Verdict::Missed,
        None => Verdict::Pending,
    }
}

/// Add one message's verdicts to `acc`.
pub(crate) fn add<C: ServiceCalendar + ?Sized>(
    acc: &mut Offline,
    vm: &VoicemailRecord,
    slas: &Slas,
    calendar: &C,
    as_of: DateTime<Utc>,
) {
    acc.received += 1;
    let received = vm.received_at.with_timezone(&Utc);
    let o1 = slas.o1.map_or(O1_DEFAULT, |w| w.within);
    let o2 = slas.o2.map_or(O2_DEFAULT, |w| w.within);
    let o3 = slas.o3.map_or(O3_DEFAULT, |w| w.within);

    let taken = vm.taken_at.map(|t| t.with_timezone(&Utc));
    let v1 = match taken {
        Some(t) => {
            if calendar.working_time_between(&vm.service, received, t) <= o1 {
                Verdict::Met
            } else {
                Verdict::Missed
            }
        }
        None if calendar.working_time_between(&vm.service, received, as_of) > o1 => Verdict::Missed,
        None => Verdict::Pending,
    };
    let start = if calendar.is_open(&vm.service, received) {
        received
    } else {
        calendar
            .next_open(&vm.service, received)
            .unwrap_or(received)
    };
    let closed = vm.closed_at.map(|t| t.with_timezone(&Utc));
    let v2 = elapsed_verdict(start, closed, o2, as_of);
    let v3 = elapsed_verdict(start, closed, o3, as_of);
    for (i, v) in [v1, v2, v3].into_iter().enumerate() {
        match v {
            Verdict::Met => {
                acc.met[i] += 1;
                acc.decided[i] += 1;
            }
            Verdict::Missed => acc.decided[i] += 1,
            Verdict::Pending => {}
        }
    }
}

impl Offline {
    pub fn merge(&mut self, o: &Offline) {
        self.received += o.received;
        for i in 0..3 {
            self.met[i] += o.met[i];
            self.decided[i] += o.decided[i];
        }
    }
}
