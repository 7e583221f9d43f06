//! Flow 9: re-INVITE — hold (sendonly → we answer recvonly and stop
//! sending), unhold (RTP resumes), a codec change.

mod sim;

use centralino_media::{g711, Codec};
use sim::*;
use std::time::Duration;

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// A call to the queue service (nobody logged in: music on hold loops).
fn waiting_call(sim: &mut Sim) -> Caller {
    let c = Caller::answered(sim, "0461000001", QUEUE, caller_rtp(0));
    sim.advance(ms(500));
    let heard = sim.take_heard(c.rtp, Codec::Pcma);
    assert_eq!(
        heard[..3],
        ["adl-benvenuto", "in-coda", "musica-attesa"],
        "{heard:?}"
    );
    c
}

#[test]
fn hold_stops_our_rtp_and_unhold_resumes_it() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = waiting_call(&mut sim);
    let last_before = sim.now;
    let before = sim.engine.stats().rtp_sent;

    let msgs = c.reinvite(&mut sim, &sdp(c.rtp, &["PCMA"], Some(101), &["a=sendonly"]));
    let codes: Vec<u16> = msgs
        .iter()
        .map(SipMsg::status)
        .filter(|c| *c >= 200)
        .collect();
    assert_eq!(codes, [200], "{:?}", labels(&msgs));
    let ok = msgs
        .iter()
        .find(|m| m.status() == 200)
        .expect("re-INVITE answered");
    let body = ok.body();
    assert_eq!(sdp_direction(&body), "recvonly", "{body}");
    assert_eq!(sdp_rtp_addr(&body), c.local_rtp.unwrap(), "same port");
    let version = |b: &str| {
        b.lines()
            .find(|l| l.starts_with("o="))
            .unwrap()
            .split_whitespace()
            .nth(2)
            .unwrap()
            .to_string()
    };
    assert_eq!(version(&body), "2", "session version + 1:\n{body}");

    sim.advance(Duration::from_secs(2));
    assert!(sim.take_rtp_to(c.rtp).is_empty(), "nothing sent while held");
    assert_eq!(sim.engine.stats().rtp_sent, before);
    // The held caller may still send (music from its side): accepted.
    c.send_audio(&mut sim, &[0xD5; 160]);
    assert_eq!(sim.engine.stats().rtp_dropped, 0);

    let msgs = c.reinvite(&mut sim, &sdp(c.rtp, &["PCMA"], Some(101), &[]));
    let ok = msgs
        .iter()
        .find(|m| m.status() == 200)
        .expect("unhold answered");
    assert_eq!(sdp_direction(&ok.body()), "sendrecv");
    let resumed_at = sim.now;
    sim.advance(ms(200));
    let packets = sim.take_rtp_to(c.rtp);
    assert_eq!(packets.len(), 10, "20 ms pacing again");
    assert!(packets[0].at > resumed_at && packets[0].at <= resumed_at + ms(20));
    assert!(packets[0].packet().marker, "a marker where sending resumes");
    assert!(sim
        .prompts_heard(&packets, Codec::Pcma)
        .iter()
        .all(|h| h == "musica-attesa"));
    let _ = last_before;
}

#[test]
fn legacy_hold_with_a_zero_address_is_answered_recvonly() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = waiting_call(&mut sim);
    let held =
        sdp(c.rtp, &["PCMA"], Some(101), &[]).replace("c=IN IP4 192.0.2.10", "c=IN IP4 0.0.0.0");
    let msgs = c.reinvite(&mut sim, &held);
    let ok = msgs.iter().find(|m| m.status() == 200).expect("answered");
    assert_eq!(sdp_direction(&ok.body()), "recvonly");
    sim.advance(Duration::from_secs(1));
    assert!(sim.take_rtp_to(c.rtp).is_empty());
    assert!(
        sim.rtp.iter().all(|p| p.to.ip().to_string() != "0.0.0.0"),
        "nothing sent to 0.0.0.0"
    );
}

