//! MediaSession under a simulated clock: sending, receiving, DTMF,
//! inactivity, hold.

mod common;

use centralino_media::dtmf::DtmfSender;
use centralino_media::{
    DropReason, MediaEvent, MediaSession, PlayItem, PlayToken, Prompt, Received, RtpPacket,
    StreamParams,
};
use centralino_model::{Codec, DtmfDigit};
use common::*;
use std::time::{Duration, Instant};

/// Tick every 20 ms from `from` (exclusive) for `ticks` ticks; collect packets.
fn run(s: &mut MediaSession, t0: Instant, from_tick: u64, ticks: u64) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1500];
    for k in from_tick + 1..=from_tick + ticks {
        let now = t0 + ms(20 * k);
        while let Some(t) = s.on_tick(now, &mut buf) {
            assert_eq!(t.destination, addr(REMOTE));
            out.push((k, buf[..t.len].to_vec()));
        }
    }
    out
}

fn events(s: &mut MediaSession) -> Vec<MediaEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

#[test]
fn a_prompt_plays_frame_by_frame_then_silence() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    let pcm = tone(440.0, 400, 9000.0); // 2.5 frames → 3, last padded
    let prompt = Prompt::from_pcm(&pcm, None);
    assert_eq!(prompt.frame_count(), 3);
    s.play([PlayItem::Prompt(prompt.clone())], PlayToken(7));
    let sent = run(&mut s, t0, 0, 6);
    assert_eq!(sent.len(), 6, "3 prompt frames, then idle silence");
    let pkts: Vec<RtpPacket> = sent
        .iter()
        .map(|(_, b)| RtpPacket::parse(b).unwrap())
        .collect();
    for (i, p) in pkts.iter().enumerate() {
        assert_eq!(p.ssrc, 0x1234_5678);
        assert_eq!(p.payload_type, 8);
        assert_eq!(p.sequence, 1000 + i as u16);
        assert_eq!(p.timestamp, 50_000 + 160 * (i as u32 + 1));
        assert_eq!(p.payload.len(), 160);
    }
    assert!(pkts[0].marker && !pkts[1].marker && !pkts[3].marker);
    for (i, p) in pkts.iter().take(3).enumerate() {
        assert_eq!(p.payload, prompt.frame(Codec::Pcma, i).unwrap());
    }
    // The payload decodes back to the PCM within G.711 quantisation.
    for (i, s) in pcm.iter().enumerate() {
        let d = centralino_media::g711::alaw_decode(pkts[i / 160].payload[i % 160]);
        assert!((i32::from(d) - i32::from(*s)).abs() <= i32::from(*s).abs() / 32 + 32);
    }
    assert!(
        pkts[3].payload.iter().all(|b| *b == 0xD5),
        "A-law silence when idle"
    );
    assert_eq!(
        events(&mut s),
        [MediaEvent::PlaybackFinished {
            token: PlayToken(7)
        }]
    );
}

#[test]
fn silence_items_keep_the_clock_running_and_the_next_prompt_is_marked() {
    let t0 = Instant::now();
    let mut c = config(t0, Codec::Pcmu);
    c.silence_when_idle = false;
    let mut s = MediaSession::new(t0, c);
    let p = Prompt::from_pcm(&tone(300.0, 320, 5000.0), None);
    s.play(
        [
            PlayItem::Prompt(p.clone()),
            PlayItem::Silence(ms(100)),
            PlayItem::Prompt(p),
        ],
        PlayToken(1),
    );
    let sent = run(&mut s, t0, 0, 12);
    let pkts: Vec<(u64, RtpPacket)> = sent
        .iter()
        .map(|(k, b)| (*k, RtpPacket::parse(b).unwrap()))
        .collect();
    assert_eq!(pkts.len(), 4);
    let ticks: Vec<u64> = pkts.iter().map(|(k, _)| *k).collect();
    assert_eq!(ticks, [1, 2, 8, 9]);
    let seqs: Vec<u16> = pkts.iter().map(|(_, p)| p.sequence).collect();
    assert_eq!(
        seqs,
        [1000, 1001, 1002, 1003],
        "no gaps in sequence numbers"
    );
    assert_eq!(
        pkts[2].1.timestamp - pkts[1].1.timestamp,
        6 * 160,
        "timestamp advanced across the silence"
    );
    assert!(pkts[2].1.marker && !pkts[3].1.marker);
    assert_eq!(
        events(&mut s),
        [MediaEvent::PlaybackFinished {
            token: PlayToken(1)
        }]
    );
}

