//! RTP on the peers' side: a sender of audio and RFC 4733 events, and a
//! reader that turns the engine's packets back into prompt names.

use super::{PromptBook, RtpSent};
use centralino_media::{Codec, DtmfSender, RtpHeader};
use centralino_model::DtmfDigit;
use std::time::Duration;

/// A run of packets playing the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    /// The prompt's display name, `"silence"`, or `"?"` for audio that is
    /// none of the catalog's prompts.
    pub name: String,
    /// Packets in the run.
    pub frames: usize,
}

/// Split paced packets into runs: a run ends when the prompt changes or a
/// marker bit starts a new prompt.
pub fn heard(book: &PromptBook, packets: &[RtpSent], codec: Codec) -> Vec<Heard> {
    let mut out: Vec<Heard> = Vec::new();
    for p in packets.iter().filter(|p| !p.relayed) {
        let packet = p.packet();
        if packet.payload_type != codec.payload_type() {
            continue;
        }
        let name = book.name_of(codec, packet.payload).unwrap_or("?");
        match out.last_mut() {
            Some(last) if last.name == name && !(packet.marker && name != "silence") => {
                last.frames += 1
            }
            _ => out.push(Heard {
                name: name.to_string(),
                frames: 1,
            }),
        }
    }
    out
}

/// An outgoing RTP stream of a peer.
#[derive(Debug, Clone)]
pub struct RtpOut {
    /// SSRC.
    pub ssrc: u32,
    /// Next sequence number.
    pub seq: u16,
    /// Timestamp of the next audio packet.
    pub ts: u32,
}

impl RtpOut {
    /// A stream with these numbers.
    pub fn new(ssrc: u32, seq: u16, ts: u32) -> Self {
        RtpOut { ssrc, seq, ts }
    }

    fn packet(&mut self, marker: bool, pt: u8, ts: u32, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; 12 + payload.len()];
        let h = RtpHeader {
            marker,
            payload_type: pt,
            sequence: self.seq,
            timestamp: ts,
            ssrc: self.ssrc,
        };
        h.write(payload, &mut out).unwrap();
        self.seq = self.seq.wrapping_add(1);
        out
    }

    /// A 20 ms audio packet (timestamp advances by its samples).
    pub fn audio(&mut self, pt: u8, payload: &[u8]) -> Vec<u8> {
        let ts = self.ts;
        let p = self.packet(false, pt, ts, payload);
        self.ts = self.ts.wrapping_add(payload.len() as u32);
        p
    }

    /// The RFC 4733 packets of one key press of `ms` (one per 20 ms); the
    /// audio clock advances by the press.
    pub fn dtmf(&mut self, pt: u8, digit: char, ms: u64) -> Vec<Vec<u8>> {
        let d = DtmfDigit::from_char(digit).unwrap();
        let mut s = DtmfSender::new(d, Duration::from_millis(ms), self.ts);
        let mut packets = Vec::new();
        while let Some(e) = s.next_packet() {
            packets.push(self.packet(e.marker, pt, e.timestamp, &e.event.to_bytes()));
        }
        self.ts = self.ts.wrapping_add((ms * 8) as u32);
        packets
    }
}

/// 8 kHz PCM of a sine wave.
pub fn sine(freq: f64, amplitude: f64, samples: usize, phase0: usize) -> Vec<i16> {
    (0..samples)
        .map(|i| {
            let t = (i + phase0) as f64 / 8000.0;
            (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
        })
        .collect()
}
