//! The outbound RTP stream of a session: SSRC, sequence numbers and
//! timestamps derived from the pacing grid.
//!
//! Invariants (property-tested):
//! - each packet sent has sequence number = previous + 1;
//! - timestamps never go back: a packet on tick `k` carries
//!   `base + 160 × k` (so silences advance the clock), and if a relayed
//!   stream pushed the last timestamp ahead of that, the base is moved
//!   forward once so the stream stays monotonic.

use crate::pacing::PacingGrid;
use crate::rtp::{ts_after, RtpError, RtpHeader, HEADER_LEN};
use std::time::Instant;

/// Counters of what a session sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendStats {
    /// Packets produced.
    pub packets: u64,
    /// Payload bytes produced.
    pub bytes: u64,
    /// Ticks skipped because the server fell more than
    /// [`MAX_CATCH_UP`](crate::MediaSession::MAX_CATCH_UP) ticks behind.
    pub skipped_ticks: u64,
    /// Frames of a prompt that had no frames for the session's codec.
    pub missing_codec_frames: u64,
    /// Relayed packets written.
    pub relayed: u64,
    /// Relayed packets dropped (no matching payload type, no
    /// telephone-event on this leg, transcoding impossible).
    pub relay_dropped: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Outbound {
    pub ssrc: u32,
    /// Sequence number of the next packet.
    pub seq: u16,
    ts_base: u32,
    base_tick: u64,
    samples_per_tick: u32,
    /// Timestamp of the last audio packet sent.
    pub last_ts: Option<u32>,
    pub stats: SendStats,
}

impl Outbound {
    pub fn new(ssrc: u32, seq: u16, ts: u32, grid: &PacingGrid, now: Instant) -> Self {
        let samples_per_tick = (grid.period().as_micros() * 8 / 1000).max(1) as u32;
        Outbound {
            ssrc,
            seq,
            ts_base: ts,
            base_tick: grid.tick_index(now),
            samples_per_tick,
            last_ts: None,
            stats: SendStats::default(),
        }
    }

    /// The timestamp of tick `k` (kept monotonic with what was sent).
    pub fn ts_for_tick(&mut self, k: u64) -> u32 {
        let ticks = k.wrapping_sub(self.base_tick) as u32;
        let ts = self
            .ts_base
            .wrapping_add(ticks.wrapping_mul(self.samples_per_tick));
        self.after_last(ts)
    }

    /// The timestamp of an arbitrary instant (sample-accurate).
    pub fn ts_at(&mut self, grid: &PacingGrid, now: Instant) -> u32 {
        let since = now.saturating_duration_since(grid.tick_at(self.base_tick));
        let samples = (since.as_micros() * 8 / 1000) as u32;
        self.after_last(self.ts_base.wrapping_add(samples))
    }

    fn after_last(&mut self, ts: u32) -> u32 {
        match self.last_ts {
            Some(last) if !ts_after(ts, last) => {
                let fixed = last.wrapping_add(self.samples_per_tick);
                self.ts_base = self.ts_base.wrapping_add(fixed.wrapping_sub(ts));
                fixed
            }
            _ => ts,
        }
    }

    /// Write a packet with the next sequence number.
    pub fn write(
        &mut self,
        marker: bool,
        payload_type: u8,
        timestamp: u32,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, RtpError> {
        let header = RtpHeader {
            marker,
            payload_type,
            sequence: self.seq,
            timestamp,
            ssrc: self.ssrc,
        };
        let n = header.write(payload, out)?;
        self.seq = self.seq.wrapping_add(1);
        self.stats.packets += 1;
        self.stats.bytes += payload.len() as u64;
        self.note_ts(timestamp);
        Ok(n)
    }

    /// Account for a packet whose header and payload the caller wrote in
    /// place (relay): `len` is the whole packet.
    pub fn sent_in_place(&mut self, len: usize, timestamp: Option<u32>) {
        self.stats.packets += 1;
        self.stats.bytes += len.saturating_sub(HEADER_LEN) as u64;
        if let Some(ts) = timestamp {
            self.note_ts(ts);
        }
    }

    /// Remember `ts` as the latest timestamp if it is later than the last.
    /// (Telephone-event packets carry their start time, earlier or equal.)
    fn note_ts(&mut self, ts: u32) {
        if self.last_ts.is_none_or(|last| ts_after(ts, last)) {
            self.last_ts = Some(ts);
        }
    }
}
