//! Jitter: the RFC 3550 §6.4.1 interarrival estimator used by sessions,
//! and an inter-arrival statistics collector for the benchmark receiver.

use std::time::{Duration, Instant};

/// RFC 3550 §6.4.1 / A.8 interarrival jitter, in 8 kHz timestamp units,
/// kept ×16 in fixed point as the RFC's appendix does.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rfc3550Jitter {
    last_transit: Option<i32>,
    jitter_x16: u32,
}

impl Rfc3550Jitter {
    /// Feed one packet: its arrival time in timestamp units (any origin,
    /// wrapping) and its RTP timestamp.
    pub fn update(&mut self, arrival_units: u32, rtp_timestamp: u32) {
        let transit = arrival_units.wrapping_sub(rtp_timestamp) as i32;
        if let Some(last) = self.last_transit {
            let d = transit.wrapping_sub(last).unsigned_abs().min(1 << 24);
            // J += (|D| - J) / 16, with J kept ×16.
            self.jitter_x16 = self.jitter_x16 + d - ((self.jitter_x16 + 8) >> 4);
        }
        self.last_transit = Some(transit);
    }

    /// Forget the previous transit (new SSRC).
    pub fn restart(&mut self) {
        self.last_transit = None;
    }

    /// The estimate in timestamp units.
    pub fn units(&self) -> u32 {
        self.jitter_x16 >> 4
    }

    /// The estimate as a duration at 8 kHz.
    pub fn duration(&self) -> Duration {
        Duration::from_micros(u64::from(self.jitter_x16) * 125 / 16)
    }
}

/// Percentiles of inter-arrival deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterSummary {
    /// Intervals measured.
    pub count: usize,
    /// Median deviation of an interval from nominal.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Largest deviation.
    pub max: Duration,
}

/// Collects the deviation of each packet's inter-arrival interval from the
/// nominal period (20 ms). For the benchmark receiver and tests; it
/// stores one `u32` per packet.
#[derive(Debug, Clone)]
pub struct InterArrival {
    nominal: Duration,
    last: Option<Instant>,
    deviations_us: Vec<u32>,
}

impl InterArrival {
    /// A collector for packets nominally `nominal` apart.
    pub fn new(nominal: Duration) -> Self {
        InterArrival {
            nominal,
            last: None,
            deviations_us: Vec::new(),
        }
    }

    /// Record a packet's arrival.
    pub fn record(&mut self, at: Instant) {
        if let Some(last) = self.last {
            let interval = at.saturating_duration_since(last);
            let dev = interval.abs_diff(self.nominal);
            self.deviations_us
                .push(u32::try_from(dev.as_micros()).unwrap_or(u32::MAX));
        }
        self.last = Some(at);
    }

    /// Add another collector's deviations (pooling streams).
    pub fn merge(&mut self, other: &InterArrival) {
        self.deviations_us.extend_from_slice(&other.deviations_us);
    }

    /// Start a new stream: the next arrival has no previous one.
    pub fn restart(&mut self) {
        self.last = None;
    }

    /// Percentiles (nearest rank), or `None` with fewer than two packets.
    pub fn summary(&self) -> Option<JitterSummary> {
        if self.deviations_us.is_empty() {
            return None;
        }
        let mut v = self.deviations_us.clone();
        v.sort_unstable();
        let pick = |p: usize| {
            let rank = (p * v.len()).div_ceil(100).clamp(1, v.len());
            Duration::from_micros(u64::from(v[rank - 1]))
        };
        Some(JitterSummary {
            count: v.len(),
            p50: pick(50),
            p95: pick(95),
            p99: pick(99),
            max: Duration::from_micros(u64::from(v[v.len() - 1])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_pacing_has_zero_jitter() {
        let mut j = Rfc3550Jitter::default();
        for k in 0..100u32 {
            j.update(5_000 + k * 160, 77 + k * 160);
        }
        assert_eq!(j.units(), 0);
    }

    #[test]
    fn alternating_delay_converges_to_the_delay() {
        let mut j = Rfc3550Jitter::default();
        for k in 0..2000u32 {
            let late = if k % 2 == 0 { 0 } else { 80 };
            j.update(k * 160 + late, k * 160);
        }
        // |D| is always 80 units: J converges to 80 (10 ms).
        assert!((78..=80).contains(&j.units()), "{}", j.units());
        assert!(j.duration() >= Duration::from_micros(9_700));
    }

    #[test]
    fn percentiles() {
        let t0 = Instant::now();
        let mut ia = InterArrival::new(Duration::from_millis(20));
        assert_eq!(ia.summary(), None);
        let mut t = t0;
        for k in 0..101u64 {
            ia.record(t);
            // 95 exact intervals, 5 late by 3 ms.
            t += Duration::from_millis(20) + Duration::from_millis(if k >= 95 { 3 } else { 0 });
        }
        let s = ia.summary().unwrap();
        assert_eq!(s.count, 100);
        assert_eq!(s.p50, Duration::ZERO);
        assert_eq!(s.p95, Duration::ZERO);
        assert_eq!(s.max, Duration::from_millis(3));
    }
}
