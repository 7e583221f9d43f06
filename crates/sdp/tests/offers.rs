//! Offers as real trunks and softphones write them, and our answers.

use centralino_model::Codec;
use centralino_sdp::{
    accept_answer, answer, offer, parse, Direction, LocalMedia, MediaKind, NegotiationError,
    SdpError,
};
use std::net::SocketAddr;

const ALL: [Codec; 3] = [Codec::Pcma, Codec::Pcmu, Codec::G729];
const G711: [Codec; 2] = [Codec::Pcma, Codec::Pcmu];

fn local(version: u64) -> LocalMedia {
    LocalMedia {
        address: "198.51.100.7".parse().unwrap(),
        rtp_port: 20_000,
        session_id: 4242,
        session_version: version,
    }
}

fn sock(s: &str) -> Option<SocketAddr> {
    Some(s.parse().unwrap())
}

fn crlf(s: &str) -> Vec<u8> {
    s.lines()
        .map(|l| format!("{l}\r\n"))
        .collect::<String>()
        .into_bytes()
}

const CISCO_CUBE: &str = "v=0
o=CiscoSystemsSIP-GW-UserAgent 3907 8043 IN IP4 10.1.1.10
s=SIP Call
c=IN IP4 10.1.1.10
t=0 0
m=audio 17442 RTP/AVP 18 8 0 101 19
c=IN IP4 10.1.1.10
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=rtpmap:19 CN/8000
a=ptime:20
";

const ASTERISK: &str = "v=0
o=- 1234567 1234567 IN IP4 203.0.113.5
s=Asterisk
c=IN IP4 203.0.113.5
t=0 0
m=audio 10010 RTP/AVP 8 0 3 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:3 GSM/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendrecv
";

const FREESWITCH_WITH_VIDEO: &str = "v=0
o=FreeSWITCH 1700000000 1700000001 IN IP4 192.0.2.20
s=FreeSWITCH
c=IN IP4 192.0.2.20
t=0 0
m=audio 24000 RTP/AVP 0 8 9 102 101 13
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:9 G722/8000
a=rtpmap:102 opus/48000/2
a=fmtp:102 useinbandfec=1
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=rtpmap:13 CN/8000
a=ptime:20
m=video 24002 RTP/AVP 96
a=rtpmap:96 H264/90000
";

// SIPp's uac_pcap scenario: static types without rtpmap for PCMU.
const SIPP: &str = "v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0 101
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-11,16
";

#[test]
fn cisco_offer_g729_first_is_answered_g729_when_we_accept_it() {
    let offer = parse(&crlf(CISCO_CUBE)).unwrap();
    assert_eq!(offer.origin.session_version, 8043);
    let a = answer(&offer, &ALL, &local(1)).unwrap();
    let n = &a.negotiated;
    assert_eq!((n.codec, n.payload_type), (Codec::G729, 18));
    assert_eq!(n.telephone_event_pt, Some(101));
    assert_eq!(n.remote_rtp, sock("10.1.1.10:17442"));
    assert_eq!(n.remote_ptime, Some(20));
    assert!(
        a.sdp.contains("m=audio 20000 RTP/AVP 18 101\r\n"),
        "{}",
        a.sdp
    );
    assert!(a.sdp.contains("a=fmtp:18 annexb=no\r\n"));
    assert!(a.sdp.contains("a=fmtp:101 0-15\r\n"));
    assert!(a.sdp.contains("a=ptime:20\r\n"));
    assert!(a.sdp.contains("a=sendrecv\r\n"));
    assert!(a.sdp.starts_with("v=0\r\no=centralino 4242 1 IN IP4 198.51.100.7\r\ns=centralino\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"));
    // Without the g729 feature the same offer gets A-law.
    let a = answer(&offer, &G711, &local(1)).unwrap();
    assert_eq!(a.negotiated.codec, Codec::Pcma);
    assert!(a.sdp.contains("m=audio 20000 RTP/AVP 8 101\r\n"));
    assert!(!a.sdp.contains("annexb"));
}

#[test]
fn offerer_order_wins_among_accepted_codecs() {
    let offer = parse(&crlf(ASTERISK)).unwrap();
    let a = answer(&offer, &[Codec::Pcmu, Codec::Pcma], &local(1)).unwrap();
    assert_eq!(a.negotiated.codec, Codec::Pcma);
    let a = answer(&offer, &[Codec::Pcmu], &local(1)).unwrap();
    assert_eq!(a.negotiated.codec, Codec::Pcmu);
    assert!(a.sdp.contains("a=rtpmap:0 PCMU/8000\r\n"));
}

