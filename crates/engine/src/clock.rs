//! Wall-clock time without reading the clock: the driver tells the engine
//! which wall instant corresponds to which monotonic instant, and the engine
//! derives the rest. Durations always come from the monotonic clock, so a
//! wall-clock step never corrupts them.

use chrono::{DateTime, Utc};
use std::time::Instant;

/// Maps monotonic instants to wall-clock time.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    mono: Instant,
    wall: DateTime<Utc>,
}

impl WallClock {
    /// `wall` is the wall-clock time at `mono`.
    pub fn new(mono: Instant, wall: DateTime<Utc>) -> Self {
        WallClock { mono, wall }
    }

    /// Re-anchor (the driver does it every second from the system clock).
    pub fn set(&mut self, mono: Instant, wall: DateTime<Utc>) {
        self.mono = mono;
        self.wall = wall;
    }

    /// Wall-clock time at `now`.
    pub fn at(&self, now: Instant) -> DateTime<Utc> {
        if now >= self.mono {
            let d = now - self.mono;
            self.wall + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
        } else {
            let d = self.mono - now;
            self.wall - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn follows_the_monotonic_clock() {
        let t0 = Instant::now();
        let w0 = DateTime::parse_from_rfc3339("2026-11-23T09:00:00+01:00")
            .unwrap()
            .with_timezone(&Utc);
        let c = WallClock::new(t0, w0);
        assert_eq!(
            c.at(t0 + Duration::from_millis(1500)),
            w0 + chrono::Duration::milliseconds(1500)
        );
        assert_eq!(c.at(t0), w0);
    }
}
