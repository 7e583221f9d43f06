//! Receive statistics of a session (RFC 3550 §6.4.1, appendix A.1/A.8,
//! simplified: no probation, a jump of more than 3000 re-bases).

use crate::jitter::Rfc3550Jitter;
use crate::rtp::RtpPacket;
use std::time::{Duration, Instant};

/// Counters of what a session received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiveStats {
    /// Packets accepted (right source, valid RTP).
    pub packets: u64,
    /// Payload bytes of accepted packets.
    pub bytes: u64,
    /// Packets missing from the sequence numbers seen (RFC 3550 A.3:
    /// expected − received, never negative).
    pub lost: u64,
    /// Datagrams that were not valid RTP.
    pub malformed: u64,
    /// Valid RTP from an address other than the remote one.
    pub wrong_source: u64,
    /// Packets with a payload type other than the negotiated audio and
    /// telephone-event ones (comfort noise, SIPp's PT 96 DTMF, …).
    pub unexpected_payload_type: u64,
    /// Packets received while the stream is not receiving (held).
    pub not_receiving: u64,
    /// Times the sender's SSRC changed.
    pub ssrc_changes: u64,
    /// The sender's current SSRC.
    pub ssrc: Option<u32>,
    /// Interarrival jitter of the audio packets (RFC 3550 §6.4.1).
    pub jitter: Duration,
}

const MAX_DROPOUT: i64 = 3000;

#[derive(Debug, Clone)]
pub(crate) struct RxTracker {
    origin: Instant,
    base: i64,
    max: i64,
    received: i64,
    lost_before: u64,
    jitter: Rfc3550Jitter,
}

impl RxTracker {
    pub fn new(origin: Instant) -> Self {
        RxTracker {
            origin,
            base: 0,
            max: -1,
            received: 0,
            lost_before: 0,
            jitter: Rfc3550Jitter::default(),
        }
    }

    fn restart(&mut self, seq: u16) {
        self.lost_before += self.lost_current();
        self.base = i64::from(seq);
        self.max = i64::from(seq);
        self.received = 0;
        self.jitter.restart();
    }

    fn lost_current(&self) -> u64 {
        if self.max < self.base {
            return 0;
        }
        (self.max - self.base + 1 - self.received).max(0) as u64
    }

    /// Account for one accepted packet.
    pub fn update(
        &mut self,
        now: Instant,
        packet: &RtpPacket<'_>,
        is_audio: bool,
        stats: &mut ReceiveStats,
    ) {
        stats.packets += 1;
        stats.bytes += packet.payload.len() as u64;
        if stats.ssrc != Some(packet.ssrc) {
            if stats.ssrc.is_some() {
                stats.ssrc_changes += 1;
            }
            stats.ssrc = Some(packet.ssrc);
            self.restart(packet.sequence);
        } else {
            // Extend the 16-bit number around the highest seen so far.
            let delta = i64::from(packet.sequence.wrapping_sub(self.max as u16) as i16);
            if delta.abs() > MAX_DROPOUT {
                self.restart(packet.sequence);
            } else if delta > 0 {
                self.max += delta;
            }
        }
        self.received += 1;
        if is_audio {
            let since = now.saturating_duration_since(self.origin);
            let arrival = (since.as_micros() * 8 / 1000) as u32;
            self.jitter.update(arrival, packet.timestamp);
            stats.jitter = self.jitter.duration();
        }
        stats.lost = self.lost_before + self.lost_current();
    }
}
