//! Shared test helpers: a fake G.729 codec, tones, packet builders.
#![allow(dead_code)]

use centralino_media::g729::{G729Decoder, G729Encoder, G729Frame, G729Provider};
use centralino_media::{PacingGrid, RtpHeader, SessionConfig, StreamParams};
use centralino_model::Codec;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A stand-in for G.729 with the same framing: 80 samples ↔ 10 bytes.
/// It keeps the high byte of every 8th sample.
#[derive(Debug, Default)]
pub struct FakeG729;

struct FakeEnc;
struct FakeDec;

impl G729Encoder for FakeEnc {
    fn encode(&mut self, pcm: &[i16; 80]) -> [u8; 10] {
        std::array::from_fn(|i| (pcm[i * 8] >> 8) as u8)
    }
}

impl G729Decoder for FakeDec {
    fn decode(&mut self, frame: G729Frame<'_>, out: &mut [i16; 80]) {
        match frame {
            G729Frame::Voice(b) => {
                for (i, s) in out.iter_mut().enumerate() {
                    *s = i16::from(b[i / 8] as i8) << 8;
                }
            }
            G729Frame::Sid(_) | G729Frame::Erased => out.fill(0),
        }
    }
}

impl G729Provider for FakeG729 {
    fn encoder(&self) -> Box<dyn G729Encoder> {
        Box::new(FakeEnc)
    }
    fn decoder(&self) -> Box<dyn G729Decoder> {
        Box::new(FakeDec)
    }
}

pub fn tone(hz: f64, samples: usize, amplitude: f64) -> Vec<i16> {
    (0..samples)
        .map(|n| (amplitude * (2.0 * std::f64::consts::PI * hz * n as f64 / 8000.0).sin()) as i16)
        .collect()
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub const REMOTE: &str = "192.0.2.10:4000";

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A session config on a grid starting at `t0`, PCMA to REMOTE, events on 101.
pub fn config(t0: Instant, codec: Codec) -> SessionConfig {
    let mut stream = StreamParams::new(codec, Some(addr(REMOTE)));
    stream.telephone_event_pt = Some(101);
    SessionConfig::new(
        PacingGrid::every_20ms(t0),
        stream,
        0x1234_5678,
        1000,
        50_000,
    )
}

/// An RTP packet as a peer would send it.
pub fn packet(pt: u8, seq: u16, ts: u32, ssrc: u32, marker: bool, payload: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; 12 + payload.len()];
    let h = RtpHeader {
        marker,
        payload_type: pt,
        sequence: seq,
        timestamp: ts,
        ssrc,
    };
    let n = h.write(payload, &mut buf).unwrap();
    buf.truncate(n);
    buf
}
