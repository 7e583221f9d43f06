//! The receive-side recorder for voicemail: decodes the caller's audio to
//! 16-bit PCM into a buffer allocated once, and watches for silence.
//!
//! - Decoding: G.711 by table; G.729 through a decoder from the
//!   [`G729Provider`](crate::G729Provider) given at start.
//! - Gaps: a packet whose timestamp jumps ahead (loss, or a sender that
//!   stops sending in silence) is preceded by zeros for the gap, at most
//!   [`MAX_GAP_FILL`] at once, so the message keeps its real length.
//!   Packets older than the last one are dropped (too late to insert).
//! - Silence: a 20 ms packet is *voice* when its mean square exceeds
//!   `silence_threshold²`. Silence is measured in wall-clock time from the
//!   last voice packet (so a caller who stops sending RTP is silent too).

use crate::g711::Law;
use crate::g729::{self, G729Decoder};
use crate::rtp::ts_after;
use centralino_model::Codec;
use std::time::{Duration, Instant};

/// The longest gap filled with zeros at once.
pub const MAX_GAP_FILL: Duration = Duration::from_secs(1);

/// Samples in a decode scratch buffer: 120 ms, more than any sane packet.
const SCRATCH: usize = 960;

/// How to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordConfig {
    /// Stop accepting audio beyond this length.
    pub max_duration: Duration,
    /// RMS amplitude (of 32767) at or below which a packet is silence.
    /// 300 (≈ −41 dBFS) suits telephone lines.
    pub silence_threshold: u16,
    /// Report [`crate::MediaEvent::Silence`] after this much silence.
    pub silence_timeout: Option<Duration>,
}

impl Default for RecordConfig {
    fn default() -> Self {
        RecordConfig {
            max_duration: Duration::from_secs(120),
            silence_threshold: 300,
            silence_timeout: Some(Duration::from_secs(5)),
        }
    }
}

/// What happened while feeding a packet, for the session to turn into events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Fed {
    /// The packet was voice after a reported silence or at the start.
    pub voice_started: bool,
    /// The buffer has just become full.
    pub full: bool,
}

pub(crate) struct Recorder {
    config: RecordConfig,
    codec: Codec,
    decoder: Option<Box<dyn G729Decoder>>,
    pcm: Vec<i16>,
    max_samples: usize,
    last_ts_end: Option<u32>,
    last_voice: Instant,
    in_voice: bool,
    silence_reported: bool,
    full: bool,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("codec", &self.codec)
            .field("samples", &self.pcm.len())
            .field("max_samples", &self.max_samples)
            .finish()
    }
}

impl Recorder {
    pub(crate) fn new(
        now: Instant,
        config: RecordConfig,
        codec: Codec,
        decoder: Option<Box<dyn G729Decoder>>,
    ) -> Self {
        let max_samples = (config.max_duration.as_micros() / 125) as usize;
        Recorder {
            config,
            codec,
            decoder,
            pcm: Vec::with_capacity(max_samples),
            max_samples,
            last_ts_end: None,
            last_voice: now,
            in_voice: false,
            silence_reported: false,
            full: false,
        }
    }

    pub(crate) fn set_codec(&mut self, codec: Codec, decoder: Option<Box<dyn G729Decoder>>) {
        self.codec = codec;
        if decoder.is_some() {
            self.decoder = decoder;
        }
    }

    pub(crate) fn duration(&self) -> Duration {
        Duration::from_micros(self.pcm.len() as u64 * 125)
    }

    pub(crate) fn into_pcm(self) -> Vec<i16> {
        self.pcm
    }

    /// Feed an audio payload with its RTP timestamp.
    pub(crate) fn feed(&mut self, now: Instant, timestamp: u32, payload: &[u8]) -> Fed {
        let mut fed = Fed::default();
        if self.full {
            return fed;
        }
        let mut scratch = [0i16; SCRATCH];
        let n = match (Law::of(self.codec), self.decoder.as_deref_mut()) {
            (Some(law), _) => law.decode_into(payload, &mut scratch),
            (None, Some(dec)) => g729::decode_payload(dec, payload, &mut scratch),
            (None, None) => 0,
        };
        if n == 0 {
            return fed;
        }
        if let Some(expected) = self.last_ts_end {
            if timestamp != expected && !ts_after(timestamp, expected) {
                return fed; // late or duplicate
            }
            let gap = timestamp.wrapping_sub(expected) as usize;
            let gap = gap.min((MAX_GAP_FILL.as_millis() * 8) as usize);
            let room = self.max_samples - self.pcm.len();
            self.pcm.extend(std::iter::repeat_n(0, gap.min(room)));
        }
        self.last_ts_end = Some(timestamp.wrapping_add(n as u32));
        let room = self.max_samples - self.pcm.len();
        let decoded = &scratch[..n];
        self.pcm.extend_from_slice(&decoded[..n.min(room)]);
        if self.pcm.len() >= self.max_samples {
            self.full = true;
            fed.full = true;
        }
        let energy: u64 = decoded
            .iter()
            .map(|s| (i64::from(*s) * i64::from(*s)) as u64)
            .sum();
        let threshold = u64::from(self.config.silence_threshold).pow(2) * n as u64;
        if energy > threshold {
            self.last_voice = now;
            if !self.in_voice {
                fed.voice_started = true;
            }
            self.in_voice = true;
            self.silence_reported = false;
        }
        fed
    }

    /// When the silence timeout would fire.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.silence_reported || self.full {
            return None;
        }
        Some(self.last_voice + self.config.silence_timeout?)
    }

    /// The silence length, once, when it reaches the timeout.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Option<Duration> {
        let deadline = self.poll_timeout()?;
        if now < deadline {
            return None;
        }
        self.silence_reported = true;
        self.in_voice = false;
        Some(now.saturating_duration_since(self.last_voice))
    }
}
