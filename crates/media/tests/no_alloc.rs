//! The per-packet paths allocate nothing: sending a prompt, receiving
//! audio and DTMF (with the recorder on), relaying with transcoding.

mod common;

use centralino_media::dtmf::DtmfSender;
use centralino_media::{
    MediaSession, PlayItem, PlayToken, Prompt, Received, RecordConfig, RelaySource,
};
use centralino_model::{Codec, DtmfDigit};
use common::*;
use std::time::{Duration, Instant};

#[test]
fn hot_paths_do_not_allocate() {
    let t0 = Instant::now();
    let prompt = Prompt::from_pcm(&tone(440.0, 8000, 6000.0), None);
    let mut a = MediaSession::new(t0, config(t0, Codec::Pcma));
    let mut b = MediaSession::new(t0, config(t0, Codec::Pcmu));
    a.play([PlayItem::Prompt(prompt)], PlayToken(1));
    a.start_recording(t0, RecordConfig::default(), None)
        .unwrap();
    b.start_relay(
        RelaySource {
            codec: Codec::Pcma,
            payload_type: 8,
            telephone_event_pt: Some(101),
        },
        None,
    )
    .unwrap();
    // Datagrams as they would arrive, prepared up front.
    let mut dtmf = DtmfSender::new(
        DtmfDigit::from_char('1').unwrap(),
        Duration::from_millis(100),
        4000,
    );
    let mut incoming: Vec<Vec<u8>> = (0..40u16)
        .map(|i| packet(8, i, u32::from(i) * 160, 3, false, &[0x55; 160]))
        .collect();
    let mut seq = 40;
    while let Some(p) = dtmf.next_packet() {
        incoming.push(packet(
            101,
            seq,
            p.timestamp,
            3,
            p.marker,
            &p.event.to_bytes(),
        ));
        seq += 1;
    }
    let mut out = [0u8; 400];
    let mut relay_out = [0u8; 400];
    let mut sent = 0;
    let mut dtmf_events = 0;
    let info = allocation_counter::measure(|| {
        for (k, datagram) in incoming.iter().enumerate() {
            let now = t0 + Duration::from_millis(20 * (k as u64 + 1));
            while let Some(t) = a.on_tick(now, &mut out) {
                sent += t.len;
            }
            match a.handle_rtp(now, addr(REMOTE), datagram) {
                Received::Audio(p) | Received::TelephoneEvent { packet: p, .. } => {
                    assert!(b.relay(now, &p, &mut relay_out).is_some());
                }
                Received::Dropped(r) => panic!("{r:?}"),
            }
            while let Some(e) = a.poll_event() {
                dtmf_events += usize::from(matches!(e, centralino_media::MediaEvent::Dtmf { .. }));
            }
            a.handle_timeout(now);
        }
    });
    assert_eq!(info.count_total, 0, "allocations on the per-packet path");
    assert!(sent > 40 * 160);
    assert_eq!(dtmf_events, 1);
}