#[test]
fn a_codec_change_by_reinvite_switches_our_stream() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = waiting_call(&mut sim);
    let new_rtp = caller_rtp(7);
    let msgs = c.reinvite(&mut sim, &sdp(new_rtp, &["PCMU"], Some(101), &[]));
    let ok = msgs.iter().find(|m| m.status() == 200).expect("answered");
    assert_eq!(
        m_line(&ok.body()),
        format!("m=audio {} RTP/AVP 0 101", c.local_rtp.unwrap().port())
    );
    sim.advance(ms(200));
    assert!(
        sim.take_rtp_to(c.rtp).is_empty(),
        "nothing to the old address"
    );
    let packets = sim.take_rtp_to(new_rtp);
    assert_eq!(packets.len(), 10);
    let level = sim.prompts.level("musica-attesa");
    for p in &packets {
        let p = p.packet();
        assert_eq!(p.payload_type, 0);
        assert_eq!(
            p.payload[0],
            g711::ulaw_encode(level),
            "the prompt's µ-law frames"
        );
    }
    // Audio from the new address is accepted, from the old one dropped.
    c.rtp = new_rtp;
    c.pt = 0;
    c.send_audio(&mut sim, &[0xFF; 160]);
    assert_eq!(sim.engine.stats().rtp_dropped, 0);
    c.rtp = caller_rtp(0);
    c.send_audio(&mut sim, &[0xFF; 160]);
    assert_eq!(sim.engine.stats().rtp_dropped, 1);
}

#[test]
fn a_reinvite_without_a_common_codec_gets_488_and_changes_nothing() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = waiting_call(&mut sim);
    let msgs = c.reinvite(&mut sim, &sdp(c.rtp, &["G729"], None, &[]));
    assert!(
        msgs.iter().any(|m| m.status() == 488),
        "{:?}",
        labels(&msgs)
    );
    sim.advance(ms(100));
    let packets = sim.take_rtp_to(c.rtp);
    assert_eq!(packets.len(), 5);
    assert!(packets.iter().all(|p| p.packet().payload_type == 8));
}

#[test]
fn an_inactive_hold_does_not_trip_the_rtp_timeout() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = waiting_call(&mut sim);
    let msgs = c.reinvite(&mut sim, &sdp(c.rtp, &["PCMA"], Some(101), &["a=inactive"]));
    let ok = msgs.iter().find(|m| m.status() == 200).expect("answered");
    assert_eq!(sdp_direction(&ok.body()), "inactive");
    sim.advance(Duration::from_secs(120));
    assert!(
        c.take(&mut sim).is_empty(),
        "no BYE: nobody sends on an inactive stream"
    );
    assert!(sim.take_rtp_to(c.rtp).is_empty());
    // Back to sendrecv: the 60 s clock starts again from the unhold.
    c.reinvite(&mut sim, &sdp(c.rtp, &["PCMA"], Some(101), &[]));
    let unheld = sim.now;
    assert!(sim.advance_until_sip(Duration::from_secs(70), |m| m.is("BYE")));
    let bye = c.take(&mut sim).into_iter().find(|m| m.is("BYE")).unwrap();
    let after = bye.at - unheld;
    assert!(
        after >= Duration::from_secs(60) && after <= Duration::from_secs(60) + ms(20),
        "BYE {after:?} after the unhold"
    );
}

#[test]

fn an_offerless_reinvite_takes_the_answer_from_the_ack() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = waiting_call(&mut sim);
    let d = c.dialog.as_mut().unwrap();
    let mut reinvite = d.reinvite(None);
    centralino_sip::builder::push_header(
        &mut reinvite.headers,
        "Via",
        "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-offerless-re",
    );
    sim.sip_in(c.sip, reinvite.to_string().as_bytes());
    let msgs = c.take(&mut sim);
    let ok = msgs
        .iter()
        .find(|m| m.status() == 200)
        .expect("answered with an offer");
    assert!(
        m_line(&ok.body()).contains("RTP/AVP 8 0 101"),
        "{}",
        ok.body()
    );
    // The answer moves the media to another address and to PCMU.
    let new_rtp = caller_rtp(9);
    let body = sdp(new_rtp, &["PCMU"], Some(101), &[]);
    let mut ack = c.dialog.as_ref().unwrap().ack(Some(body.into_bytes()));
    centralino_sip::builder::push_header(
        &mut ack.headers,
        "Via",
        "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-offerless-ack",
    );
    sim.sip_in(c.sip, ack.to_string().as_bytes());
    sim.take_rtp_to(c.rtp);
    sim.advance(ms(100));
    let packets = sim.take_rtp_to(new_rtp);
    assert_eq!(packets.len(), 5, "RTP goes where the answer says");
    assert!(packets.iter().all(|p| p.packet().payload_type == 0));
}
