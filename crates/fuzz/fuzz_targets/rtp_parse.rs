#![no_main]
//! Any bytes as an RTP datagram: the packet parser, then a session's whole
//! receive path (statistics, DTMF, recorder) and a relay into another leg.
use centralino_media::{
    Codec, MediaSession, PacingGrid, Received, RecordConfig, RelaySource, RtpPacket, SessionConfig,
    StreamParams,
};
use libfuzzer_sys::fuzz_target;
use std::time::Instant;

fuzz_target!(|data: &[u8]| {
    let _ = RtpPacket::parse(data);
    let now = Instant::now();
    let remote = "192.0.2.1:4000".parse().unwrap();
    let mut stream = StreamParams::new(Codec::Pcma, Some(remote));
    stream.telephone_event_pt = Some(101);
    let grid = PacingGrid::every_20ms(now);
    let mut a = MediaSession::new(now, SessionConfig::new(grid, stream, 1, 2, 3));
    a.start_recording(now, RecordConfig::default(), None)
        .unwrap();
    let mut b = MediaSession::new(
        now,
        SessionConfig::new(grid, StreamParams::new(Codec::Pcmu, Some(remote)), 4, 5, 6),
    );
    b.start_relay(
        RelaySource {
            codec: Codec::Pcma,
            payload_type: 8,
            telephone_event_pt: Some(101),
        },
        None,
    )
    .unwrap();
    let mut out = [0u8; 1500];
    // The datagram as-is, then split in two, as two packets of one stream.
    let mid = data.len() / 2;
    for chunk in [data, &data[..mid], &data[mid..]] {
        match a.handle_rtp(now, remote, chunk) {
            Received::Audio(p) | Received::TelephoneEvent { packet: p, .. } => {
                let _ = b.relay(now, &p, &mut out);
            }
            Received::Dropped(_) => {}
        }
    }
    while a.poll_event().is_some() {}
    a.handle_timeout(now + std::time::Duration::from_secs(120));
    while a.poll_event().is_some() {}
});
