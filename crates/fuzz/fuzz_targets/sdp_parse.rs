#![no_main]
//! Any bytes as an SDP body: parse, answer, accept as an answer. Our own
//! answer must always parse back with the same number of m-lines.
use centralino_sdp::{accept_answer, answer, parse, Codec, LocalMedia};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sdp) = parse(data) else { return };
    let local = LocalMedia {
        address: std::net::Ipv4Addr::new(192, 0, 2, 1).into(),
        rtp_port: 20_000,
        session_id: 1,
        session_version: 1,
    };
    if let Ok(a) = answer(&sdp, &Codec::ALL, &local) {
        let back = parse(a.sdp.as_bytes()).expect("our answer parses");
        assert_eq!(back.media.len(), sdp.media.len());
    }
    let _ = accept_answer(&Codec::ALL, &sdp);
});