#[test]
fn video_is_rejected_in_place_and_order_is_kept() {
    let offer = parse(&crlf(FREESWITCH_WITH_VIDEO)).unwrap();
    assert_eq!(offer.media.len(), 2);
    assert_eq!(offer.media[1].kind, MediaKind::Video);
    let a = answer(&offer, &G711, &local(3)).unwrap();
    assert_eq!(a.negotiated.codec, Codec::Pcmu);
    assert_eq!(a.negotiated.media_index, 0);
    let audio = a.sdp.find("m=audio 20000").unwrap();
    let video = a.sdp.find("m=video 0 RTP/AVP 96\r\n").unwrap();
    assert!(audio < video);
    // The answer parses back and its audio line accepts.
    let back = parse(a.sdp.as_bytes()).unwrap();
    assert_eq!(back.media.len(), 2);
    assert_eq!(back.media[1].port, 0);
}

#[test]
fn static_payload_without_rtpmap_and_partial_event_list() {
    let offer = parse(&crlf(SIPP)).unwrap();
    let a = answer(&offer, &G711, &local(1)).unwrap();
    assert_eq!(a.negotiated.codec, Codec::Pcmu);
    assert_eq!(a.negotiated.telephone_event_pt, Some(101));
    assert!(a.sdp.contains("a=fmtp:101 0-11\r\n"), "{}", a.sdp);
}

#[test]
fn names_are_case_insensitive_and_dynamic_numbers_are_kept() {
    let body = "v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 4000 RTP/AVP 97 110
a=rtpmap:97 pcma/8000
a=rtpmap:110 Telephone-Event/8000
";
    let a = answer(&parse(&crlf(body)).unwrap(), &G711, &local(1)).unwrap();
    assert_eq!(
        (a.negotiated.codec, a.negotiated.payload_type),
        (Codec::Pcma, 97)
    );
    assert_eq!(a.negotiated.telephone_event_pt, Some(110));
    assert!(a.sdp.contains("a=rtpmap:97 PCMA/8000\r\n"));
    // no fmtp for telephone-event: 0-15 is the default (RFC 4733).
    assert!(a.sdp.contains("a=fmtp:110 0-15\r\n"));
}

#[test]
fn g729_only_offers() {
    for (fmtp, annexb) in [
        ("a=fmtp:18 annexb=yes\n", true),
        ("a=fmtp:18 annexb=no\n", false),
        ("", true),
    ] {
        let body = format!(
            "v=0\no=- 5 5 IN IP4 192.0.2.9\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\nm=audio 5004 RTP/AVP 18\na=rtpmap:18 G729/8000\n{fmtp}"
        );
        let offer = parse(&crlf(&body)).unwrap();
        assert_eq!(offer.media[0].payloads[0].annexb(), annexb);
        let err = answer(&offer, &G711, &local(1)).unwrap_err();
        assert_eq!(
            err,
            NegotiationError::NoCommonCodec {
                offered: vec![18],
                accepted: G711.to_vec()
            }
        );
        assert_eq!(err.status_code(), 488);
        let a = answer(&offer, &ALL, &local(1)).unwrap();
        assert_eq!(a.negotiated.codec, Codec::G729);
        assert!(
            a.sdp.contains("a=fmtp:18 annexb=no\r\n"),
            "we never use Annex B"
        );
        assert_eq!(a.negotiated.telephone_event_pt, None);
        assert!(!a.sdp.contains("telephone-event"));
    }
    // G729A is G.729 too.
    let body = "v=0\no=- 5 5 IN IP4 192.0.2.9\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\nm=audio 5004 RTP/AVP 18\na=rtpmap:18 G729a/8000\n";
    assert_eq!(
        answer(&parse(&crlf(body)).unwrap(), &ALL, &local(1))
            .unwrap()
            .negotiated
            .codec,
        Codec::G729
    );
}

#[test]
fn telephone_event_at_other_rates_or_events_is_ignored() {
    let body = "v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 4000 RTP/AVP 8 100 101
a=rtpmap:100 telephone-event/48000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 16
";
    let a = answer(&parse(&crlf(body)).unwrap(), &G711, &local(1)).unwrap();
    assert_eq!(
        a.negotiated.telephone_event_pt, None,
        "only flash (16) offered at 8 kHz"
    );
    assert!(!a.sdp.contains("telephone-event"));
}

fn hold_offer(version: u64, c: &str, dir: &str) -> Vec<u8> {
    crlf(&format!(
        "v=0\no=- 77 {version} IN IP4 192.0.2.1\ns=-\nc=IN IP4 {c}\nt=0 0\nm=audio 4000 RTP/AVP 8 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\n{dir}"
    ))
}