#[test]
fn late_ticks_catch_up_with_correct_timestamps_or_skip() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    let mut buf = [0u8; 200];
    // Three ticks late: three packets in a row, timestamps as if on time.
    let mut got = Vec::new();
    while let Some(t) = s.on_tick(t0 + ms(61), &mut buf) {
        got.push(RtpPacket::parse(&buf[..t.len]).unwrap().timestamp);
    }
    assert_eq!(got, [50_160, 50_320, 50_480]);
    // A second late by 50 ticks: only MAX_CATCH_UP are sent.
    let mut n = 0;
    let mut last_ts = 0;
    while let Some(t) = s.on_tick(t0 + ms(60 + 50 * 20), &mut buf) {
        n += 1;
        last_ts = RtpPacket::parse(&buf[..t.len]).unwrap().timestamp;
    }
    assert_eq!(n, MediaSession::MAX_CATCH_UP);
    assert_eq!(last_ts, 50_000 + 53 * 160);
    assert_eq!(
        s.send_stats().skipped_ticks,
        50 - MediaSession::MAX_CATCH_UP
    );
    assert_eq!(
        s.on_tick(t0 + ms(60 + 50 * 20 + 5), &mut buf),
        None,
        "same tick: nothing more"
    );
}

#[test]
fn music_on_hold_loops_until_stopped() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    let moh = Prompt::from_pcm(&tone(500.0, 320, 4000.0), None);
    s.play([PlayItem::Loop(moh.clone())], PlayToken(9));
    let sent = run(&mut s, t0, 0, 7);
    let markers: Vec<bool> = sent
        .iter()
        .map(|(_, b)| RtpPacket::parse(b).unwrap().marker)
        .collect();
    assert_eq!(markers, [true, false, true, false, true, false, true]);
    assert_eq!(
        RtpPacket::parse(&sent[2].1).unwrap().payload,
        moh.frame(Codec::Pcma, 0).unwrap()
    );
    s.stop();
    assert!(s.is_idle());
    let after = run(&mut s, t0, 7, 2);
    assert!(RtpPacket::parse(&after[0].1)
        .unwrap()
        .payload
        .iter()
        .all(|b| *b == 0xD5));
    assert!(
        events(&mut s).is_empty(),
        "a loop's token is never reported"
    );
}

#[test]
fn hold_sends_nothing_and_unhold_resumes_with_a_marker() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    let p = Prompt::from_pcm(&tone(400.0, 1600, 4000.0), None); // 10 frames
    s.play([PlayItem::Prompt(p)], PlayToken(3));
    assert_eq!(run(&mut s, t0, 0, 2).len(), 2);
    let mut held = *s.params();
    held.send = false;
    s.update(t0 + ms(45), held);
    assert!(run(&mut s, t0, 2, 3).is_empty());
    let mut resumed = held;
    resumed.send = true;
    s.update(t0 + ms(105), resumed);
    let sent = run(&mut s, t0, 5, 10);
    let first = RtpPacket::parse(&sent[0].1).unwrap();
    assert!(first.marker);
    assert_eq!(first.sequence, 1002);
    assert_eq!(first.timestamp, 50_000 + 6 * 160);
    // The prompt kept playing (silently) while held: it ends on time.
    assert_eq!(
        events(&mut s),
        [MediaEvent::PlaybackFinished {
            token: PlayToken(3)
        }]
    );
}

#[test]
fn receive_accepts_only_the_remote_and_reports_dtmf_once() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    let audio = packet(8, 10, 0, 0xAB, true, &[0xD5; 160]);
    assert!(
        matches!(s.handle_rtp(t0, addr(REMOTE), &audio), Received::Audio(p) if p.payload.len() == 160)
    );
    assert_eq!(
        s.handle_rtp(t0, addr("198.51.100.1:4000"), &audio),
        Received::Dropped(DropReason::WrongSource {
            source: addr("198.51.100.1:4000")
        })
    );
    assert!(matches!(
        s.handle_rtp(t0, addr(REMOTE), &[0x80, 8, 0]),
        Received::Dropped(DropReason::Malformed(_))
    ));
    // SIPp's play_dtmf sends PT 96: not the negotiated 101, not DTMF.
    let pt96 = packet(96, 11, 160, 0xAB, true, &[5, 0x0A, 0, 160]);
    assert_eq!(
        s.handle_rtp(t0, addr(REMOTE), &pt96),
        Received::Dropped(DropReason::UnexpectedPayloadType { payload_type: 96 })
    );
    // A '5' of 100 ms on PT 101, as SIPp's dtmf_2833 pcaps send it.
    let mut sender = DtmfSender::new(DtmfDigit::from_char('5').unwrap(), ms(100), 320);
    let mut seq = 12;
    while let Some(p) = sender.next_packet() {
        let bytes = packet(101, seq, p.timestamp, 0xAB, p.marker, &p.event.to_bytes());
        seq += 1;
        assert!(matches!(
            s.handle_rtp(t0, addr(REMOTE), &bytes),
            Received::TelephoneEvent { .. }
        ));
    }
    assert_eq!(
        events(&mut s),
        [MediaEvent::Dtmf {
            digit: DtmfDigit::from_char('5').unwrap(),
            duration: ms(100)
        }]
    );
    let st = s.receive_stats();
    assert_eq!(
        (
            st.packets,
            st.malformed,
            st.wrong_source,
            st.unexpected_payload_type,
            st.lost
        ),
        (9, 1, 1, 1, 0)
    );
}

