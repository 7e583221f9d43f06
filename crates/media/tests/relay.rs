//! Bridging two legs: rewriting, transcoding, event payload-type mapping.

mod common;

use centralino_media::g711;
use centralino_media::{
    MediaSession, PlayItem, PlayToken, Prompt, Received, RelaySource, RtpPacket, SessionError,
};
use centralino_model::Codec;
use common::*;
use std::time::Instant;

fn source(codec: Codec) -> RelaySource {
    RelaySource {
        codec,
        payload_type: codec.payload_type(),
        telephone_event_pt: Some(101),
    }
}

#[test]
fn alaw_caller_to_ulaw_agent_is_transcoded_into_the_agents_stream() {
    let t0 = Instant::now();
    let caller_side = addr("192.0.2.10:4000");
    let mut a = MediaSession::new(t0, config(t0, Codec::Pcma));
    let mut bc = config(t0, Codec::Pcmu);
    bc.ssrc = 0xB0B;
    bc.stream.telephone_event_pt = Some(96);
    let mut b = MediaSession::new(t0, bc);
    // B played a little first (ringback), then the bridge starts.
    b.play(
        [PlayItem::Prompt(Prompt::from_pcm(
            &tone(425.0, 320, 3000.0),
            None,
        ))],
        PlayToken(1),
    );
    let mut buf = [0u8; 400];
    for k in 1..=3 {
        let _ = b.on_tick(t0 + ms(20 * k), &mut buf);
    }
    b.stop();
    b.start_relay(source(Codec::Pcma), None).unwrap();
    assert!(b.is_relaying());

    let pcm = tone(800.0, 160, 12000.0);
    let mut alaw = [0u8; 160];
    g711::Law::A.encode_into(&pcm, &mut alaw);
    let mut out = [0u8; 400];
    let mut relayed = Vec::new();
    for i in 0..5u16 {
        let now = t0 + ms(70 + 20 * u64::from(i));
        let datagram = packet(
            8,
            30_000 + i,
            900_000 + u32::from(i) * 160,
            0xCA11,
            i == 0,
            &alaw,
        );
        let Received::Audio(p) = a.handle_rtp(now, caller_side, &datagram) else {
            panic!("audio expected")
        };
        let t = b.relay(now, &p, &mut out).unwrap();
        assert_eq!(t.destination, addr(REMOTE));
        relayed.push(out[..t.len].to_vec());
    }
    // Ticks send nothing while relaying.
    assert_eq!(b.on_tick(t0 + ms(200), &mut buf), None);
    let pkts: Vec<RtpPacket> = relayed
        .iter()
        .map(|r| RtpPacket::parse(r).unwrap())
        .collect();
    assert!(pkts.iter().all(|p| p.ssrc == 0xB0B && p.payload_type == 0));
    let seqs: Vec<u16> = pkts.iter().map(|p| p.sequence).collect();
    assert_eq!(
        seqs,
        [1003, 1004, 1005, 1006, 1007],
        "continues B's own numbering"
    );
    assert!(pkts[0].marker && !pkts[1].marker);
    assert!(
        pkts[0].timestamp.wrapping_sub(50_000 + 3 * 160) < 0x8000_0000,
        "not before B's last packet"
    );
    for w in pkts.windows(2) {
        assert_eq!(w[1].timestamp.wrapping_sub(w[0].timestamp), 160);
    }
    for (u, a) in pkts[0].payload.iter().zip(&alaw) {
        assert_eq!(*u, g711::ALAW_TO_ULAW[*a as usize]);
    }

    // DTMF from the caller (PT 101) reaches the agent on its PT 96, payload untouched.
    let ev = [4u8, 0x0A, 0, 160];
    let datagram = packet(101, 30_005, 900_800, 0xCA11, true, &ev);
    let Received::TelephoneEvent { packet: p, .. } =
        a.handle_rtp(t0 + ms(170), caller_side, &datagram)
    else {
        panic!("event expected")
    };
    let t = b.relay(t0 + ms(170), &p, &mut out).unwrap();
    let e = RtpPacket::parse(&out[..t.len]).unwrap();
    assert_eq!((e.payload_type, e.payload, e.sequence), (96, &ev[..], 1008));
    assert_eq!(e.timestamp, pkts[4].timestamp + 160);

    // Comfort noise is not relayed.
    let cn = packet(13, 30_006, 900_960, 0xCA11, false, &[40]);
    let p = RtpPacket::parse(&cn).unwrap();
    assert_eq!(b.relay(t0 + ms(190), &p, &mut out), None);
    assert_eq!(b.send_stats().relayed, 6);
    assert_eq!(b.send_stats().relay_dropped, 1);

    // Bridge ends: B's player resumes forward in time with a marker.
    b.stop_relay();
    let t = b.on_tick(t0 + ms(220), &mut buf).unwrap();
    let p = RtpPacket::parse(&buf[..t.len]).unwrap();
    assert!(p.marker);
    assert_eq!(p.sequence, 1009);
    assert!(p.timestamp.wrapping_sub(pkts[4].timestamp) < 0x8000_0000);
}

