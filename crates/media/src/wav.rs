//! WAV files: prompts in (8 kHz mono 16-bit PCM only), voicemail out.
//!
//! Reading uses `hound` over an in-memory reader. Before it, a small RIFF
//! walk finds the `fmt ` chunk so that a refused file is named by its
//! real format even when `hound` itself cannot read it (A-law or µ-law
//! WAV, for instance, which `hound` refuses outright).

use std::io::Cursor;
use std::time::Duration;

/// The one format we read and write.
pub const SAMPLE_RATE: u32 = 8000;

/// How the samples of a WAV file are encoded (`wFormatTag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WavEncoding {
    /// Integer PCM (tag 1).
    Pcm,
    /// IEEE float (tag 3).
    Float,
    /// G.711 A-law (tag 6).
    ALaw,
    /// G.711 µ-law (tag 7).
    MuLaw,
    /// `WAVE_FORMAT_EXTENSIBLE` (tag 0xFFFE); the subformat decides.
    Extensible,
    /// Any other tag.
    Other(u16),
}

impl WavEncoding {
    fn from_tag(tag: u16) -> WavEncoding {
        match tag {
            1 => WavEncoding::Pcm,
            3 => WavEncoding::Float,
            6 => WavEncoding::ALaw,
            7 => WavEncoding::MuLaw,
            0xFFFE => WavEncoding::Extensible,
            t => WavEncoding::Other(t),
        }
    }
}

/// The format a WAV file declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavFormat {
    /// Sample encoding.
    pub encoding: WavEncoding,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u16,
    /// Bits per sample.
    pub bits_per_sample: u16,
}

/// Why WAV bytes could not be used as a prompt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WavError {
    /// Not a readable RIFF/WAVE file.
    #[error("not a readable WAV file: {reason}")]
    Unreadable {
        /// What the reader found wrong.
        reason: String,
    },
    /// A WAV file, in a format we do not play.
    #[error(
        "unsupported WAV format: {:?}, {} Hz, {} channel(s), {} bits (need 16-bit PCM, 8000 Hz, mono; \
         convert with `sox in.wav -r 8000 -c 1 -b 16 -e signed-integer out.wav`)",
        .format.encoding, .format.sample_rate, .format.channels, .format.bits_per_sample
    )]
    UnsupportedFormat {
        /// What the file declares.
        format: WavFormat,
    },
    /// Longer than the limit given.
    #[error("WAV file of {samples} samples exceeds the limit of {max} samples")]
    TooLong {
        /// Samples in the file.
        samples: u64,
        /// The limit.
        max: u64,
    },
}

/// Walk RIFF chunks to the `fmt ` chunk and read its first 16 bytes.
fn peek_format(bytes: &[u8]) -> Option<WavFormat> {
    if bytes.get(0..4)? != b"RIFF" || bytes.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut at = 12usize;
    while let Some(header) = bytes.get(at..at.checked_add(8)?) {
        let len = u32::from_le_bytes(header[4..8].try_into().ok()?) as usize;
        let body = at + 8;
        if &header[0..4] == b"fmt " {
            let f = bytes.get(body..body.checked_add(16)?)?;
            let u16_at = |i: usize| u16::from_le_bytes([f[i], f[i + 1]]);
            let mut encoding = WavEncoding::from_tag(u16_at(0));
            // WAVE_FORMAT_EXTENSIBLE: the subformat GUID starts with the tag.
            if encoding == WavEncoding::Extensible && len >= 40 {
                if let Some(sub) = bytes.get(body + 24..body + 26) {
                    encoding = WavEncoding::from_tag(u16::from_le_bytes([sub[0], sub[1]]));
                }
            }
            return Some(WavFormat {
                encoding,
                sample_rate: u32::from_le_bytes([f[4], f[5], f[6], f[7]]),
                channels: u16_at(2),
                bits_per_sample: u16_at(14),
            });
        }
        // Chunks are padded to even length.
        at = body.checked_add(len)?.checked_add(len & 1)?;
    }
    None
}

fn acceptable(format: &WavFormat) -> bool {
    format.encoding == WavEncoding::Pcm
        && format.sample_rate == SAMPLE_RATE
        && format.channels == 1
        && format.bits_per_sample == 16
}

/// Read an 8 kHz mono 16-bit PCM WAV file from memory. Anything else is
/// refused with [`WavError::UnsupportedFormat`] naming the actual format;
/// files longer than `max` are refused before their samples are read.
/// Never panics.
pub fn read_pcm(bytes: &[u8], max: Duration) -> Result<Vec<i16>, WavError> {
    let peeked = peek_format(bytes);
    if let Some(format) = peeked {
        if !acceptable(&format) {
            return Err(WavError::UnsupportedFormat { format });
        }
    }
    let mut reader =
        hound::WavReader::new(Cursor::new(bytes)).map_err(|e| WavError::Unreadable {
            reason: e.to_string(),
        })?;
    let spec = reader.spec();
    let format = WavFormat {
        encoding: match spec.sample_format {
            hound::SampleFormat::Int => WavEncoding::Pcm,
            hound::SampleFormat::Float => WavEncoding::Float,
        },
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        bits_per_sample: spec.bits_per_sample,
    };
    if !acceptable(&format) {
        return Err(WavError::UnsupportedFormat { format });
    }
    let max_samples = max.as_micros() as u64 * u64::from(SAMPLE_RATE) / 1_000_000;
    let declared = u64::from(reader.len());
    if declared > max_samples {
        return Err(WavError::TooLong {
            samples: declared,
            max: max_samples,
        });
    }
    // The declared length is bounded by `max` and the bytes we hold.
    let cap = (declared as usize).min(bytes.len() / 2);
    let mut pcm = Vec::with_capacity(cap);
    for s in reader.samples::<i16>() {
        match s {
            Ok(s) => pcm.push(s),
            // A data chunk shorter than declared: keep what is there.
            Err(hound::Error::IoError(_)) => break,
            Err(e) => {
                return Err(WavError::Unreadable {
                    reason: e.to_string(),
                })
            }
        }
    }
    Ok(pcm)
}

