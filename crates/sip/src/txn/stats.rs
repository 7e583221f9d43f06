//! Counters of the transaction layer, for logs and metrics.

use std::collections::{BTreeMap, HashMap};

use rsipstack::sip::Method;

use crate::DropReason;

/// Counts per method (the 14 methods of the model).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MethodCounts([u64; 14]);

const METHODS: [Method; 14] = [
    Method::Ack,
    Method::Bye,
    Method::Cancel,
    Method::Info,
    Method::Invite,
    Method::Message,
    Method::Notify,
    Method::Options,
    Method::PRack,
    Method::Publish,
    Method::Refer,
    Method::Register,
    Method::Subscribe,
    Method::Update,
];

fn index(m: Method) -> usize {
    METHODS.iter().position(|x| *x == m).unwrap_or(0)
}

impl MethodCounts {
    /// The count for `method`.
    pub fn get(&self, method: Method) -> u64 {
        self.0.get(index(method)).copied().unwrap_or(0)
    }
    pub(crate) fn add(&mut self, method: Method) {
        if let Some(c) = self.0.get_mut(index(method)) {
            *c += 1;
        }
    }
    /// Non-zero counts.
    pub fn iter(&self) -> impl Iterator<Item = (Method, u64)> + '_ {
        METHODS
            .iter()
            .zip(self.0.iter())
            .filter(|(_, c)| **c > 0)
            .map(|(m, c)| (*m, *c))
    }
}

/// Transaction-layer counters.
#[derive(Debug, Clone, Default)]
pub struct TxStats {
    /// New and retransmitted requests received, by method.
    pub requests_received: MethodCounts,
    /// Requests sent (first transmissions, ACKs and CANCELs included), by method.
    pub requests_sent: MethodCounts,
    /// Responses received, by status code.
    pub responses_received: BTreeMap<u16, u64>,
    /// Responses sent (first transmissions, wire rejects included), by status code.
    pub responses_sent: BTreeMap<u16, u64>,
    /// Retransmissions we sent (Timers A, E, G, and answers to retransmitted requests).
    pub retransmissions_sent: u64,
    /// Retransmitted requests, responses and ACKs absorbed without reaching the TU.
    pub retransmissions_absorbed: u64,
    /// Datagrams dropped, by reason (wire rejects are counted here too).
    pub dropped: HashMap<DropReason, u64>,
    /// Requests answered by the [`UasPolicy`](crate::UasPolicy) checks.
    pub policy_rejections: u64,
    /// Client transactions that timed out (Timers B, C, F).
    pub timeouts: u64,
    /// 2xx responses never acknowledged (Timer H in Accepted).
    pub ack_timeouts: u64,
    /// Non-INVITE server transactions the TU never answered.
    pub abandoned: u64,
}

impl TxStats {
    pub(crate) fn drop(&mut self, reason: DropReason) {
        *self.dropped.entry(reason).or_default() += 1;
    }
    pub(crate) fn response_sent(&mut self, code: u16) {
        *self.responses_sent.entry(code).or_default() += 1;
    }
    pub(crate) fn response_received(&mut self, code: u16) {
        *self.responses_received.entry(code).or_default() += 1;
    }
    /// Total datagrams dropped.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }
}
