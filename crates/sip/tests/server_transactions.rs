//! Server transactions under a simulated clock (RFC 3261 §17.2, RFC 6026).

use std::time::Duration;

use centralino_sip::builder::response;
use centralino_sip::testkit::{self, ack_for, bye_for, cancel_for, status, Harness, OFFER};
use centralino_sip::{DropReason, MessageExt, TxEvent};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Offsets (ms since t0) and codes of what was sent.
fn sent(h: &mut Harness) -> Vec<(u64, u16)> {
    let t0 = h.t0;
    h.take_sent()
        .iter()
        .map(|(at, t)| ((*at - t0).as_millis() as u64, status(&t.payload)))
        .collect()
}

#[test]
fn invite_gets_100_at_once_and_retransmissions_never_surface() {
    let mut h = Harness::new(1);
    let invite = testkit::invite("sip:800228040@192.0.2.1")
        .from("sip:0461123456@trunk")
        .sdp(OFFER)
        .build();
    h.recv(&invite);
    assert_eq!(h.sent_codes(), [100]);
    let (tx, req) = h.expect_request();
    assert_eq!(req.body, OFFER.as_bytes());
    h.recv(&invite);
    assert!(h.take_events().is_empty());
    assert_eq!(
        h.sent_codes(),
        [100],
        "the retransmitted INVITE gets the 100 again"
    );
    h.respond(tx, response(&req, 180).to_tag("uas1").build())
        .unwrap();
    assert_eq!(h.sent_codes(), [180]);
    h.recv(&invite);
    assert_eq!(
        h.sent_codes(),
        [180],
        "retransmitted INVITE gets the last provisional"
    );
    assert!(h.take_events().is_empty());
    assert_eq!(h.layer.stats().retransmissions_absorbed, 2);
}

#[test]
fn timer_g_retransmits_a_failure_until_the_ack_then_timer_i() {
    let mut h = Harness::new(2);
    let invite = testkit::invite("sip:800@192.0.2.1").build();
    h.recv(&invite);
    let (tx, req) = h.expect_request();
    h.take_sent();
    let busy = response(&req, 486).to_tag("b").build();
    let busy_bytes = busy.to_bytes();
    h.respond(tx, busy).unwrap();
    h.advance(ms(4000));
    // G: T1, then 2·T1, 4·T1 (capped at T2 = 4 s).
    assert_eq!(
        sent(&mut h),
        [(0, 486), (500, 486), (1500, 486), (3500, 486)]
    );
    h.recv(&ack_for(&invite, &busy_bytes));
    assert!(
        h.take_events().is_empty(),
        "the ACK for a non-2xx is absorbed"
    );
    h.advance(ms(4999));
    assert_eq!(sent(&mut h), []);
    assert_eq!(h.layer.live_transactions(), (1, 0));
    h.advance(ms(1));
    assert_eq!(h.layer.live_transactions(), (0, 0), "Timer I (T4) ended it");
}