#[test]
fn hold_and_unhold_reoffers() {
    let cases = [
        (1, "192.0.2.1", "", Direction::SendRecv, true),
        (2, "192.0.2.1", "a=sendonly\n", Direction::RecvOnly, true),
        (3, "192.0.2.1", "a=inactive\n", Direction::Inactive, true),
        (4, "0.0.0.0", "", Direction::RecvOnly, false),
        (5, "0.0.0.0", "a=sendonly\n", Direction::RecvOnly, false),
        (6, "192.0.2.1", "a=recvonly\n", Direction::SendOnly, true),
        (7, "192.0.2.1", "a=sendrecv\n", Direction::SendRecv, true),
    ];
    for (version, c, dir, ours, has_remote) in cases {
        let offer = parse(&hold_offer(version, c, dir)).unwrap();
        assert_eq!(offer.origin.session_version, version);
        let a = answer(&offer, &G711, &local(version)).unwrap();
        assert_eq!(a.negotiated.direction, ours, "version {version}");
        assert_eq!(a.negotiated.remote_rtp.is_some(), has_remote);
        assert_eq!(a.negotiated.held_by_peer(), !ours.sends() || !has_remote);
        assert!(a.sdp.contains(&format!("a={ours}\r\n")));
        assert!(a
            .sdp
            .contains(&format!("o=centralino 4242 {version} IN IP4")));
        // Our c= stays our real address even when the peer holds.
        assert!(a.sdp.contains("c=IN IP4 198.51.100.7\r\n"));
    }
}

#[test]
fn session_level_direction_and_media_level_connection() {
    let body = "v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
t=0 0
a=sendonly
m=audio 4000 RTP/AVP 0
c=IN IP4 192.0.2.44
m=audio 4002 RTP/AVP 8
c=IN IP4 192.0.2.45
a=sendrecv
";
    let offer = parse(&crlf(body)).unwrap();
    assert_eq!(offer.media[0].direction, Direction::SendOnly);
    assert_eq!(offer.media[1].direction, Direction::SendRecv);
    // The first audio line we can use wins; the second is rejected.
    let a = answer(&offer, &[Codec::Pcma], &local(1)).unwrap();
    assert_eq!(a.negotiated.media_index, 1);
    assert_eq!(a.negotiated.remote_rtp, sock("192.0.2.45:4002"));
    assert!(a.sdp.contains("m=audio 0 RTP/AVP 0\r\n"));
    let a = answer(&offer, &G711, &local(1)).unwrap();
    assert_eq!(a.negotiated.media_index, 0);
    assert_eq!(a.negotiated.direction, Direction::RecvOnly);
    assert!(a.sdp.contains("m=audio 0 RTP/AVP 8\r\n"));
}

#[test]
fn unknown_transports_are_echoed_rejected_and_srtp_refused() {
    let body = "v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 4000 RTP/SAVP 0
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz
m=message 2855 TCP/MSRP *
m=image 4004 udptl t38
m=audio 4006 RTP/AVP 0
";
    let offer = parse(&crlf(body)).unwrap();
    assert_eq!(offer.media[1].proto, "TCP/MSRP");
    let a = answer(&offer, &G711, &local(1)).unwrap();
    assert_eq!(a.negotiated.media_index, 3);
    assert!(a.sdp.contains("m=audio 0 RTP/SAVP 0\r\n"));
    assert!(a.sdp.contains("m=message 0 TCP/MSRP *\r\n"), "{}", a.sdp);
    assert!(a.sdp.contains("m=image 0 udptl t38\r\n"));
    // Only SRTP offered: no usable stream.
    let only_srtp =
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/SAVP 0\n";
    assert_eq!(
        answer(&parse(&crlf(only_srtp)).unwrap(), &G711, &local(1)),
        Err(NegotiationError::NoAudioStream)
    );
}

#[test]
fn lf_only_and_ipv6() {
    let body = "v=0\no=- 1 1 IN IP6 2001:db8::1\ns=-\nc=IN IP6 2001:db8::1\nt=0 0\nm=audio 4000 RTP/AVP 8\n";
    let offer = parse(body.as_bytes()).unwrap();
    let mut l = local(1);
    l.address = "2001:db8::7".parse().unwrap();
    let a = answer(&offer, &G711, &l).unwrap();
    assert_eq!(a.negotiated.remote_rtp, sock("[2001:db8::1]:4000"));
    assert!(a.sdp.contains("c=IN IP6 2001:db8::7\r\n"));
}

#[test]
fn malformed_bodies_are_400() {
    let bad: [&[u8]; 7] = [
        b"",
        b"hello",
        b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n",
        b"v=0\r\no=- x 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n",
        b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n",
        b"\xff\xfe",
        b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 pbx.example\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
    ];
    for body in bad {
        let err = parse(body).unwrap_err();
        assert_eq!(err.status_code(), 400, "{err}");
    }
    let no_c = b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    assert_eq!(parse(no_c), Err(SdpError::MissingConnection { index: 0 }));
    let huge = vec![b'a'; centralino_sdp::MAX_SDP_LEN + 1];
    assert!(matches!(parse(&huge), Err(SdpError::TooLarge { .. })));
}