#[test]
fn latching_follows_the_first_packet_and_sends_there() {
    let t0 = Instant::now();
    let mut c = config(t0, Codec::Pcma);
    c.latch = true;
    let mut s = MediaSession::new(t0, c);
    let nat = addr("203.0.113.99:31000");
    let audio = packet(8, 1, 0, 1, false, &[0xD5; 160]);
    assert!(matches!(s.handle_rtp(t0, nat, &audio), Received::Audio(_)));
    assert_eq!(s.destination(), Some(nat));
    assert!(matches!(
        s.handle_rtp(t0, addr(REMOTE), &audio),
        Received::Dropped(DropReason::WrongSource { .. })
    ));
    let mut buf = [0u8; 200];
    assert_eq!(s.on_tick(t0 + ms(20), &mut buf).unwrap().destination, nat);
}

#[test]
fn inactivity_fires_once_and_rearms_on_rtp() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(60)));
    s.handle_timeout(t0 + Duration::from_secs(59));
    assert!(events(&mut s).is_empty());
    s.handle_timeout(t0 + Duration::from_secs(60));
    assert_eq!(
        events(&mut s),
        [MediaEvent::InactivityTimeout {
            silent_for: Duration::from_secs(60)
        }]
    );
    assert_eq!(s.poll_timeout(), None);
    s.handle_timeout(t0 + Duration::from_secs(61));
    assert!(events(&mut s).is_empty());
    let t1 = t0 + Duration::from_secs(70);
    let _ = s.handle_rtp(t1, addr(REMOTE), &packet(8, 1, 0, 1, false, &[0xD5; 160]));
    assert_eq!(s.poll_timeout(), Some(t1 + Duration::from_secs(60)));
    // Not receiving (we hold the peer with sendonly/inactive): no timeout.
    let mut p = *s.params();
    p.receive = false;
    s.update(t1, p);
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(
        s.handle_rtp(t1, addr(REMOTE), &packet(8, 2, 160, 1, false, &[0; 160])),
        Received::Dropped(DropReason::NotReceiving)
    );
}

#[test]
fn loss_and_jitter_statistics() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    for i in 0..100u16 {
        if i % 10 == 3 {
            continue; // 10 lost
        }
        let b = packet(
            8,
            65_500u16.wrapping_add(i),
            u32::from(i) * 160,
            5,
            false,
            &[0xD5; 160],
        );
        let _ = s.handle_rtp(t0 + ms(20 * u64::from(i)), addr(REMOTE), &b);
    }
    let st = *s.receive_stats();
    assert_eq!(st.lost, 10);
    assert_eq!(st.packets, 90);
    assert_eq!(st.jitter, Duration::ZERO);
    assert_eq!(st.ssrc, Some(5));
}

#[test]
fn send_dtmf_produces_rfc4733_packets_and_pauses_audio() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(t0, config(t0, Codec::Pcma));
    s.send_dtmf(DtmfDigit::from_char('9').unwrap(), ms(60))
        .unwrap();
    let sent = run(&mut s, t0, 0, 7);
    let pkts: Vec<RtpPacket> = sent
        .iter()
        .map(|(_, b)| RtpPacket::parse(b).unwrap())
        .collect();
    let pts: Vec<u8> = pkts.iter().map(|p| p.payload_type).collect();
    assert_eq!(pts, [101, 101, 101, 101, 101, 8, 8]);
    assert!(pkts[0].marker && !pkts[1].marker && pkts[5].marker);
    assert!(pkts[..5].iter().all(|p| p.timestamp == 50_160));
    assert_eq!(pkts[5].timestamp, 50_000 + 6 * 160);
    let ends = pkts[..5]
        .iter()
        .filter(|p| {
            centralino_media::TelephoneEvent::parse(p.payload)
                .unwrap()
                .end
        })
        .count();
    assert_eq!(ends, 3);
    let mut no_te = config(t0, Codec::Pcma);
    no_te.stream = StreamParams::new(Codec::Pcma, Some(addr(REMOTE)));
    assert!(MediaSession::new(t0, no_te)
        .send_dtmf(DtmfDigit::from_char('1').unwrap(), ms(100))
        .is_err());
}

#[test]
fn g729_sessions_play_g729_frames_and_send_nothing_when_idle() {
    let t0 = Instant::now();
    let mut c = config(t0, Codec::G729);
    c.stream.payload_type = 18;
    let mut s = MediaSession::new(t0, c);
    let with = Prompt::from_pcm(&tone(440.0, 320, 5000.0), Some(&FakeG729));
    let without = Prompt::from_pcm(&tone(440.0, 320, 5000.0), None);
    s.play(
        [PlayItem::Prompt(with), PlayItem::Prompt(without)],
        PlayToken(1),
    );
    let sent = run(&mut s, t0, 0, 6);
    assert_eq!(sent.len(), 2);
    assert!(sent
        .iter()
        .all(|(_, b)| RtpPacket::parse(b).unwrap().payload.len() == 20));
    assert_eq!(s.send_stats().missing_codec_frames, 2);
}