#[test]
fn timer_h_ends_a_completed_transaction_without_ack() {
    let mut h = Harness::new(3);
    h.recv(&testkit::invite("sip:800@192.0.2.1").build());
    let (tx, req) = h.expect_request();
    h.take_sent();
    h.respond(tx, response(&req, 404).to_tag("n").build())
        .unwrap();
    h.advance(ms(31_999));
    let times: Vec<u64> = sent(&mut h).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        times,
        [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    assert_eq!(h.layer.live_transactions(), (1, 0));
    h.advance(ms(1));
    assert_eq!(h.layer.live_transactions(), (0, 0));
    assert!(h.take_events().is_empty(), "no AckTimeout for a non-2xx");
}

#[test]
fn accepted_2xx_is_retransmitted_until_the_ack_on_a_new_branch() {
    let mut h = Harness::new(4);
    let invite = testkit::invite("sip:800@192.0.2.1").sdp(OFFER).build();
    h.recv(&invite);
    let (tx, req) = h.expect_request();
    h.take_sent();
    let ok = response(&req, 200)
        .to_tag("ok1")
        .contact("sip:ivr@192.0.2.1")
        .sdp(OFFER)
        .build();
    let ok_bytes = ok.to_bytes();
    h.respond(tx, ok).unwrap();
    h.advance(ms(2000));
    assert_eq!(sent(&mut h), [(0, 200), (500, 200), (1500, 200)]);
    h.recv(&invite);
    assert_eq!(
        sent(&mut h),
        [(2000, 200)],
        "a retransmitted INVITE gets the 2xx again"
    );
    assert!(h.take_events().is_empty());
    let ack = ack_for(&invite, &ok_bytes);
    assert_ne!(
        testkit::parse_request(&ack).top_via().unwrap().branch(),
        req.top_via().unwrap().branch()
    );
    h.recv(&ack);
    let events = h.take_events();
    assert!(
        matches!(&events[..], [TxEvent::Ack { invite, .. }] if *invite == tx),
        "{events:?}"
    );
    h.recv(&ack);
    assert!(
        h.take_events().is_empty(),
        "a retransmitted ACK is absorbed"
    );
    h.advance(ms(10_000));
    assert_eq!(sent(&mut h), [], "no 2xx after the ACK");
    assert_eq!(h.layer.live_transactions(), (1, 0), "kept until Timer L");
    h.advance(ms(20_000));
    assert_eq!(h.layer.live_transactions(), (0, 0));
}

#[test]
fn timer_h_in_accepted_gives_ack_timeout() {
    let mut h = Harness::new(5);
    h.recv(&testkit::invite("sip:800@192.0.2.1").build());
    let (tx, req) = h.expect_request();
    h.respond(tx, response(&req, 200).to_tag("x").build())
        .unwrap();
    h.advance(ms(31_999));
    assert!(h.take_events().is_empty());
    h.advance(ms(1));
    assert_eq!(h.take_events(), [TxEvent::AckTimeout { tx }]);
    assert_eq!(h.layer.stats().ack_timeouts, 1);
    assert_eq!(h.layer.live_transactions(), (0, 0));
}

#[test]
fn cancel_before_the_final_response() {
    let mut h = Harness::new(6);
    let invite = testkit::invite("sip:800@192.0.2.1").build();
    h.recv(&invite);
    let (tx, req) = h.expect_request();
    h.respond(tx, response(&req, 180).to_tag("r").build())
        .unwrap();
    h.take_sent();
    h.recv(&cancel_for(&invite));
    let sent_now = h.take_sent();
    assert_eq!(sent_now.len(), 1);
    let cancel_ok = testkit::parse_response(&sent_now[0].1.payload);
    assert_eq!(cancel_ok.status_code.code(), 200);
    assert_eq!(
        cancel_ok.cseq().unwrap().method,
        centralino_sip::msg::Method::Cancel
    );
    assert_eq!(
        cancel_ok.to_tag(),
        Some("r"),
        "§9.2: same To-tag as the INVITE's response"
    );
    assert_eq!(h.take_events(), [TxEvent::Cancelled { invite: tx }]);
    // The TU answers 487; the caller's ACK for it is absorbed.
    let terminated = response(&req, 487).to_tag("r").build();
    let bytes = terminated.to_bytes();
    h.respond(tx, terminated).unwrap();
    assert_eq!(h.sent_codes(), [487]);
    h.recv(&ack_for(&invite, &bytes));
    assert!(h.take_events().is_empty());
    h.recv(&cancel_for(&invite));
    assert_eq!(
        h.sent_codes(),
        [200],
        "a retransmitted CANCEL gets the same 200"
    );
    assert!(h.take_events().is_empty());
}

#[test]
fn cancel_racing_the_200_gets_200_and_no_cancelled() {
    let mut h = Harness::new(7);
    let invite = testkit::invite("sip:800@192.0.2.1").build();
    h.recv(&invite);
    let (tx, req) = h.expect_request();
    h.respond(tx, response(&req, 200).to_tag("a").build())
        .unwrap();
    h.take_sent();
    h.recv(&cancel_for(&invite));
    assert_eq!(h.sent_codes(), [200]);
    assert!(
        h.take_events().is_empty(),
        "no Cancelled: the INVITE already has its 2xx"
    );
    assert!(h.respond(tx, response(&req, 487).build()).is_err());
}

#[test]
fn unmatched_cancel_gets_481() {
    let mut h = Harness::new(8);
    h.recv(&cancel_for(&testkit::invite("sip:800@192.0.2.1").build()));
    assert_eq!(h.sent_codes(), [481]);
    assert!(h.take_events().is_empty());
}

#[test]
fn retransmitted_bye_gets_the_same_response_and_timer_j() {
    let mut h = Harness::new(9);
    let invite = testkit::invite("sip:800@192.0.2.1").build();
    h.recv(&invite);
    let (tx, req) = h.expect_request();
    let ok = response(&req, 200)
        .to_tag("d")
        .contact("sip:ivr@192.0.2.1")
        .build();
    let ok_bytes = ok.to_bytes();
    h.respond(tx, ok).unwrap();
    h.recv(&ack_for(&invite, &ok_bytes));
    h.take_events();
    h.take_sent();
    let bye = bye_for(&invite, &ok_bytes);
    h.recv(&bye);
    let (bye_tx, bye_req) = h.expect_request();
    h.respond(bye_tx, response(&bye_req, 200).build()).unwrap();
    let first = h.take_sent();
    h.advance(ms(1000));
    h.recv(&bye);
    let again = h.take_sent();
    assert_eq!(first[0].1.payload, again[0].1.payload);
    assert!(h.take_events().is_empty());
    assert!(h.respond(bye_tx, response(&bye_req, 500).build()).is_err());
    h.advance(ms(31_000));
    assert_eq!(
        h.layer.live_transactions(),
        (0, 0),
        "Timer J (64·T1) ended the BYE"
    );
}

#[test]
fn non_invite_provisional_is_resent_in_proceeding() {
    let mut h = Harness::new(10);
    let msg = testkit::message("sip:800@192.0.2.1")
        .body("text/plain", b"ciao")
        .build();
    h.recv(&msg);
    let (tx, req) = h.expect_request();
    h.recv(&msg);
    assert_eq!(
        h.sent_codes(),
        [],
        "Trying: retransmissions are silently absorbed"
    );
    h.respond(tx, response(&req, 100).build()).unwrap();
    h.recv(&msg);
    assert_eq!(h.sent_codes(), [100, 100]);
}

#[test]
fn rport_and_received_steer_the_responses() {
    let mut h = Harness::new(11);
    let nat: std::net::SocketAddr = "203.0.113.7:41234".parse().unwrap();
    h.recv_from(
        nat,
        &testkit::options("sip:800@192.0.2.1")
            .via("10.0.0.5:5062")
            .rport()
            .build(),
    );
    let (tx, req) = h.expect_request();
    h.take_sent();
    assert_eq!(
        req.header_value("Via").unwrap(),
        "SIP/2.0/UDP 10.0.0.5:5062;branch=".to_owned()
            + req.top_via().unwrap().branch().unwrap()
            + ";rport=41234;received=203.0.113.7"
    );
    h.respond(tx, response(&req, 200).to_tag("o").build())
        .unwrap();
    let out = h.take_sent();
    assert_eq!(out[0].1.destination, nat);
    let resp = testkit::parse_response(&out[0].1.payload);
    assert_eq!(resp.top_via().unwrap().rport(), Some(Some(41234)));
    // Without rport: the received address and the Via port.
    h.recv_from(
        nat,
        &testkit::options("sip:800@192.0.2.1")
            .via("10.0.0.5:5062")
            .build(),
    );
    let (tx, req) = h.expect_request();
    h.respond(tx, response(&req, 200).to_tag("o").build())
        .unwrap();
    let out = h.take_sent();
    assert_eq!(out[0].1.destination, "203.0.113.7:5062".parse().unwrap());
}

#[test]
fn stray_response_and_stray_ack_are_dropped() {
    let mut h = Harness::new(12);
    let invite = testkit::invite("sip:800@192.0.2.1").build();
    let req = testkit::parse_request(&invite);
    h.recv(&response(&req, 200).to_tag("z").build().to_bytes());
    let ok = response(&req, 200).to_tag("z").build().to_bytes();
    h.recv(&ack_for(&invite, &ok));
    assert!(h.take_events().is_empty());
    assert_eq!(h.sent_codes(), []);
    let stats = h.layer.stats();
    assert_eq!(stats.dropped[&DropReason::StrayResponse], 1);
    assert_eq!(stats.dropped[&DropReason::StrayAck], 1);
}

#[test]
fn rfc2543_requests_match_without_a_branch() {
    let mut h = Harness::new(13);
    let invite = testkit::invite("sip:800@192.0.2.1")
        .no_branch()
        .from_tag(None)
        .build();
    h.recv(&invite);
    let (tx, req) = h.expect_request();
    h.recv(&invite);
    assert!(h.take_events().is_empty());
    let busy = response(&req, 486).to_tag("b").build();
    let bytes = busy.to_bytes();
    h.respond(tx, busy).unwrap();
    h.take_sent();
    h.recv(&ack_for(&invite, &bytes));
    h.advance(ms(2000));
    assert_eq!(h.sent_codes(), [], "the RFC 2543 ACK stopped Timer G");
}

#[test]
fn policy_rejections_are_answered_and_their_ack_absorbed() {
    let mut h = Harness::new(14);
    let invite = testkit::invite("sip:800@192.0.2.1")
        .body("application/unknownformat", b"x")
        .build();
    h.recv(&invite);
    let sent_now = h.take_sent();
    assert_eq!(sent_now.len(), 1);
    let answer = &sent_now[0].1.payload;
    assert_eq!(status(answer), 415);
    assert!(testkit::parse_response(answer)
        .header_value("Accept")
        .is_some());
    assert!(h.take_events().is_empty());
    h.recv(&ack_for(&invite, answer));
    h.advance(ms(1000));
    assert_eq!(h.sent_codes(), []);
    assert_eq!(h.layer.stats().policy_rejections, 1);
}

#[test]
fn wire_rejects_go_back_to_the_source() {
    let mut h = Harness::new(15);
    let bad = testkit::options("sip:800@192.0.2.1")
        .header("CSeq", "2 OPTIONS")
        .build();
    h.recv(&bad);
    let out = h.take_sent();
    assert_eq!(status(&out[0].1.payload), 400);
    assert_eq!(out[0].1.destination, h.peer);
    assert!(h.take_events().is_empty());
}

#[test]
fn unanswered_non_invite_is_abandoned() {
    let mut h = Harness::new(16);
    h.recv(&testkit::options("sip:800@192.0.2.1").build());
    let _ = h.expect_request();
    h.advance(ms(32_000));
    assert_eq!(h.layer.live_transactions(), (0, 0));
    assert_eq!(h.layer.stats().abandoned, 1);
}
