//! RFC 3261 timers: a per-transaction table indexed by timer name, and one
//! min-heap over all transactions so the next deadline is O(1) to read and
//! O(log n) to maintain. Cancelled or re-armed timers leave stale heap
//! entries that are skipped when popped (checked against the table).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use super::{ClientTxKey, ServerTxKey};

/// Timer names (RFC 3261 §17 and Table 4; L and M from RFC 6026; C guards a
/// client INVITE left in Proceeding; `TuGuard` drops a non-INVITE server
/// transaction the TU never answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timer {
    /// INVITE request retransmit (client, Calling).
    A,
    /// INVITE transaction timeout (client, Calling).
    B,
    /// Guard on a client INVITE left in Proceeding (RFC 3261 §16.6 value).
    C,
    /// Wait for response retransmissions (client INVITE, Completed).
    D,
    /// Non-INVITE request retransmit (client, Trying/Proceeding).
    E,
    /// Non-INVITE transaction timeout (client).
    F,
    /// INVITE final response retransmit (server, Completed/Accepted).
    G,
    /// Wait for ACK (server, Completed/Accepted).
    H,
    /// Wait for ACK retransmissions (server, Confirmed).
    I,
    /// Wait for request retransmissions (server non-INVITE, Completed).
    J,
    /// Wait for response retransmissions (client non-INVITE, Completed).
    K,
    /// Absorb ACK/INVITE retransmissions after a 2xx was acknowledged (server, Accepted).
    L,
    /// Absorb 2xx retransmissions (client INVITE, Accepted).
    M,
    /// Centralino: the TU never answered a non-INVITE request.
    TuGuard,
}

const TIMERS: usize = 14;

/// Deadlines of one transaction, indexed by [`Timer`].
#[derive(Debug, Clone, Default)]
pub(crate) struct TimerTable([Option<Instant>; TIMERS]);

impl TimerTable {
    pub(crate) fn get(&self, t: Timer) -> Option<Instant> {
        self.0.get(t as usize).copied().flatten()
    }
    pub(crate) fn set(&mut self, t: Timer, at: Instant) {
        if let Some(slot) = self.0.get_mut(t as usize) {
            *slot = Some(at);
        }
    }
    pub(crate) fn clear(&mut self, t: Timer) {
        if let Some(slot) = self.0.get_mut(t as usize) {
            *slot = None;
        }
    }
}

/// Which transaction a heap entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TxRef {
    Server(ServerTxKey),
    Client(ClientTxKey),
}

/// All armed deadlines, earliest first.
#[derive(Debug, Default)]
pub(crate) struct TimerHeap(BinaryHeap<Reverse<(Instant, TxRef, Timer)>>);

impl TimerHeap {
    pub(crate) fn push(&mut self, at: Instant, tx: TxRef, t: Timer) {
        self.0.push(Reverse((at, tx, t)));
    }
    pub(crate) fn peek(&self) -> Option<Instant> {
        self.0.peek().map(|Reverse((at, _, _))| *at)
    }
    /// Pops the earliest entry due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(Instant, TxRef, Timer)> {
        if self.peek()? > now {
            return None;
        }
        self.0.pop().map(|Reverse(e)| e)
    }
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}