#[test]
fn a_new_source_ssrc_resynchronises_and_matching_codecs_copy() {
    let t0 = Instant::now();
    let mut b = MediaSession::new(t0, config(t0, Codec::Pcma));
    b.start_relay(source(Codec::Pcma), None).unwrap();
    let mut out = [0u8; 400];
    let payload: Vec<u8> = (0..160).map(|i| i as u8).collect();
    let first = packet(8, 100, 1000, 1, false, &payload);
    let t = b
        .relay(t0 + ms(10), &RtpPacket::parse(&first).unwrap(), &mut out)
        .unwrap();
    let p1 = RtpPacket::parse(&out[..t.len]).unwrap();
    assert_eq!(p1.payload, &payload[..]);
    let p1 = (p1.sequence, p1.timestamp);
    // Transfer: the source changes SSRC and numbering.
    let second = packet(8, 7, 123, 2, false, &payload);
    let t = b
        .relay(t0 + ms(30), &RtpPacket::parse(&second).unwrap(), &mut out)
        .unwrap();
    let p2 = RtpPacket::parse(&out[..t.len]).unwrap();
    assert!(p2.marker);
    assert_eq!(p2.sequence, p1.0.wrapping_add(1));
    assert!(p2.timestamp.wrapping_sub(p1.1) > 0 && p2.timestamp.wrapping_sub(p1.1) < 8000);
}

#[test]
fn g729_transcoding_needs_a_codec() {
    let t0 = Instant::now();
    let mut b = MediaSession::new(t0, config(t0, Codec::Pcma));
    assert_eq!(
        b.start_relay(source(Codec::G729), None),
        Err(SessionError::G729Unavailable)
    );
    b.start_relay(source(Codec::G729), Some(&FakeG729)).unwrap();
    let mut out = [0u8; 400];
    let g729 = packet(18, 1, 0, 9, false, &[0x10; 20]);
    let t = b
        .relay(t0, &RtpPacket::parse(&g729).unwrap(), &mut out)
        .unwrap();
    let p = RtpPacket::parse(&out[..t.len]).unwrap();
    assert_eq!((p.payload_type, p.payload.len()), (8, 160));
    assert_eq!(p.payload[0], g711::alaw_encode(0x10 << 8));

    let mut c = config(t0, Codec::G729);
    c.stream.payload_type = 18;
    let mut g = MediaSession::new(t0, c);
    assert_eq!(
        g.start_relay(source(Codec::Pcmu), None),
        Err(SessionError::G729Unavailable)
    );
    g.start_relay(source(Codec::Pcmu), Some(&FakeG729)).unwrap();
    let ulaw = packet(0, 1, 0, 9, false, &[0xFF; 160]);
    let t = g
        .relay(t0, &RtpPacket::parse(&ulaw).unwrap(), &mut out)
        .unwrap();
    let p = RtpPacket::parse(&out[..t.len]).unwrap();
    assert_eq!((p.payload_type, p.payload.len()), (18, 20));
    // G.729 to G.729 is passed through without a codec.
    let mut pass = MediaSession::new(t0, c);
    pass.start_relay(source(Codec::G729), None).unwrap();
    let t = pass
        .relay(t0, &RtpPacket::parse(&g729).unwrap(), &mut out)
        .unwrap();
    assert_eq!(
        RtpPacket::parse(&out[..t.len]).unwrap().payload,
        &[0x10; 20]
    );
}

#[test]
fn nothing_is_relayed_while_on_hold_or_without_events() {
    let t0 = Instant::now();
    let mut c = config(t0, Codec::Pcma);
    c.stream.telephone_event_pt = None;
    let mut b = MediaSession::new(t0, c);
    b.start_relay(source(Codec::Pcma), None).unwrap();
    let mut out = [0u8; 400];
    let ev = packet(101, 1, 0, 9, true, &[1, 0, 0, 160]);
    assert_eq!(b.relay(t0, &RtpPacket::parse(&ev).unwrap(), &mut out), None);
    let mut p = *b.params();
    p.send = false;
    b.update(t0, p);
    let audio = packet(8, 2, 160, 9, false, &[0xD5; 160]);
    assert_eq!(
        b.relay(t0, &RtpPacket::parse(&audio).unwrap(), &mut out),
        None
    );
}
