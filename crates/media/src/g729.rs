//! The G.729 codec as seen from `media`: traits only, so this crate stays
//! free of FFI. `centralino-g729` implements them over `libbcg729`.
//!
//! A G.729 RTP payload (RFC 3551 §4.5.6) is zero or more 10-byte voice
//! frames (10 ms each; 20 bytes per 20 ms packet), optionally followed by
//! one 2-byte Annex B SID (comfort noise) frame. We never send Annex B,
//! but a peer may, so decoders accept SID frames.

use std::fmt;

/// Samples in one G.729 frame (10 ms at 8 kHz).
pub const FRAME_SAMPLES: usize = 80;
/// Bytes in one G.729 voice frame.
pub const FRAME_BYTES: usize = 10;
/// Bytes in one Annex B SID frame.
pub const SID_BYTES: usize = 2;

/// One frame to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum G729Frame<'a> {
    /// A 10-byte voice frame.
    Voice(&'a [u8; FRAME_BYTES]),
    /// A 2-byte Annex B SID frame (comfort noise parameters).
    Sid(&'a [u8; SID_BYTES]),
    /// A lost frame: the decoder conceals it.
    Erased,
}

/// Encodes 10 ms of PCM into one frame. One instance per stream (the codec
/// keeps state between frames).
pub trait G729Encoder: Send {
    /// Encode 80 samples into a 10-byte voice frame (no VAD/DTX).
    fn encode(&mut self, pcm: &[i16; FRAME_SAMPLES]) -> [u8; FRAME_BYTES];
}

/// Decodes frames into PCM. One instance per stream.
pub trait G729Decoder: Send {
    /// Decode one frame into 80 samples.
    fn decode(&mut self, frame: G729Frame<'_>, out: &mut [i16; FRAME_SAMPLES]);
}

/// Makes encoders and decoders; the engine holds one (`Arc<dyn
/// G729Provider>`) when the server is built with the `g729` feature.
pub trait G729Provider: Send + Sync + fmt::Debug {
    /// A fresh encoder.
    fn encoder(&self) -> Box<dyn G729Encoder>;
    /// A fresh decoder.
    fn decoder(&self) -> Box<dyn G729Decoder>;
}

/// The frames of a G.729 payload, in order: voice frames, then a SID frame
/// if 2 bytes remain. Any other remainder is ignored.
pub fn frames(payload: &[u8]) -> impl Iterator<Item = G729Frame<'_>> {
    let voice = payload.chunks_exact(FRAME_BYTES);
    let rest = voice.remainder();
    let sid = (rest.len() == SID_BYTES)
        .then(|| rest.first_chunk::<SID_BYTES>())
        .flatten()
        .map(G729Frame::Sid);
    voice
        .filter_map(|c| c.first_chunk::<FRAME_BYTES>().map(G729Frame::Voice))
        .chain(sid)
}

/// Decode a whole payload, appending at most `out.len()` samples; returns
/// the number written.
pub fn decode_payload(decoder: &mut dyn G729Decoder, payload: &[u8], out: &mut [i16]) -> usize {
    let mut n = 0;
    for frame in frames(payload) {
        let Some(dst) = out.get_mut(n..n + FRAME_SAMPLES) else {
            break;
        };
        let Ok(dst) = <&mut [i16; FRAME_SAMPLES]>::try_from(dst) else {
            break;
        };
        decoder.decode(frame, dst);
        n += FRAME_SAMPLES;
    }
    n
}

/// Encode PCM whose length is a multiple of 80 into frames appended to
/// `out` (a trailing partial frame is ignored); returns bytes written.
pub fn encode_pcm(encoder: &mut dyn G729Encoder, pcm: &[i16], out: &mut [u8]) -> usize {
    let mut n = 0;
    for chunk in pcm.chunks_exact(FRAME_SAMPLES) {
        let Some(chunk) = chunk.first_chunk::<FRAME_SAMPLES>() else {
            break;
        };
        let Some(dst) = out.get_mut(n..n + FRAME_BYTES) else {
            break;
        };
        dst.copy_from_slice(&encoder.encode(chunk));
        n += FRAME_BYTES;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_voice_and_sid() {
        let p = [1u8; 22];
        let f: Vec<_> = frames(&p).collect();
        assert_eq!(f.len(), 3);
        assert!(matches!(f[2], G729Frame::Sid(_)));
        assert_eq!(frames(&[0u8; 7]).count(), 0);
        assert_eq!(frames(&[0u8; 2]).count(), 1);
    }
}
