//! Prompts: PCM encoded once, at load, into 20 ms frames for every codec
//! a call may use, and shared by every call that plays them.

use crate::g711::Law;
use crate::g729::{self, G729Provider};
use crate::wav::{self, WavError};
use centralino_model::Codec;
use std::sync::Arc;
use std::time::Duration;

/// Samples in a 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;

/// Audio ready to send: `frame_count` frames of 20 ms in A-law, µ-law and,
/// when a G.729 encoder was supplied, G.729 (20 bytes a frame). The last
/// frame is padded with silence. Clones share the buffers (`Arc`), so a
/// prompt is loaded once and played by any number of calls.
#[derive(Clone, PartialEq, Eq)]
pub struct Prompt {
    frames: usize,
    pcma: Arc<[u8]>,
    pcmu: Arc<[u8]>,
    g729: Option<Arc<[u8]>>,
}

impl std::fmt::Debug for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prompt")
            .field("frames", &self.frames)
            .field("g729", &self.g729.is_some())
            .finish()
    }
}

impl Prompt {
    /// Encode 8 kHz PCM. With `g729`, G.729 frames are made too, with one
    /// fresh encoder for the whole prompt.
    pub fn from_pcm(pcm: &[i16], g729: Option<&dyn G729Provider>) -> Prompt {
        let frames = pcm.len().div_ceil(FRAME_SAMPLES);
        let mut padded = pcm.to_vec();
        padded.resize(frames * FRAME_SAMPLES, 0);
        let encode = |law: Law| -> Arc<[u8]> { padded.iter().map(|s| law.encode(*s)).collect() };
        let g729 = g729.map(|provider| {
            let mut enc = provider.encoder();
            let mut out = vec![0u8; frames * Codec::G729.bytes_per_20ms()];
            g729::encode_pcm(enc.as_mut(), &padded, &mut out);
            Arc::from(out)
        });
        Prompt {
            frames,
            pcma: encode(Law::A),
            pcmu: encode(Law::Mu),
            g729,
        }
    }

    /// Read a WAV file (8 kHz mono 16-bit PCM, at most `max` long) and
    /// encode it.
    pub fn from_wav(
        bytes: &[u8],
        max: Duration,
        g729: Option<&dyn G729Provider>,
    ) -> Result<Prompt, WavError> {
        Ok(Prompt::from_pcm(&wav::read_pcm(bytes, max)?, g729))
    }

    /// `duration` of silence (rounded up to 20 ms), e.g. for looping
    /// comfort audio on G.729 calls.
    pub fn silence(duration: Duration, g729: Option<&dyn G729Provider>) -> Prompt {
        let samples = (duration.as_micros() / 125) as usize;
        Prompt::from_pcm(&vec![0; samples], g729)
    }

    /// Number of 20 ms frames.
    pub fn frame_count(&self) -> usize {
        self.frames
    }

    /// Playing time.
    pub fn duration(&self) -> Duration {
        Duration::from_millis(20 * self.frames as u64)
    }

    /// Whether frames exist for `codec` (G.711 always; G.729 only if an
    /// encoder was supplied at load).
    pub fn has_codec(&self, codec: Codec) -> bool {
        codec != Codec::G729 || self.g729.is_some()
    }

    /// Frame `index` (0-based) in `codec`: 160 bytes of G.711 or 20 of G.729.
    pub fn frame(&self, codec: Codec, index: usize) -> Option<&[u8]> {
        if index >= self.frames {
            return None;
        }
        let size = codec.bytes_per_20ms();
        let buf = match codec {
            Codec::Pcma => &self.pcma,
            Codec::Pcmu => &self.pcmu,
            Codec::G729 => self.g729.as_ref()?,
        };
        buf.get(index * size..(index + 1) * size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g711;

    #[test]
    fn frames_are_padded_and_shared() {
        let pcm: Vec<i16> = (0..170).map(|i| (i * 100) as i16).collect();
        let p = Prompt::from_pcm(&pcm, None);
        assert_eq!(p.frame_count(), 2);
        assert_eq!(p.duration(), Duration::from_millis(40));
        let second = p.frame(Codec::Pcmu, 1).unwrap();
        assert_eq!(second.len(), 160);
        assert_eq!(second[9], g711::ulaw_encode(16_900));
        assert!(
            second[10..].iter().all(|b| *b == g711::ULAW_SILENCE),
            "padded with silence"
        );
        assert_eq!(p.frame(Codec::Pcma, 2), None);
        assert_eq!(p.frame(Codec::G729, 0), None);
        assert!(!p.has_codec(Codec::G729) && p.has_codec(Codec::Pcma));
        let q = p.clone();
        assert!(std::ptr::eq(
            p.frame(Codec::Pcma, 0).unwrap(),
            q.frame(Codec::Pcma, 0).unwrap()
        ));
        assert_eq!(Prompt::from_pcm(&[], None).frame_count(), 0);
        assert_eq!(
            Prompt::silence(Duration::from_millis(30), None).frame_count(),
            2
        );
    }

    #[test]
    fn from_wav_checks_the_format() {
        let bytes = crate::wav::write_pcm(&[0; 800]);
        assert_eq!(
            Prompt::from_wav(&bytes, Duration::from_secs(1), None)
                .unwrap()
                .frame_count(),
            5
        );
        assert!(Prompt::from_wav(b"nope", Duration::from_secs(1), None).is_err());
    }
}
