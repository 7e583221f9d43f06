//! RFC 4733 DTMF: a receiver that reports each key press once, and a
//! sender that produces the packet sequence for one key press.
//!
//! A key press is identified by its RTP timestamp (all packets of one
//! event carry the timestamp of its start, §2.5.1.2) and event code.
//!
//! Receiver rules:
//! - the packet with the E bit reports the press, with its duration; the
//!   retransmitted end packets (usually three, §2.5.1.4) find the press
//!   already reported and are ignored;
//! - a packet of a **new** event while the previous one never ended
//!   reports the previous one first (its end packets were lost);
//! - a press with no packet for [`DtmfReceiver::FLUSH_AFTER`] is reported
//!   by [`DtmfReceiver::handle_timeout`];
//! - late packets of an older, already reported press are ignored; a late
//!   **end** packet of an older press never reported is reported.
//!
//! The last 16 reported presses are remembered, so reordering and
//! duplication cannot report a press twice.

use crate::event::TelephoneEvent;
use crate::rtp::ts_after;
use centralino_model::DtmfDigit;
use std::time::{Duration, Instant};

/// A key press, reported once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPress {
    /// The key.
    pub digit: DtmfDigit,
    /// How long it was held, per the sender's duration field.
    pub duration: Duration,
}

/// Timestamp units (8 kHz) to a duration.
pub(crate) fn units_to_duration(units: u16) -> Duration {
    Duration::from_micros(u64::from(units) * 125)
}

#[derive(Debug, Clone, Copy)]
struct Current {
    timestamp: u32,
    event: u8,
    duration: u16,
    last_seen: Instant,
}

const REMEMBERED: usize = 16;

/// Per-stream RFC 4733 receiver (see the module doc for the rules).
#[derive(Debug, Clone)]
pub struct DtmfReceiver {
    current: Option<Current>,
    reported: [Option<(u32, u8)>; REMEMBERED],
    next_slot: usize,
}

impl Default for DtmfReceiver {
    fn default() -> Self {
        DtmfReceiver::new()
    }
}

/// Up to two presses reported by one packet (a missed end, then this one).
pub type Reports = std::iter::Flatten<std::array::IntoIter<Option<DtmfPress>, 2>>;

impl DtmfReceiver {
    /// A press with no packet for this long is reported without its end.
    pub const FLUSH_AFTER: Duration = Duration::from_millis(500);

    /// A receiver with nothing heard.
    pub fn new() -> Self {
        DtmfReceiver {
            current: None,
            reported: [None; REMEMBERED],
            next_slot: 0,
        }
    }

    fn was_reported(&self, key: (u32, u8)) -> bool {
        self.reported.contains(&Some(key))
    }

    fn report(&mut self, timestamp: u32, event: u8, duration: u16) -> Option<DtmfPress> {
        if self.was_reported((timestamp, event)) {
            return None;
        }
        self.reported[self.next_slot] = Some((timestamp, event));
        self.next_slot = (self.next_slot + 1) % REMEMBERED;
        Some(DtmfPress {
            digit: DtmfDigit::from_event(event)?,
            duration: units_to_duration(duration),
        })
    }

    fn flush_current(&mut self) -> Option<DtmfPress> {
        let c = self.current.take()?;
        self.report(c.timestamp, c.event, c.duration)
    }

    /// Feed one telephone-event packet (its RTP timestamp and payload).
    /// Events above 15 (flash, tones) are ignored.
    pub fn receive(&mut self, now: Instant, timestamp: u32, ev: TelephoneEvent) -> Reports {
        let mut out = [None, None];
        if ev.digit().is_none() || self.was_reported((timestamp, ev.event)) {
            return out.into_iter().flatten();
        }
        match self.current {
            Some(c) if c.timestamp == timestamp && c.event == ev.event => {}
            Some(c) if ts_after(c.timestamp, timestamp) => {
                // A late packet of an older press: only its end counts.
                if ev.end {
                    out[0] = self.report(timestamp, ev.event, ev.duration);
                }
                return out.into_iter().flatten();
            }
            Some(_) => out[0] = self.flush_current(),
            None => {}
        }
        if ev.end {
            self.current = None;
            out[1] = self.report(timestamp, ev.event, ev.duration);
        } else {
            let duration = match self.current {
                Some(c) => c.duration.max(ev.duration),
                None => ev.duration,
            };
            self.current = Some(Current {
                timestamp,
                event: ev.event,
                duration,
                last_seen: now,
            });
        }
        out.into_iter().flatten()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should run: an
    /// unfinished press times out [`FLUSH_AFTER`](Self::FLUSH_AFTER) after
    /// its last packet.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.current.map(|c| c.last_seen + Self::FLUSH_AFTER)
    }

    /// Report an unfinished press whose packets stopped.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<DtmfPress> {
        let c = self.current?;
        if now >= c.last_seen + Self::FLUSH_AFTER {
            self.flush_current()
        } else {
            None
        }
    }
}

/// One packet of an outgoing event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// Marker bit: set on the first packet of the event.
    pub marker: bool,
    /// The RTP timestamp: the event's start, the same in every packet.
    pub timestamp: u32,
    /// The payload.
    pub event: TelephoneEvent,
}

/// Produces the RFC 4733 packets for one key press, one per 20 ms tick:
/// a first packet with the marker bit and duration 160, updates every
/// 20 ms with the duration so far, then the end packet three times with
/// the final duration.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    digit: DtmfDigit,
    timestamp: u32,
    total: u16,
    sent: u16,
    ends_sent: u8,
}

