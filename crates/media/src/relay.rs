//! Relaying RTP from one leg into another leg's outbound stream (the
//! B2BUA bridge of issue 4).
//!
//! A packet received on leg A is rewritten into leg B's stream: B's SSRC,
//! and A's sequence numbers and timestamps shifted by offsets fixed when
//! relaying starts (and again when A's SSRC changes or its numbering
//! jumps), so loss and timing on A stay visible to B's receiver while B's
//! stream continues from where B's own player left it. The first packet
//! after (re)synchronising carries the marker bit.
//!
//! Payload: copied when the codecs match; A-law↔µ-law by table; G.729↔G.711
//! only with a [`G729Provider`]. Telephone-event packets keep their
//! payload and get B's telephone-event payload type (dropped when B has
//! none). Comfort noise and unknown payload types are dropped.

use crate::g711::Law;
use crate::g729::{self, G729Decoder, G729Encoder, G729Provider};
use crate::pacing::PacingGrid;
use crate::rtp::{seq_after, ts_after, RtpHeader, RtpPacket, HEADER_LEN};
use crate::session::send::Outbound;
use crate::session::SessionError;
use centralino_model::Codec;
use std::time::Instant;

/// What leg A sends, as negotiated on A.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelaySource {
    /// A's audio codec.
    pub codec: Codec,
    /// A's audio payload type.
    pub payload_type: u8,
    /// A's telephone-event payload type.
    pub telephone_event_pt: Option<u8>,
}

/// Re-synchronise when A's numbering jumps by more than this.
const MAX_SEQ_JUMP: u16 = 3000;
/// Or when its audio timestamps go back by more than 1 s.
const MAX_TS_BACK: u32 = 8000;
/// Samples decoded in one relayed packet at most (120 ms).
const SCRATCH: usize = 960;

enum Transcode {
    Copy,
    Law {
        from: Law,
        to: Law,
    },
    FromG729 {
        decoder: Box<dyn G729Decoder>,
        to: Law,
    },
    ToG729 {
        from: Law,
        encoder: Box<dyn G729Encoder>,
    },
}

#[derive(Debug, Clone, Copy)]
struct Mapping {
    ssrc: u32,
    seq_offset: u16,
    ts_offset: u32,
    last_in_seq: u16,
}

pub(crate) struct Relay {
    source: RelaySource,
    transcode: Transcode,
    mapping: Option<Mapping>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("source", &self.source)
            .finish()
    }
}

/// Where to write and with which payload types (leg B's side).
pub(crate) struct Target<'a> {
    pub outbound: &'a mut Outbound,
    pub payload_type: u8,
    pub telephone_event_pt: Option<u8>,
    /// The grid and the current instant, to find B's timestamp "now"
    /// when (re)synchronising.
    pub grid: &'a PacingGrid,
    pub now: Instant,
}

impl Relay {
    pub(crate) fn new(
        source: RelaySource,
        to: Codec,
        g729: Option<&dyn G729Provider>,
    ) -> Result<Relay, SessionError> {
        let transcode = match (Law::of(source.codec), Law::of(to)) {
            _ if source.codec == to => Transcode::Copy,
            (Some(from), Some(to)) => Transcode::Law { from, to },
            (None, Some(to)) => match g729 {
                Some(p) => Transcode::FromG729 {
                    decoder: p.decoder(),
                    to,
                },
                None => return Err(SessionError::G729Unavailable),
            },
            (Some(from), None) => match g729 {
                Some(p) => Transcode::ToG729 {
                    from,
                    encoder: p.encoder(),
                },
                None => return Err(SessionError::G729Unavailable),
            },
            (None, None) => Transcode::Copy,
        };
        Ok(Relay {
            source,
            transcode,
            mapping: None,
        })
    }

