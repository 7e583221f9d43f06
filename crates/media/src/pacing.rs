//! The shared 20 ms grid every session sends on.
//!
//! The server creates one [`PacingGrid`] at start and ticks all sessions
//! at its instants (`epoch + k × period`): one timer for thousands of
//! calls, and no per-call drift, because a late wake-up does not move the
//! grid. Sessions derive RTP timestamps from the tick index, so lateness
//! of the server never shows in the timestamps.

use std::time::{Duration, Instant};

/// A fixed grid of instants `epoch + k × period`, `k ≥ 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacingGrid {
    epoch: Instant,
    period: Duration,
}

impl PacingGrid {
    /// The period of RTP packets: 20 ms.
    pub const PERIOD_20MS: Duration = Duration::from_millis(20);

    /// A grid starting at `epoch`. A zero `period` is replaced by 20 ms.
    pub fn new(epoch: Instant, period: Duration) -> Self {
        let period = if period.is_zero() {
            Self::PERIOD_20MS
        } else {
            period
        };
        PacingGrid { epoch, period }
    }

    /// A 20 ms grid starting at `epoch`.
    pub fn every_20ms(epoch: Instant) -> Self {
        PacingGrid::new(epoch, Self::PERIOD_20MS)
    }

    /// The grid's first instant.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// The spacing of the grid.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Index of the last grid instant at or before `at` (0 before the epoch).
    pub fn tick_index(&self, at: Instant) -> u64 {
        let since = at.saturating_duration_since(self.epoch);
        (since.as_nanos() / self.period.as_nanos()) as u64
    }

    /// The instant of tick `index`.
    pub fn tick_at(&self, index: u64) -> Instant {
        let nanos = u128::from(index) * self.period.as_nanos();
        self.epoch + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The first grid instant strictly after `now`: when the server should
    /// next tick.
    pub fn next_tick_after(&self, now: Instant) -> Instant {
        if now < self.epoch {
            return self.epoch;
        }
        self.tick_at(self.tick_index(now) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_arithmetic() {
        let t0 = Instant::now();
        let g = PacingGrid::every_20ms(t0);
        assert_eq!(g.next_tick_after(t0), t0 + Duration::from_millis(20));
        assert_eq!(
            g.next_tick_after(t0 + Duration::from_millis(39)),
            t0 + Duration::from_millis(40)
        );
        assert_eq!(
            g.next_tick_after(t0 + Duration::from_millis(40)),
            t0 + Duration::from_millis(60)
        );
        assert_eq!(g.tick_index(t0 + Duration::from_millis(59)), 2);
        assert_eq!(g.tick_at(3), t0 + Duration::from_millis(60));
        // A million ticks later the grid has not drifted by a nanosecond.
        assert_eq!(g.tick_at(1_000_000), t0 + Duration::from_secs(20_000));
        assert_eq!(
            PacingGrid::new(t0, Duration::ZERO).period(),
            Duration::from_millis(20)
        );
    }
}