impl DtmfSender {
    /// Volume we write: −10 dBm0, the usual level.
    pub const VOLUME: u8 = 10;
    /// Units per 20 ms packet.
    const STEP: u16 = 160;

    /// A press of `duration` (clamped to 40 ms – 8 s) starting at RTP
    /// timestamp `timestamp`.
    pub fn new(digit: DtmfDigit, duration: Duration, timestamp: u32) -> Self {
        let units = (duration.as_micros() / 125).clamp(320, 64_000) as u16;
        DtmfSender {
            digit,
            timestamp,
            total: units,
            sent: 0,
            ends_sent: 0,
        }
    }

    /// Whether every packet has been produced.
    pub fn is_done(&self) -> bool {
        self.ends_sent >= 3
    }

    /// The packet for the next 20 ms tick, or `None` when done.
    pub fn next_packet(&mut self) -> Option<EventPacket> {
        if self.is_done() {
            return None;
        }
        let marker = self.sent == 0;
        let next = self.sent.saturating_add(Self::STEP);
        let end = next >= self.total;
        if end {
            self.sent = self.total;
            self.ends_sent += 1;
        } else {
            self.sent = next;
        }
        Some(EventPacket {
            marker,
            timestamp: self.timestamp,
            event: TelephoneEvent {
                event: self.digit.event(),
                end,
                volume: Self::VOLUME,
                duration: self.sent,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(c: char) -> DtmfDigit {
        DtmfDigit::from_char(c).unwrap()
    }

    fn packets(digit: char, ms: u64, ts: u32) -> Vec<EventPacket> {
        let mut s = DtmfSender::new(d(digit), Duration::from_millis(ms), ts);
        std::iter::from_fn(|| s.next_packet()).collect()
    }

    #[test]
    fn sender_sequence() {
        let p = packets('5', 100, 8000);
        assert_eq!(p.len(), 7);
        assert!(p[0].marker && p[1..].iter().all(|p| !p.marker));
        let durations: Vec<u16> = p.iter().map(|p| p.event.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        let ends: Vec<bool> = p.iter().map(|p| p.event.end).collect();
        assert_eq!(ends, [false, false, false, false, true, true, true]);
        assert!(p.iter().all(|p| p.timestamp == 8000 && p.event.event == 5));
    }

    #[test]
    fn receiver_reports_once_with_duration() {
        let t0 = Instant::now();
        let mut r = DtmfReceiver::new();
        let mut got = Vec::new();
        for (i, p) in packets('#', 120, 1000).into_iter().enumerate() {
            let now = t0 + Duration::from_millis(20 * i as u64);
            got.extend(r.receive(now, p.timestamp, p.event));
        }
        assert_eq!(
            got,
            [DtmfPress {
                digit: d('#'),
                duration: Duration::from_millis(120)
            }]
        );
        assert_eq!(r.poll_timeout(), None);
    }

    #[test]
    fn a_new_event_reports_the_unfinished_previous_one() {
        let t0 = Instant::now();
        let mut r = DtmfReceiver::new();
        let first = packets('1', 100, 0);
        let second = packets('2', 100, 4000);
        let mut got = Vec::new();
        for p in first.iter().filter(|p| !p.event.end).chain(second.iter()) {
            got.extend(r.receive(t0, p.timestamp, p.event));
        }
        let digits: Vec<char> = got.iter().map(|p| p.digit.as_char()).collect();
        assert_eq!(digits, ['1', '2']);
        assert_eq!(got[0].duration, Duration::from_millis(80));
        // Late ends of '1' change nothing.
        for p in first.iter().filter(|p| p.event.end) {
            assert_eq!(r.receive(t0, p.timestamp, p.event).count(), 0);
        }
    }

    #[test]
    fn an_unfinished_press_is_flushed_by_timeout() {
        let t0 = Instant::now();
        let mut r = DtmfReceiver::new();
        let p = packets('7', 100, 0);
        assert_eq!(r.receive(t0, 0, p[0].event).count(), 0);
        let deadline = r.poll_timeout().unwrap();
        assert_eq!(r.handle_timeout(deadline - Duration::from_millis(1)), None);
        assert_eq!(r.handle_timeout(deadline).map(|p| p.digit), Some(d('7')));
        assert_eq!(
            r.receive(deadline, 0, p[6].event).count(),
            0,
            "its end comes too late to count twice"
        );
    }

    #[test]
    fn late_end_of_an_older_unseen_press_is_reported() {
        let t0 = Instant::now();
        let mut r = DtmfReceiver::new();
        let a = packets('3', 60, 100);
        let b = packets('4', 60, 900);
        assert_eq!(r.receive(t0, b[0].timestamp, b[0].event).count(), 0);
        let got: Vec<_> = r.receive(t0, a[3].timestamp, a[3].event).collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].digit, d('3'));
        let got: Vec<_> = r.receive(t0, b[3].timestamp, b[3].event).collect();
        assert_eq!(got[0].digit, d('4'));
    }

    #[test]
    fn non_dtmf_events_are_ignored() {
        let mut r = DtmfReceiver::new();
        let flash = TelephoneEvent {
            event: 16,
            end: true,
            volume: 10,
            duration: 800,
        };
        assert_eq!(r.receive(Instant::now(), 0, flash).count(), 0);
    }
}
