//! Property tests of the send-side invariants and of the DTMF receiver.

mod common;

use centralino_media::dtmf::{DtmfReceiver, DtmfSender, EventPacket};
use centralino_media::{
    MediaSession, PlayItem, PlayToken, Prompt, RelaySource, RtpPacket, TelephoneEvent,
};
use centralino_model::{Codec, DtmfDigit};
use common::*;
use proptest::prelude::*;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
enum Op {
    Play(usize),
    Silence(u64),
    Loop(usize),
    Stop,
    Dtmf(u8),
    Hold(bool),
    /// Advance the clock by this many ms and tick (possibly late, possibly
    /// mid-period, possibly skipping many ticks).
    Advance(u64),
    /// Relay `n` packets from another leg, then maybe stop relaying.
    Relay(u8, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..3).prop_map(Op::Play),
        (0u64..200).prop_map(Op::Silence),
        (0usize..3).prop_map(Op::Loop),
        Just(Op::Stop),
        (0u8..16).prop_map(Op::Dtmf),
        any::<bool>().prop_map(Op::Hold),
        prop_oneof![4 => 0u64..45, 1 => 45u64..400].prop_map(Op::Advance),
        (0u8..6, any::<bool>()).prop_map(|(n, s)| Op::Relay(n, s)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the engine does, the stream a leg sends keeps RTP's
    /// promises: one SSRC, sequence +1 per packet, audio timestamps
    /// strictly increasing, and on the player's own packets a multiple of
    /// 160 per tick and never ahead of the clock.
    #[test]
    fn sender_sequence_and_timestamp_invariants(ops in proptest::collection::vec(op(), 1..60), idle in any::<bool>()) {
        let t0 = Instant::now();
        let mut cfg = config(t0, Codec::Pcma);
        cfg.silence_when_idle = idle;
        let mut s = MediaSession::new(t0, cfg);
        let prompts: Vec<Prompt> = [1usize, 3, 7]
            .iter()
            .map(|f| Prompt::from_pcm(&tone(500.0, f * 160 - 40, 6000.0), None))
            .collect();
        let mut now = t0;
        let mut buf = [0u8; 400];
        let mut sent: Vec<(Vec<u8>, Instant, bool)> = Vec::new();
        let mut token = 0;
        let mut relay_seq = 0u16;
        for op in ops {
            match op {
                Op::Play(i) => { token += 1; s.play([PlayItem::Prompt(prompts[i].clone())], PlayToken(token)) }
                Op::Silence(ms_) => { token += 1; s.play([PlayItem::Silence(ms(ms_))], PlayToken(token)) }
                Op::Loop(i) => { token += 1; s.play([PlayItem::Loop(prompts[i].clone())], PlayToken(token)) }
                Op::Stop => s.stop(),
                Op::Dtmf(d) => s.send_dtmf(DtmfDigit::from_event(d).unwrap(), ms(80)).unwrap(),
                Op::Hold(h) => { let mut p = *s.params(); p.send = !h; s.update(now, p) }
                Op::Advance(d) => {
                    now += ms(d);
                    while let Some(t) = s.on_tick(now, &mut buf) {
                        sent.push((buf[..t.len].to_vec(), now, false));
                    }
                }
                Op::Relay(n, stop) => {
                    s.start_relay(RelaySource { codec: Codec::Pcmu, payload_type: 0, telephone_event_pt: Some(101) }, None).unwrap();
                    for _ in 0..n {
                        relay_seq = relay_seq.wrapping_add(1);
                        now += ms(20);
                        let b = packet(0, relay_seq, u32::from(relay_seq) * 160, 77, false, &[0xFF; 160]);
                        if let Some(t) = s.relay(now, &RtpPacket::parse(&b).unwrap(), &mut buf) {
                            sent.push((buf[..t.len].to_vec(), now, true));
                        }
                    }
                    if stop { s.stop_relay() }
                }
            }
            while s.poll_event().is_some() {}
        }
        let grid0 = t0;
        let mut prev: Option<RtpPacket> = None;
        let mut prev_audio: Option<(u32, bool)> = None;
        for (bytes, at, relayed) in &sent {
            let p = RtpPacket::parse(bytes).unwrap();
            prop_assert_eq!(p.ssrc, 0x1234_5678);
            if let Some(q) = prev {
                prop_assert_eq!(p.sequence, q.sequence.wrapping_add(1));
            } else {
                prop_assert_eq!(p.sequence, 1000);
            }
            if p.payload_type == 8 || p.payload_type == 0 {
                if let Some((last, last_relayed)) = prev_audio {
                    let step = p.timestamp.wrapping_sub(last);
                    prop_assert!(step > 0 && step < 0x8000_0000, "timestamp went back: {} -> {}", last, p.timestamp);
                    if !relayed && !last_relayed {
                        prop_assert_eq!(step % 160, 0);
                    }
                }
                if !relayed {
                    // Never ahead of the clock (the first tick is at +20 ms).
                    let elapsed = at.duration_since(grid0).as_millis() as u32;
                    prop_assert!(p.timestamp.wrapping_sub(50_000) <= elapsed * 8 + 160 * 64,
                        "ts {} at {} ms", p.timestamp, elapsed);
                }
                prev_audio = Some((p.timestamp, *relayed));
            }
            prev = Some(p);
        }
    }
}

/// Packets of `n` presses, 100–300 ms each, 200 ms apart.
fn presses(digits: &[u8], lengths: &[u64]) -> Vec<Vec<EventPacket>> {
    let mut ts = 1000u32;
    digits
        .iter()
        .zip(lengths)
        .map(|(d, len)| {
            let mut s = DtmfSender::new(DtmfDigit::from_event(*d).unwrap(), ms(*len), ts);
            ts = ts.wrapping_add(8 * (*len as u32) + 1600);
            std::iter::from_fn(|| s.next_packet()).collect()
        })
        .collect()
}

proptest! {
    /// Each key press is reported exactly once, in order, whatever happens
    /// to its end packets: duplicated, reordered among themselves, delayed
    /// past the start of the next presses (up to two presses later), or all
    /// lost but one.
    #[test]
    fn dtmf_each_press_reported_exactly_once(
        digits in proptest::collection::vec(0u8..16, 1..12),
        lengths in proptest::collection::vec(40u64..300, 12),
        mangles in proptest::collection::vec((0usize..4, 0usize..3, 0usize..3), 12),
    ) {
        let all = presses(&digits, &lengths);
        // Build the arrival order: non-end packets in order; end packets
        // duplicated `dup` times and delivered `delay` presses later.
        let mut delayed: Vec<Vec<EventPacket>> = vec![Vec::new(); all.len() + 3];
        let mut arrivals: Vec<EventPacket> = Vec::new();
        for (i, pkts) in all.iter().enumerate() {
            arrivals.append(&mut delayed[i]);
            let (dup, delay, keep) = mangles[i];
            let mut ends: Vec<EventPacket> = pkts.iter().filter(|p| p.event.end).copied().collect();
            ends.truncate(keep + 1);
            ends.reverse();
            for _ in 0..dup {
                ends.push(ends[0]);
            }
            arrivals.extend(pkts.iter().filter(|p| !p.event.end));
            delayed[i + delay].extend(ends);
        }
        for rest in delayed {
            arrivals.extend(rest);
        }
        let t0 = Instant::now();
        let mut r = DtmfReceiver::new();
        let mut got = Vec::new();
        for (k, p) in arrivals.iter().enumerate() {
            got.extend(r.receive(t0 + ms(k as u64 * 20), p.timestamp, p.event).map(|x| x.digit.event()));
        }
        if let Some(deadline) = r.poll_timeout() {
            got.extend(r.handle_timeout(deadline).map(|x| x.digit.event()));
        }
        prop_assert_eq!(got, digits);
    }
}

#[test]
fn the_end_duration_is_reported() {
    let t0 = Instant::now();
    let mut r = DtmfReceiver::new();
    let end = TelephoneEvent {
        event: 1,
        end: true,
        volume: 10,
        duration: 1600,
    };
    let got: Vec<_> = r.receive(t0, 5, end).collect();
    assert_eq!(got[0].duration, Duration::from_millis(200));
}
