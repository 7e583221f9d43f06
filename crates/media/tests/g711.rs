//! G.711 against the reference: every 16-bit input, every code.

use centralino_media::g711::{self, Law};
use proptest::prelude::*;

fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

// FNV-1a of CPython 3.11 `audioop.lin2alaw`/`lin2ulaw` over the samples
// -32768..=32767 in order, and of `alaw2lin`/`ulaw2lin` over codes 0..=255
// (as little-endian i16), computed once with:
//   audioop.lin2alaw(struct.pack('<65536h', *range(-32768, 32768)), 2)
const AUDIOOP_LIN2ALAW: u64 = 0xf030_666e_b780_cf25;
const AUDIOOP_LIN2ULAW: u64 = 0xd5ee_23f7_d0ff_ae91;
const AUDIOOP_ALAW2LIN: u64 = 0x693a_40ca_62a3_d2a5;
const AUDIOOP_ULAW2LIN: u64 = 0xb91e_65d6_8481_a1a8;

#[test]
fn encoders_equal_audioop_on_all_65536_inputs() {
    let all = || i16::MIN..=i16::MAX;
    assert_eq!(fnv1a(all().map(g711::alaw_encode)), AUDIOOP_LIN2ALAW);
    assert_eq!(fnv1a(all().map(g711::ulaw_encode)), AUDIOOP_LIN2ULAW);
}

#[test]
fn decoders_equal_audioop_on_all_256_codes() {
    let bytes = |t: &[i16; 256]| t.iter().flat_map(|s| s.to_le_bytes()).collect::<Vec<u8>>();
    assert_eq!(fnv1a(bytes(&g711::ALAW_DECODE)), AUDIOOP_ALAW2LIN);
    assert_eq!(fnv1a(bytes(&g711::ULAW_DECODE)), AUDIOOP_ULAW2LIN);
    // Spot values from the reference tables.
    assert_eq!(&g711::ALAW_DECODE[..4], &[-5504, -5248, -6016, -5760]);
    assert_eq!(&g711::ULAW_DECODE[..4], &[-32124, -31100, -30076, -29052]);
    assert_eq!((g711::alaw_encode(0), g711::ulaw_encode(0)), (0xD5, 0xFF));
    assert_eq!(
        (g711::alaw_encode(i16::MIN), g711::ulaw_encode(i16::MIN)),
        (0x2A, 0x00)
    );
    assert_eq!(
        (g711::alaw_encode(i16::MAX), g711::ulaw_encode(i16::MAX)),
        (0xAA, 0x80)
    );
}

#[test]
fn every_code_survives_decode_then_encode() {
    for c in 0..=255u8 {
        assert_eq!(g711::alaw_encode(g711::alaw_decode(c)), c);
        // µ-law has two zeros (0x7F is "negative zero"); it re-encodes as 0xFF.
        let expect = if c == 0x7F { 0xFF } else { c };
        assert_eq!(g711::ulaw_encode(g711::ulaw_decode(c)), expect);
    }
}

#[test]
fn quantisation_error_is_bounded_on_all_inputs() {
    for x in i16::MIN..=i16::MAX {
        let ax = i64::from(x).abs();
        let ea = (i64::from(g711::alaw_decode(g711::alaw_encode(x))) - i64::from(x)).abs();
        let eu = (i64::from(g711::ulaw_decode(g711::ulaw_encode(x))) - i64::from(x)).abs();
        assert!(ea * 32 <= ax.max(1024), "A-law {x}: error {ea}");
        assert!(eu * 1000 <= 36 * ax.max(1000), "µ-law {x}: error {eu}");
    }
}

#[test]
fn transcoding_tables_agree_with_decode_and_encode() {
    for c in 0..=255u8 {
        assert_eq!(
            g711::ALAW_TO_ULAW[c as usize],
            g711::ulaw_encode(g711::alaw_decode(c))
        );
        assert_eq!(
            g711::ULAW_TO_ALAW[c as usize],
            g711::alaw_encode(g711::ulaw_decode(c))
        );
        let a = i32::from(g711::alaw_decode(c));
        let via_u = i32::from(g711::ulaw_decode(g711::ALAW_TO_ULAW[c as usize]));
        assert!(
            (a - via_u).abs() <= a.abs() / 16 + 36,
            "A {c:#x}: {a} vs {via_u}"
        );
    }
    let mut codes = [0xD5u8, 0x55, 0x2A];
    Law::A.transcode_in_place(Law::Mu, &mut codes);
    // ±8 in A-law is ±1 step off µ-law's zero.
    assert_eq!(codes, [0xFE, 0x7E, 0x00]);
}

proptest! {
    #[test]
    fn slices_round_trip_within_quantisation(pcm in proptest::collection::vec(any::<i16>(), 0..400)) {
        for law in [Law::A, Law::Mu] {
            let mut codes = vec![0u8; pcm.len()];
            prop_assert_eq!(law.encode_into(&pcm, &mut codes), pcm.len());
            let mut back = vec![0i16; pcm.len()];
            prop_assert_eq!(law.decode_into(&codes, &mut back), pcm.len());
            for (x, y) in pcm.iter().zip(&back) {
                let err = (i32::from(*x) - i32::from(*y)).abs();
                prop_assert!(err <= (i32::from(*x).abs() / 28).max(36));
            }
            // Encoding the decoded signal again changes nothing.
            let mut again = vec![0u8; pcm.len()];
            law.encode_into(&back, &mut again);
            let mut back2 = vec![0i16; pcm.len()];
            law.decode_into(&again, &mut back2);
            prop_assert_eq!(back, back2);
        }
    }
}
