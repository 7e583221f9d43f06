//! Encode and decode real audio through libbcg729.

use centralino_g729::{Bcg729, Decoder, Encoder};
use centralino_media::g729::{decode_payload, encode_pcm, G729Encoder, G729Frame, G729Provider};
use centralino_media::{PlayItem, PlayToken, Prompt};
use centralino_model::Codec;

fn tone(hz: f64, samples: usize, amplitude: f64) -> Vec<i16> {
    (0..samples)
        .map(|n| (amplitude * (2.0 * std::f64::consts::PI * hz * n as f64 / 8000.0).sin()) as i16)
        .collect()
}

fn energy(x: &[i16]) -> f64 {
    x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len() as f64
}

/// Best normalised cross-correlation over small lags (the codec delays).
fn best_correlation(a: &[i16], b: &[i16], max_lag: usize) -> f64 {
    (0..=max_lag)
        .map(|lag| {
            let n = a.len().min(b.len() - lag);
            let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
            for i in 0..n {
                let (x, y) = (f64::from(a[i]), f64::from(b[i + lag]));
                ab += x * y;
                aa += x * x;
                bb += y * y;
            }
            ab / (aa.sqrt() * bb.sqrt()).max(1.0)
        })
        .fold(f64::MIN, f64::max)
}

#[test]
fn a_1khz_tone_survives_encode_and_decode() {
    let pcm = tone(1000.0, 8000, 8000.0); // 1 s
    let mut enc = Encoder::new().unwrap();
    let mut bits = vec![0u8; 1000];
    assert_eq!(
        encode_pcm(&mut enc, &pcm, &mut bits),
        1000,
        "10 bytes per 10 ms"
    );
    let mut dec = Decoder::new().unwrap();
    let mut out = vec![0i16; 8000];
    assert_eq!(decode_payload(&mut dec, &bits, &mut out), 8000);
    // Skip the first 100 ms while the codec converges.
    let (a, b) = (&pcm[800..], &out[800..]);
    let ratio = energy(b) / energy(a);
    assert!((0.5..2.0).contains(&ratio), "energy ratio {ratio}");
    let corr = best_correlation(&a[..6000], b, 80);
    assert!(corr > 0.8, "correlation {corr}");
}

#[test]
fn silence_stays_quiet_and_frames_are_20_bytes_per_20ms() {
    let provider = Bcg729;
    let prompt = Prompt::from_pcm(&tone(440.0, 1600, 6000.0), Some(&provider));
    assert_eq!(prompt.frame_count(), 10);
    for i in 0..10 {
        assert_eq!(prompt.frame(Codec::G729, i).unwrap().len(), 20);
    }
    let _ = PlayItem::Prompt(prompt);
    let _ = PlayToken(1);
    let mut enc = provider.encoder();
    let mut dec = provider.decoder();
    let mut out = [0i16; 80];
    for _ in 0..20 {
        let f = enc.encode(&[0; 80]);
        dec.decode(G729Frame::Voice(&f), &mut out);
    }
    assert!(energy(&out) < 100.0, "silence energy {}", energy(&out));
    // Lost frames and SID frames decode without trouble.
    dec.decode(G729Frame::Erased, &mut out);
    dec.decode(G729Frame::Sid(&[0x12, 0x34]), &mut out);
}

#[test]
fn codecs_move_between_threads() {
    let mut enc: Box<dyn G729Encoder> = Bcg729.encoder();
    let handle = std::thread::spawn(move || enc.encode(&[100; 80]));
    assert_eq!(handle.join().unwrap().len(), 10);
}
