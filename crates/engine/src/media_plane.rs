//! The RTP side of the engine: every leg's media session on one shared
//! grid (20 ms, in four 5 ms slots). One `handle_timeout` per tick marks the tick; the driver's
//! `poll_rtp` then walks the legs, producing each one's packet into the
//! driver's buffer (no allocation per packet).

use crate::{Engine, LegKey, RtpTransmit};
use std::time::Duration;

/// The engine ticks every 5 ms; each leg sends every 20 ms in one of the
/// four slots, so each tick's burst is a quarter of the calls (shorter
/// bursts arrive more evenly at the receivers).
pub(crate) const SLOT: Duration = Duration::from_millis(5);
/// Slots per 20 ms packet.
pub(crate) const SLOTS: u32 = 4;

/// The grid of a leg in slot `slot`.
pub(crate) fn leg_grid(engine_grid: &PacingGrid, slot: u32) -> PacingGrid {
    PacingGrid::new(engine_grid.epoch() + SLOT * (slot % SLOTS), SLOT * SLOTS)
}
use centralino_media::{PacingGrid, Received};
use std::net::SocketAddr;
use std::time::Instant;

#[derive(Debug, Default)]
pub(crate) struct MediaPlane {
    /// Legs with a media session, by slot (compacted at each of their ticks).
    slots: [Vec<LegKey>; SLOTS as usize],
    /// The slot of the tick in progress.
    slot: usize,
    /// The tick being produced and the position in `active`.
    tick: Option<Instant>,
    cursor: usize,
    next_tick: Option<Instant>,
}

impl MediaPlane {
    pub fn add(&mut self, leg: LegKey, slot: u32) {
        self.slots[(slot % SLOTS) as usize].push(leg);
    }

    fn is_empty(&self) -> bool {
        self.slots.iter().all(Vec::is_empty)
    }

    pub fn ensure_ticking(&mut self, now: Instant, grid: &PacingGrid) {
        if self.next_tick.is_none() {
            self.next_tick = Some(grid.next_tick_after(now));
        }
    }

    pub fn next_tick(&self) -> Option<Instant> {
        self.next_tick
    }
}

impl Engine {
    /// Start a tick when one is due.
    pub(crate) fn media_tick(&mut self, now: Instant) {
        let Some(due) = self.media.next_tick else {
            return;
        };
        if now < due {
            return;
        }
        // The slot of the latest tick that is due; its legs send now.
        let slot = (self.grid.tick_index(now) % u64::from(SLOTS)) as usize;
        let legs = &self.legs;
        self.media.slots[slot].retain(|k| legs.get(*k).is_some_and(|l| l.media.is_some()));
        if self.media.is_empty() {
            self.media.next_tick = None;
            self.media.tick = None;
            return;
        }
        self.media.slot = slot;
        self.media.tick = Some(now);
        self.media.cursor = 0;
        self.media.next_tick = Some(self.grid.next_tick_after(now));
    }

    /// The next packet of the tick in progress.
    pub(crate) fn next_rtp(&mut self, buf: &mut [u8]) -> Option<RtpTransmit> {
        while let Some(tick) = self.media.tick {
            let Some(&key) = self.media.slots[self.media.slot].get(self.media.cursor) else {
                self.media.tick = None;
                return None;
            };
            if let Some(session) = self.legs.get_mut(key).and_then(|l| l.media.as_mut()) {
                if session.poll_timeout().is_some_and(|t| t <= tick) {
                    session.handle_timeout(tick);
                }
                if let Some(t) = session.on_tick(tick, buf) {
                    self.stats.rtp_sent += 1;
                    return Some(RtpTransmit {
                        leg: key,
                        destination: t.destination,
                        len: t.len,
                    });
                }
                self.drain_media_events(tick, key);
            }
            self.media.cursor += 1;
        }
        None
    }

    pub(crate) fn on_rtp(
        &mut self,
        now: Instant,
        key: LegKey,
        source: SocketAddr,
        datagram: &[u8],
        out: &mut [u8],
    ) -> Option<RtpTransmit> {
        let leg = self.legs.get_mut(key)?;
        let peer = leg.peer;
        let session = leg.media.as_mut()?;
        let relayed = match session.handle_rtp(now, source, datagram) {
            Received::Audio(packet) | Received::TelephoneEvent { packet, .. } => {
                self.stats.rtp_received += 1;
                // Bridged: rewrite into the other leg's stream (payload untouched
                // when the codecs match, A-law↔µ-law transcoded otherwise).
                peer.and_then(|p| {
                    let t = self
                        .legs
                        .get_mut(p)?
                        .media
                        .as_mut()?
                        .relay(now, &packet, out)?;
                    Some(RtpTransmit {
                        leg: p,
                        destination: t.destination,
                        len: t.len,
                    })
                })
            }
            Received::Dropped(_) => {
                self.stats.rtp_dropped += 1;
                None
            }
        };
        if relayed.is_some() {
            self.stats.rtp_sent += 1;
        }
        self.drain_media_events(now, key);
        relayed
    }

    /// Relay RTP between two legs, both ways.
    pub(crate) fn bridge(&mut self, _now: Instant, a: LegKey, b: LegKey) {
        let source_of = |l: &crate::call::Leg| {
            l.negotiated
                .as_ref()
                .map(|n| centralino_media::RelaySource {
                    codec: n.codec,
                    payload_type: n.payload_type,
                    telephone_event_pt: n.telephone_event_pt,
                })
        };
        let (Some(sa), Some(sb)) = (
            self.legs.get(a).and_then(source_of),
            self.legs.get(b).and_then(source_of),
        ) else {
            tracing::warn!(%a, %b, "cannot bridge legs without negotiated media");
            return;
        };
        let g729 = self.config.g729.clone();
        for (leg, source, peer) in [(a, sb, b), (b, sa, a)] {
            if let Some(l) = self.legs.get_mut(leg) {
                l.peer = Some(peer);
                if let Some(s) = l.media.as_mut() {
                    s.stop();
                    if let Err(e) = s.start_relay(source, g729.as_deref()) {
                        tracing::warn!(error = %e, "relay not possible between these codecs");
                    }
                }
            }
        }
    }

    /// Stop relaying between `leg` and its peer.
    pub(crate) fn unbridge(&mut self, leg: LegKey) {
        let Some(peer) = self.legs.get_mut(leg).and_then(|l| l.peer.take()) else {
            return;
        };
        if let Some(s) = self.legs.get_mut(leg).and_then(|l| l.media.as_mut()) {
            s.stop_relay();
        }
        if let Some(l) = self.legs.get_mut(peer) {
            if l.peer == Some(leg) {
                l.peer = None;
                if let Some(s) = l.media.as_mut() {
                    s.stop_relay();
                }
            }
        }
    }
}
