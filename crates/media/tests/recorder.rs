//! The voicemail recorder: decoding, gaps, silence, length limit.

mod common;

use centralino_media::g711::Law;
use centralino_media::{MediaEvent, MediaSession, RecordConfig, SessionError};
use centralino_model::Codec;
use common::*;
use std::time::{Duration, Instant};

fn frame(law: Law, pcm: &[i16]) -> Vec<u8> {
    let mut out = vec![0u8; pcm.len()];
    law.encode_into(pcm, &mut out);
    out
}

fn events(s: &mut MediaSession) -> Vec<MediaEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

#[test]
fn records_voice_fills_gaps_and_reports_silence() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcmu));
    let cfg = RecordConfig {
        max_duration: Duration::from_secs(10),
        silence_threshold: 300,
        silence_timeout: Some(Duration::from_secs(2)),
    };
    s.start_recording(t0, cfg, None).unwrap();
    let voice = tone(600.0, 160, 8000.0);
    let quiet = vec![3i16; 160];
    // 10 voice packets, one lost (seq 5), then 10 quiet packets.
    for i in 0..20u16 {
        if i == 5 {
            continue;
        }
        let pcm = if i < 10 { &voice } else { &quiet };
        let b = packet(0, i, u32::from(i) * 160, 1, false, &frame(Law::Mu, pcm));
        let _ = s.handle_rtp(t0 + ms(20 * u64::from(i)), addr(REMOTE), &b);
    }
    assert_eq!(events(&mut s), [MediaEvent::VoiceStarted]);
    assert_eq!(
        s.recording_duration(),
        Some(ms(400)),
        "the lost packet is filled with zeros"
    );
    // Silence is measured from the last voiced packet (t0 + 180 ms).
    let deadline = s.poll_timeout().unwrap();
    assert_eq!(deadline, t0 + ms(180) + Duration::from_secs(2));
    s.handle_timeout(deadline);
    assert_eq!(
        events(&mut s),
        [MediaEvent::Silence {
            duration: Duration::from_secs(2)
        }]
    );
    let pcm = s.stop_recording().unwrap();
    assert_eq!(pcm.len(), 3200);
    assert!(pcm[800..960].iter().all(|s| *s == 0));
    let err = (i32::from(pcm[40]) - i32::from(voice[40])).abs();
    assert!(err < 400, "decoded µ-law close to the source");
    assert_eq!(s.stop_recording(), None);
}

#[test]
fn stops_at_the_maximum_length() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    let cfg = RecordConfig {
        max_duration: ms(100),
        silence_threshold: 300,
        silence_timeout: None,
    };
    s.start_recording(t0, cfg, None).unwrap();
    for i in 0..8u16 {
        let b = packet(8, i, u32::from(i) * 160, 1, false, &[0xD5; 160]);
        let _ = s.handle_rtp(t0 + ms(20 * u64::from(i)), addr(REMOTE), &b);
    }
    assert_eq!(
        events(&mut s),
        [MediaEvent::RecordingFull { duration: ms(100) }]
    );
    assert_eq!(s.stop_recording().unwrap().len(), 800);
}

#[test]
fn g729_calls_record_through_the_decoder() {
    let t0 = Instant::now();
    let mut c = config(t0, Codec::G729);
    c.stream.payload_type = 18;
    let mut s = MediaSession::new(t0, c);
    assert_eq!(
        s.start_recording(t0, RecordConfig::default(), None),
        Err(SessionError::G729Unavailable)
    );
    s.start_recording(t0, RecordConfig::default(), Some(&FakeG729))
        .unwrap();
    // Two voice frames and a SID frame in one packet: 240 samples.
    let mut payload = vec![0x20u8; 20];
    payload.extend([1, 2]);
    let _ = s.handle_rtp(t0, addr(REMOTE), &packet(18, 1, 0, 1, false, &payload));
    let pcm = s.stop_recording().unwrap();
    assert_eq!(pcm.len(), 240);
    assert_eq!(pcm[0], 0x20 << 8);
    assert!(pcm[160..].iter().all(|s| *s == 0));
}

#[test]
fn a_caller_who_sends_nothing_is_silent() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    s.start_recording(t0, RecordConfig::default(), None)
        .unwrap();
    s.handle_timeout(t0 + Duration::from_secs(5));
    assert_eq!(
        events(&mut s),
        [MediaEvent::Silence {
            duration: Duration::from_secs(5)
        }]
    );
}
