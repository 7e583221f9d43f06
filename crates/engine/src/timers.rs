//! The engine's own timers: one min-heap of (deadline, timer); an entry is
//! checked against the object's current deadline when it fires, so
//! rescheduling just pushes a new entry (lazy deletion).

use centralino_model::CallKey;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Timer {
    /// A call's own deadline (IVR, answer delay, media housekeeping):
    /// valid only if it still equals the call's `deadline`.
    Call(CallKey),
    /// Shutdown grace is over.
    ShutdownGrace,
}

#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<(Instant, Timer)>>,
}

impl TimerQueue {
    pub fn schedule(&mut self, at: Instant, timer: Timer) {
        self.heap.push(Reverse((at, timer)));
    }

    pub fn next(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Pop one timer due at `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<(Instant, Timer)> {
        match self.heap.peek() {
            Some(Reverse((at, _))) if *at <= now => self.heap.pop().map(|Reverse(e)| e),
            _ => None,
        }
    }
}