    /// Rewrite `packet` into `out`; `None` if it is dropped.
    pub(crate) fn forward(
        &mut self,
        packet: &RtpPacket<'_>,
        mut target: Target<'_>,
        out: &mut [u8],
    ) -> Option<usize> {
        let is_event = Some(packet.payload_type) == self.source.telephone_event_pt;
        let payload_type = if is_event {
            target.telephone_event_pt?
        } else if packet.payload_type == self.source.payload_type {
            target.payload_type
        } else {
            return None;
        };
        let body = out.get_mut(HEADER_LEN..)?;
        let len = if is_event {
            let dst = body.get_mut(..packet.payload.len())?;
            dst.copy_from_slice(packet.payload);
            packet.payload.len()
        } else {
            self.transcode_into(packet.payload, body)
                .filter(|n| *n > 0)?
        };
        let (marker, mapping) = self.map(packet, is_event, &mut target);
        let sequence = packet.sequence.wrapping_add(mapping.seq_offset);
        let timestamp = packet.timestamp.wrapping_add(mapping.ts_offset);
        let header = RtpHeader {
            marker: marker || packet.marker,
            payload_type,
            sequence,
            timestamp,
            ssrc: target.outbound.ssrc,
        };
        header.write_header(out).ok()?;
        let next = sequence.wrapping_add(1);
        if seq_after(next, target.outbound.seq) {
            target.outbound.seq = next;
        }
        let total = HEADER_LEN + len;
        target
            .outbound
            .sent_in_place(total, (!is_event).then_some(timestamp));
        Some(total)
    }

    /// The offsets for this packet, re-synchronising when needed; `true`
    /// when this packet starts a new mapping.
    fn map(
        &mut self,
        packet: &RtpPacket<'_>,
        is_event: bool,
        target: &mut Target<'_>,
    ) -> (bool, Mapping) {
        if let Some(m) = &mut self.mapping {
            let jump = packet.sequence.wrapping_sub(m.last_in_seq);
            let seq_ok = jump.min(jump.wrapping_neg()) <= MAX_SEQ_JUMP;
            let ts_ok = is_event
                || target.outbound.last_ts.is_none_or(|last| {
                    let ts = packet.timestamp.wrapping_add(m.ts_offset);
                    ts_after(ts, last) || last.wrapping_sub(ts) <= MAX_TS_BACK
                });
            if m.ssrc == packet.ssrc && seq_ok && ts_ok {
                if seq_after(packet.sequence, m.last_in_seq) {
                    m.last_in_seq = packet.sequence;
                }
                return (false, *m);
            }
        }
        let m = Mapping {
            ssrc: packet.ssrc,
            seq_offset: target.outbound.seq.wrapping_sub(packet.sequence),
            ts_offset: target
                .outbound
                .ts_at(target.grid, target.now)
                .wrapping_sub(packet.timestamp),
            last_in_seq: packet.sequence,
        };
        self.mapping = Some(m);
        (true, m)
    }

    fn transcode_into(&mut self, payload: &[u8], out: &mut [u8]) -> Option<usize> {
        match &mut self.transcode {
            Transcode::Copy => {
                out.get_mut(..payload.len())?.copy_from_slice(payload);
                Some(payload.len())
            }
            Transcode::Law { from, to } => {
                let dst = out.get_mut(..payload.len())?;
                dst.copy_from_slice(payload);
                from.transcode_in_place(*to, dst);
                Some(payload.len())
            }
            Transcode::FromG729 { decoder, to } => {
                let mut pcm = [0i16; SCRATCH];
                let n = g729::decode_payload(decoder.as_mut(), payload, &mut pcm);
                let dst = out.get_mut(..n)?;
                Some(to.encode_into(&pcm[..n], dst))
            }
            Transcode::ToG729 { from, encoder } => {
                let mut pcm = [0i16; SCRATCH];
                let n = from.decode_into(payload, &mut pcm);
                let frames = n / g729::FRAME_SAMPLES;
                let dst = out.get_mut(..frames * g729::FRAME_BYTES)?;
                Some(g729::encode_pcm(encoder.as_mut(), &pcm[..n], dst))
            }
        }
    }
}
