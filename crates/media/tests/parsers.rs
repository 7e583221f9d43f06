//! Every parser that sees the network or a file never panics, and what we
//! write reads back (the normal-suite twin of the fuzz targets).

use centralino_media::wav::{read_pcm, write_pcm};
use centralino_media::{RtpHeader, RtpPacket, TelephoneEvent};
use proptest::prelude::*;
use std::time::Duration;

proptest! {
    #[test]
    fn rtp_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(p) = RtpPacket::parse(&bytes) {
            prop_assert!(p.payload.len() + 12 <= bytes.len());
            prop_assert!(p.payload_type < 128);
        }
    }

    #[test]
    fn rtp_v2_headers_with_random_flags_never_panic(
        b0 in 0x80u8..=0xBF, rest in proptest::collection::vec(any::<u8>(), 0..120)
    ) {
        let mut bytes = vec![b0];
        bytes.extend(rest);
        let _ = RtpPacket::parse(&bytes);
    }

    #[test]
    fn rtp_write_then_parse(
        marker: bool, pt in 0u8..128, seq: u16, ts: u32, ssrc: u32,
        payload in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut buf = [0u8; 256];
        let h = RtpHeader { marker, payload_type: pt, sequence: seq, timestamp: ts, ssrc };
        let n = h.write(&payload, &mut buf).unwrap();
        let p = RtpPacket::parse(&buf[..n]);
        // PT 72–76 with the marker look like RTCP (200–204) and are refused.
        if marker && (72..=76).contains(&pt) {
            prop_assert!(p.is_err());
        } else {
            let p = p.unwrap();
            prop_assert_eq!((p.marker, p.payload_type, p.sequence, p.timestamp, p.ssrc), (marker, pt, seq, ts, ssrc));
            prop_assert_eq!(p.payload, &payload[..]);
        }
    }

    #[test]
    fn telephone_event_parse_never_panics_and_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..12)) {
        if let Ok(e) = TelephoneEvent::parse(&bytes) {
            let mut again = e.to_bytes();
            again[1] &= 0xBF; // R bit
            let mut orig = [bytes[0], bytes[1], bytes[2], bytes[3]];
            orig[1] &= 0xBF;
            prop_assert_eq!(again, orig);
        } else {
            prop_assert!(bytes.len() < 4);
        }
    }

    #[test]
    fn wav_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = read_pcm(&bytes, Duration::from_secs(10));
    }

    #[test]
    fn mutated_wavs_never_panic(
        pcm in proptest::collection::vec(any::<i16>(), 0..64),
        flips in proptest::collection::vec((0usize..200, any::<u8>()), 0..6),
        cut in 0usize..200,
    ) {
        let mut bytes = write_pcm(&pcm);
        prop_assert_eq!(read_pcm(&bytes, Duration::from_secs(10)).unwrap(), pcm);
        for (at, v) in flips {
            if let Some(b) = bytes.get_mut(at) {
                *b = v;
            }
        }
        bytes.truncate(cut.max(1));
        let _ = read_pcm(&bytes, Duration::from_secs(10));
    }
}

#[test]
fn a_wav_claiming_4_gib_is_refused_without_allocating() {
    let mut bytes = write_pcm(&[0; 8]);
    // data chunk length field (offset 40) → 0xFFFF_FFF0
    bytes[40..44].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    assert!(matches!(
        read_pcm(&bytes, Duration::from_secs(600)),
        Err(centralino_media::WavError::TooLong { .. })
    ));
}