#[test]
fn our_offer_and_the_answer_to_it() {
    let sdp = offer(
        &[Codec::Pcmu, Codec::Pcma, Codec::Pcmu],
        Some(101),
        &local(1),
        Direction::SendRecv,
    );
    assert!(sdp.contains("m=audio 20000 RTP/AVP 0 8 101\r\n"), "{sdp}");
    assert!(sdp.contains("a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"));
    // It parses back as an offer we could answer ourselves.
    let back = parse(sdp.as_bytes()).unwrap();
    let a = answer(&back, &[Codec::Pcma, Codec::Pcmu], &local(1)).unwrap();
    assert_eq!(a.negotiated.codec, Codec::Pcmu);

    // A softphone answers with A-law only and its own event number.
    let ans = "v=0\no=baresip 1 2 IN IP4 192.0.2.50\ns=-\nc=IN IP4 192.0.2.50\nt=0 0\nm=audio 7078 RTP/AVP 8 101\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\na=sendrecv\n";
    let n = accept_answer(&[Codec::Pcmu, Codec::Pcma], &parse(&crlf(ans)).unwrap()).unwrap();
    assert_eq!(
        (n.codec, n.payload_type, n.telephone_event_pt),
        (Codec::Pcma, 8, Some(101))
    );
    assert_eq!(n.remote_rtp, sock("192.0.2.50:7078"));
    assert_eq!(n.direction, Direction::SendRecv);

    // A hold offer of ours, answered recvonly.
    let hold = offer(&[Codec::Pcma], None, &local(2), Direction::SendOnly);
    assert!(hold.contains("a=sendonly\r\n") && !hold.contains("telephone-event"));
    let ans = "v=0\no=x 1 3 IN IP4 192.0.2.50\ns=-\nc=IN IP4 192.0.2.50\nt=0 0\nm=audio 7078 RTP/AVP 8\na=recvonly\n";
    let n = accept_answer(&[Codec::Pcma], &parse(&crlf(ans)).unwrap()).unwrap();
    assert_eq!(n.direction, Direction::SendOnly);

    // An answer rejecting the stream, or naming a codec we did not offer.
    let rejected =
        "v=0\no=x 1 3 IN IP4 192.0.2.50\ns=-\nc=IN IP4 192.0.2.50\nt=0 0\nm=audio 0 RTP/AVP 8\n";
    assert_eq!(
        accept_answer(&[Codec::Pcma], &parse(&crlf(rejected)).unwrap()),
        Err(NegotiationError::NoAudioStream)
    );
    let other =
        "v=0\no=x 1 3 IN IP4 192.0.2.50\ns=-\nc=IN IP4 192.0.2.50\nt=0 0\nm=audio 7078 RTP/AVP 0\n";
    assert!(matches!(
        accept_answer(&[Codec::Pcma], &parse(&crlf(other)).unwrap()),
        Err(NegotiationError::NoCommonCodec { .. })
    ));
}

#[test]
fn multiple_audio_lines_where_first_has_no_common_codec() {
    let body = "v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 4000 RTP/AVP 9 3
m=audio 4002 RTP/AVP 8
b=AS:64
";
    let a = answer(&parse(&crlf(body)).unwrap(), &G711, &local(1)).unwrap();
    assert_eq!(a.negotiated.media_index, 1);
    assert!(
        a.sdp
            .contains("m=audio 0 RTP/AVP 9 3\r\nm=audio 20000 RTP/AVP 8\r\n"),
        "{}",
        a.sdp
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(sdp) = parse(&body) {
                let _ = answer(&sdp, &ALL, &local(1));
                let _ = accept_answer(&ALL, &sdp);
            }
        }

        #[test]
        fn mutated_offers_never_panic(
            base in prop::sample::select(vec![CISCO_CUBE, ASTERISK, FREESWITCH_WITH_VIDEO, SIPP]),
            cut in 0usize..700,
            insert in "[ -~\r\n]{0,12}",
        ) {
            let mut s = base.replace('\n', "\r\n");
            let at = s.char_indices().map(|(i, _)| i).nth(cut % s.len().max(1)).unwrap_or(0);
            s.insert_str(at, &insert);
            if let Ok(sdp) = parse(s.as_bytes()) {
                if let Ok(a) = answer(&sdp, &ALL, &local(9)) {
                    // Our own answers always parse back, with the same m-line count.
                    let back = parse(a.sdp.as_bytes()).unwrap();
                    prop_assert_eq!(back.media.len(), sdp.media.len());
                }
            }
        }
    }
}