/// Write 8 kHz mono 16-bit PCM as WAV bytes (voicemail messages).
pub fn write_pcm(pcm: &[i16]) -> Vec<u8> {
    // RIFF header (12) + fmt chunk (24) + data chunk header (8) + samples.
    let data_len = pcm.len().saturating_mul(2);
    let mut out = Vec::with_capacity(44 + data_len);
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = Cursor::new(&mut out);
    // Writing to memory fails only if the WAV would exceed 4 GiB, which
    // 16-bit mono at 8 kHz reaches after 74 hours: then write what fits.
    if let Ok(mut w) = hound::WavWriter::new(&mut cursor, spec) {
        let limit = (u32::MAX as usize - 64) / 2;
        for &s in pcm.iter().take(limit) {
            if w.write_sample(s).is_err() {
                break;
            }
        }
        let _ = w.finalize();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(spec: hound::WavSpec, samples: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = hound::WavWriter::new(Cursor::new(&mut out), spec).unwrap();
        for i in 0..samples {
            match spec.sample_format {
                hound::SampleFormat::Float => w.write_sample(i as f32 / 1000.0).unwrap(),
                hound::SampleFormat::Int if spec.bits_per_sample == 8 => {
                    w.write_sample(i as i8).unwrap()
                }
                hound::SampleFormat::Int => w.write_sample(i as i16).unwrap(),
            }
        }
        w.finalize().unwrap();
        out
    }

    fn spec(rate: u32, ch: u16, bits: u16, fmt: hound::SampleFormat) -> hound::WavSpec {
        hound::WavSpec {
            channels: ch,
            sample_rate: rate,
            bits_per_sample: bits,
            sample_format: fmt,
        }
    }

    #[test]
    fn round_trip() {
        let pcm: Vec<i16> = (0..8000)
            .map(|i| ((i * 37) % 65536 - 32768) as i16)
            .collect();
        let bytes = write_pcm(&pcm);
        assert_eq!(bytes.len(), 44 + 16_000);
        assert_eq!(read_pcm(&bytes, Duration::from_secs(2)).unwrap(), pcm);
        assert_eq!(
            read_pcm(&bytes, Duration::from_millis(500)),
            Err(WavError::TooLong {
                samples: 8000,
                max: 4000
            })
        );
    }

    #[test]
    fn refusals_name_the_format() {
        use hound::SampleFormat::{Float, Int};
        let cases = [
            (spec(44_100, 1, 16, Int), WavEncoding::Pcm, 44_100, 1, 16),
            (spec(8000, 2, 16, Int), WavEncoding::Pcm, 8000, 2, 16),
            (spec(8000, 1, 8, Int), WavEncoding::Pcm, 8000, 1, 8),
            (spec(8000, 1, 32, Float), WavEncoding::Float, 8000, 1, 32),
        ];
        for (s, encoding, sample_rate, channels, bits_per_sample) in cases {
            let err = read_pcm(&wav(s, 10), Duration::from_secs(1)).unwrap_err();
            let format = WavFormat {
                encoding,
                sample_rate,
                channels,
                bits_per_sample,
            };
            assert_eq!(err, WavError::UnsupportedFormat { format });
            let text = err.to_string();
            assert!(text.contains(&format!("{sample_rate} Hz")), "{text}");
        }
        // An A-law WAV, which hound cannot open: named from the fmt chunk.
        let mut alaw = wav(spec(8000, 1, 16, Int), 10);
        alaw[20] = 6;
        alaw[34] = 8;
        let err = read_pcm(&alaw, Duration::from_secs(1)).unwrap_err();
        assert!(matches!(
            err,
            WavError::UnsupportedFormat {
                format: WavFormat {
                    encoding: WavEncoding::ALaw,
                    bits_per_sample: 8,
                    ..
                }
            }
        ));
        assert!(matches!(
            read_pcm(b"RIFX", Duration::from_secs(1)),
            Err(WavError::Unreadable { .. })
        ));
    }

    #[test]
    fn truncated_data_keeps_what_is_there() {
        let bytes = write_pcm(&[1, 2, 3, 4]);
        assert_eq!(
            read_pcm(&bytes[..bytes.len() - 3], Duration::from_secs(1)).unwrap(),
            [1, 2]
        );
    }
}
