//! Client transactions under a simulated clock (RFC 3261 §17.1, RFC 6026).

use std::time::Duration;

use centralino_sip::builder::{response, RequestBuilder};
use centralino_sip::msg::{Method, Request};
use centralino_sip::testkit::{self, status, Harness, OFFER};
use centralino_sip::{parse_uri, Error, IdGen, MessageExt, TxConfig, TxEvent};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn out_request(method: Method) -> Request {
    let mut ids = IdGen::new(42);
    RequestBuilder::out_of_dialog(
        method,
        parse_uri("sip:1001@192.0.2.10:5060").unwrap(),
        "sip:centralino@192.0.2.1",
        "sip:1001@192.0.2.10",
        "192.0.2.1",
        &mut ids,
    )
    .sdp(OFFER)
    .build()
}

/// Offsets (ms since t0) of what was sent.
fn times(h: &mut Harness) -> Vec<u64> {
    let t0 = h.t0;
    h.take_sent()
        .iter()
        .map(|(at, _)| (*at - t0).as_millis() as u64)
        .collect()
}

#[test]
fn timer_a_doubles_and_timer_b_times_out() {
    let mut h = Harness::new(1);
    let tx = h.send_request(out_request(Method::Invite)).unwrap();
    let sent = h.last_sent_request();
    let via = sent.top_via().unwrap();
    assert!(via.branch().unwrap().starts_with("z9hG4bK"));
    assert_eq!(via.rport(), Some(None));
    assert_eq!(via.host, "192.0.2.1");
    h.advance(ms(31_999));
    assert_eq!(times(&mut h), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert!(h.take_events().is_empty());
    h.advance(ms(1));
    assert_eq!(h.take_events(), [TxEvent::Timeout { tx }]);
    assert_eq!(h.layer.live_transactions(), (0, 0));
}

#[test]
fn timer_e_caps_at_t2_and_timer_f_times_out() {
    let mut h = Harness::new(2);
    let tx = h.send_request(out_request(Method::Options)).unwrap();
    h.advance(ms(31_999));
    assert_eq!(
        times(&mut h),
        [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    h.advance(ms(1));
    assert_eq!(h.take_events(), [TxEvent::Timeout { tx }]);
}

#[test]
fn timer_e_runs_at_t2_in_proceeding_and_timer_k_absorbs() {
    let mut h = Harness::new(3);
    let tx = h.send_request(out_request(Method::Bye)).unwrap();
    let req = h.last_sent_request();
    h.take_sent();
    h.advance(ms(100));
    h.recv(&response(&req, 100).build().to_bytes());
    assert!(matches!(&h.take_events()[..], [TxEvent::Response { tx: t, .. }] if *t == tx));
    h.advance(ms(9000));
    // In Proceeding every firing of E re-arms it with T2 (§17.1.2.2).
    assert_eq!(times(&mut h), [500, 4500, 8500]);
    let ok = response(&req, 200).build().to_bytes();
    h.recv(&ok);
    assert_eq!(h.take_events().len(), 1);
    h.recv(&ok);
    assert!(
        h.take_events().is_empty(),
        "Completed absorbs the retransmitted final"
    );
    assert_eq!(h.layer.live_transactions(), (0, 1));
    h.advance(ms(5000));
    assert_eq!(h.layer.live_transactions(), (0, 0), "Timer K (T4)");
    assert_eq!(times(&mut h), []);
}

#[test]
fn non_2xx_to_invite_is_acked_by_the_layer_and_timer_d() {
    let mut h = Harness::new(4);
    let tx = h.send_request(out_request(Method::Invite)).unwrap();
    let req = h.last_sent_request();
    h.take_sent();
    let busy = response(&req, 486).to_tag("busy").build().to_bytes();
    h.recv(&busy);
    let events = h.take_events();
    assert!(
        matches!(&events[..], [TxEvent::Response { tx: t, response }] if *t == tx && response.status_code.code() == 486)
    );
    let ack = testkit::parse_request(&h.take_sent()[0].1.payload);
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(
        ack.top_via().unwrap().branch(),
        req.top_via().unwrap().branch()
    );
    assert_eq!(ack.to_tag(), Some("busy"));
    assert_eq!(ack.cseq().unwrap().number, req.cseq().unwrap().number);
    h.recv(&busy);
    assert!(h.take_events().is_empty());
    assert_eq!(h.take_sent().len(), 1, "the ACK again");
    h.advance(ms(31_999));
    assert_eq!(h.layer.live_transactions(), (0, 1));
    h.advance(ms(1));
    assert_eq!(h.layer.live_transactions(), (0, 0), "Timer D (32 s)");
}

#[test]
fn two_xx_retransmissions_surface_until_timer_m() {
    let mut h = Harness::new(5);
    let tx = h.send_request(out_request(Method::Invite)).unwrap();
    let req = h.last_sent_request();
    let ok = response(&req, 200)
        .to_tag("ok")
        .contact("sip:1001@192.0.2.10")
        .build()
        .to_bytes();
    h.recv(&ok);
    h.recv(&ok);
    assert_eq!(
        h.take_events().len(),
        2,
        "each 2xx surfaces so the TU re-sends its ACK"
    );
    h.advance(ms(2000));
    assert_eq!(times(&mut h), [0], "no INVITE retransmission after the 2xx");
    h.advance(ms(30_000));
    assert_eq!(h.layer.live_transactions(), (0, 0), "Timer M (64·T1)");
    h.recv(&ok);
    assert!(h.take_events().is_empty());
    let _ = tx;
}

#[test]
fn cancel_waits_for_a_provisional_then_487_is_acked() {
    let mut h = Harness::new(6);
    let invite = h.send_request(out_request(Method::Invite)).unwrap();
    let req = h.last_sent_request();
    h.take_sent();
    let cancel = h.cancel(invite).unwrap();
    assert_eq!(h.cancel(invite).unwrap(), cancel, "idempotent");
    assert!(
        h.take_sent().is_empty(),
        "§9.1: no CANCEL before a provisional"
    );
    h.recv(&response(&req, 180).to_tag("r").build().to_bytes());
    let sent = h.take_sent();
    assert_eq!(sent.len(), 1);
    let c = testkit::parse_request(&sent[0].1.payload);
    assert_eq!(c.method, Method::Cancel);
    assert_eq!(
        c.top_via().unwrap().branch(),
        req.top_via().unwrap().branch()
    );
    assert_eq!(c.cseq().unwrap().number, req.cseq().unwrap().number);
    assert_eq!(c.uri, req.uri);
    h.take_events();
    h.recv(&response(&c, 200).to_tag("r").build().to_bytes());
    assert!(matches!(&h.take_events()[..], [TxEvent::Response { tx, .. }] if *tx == cancel));
    h.recv(&response(&req, 487).to_tag("r").build().to_bytes());
    assert!(matches!(&h.take_events()[..], [TxEvent::Response { tx, .. }] if *tx == invite));
    assert_eq!(
        testkit::parse_request(&h.take_sent()[0].1.payload).method,
        Method::Ack
    );
    assert!(matches!(h.cancel(invite), Err(Error::InvalidState { .. })));
}

#[test]
fn a_pending_cancel_is_dropped_when_the_invite_completes_first() {
    let mut h = Harness::new(7);
    let invite = h.send_request(out_request(Method::Invite)).unwrap();
    let req = h.last_sent_request();
    h.cancel(invite).unwrap();
    h.recv(&response(&req, 603).to_tag("d").build().to_bytes());
    let sent: Vec<Method> = h
        .take_sent()
        .iter()
        .map(|(_, t)| testkit::parse_request(&t.payload).method)
        .collect();
    assert_eq!(sent, [Method::Invite, Method::Ack]);
    assert_eq!(h.layer.live_transactions(), (0, 1));
}

#[test]
fn timer_c_guards_a_forgotten_proceeding_invite() {
    let mut config = TxConfig::new("192.0.2.1:5060".parse().unwrap());
    config.timer_c = Duration::from_secs(180);
    let mut h = Harness::with_config(config, 8);
    let tx = h.send_request(out_request(Method::Invite)).unwrap();
    let req = h.last_sent_request();
    h.recv(&response(&req, 180).to_tag("r").build().to_bytes());
    h.take_events();
    h.advance(Duration::from_secs(179));
    assert!(h.take_events().is_empty());
    h.advance(Duration::from_secs(1));
    assert_eq!(h.take_events(), [TxEvent::Timeout { tx }]);
}

#[test]
fn ack_for_2xx_gets_a_fresh_branch_and_ack_is_not_a_transaction() {
    let mut h = Harness::new(9);
    let mut ack = out_request(Method::Invite);
    ack.method = Method::Ack;
    centralino_sip::builder::set_header(&mut ack.headers, "CSeq", "1 ACK");
    assert_eq!(
        h.send_request(ack.clone()),
        Err(Error::AckIsNotATransaction)
    );
    let peer = h.peer;
    h.layer.send_ack(peer, ack.clone());
    h.layer.send_ack(peer, ack);
    let sent = h.take_sent();
    let branches: Vec<String> = sent
        .iter()
        .map(|(_, t)| {
            let r = testkit::parse_request(&t.payload);
            r.top_via().unwrap().branch().unwrap().to_owned()
        })
        .collect();
    assert_ne!(branches[0], branches[1]);
    assert_eq!(h.layer.live_transactions(), (0, 0));
}

#[test]
fn responses_with_two_vias_are_dropped() {
    let mut h = Harness::new(10);
    h.send_request(out_request(Method::Options)).unwrap();
    let req = h.last_sent_request();
    let mut resp = response(&req, 200).build();
    centralino_sip::builder::push_header(
        &mut resp.headers,
        "Via",
        "SIP/2.0/UDP 192.0.2.77;branch=z9hG4bKx",
    );
    h.recv(&resp.to_bytes());
    assert!(h.take_events().is_empty());
    assert_eq!(status(&resp.to_bytes()), 200);
}
