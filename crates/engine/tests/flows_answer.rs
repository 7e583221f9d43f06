//! Flow 1: a call is answered — 100 at once, 200 with the SDP answer, the
//! welcome paced every 20 ms to the offer's address, then the menu.

mod sim;

use centralino_media::{g711, Codec};
use sim::*;
use std::time::Duration;

const MS20: Duration = Duration::from_millis(20);

#[test]
fn answered_call_plays_the_welcome_then_the_menu() {
    let mut sim = Sim::builder(BASE)
        .prompt_frames("td-benvenuto", 10)
        .prompt_frames("td-menu", 6)
        .build();
    let rtp = caller_rtp(0);
    let mut c = Caller::call(&mut sim, "0461000001", MENU, rtp);
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["100 INVITE", "200 INVITE"]);
    assert!(
        msgs.iter().all(|m| m.at == sim.t0),
        "both at once (answer_delay 0)"
    );

    let ok = &msgs[1];
    let local = c.local_rtp.expect("the engine opened an RTP socket");
    let body = ok.body();
    assert_eq!(
        ok.header("Content-Type").as_deref(),
        Some("application/sdp")
    );
    assert_eq!(
        m_line(&body),
        format!("m=audio {} RTP/AVP 8 101", local.port()),
        "PCMA, the offerer's first, and telephone-event:\n{body}"
    );
    assert!(body.contains("a=rtpmap:101 telephone-event/8000"), "{body}");
    assert_eq!(sdp_rtp_addr(&body), local);
    assert_eq!(sdp_direction(&body), "sendrecv");
    assert!(ok.response().to_tag_present(), "a To-tag");
    assert!(ok.header("Contact").unwrap().contains("192.0.2.1:5060"));
    assert!(ok.header("Allow").unwrap().contains("INVITE"));

    c.ack(&mut sim);
    sim.advance(Duration::from_millis(500));
    let packets = sim.take_rtp_to(rtp);
    assert!(packets
        .iter()
        .all(|p| p.leg == c.leg.unwrap() && !p.relayed));
    let heard = sim.heard(&packets, Codec::Pcma);
    // The IVR hears of the welcome's end on the tick after its last frame,
    // so one 20 ms frame of silence separates two play lists.
    assert_eq!(
        heard[..3],
        [
            Heard {
                name: "td-benvenuto".into(),
                frames: 10
            },
            Heard {
                name: "silence".into(),
                frames: 1
            },
            Heard {
                name: "td-menu".into(),
                frames: 6
            }
        ],
        "{heard:?}"
    );
    assert!(
        heard[3..].iter().all(|h| h.name == "silence"),
        "silence while waiting for a key: {heard:?}"
    );
    // 500 ms of 20 ms ticks: 25 packets (24 when the call's 5 ms slot of the
    // shared grid puts its first tick late), the first within 40 ms of t0.
    assert!((24..=25).contains(&packets.len()), "{}", packets.len());
    assert!(
        packets[0].at >= sim.t0 && packets[0].at <= sim.t0 + MS20 * 2,
        "{:?}",
        packets[0].at - sim.t0
    );
    let first = packets[0].packet();
    for (i, w) in packets.windows(2).enumerate() {
        let (a, b) = (w[0].packet(), w[1].packet());
        assert_eq!(w[1].at - w[0].at, MS20, "packet {i}: paced every 20 ms");
        assert_eq!(
            b.sequence,
            a.sequence.wrapping_add(1),
            "packet {i}: seq + 1"
        );
        assert_eq!(
            b.timestamp,
            a.timestamp.wrapping_add(160),
            "packet {i}: ts + 160"
        );
        assert_eq!(b.ssrc, first.ssrc);
        assert_eq!(b.payload_type, 8);
        assert_eq!(b.payload.len(), 160);
    }
    let markers: Vec<usize> = packets
        .iter()
        .enumerate()
        .filter(|(_, p)| p.packet().marker)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(markers, [0, 11], "a marker at the start of each prompt");
    // The payload is the prompt's A-law frame, untouched.
    let level = sim.prompts.level("td-benvenuto");
    assert_eq!(first.payload[0], g711::alaw_encode(level));
    assert_eq!(first.payload[4], g711::alaw_encode(-level));
    assert!(sim.anomalies.is_empty(), "{:?}", sim.anomalies);
}

#[test]
fn the_offerers_first_codec_among_ours_is_answered_and_its_event_type_echoed() {
    let mut sim = Sim::builder(BASE).build();
    let rtp = caller_rtp(1);
    let offer = sdp(rtp, &["PCMU", "PCMA"], Some(96), &[]);
    let mut c = Caller::invite(&mut sim, "0461000002", MENU, rtp, Some(offer));
    let msgs = c.take(&mut sim);
    let ok = msgs.iter().find(|m| m.status() == 200).expect("answered");
    let body = ok.body();
    let port = c.local_rtp.unwrap().port();
    assert_eq!(
        m_line(&body),
        format!("m=audio {port} RTP/AVP 0 96"),
        "{body}"
    );
    assert!(body.contains("a=rtpmap:96 telephone-event/8000"), "{body}");
    c.ack(&mut sim);
    sim.advance(Duration::from_millis(100));
    let packets = sim.take_rtp_to(rtp);
    assert!((4..=6).contains(&packets.len()), "{}", packets.len());
    assert!(
        packets.iter().all(|p| p.packet().payload_type == 0),
        "PCMU on its static type"
    );
    assert_eq!(sim.prompts_heard(&packets, Codec::Pcmu), ["td-benvenuto"]);
}

#[test]
fn an_offer_without_telephone_event_gets_none_and_g729_only_gets_488() {
    let mut sim = Sim::builder(BASE).build();
    let rtp = caller_rtp(2);
    let mut c = Caller::invite(
        &mut sim,
        "0461000003",
        MENU,
        rtp,
        Some(sdp(rtp, &["G729", "PCMU"], None, &[])),
    );
    let msgs = c.take(&mut sim);
    let body = msgs
        .iter()
        .find(|m| m.status() == 200)
        .expect("answered")
        .body();
    assert_eq!(
        m_line(&body),
        format!("m=audio {} RTP/AVP 0", c.local_rtp.unwrap().port()),
        "G.729 needs the codec: PCMU chosen"
    );
    assert!(!body.contains("telephone-event"));

    let rtp = caller_rtp(3);
    let opened = sim.opened.len();
    let mut c = Caller::invite(
        &mut sim,
        "0461000004",
        MENU,
        rtp,
        Some(sdp(rtp, &["G729"], Some(101), &[])),
    );
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["100 INVITE", "488 INVITE"]);
    assert!(msgs[1].header("Warning").unwrap().starts_with("305"));
    assert_eq!(
        sim.opened.len(),
        opened,
        "no port spent on a call we cannot answer"
    );
    c.ack_failure(&mut sim, &msgs[1]);
    assert_eq!(sim.engine.stats().calls_no_codec, 1);
}

#[test]
fn an_unknown_number_gets_404() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = Caller::call(&mut sim, "0461000005", "0461999999", caller_rtp(4));
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["100 INVITE", "404 INVITE"]);
    assert!(sim.opened.is_empty());
}

trait ToTag {
    fn to_tag_present(&self) -> bool;
}

impl ToTag for centralino_sip::msg::Response {
    fn to_tag_present(&self) -> bool {
        use centralino_sip::MessageExt;
        self.to_tag().is_some_and(|t| !t.is_empty())
    }
}
