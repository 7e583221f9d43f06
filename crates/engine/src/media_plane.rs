//! The RTP side of the engine: every leg's media session on one shared
//! 20 ms grid. One `handle_timeout` per tick marks the tick; the driver's
//! `poll_rtp` then walks the legs, producing each one's packet into the
//! driver's buffer (no allocation per packet).

use crate::{Engine, LegKey, RtpTransmit};
use centralino_media::{PacingGrid, Received};
use std::net::SocketAddr;
use std::time::Instant;

#[derive(Debug, Default)]
pub(crate) struct MediaPlane {
    /// Legs with a media session (compacted at each tick).
    active: Vec<LegKey>,
    /// The tick being produced and the position in `active`.
    tick: Option<Instant>,
    cursor: usize,
    next_tick: Option<Instant>,
}

impl MediaPlane {
    pub fn add(&mut self, leg: LegKey) {
        self.active.push(leg);
    }

    pub fn ensure_ticking(&mut self, now: Instant, grid: &PacingGrid) {
        if self.next_tick.is_none() {
            self.next_tick = Some(grid.next_tick_after(now));
        }
    }

    pub fn next_tick(&self) -> Option<Instant> {
        self.next_tick
    }

    pub fn len(&self) -> usize {
        self.active.len()
    }
}

impl Engine {
    /// Start a tick when one is due.
    pub(crate) fn media_tick(&mut self, now: Instant) {
        let Some(due) = self.media.next_tick else { return };
        if now < due {
            return;
        }
        let legs = &self.legs;
        self.media.active.retain(|k| legs.get(*k).is_some_and(|l| l.media.is_some()));
        if self.media.active.is_empty() {
            self.media.next_tick = None;
            self.media.tick = None;
            return;
        }
        self.media.tick = Some(now);
        self.media.cursor = 0;
        self.media.next_tick = Some(self.grid.next_tick_after(now));
    }

    /// The next packet of the tick in progress.
    pub(crate) fn next_rtp(&mut self, buf: &mut [u8]) -> Option<RtpTransmit> {
        while let Some(tick) = self.media.tick {
            let Some(&key) = self.media.active.get(self.media.cursor) else {
                self.media.tick = None;
                return None;
            };
            if let Some(session) = self.legs.get_mut(key).and_then(|l| l.media.as_mut()) {
                if session.poll_timeout().is_some_and(|t| t <= tick) {
                    session.handle_timeout(tick);
                }
                if let Some(t) = session.on_tick(tick, buf) {
                    self.stats.rtp_sent += 1;
                    return Some(RtpTransmit { leg: key, destination: t.destination, len: t.len });
                }
                self.drain_media_events(tick, key);
            }
            self.media.cursor += 1;
        }
        None
    }

    pub(crate) fn on_rtp(&mut self, now: Instant, key: LegKey, source: SocketAddr, datagram: &[u8]) {
        let Some(session) = self.legs.get_mut(key).and_then(|l| l.media.as_mut()) else { return };
        match session.handle_rtp(now, source, datagram) {
            Received::Audio(_) | Received::TelephoneEvent { .. } => self.stats.rtp_received += 1,
            Received::Dropped(_) => self.stats.rtp_dropped += 1,
        }
        self.drain_media_events(now, key);
    }
}
