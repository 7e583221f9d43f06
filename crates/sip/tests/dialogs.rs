//! Dialogs (RFC 3261 §12) built from real message exchanges.

use std::net::SocketAddr;

use centralino_sip::builder::response;
use centralino_sip::msg::Method;
use centralino_sip::testkit::{self, bye_for, Harness, OFFER};
use centralino_sip::{Dialog, DialogId, MessageExt, Role, TxEvent};

fn source() -> SocketAddr {
    "192.0.2.10:5060".parse().unwrap()
}

#[test]
fn uas_dialog_builds_bye_with_route_set_and_target() {
    let invite_bytes = testkit::invite("sip:800228040@192.0.2.1")
        .from("sip:0461123456@trunk.example")
        .contact("sip:gw@192.0.2.20:5070")
        .header("Record-Route", "<sip:p1.example;lr>, <sip:p2.example;lr>")
        .sdp(OFFER)
        .build();
    let invite = testkit::parse_request(&invite_bytes);
    let ok = response(&invite, 200)
        .to_tag("uas-tag")
        .contact("sip:ivr@192.0.2.1")
        .sdp(OFFER)
        .build();
    assert_eq!(
        ok.header_value("Record-Route"),
        invite.header_value("Record-Route")
    );
    let mut d = Dialog::uas(&invite, &ok, source()).unwrap();
    assert_eq!(d.role(), Role::Uas);
    assert_eq!(d.id().local_tag, "uas-tag");
    assert_eq!(d.id().remote_tag, invite.from_tag().unwrap());
    assert_eq!(
        d.route_set(),
        ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]
    );
    let bye = d.bye();
    assert_eq!(bye.method, Method::Bye);
    assert_eq!(bye.uri.to_string(), "sip:gw@192.0.2.20:5070");
    let routes: Vec<&str> = bye.header_values("Route").collect();
    assert_eq!(routes, ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]);
    assert_eq!(bye.from_tag(), Some("uas-tag"));
    assert_eq!(bye.to_tag(), invite.from_tag());
    assert_eq!(bye.call_id(), invite.call_id());
    assert_eq!(bye.cseq().unwrap().number, 1);
    // The first route is a host name: fall back to the dialog's source.
    assert_eq!(d.target_addr(), source());
    // An incoming in-dialog request maps to the same id.
    let caller_bye = testkit::parse_request(&bye_for(&invite_bytes, &ok.to_bytes()));
    assert_eq!(
        DialogId::of_incoming_request(&caller_bye).as_ref(),
        Some(d.id())
    );
}

#[test]
fn lower_cseq_in_dialog_gets_500() {
    let invite = testkit::invite("sip:800@192.0.2.1")
        .cseq(10)
        .build_request();
    let ok = response(&invite, 200).to_tag("t").build();
    let mut d = Dialog::uas(&invite, &ok, source()).unwrap();
    let info = |n| {
        testkit::request("INFO", "sip:ivr@192.0.2.1")
            .call_id(invite.call_id().unwrap())
            .cseq(n)
            .to_tag("t")
            .build_request()
    };
    assert!(d.check_remote_cseq(&info(11)).is_none());
    assert_eq!(d.remote_seq(), Some(11));
    let stale = d.check_remote_cseq(&info(9)).unwrap();
    assert_eq!(stale.status_code.code(), 500);
    assert_eq!(stale.to_tag(), Some("t"));
    assert_eq!(d.remote_seq(), Some(11));
}

#[test]
fn uac_dialog_reverses_record_route_and_acks_the_right_cseq() {
    let invite = testkit::invite("sip:1001@192.0.2.30")
        .cseq(5)
        .contact("sip:centralino@192.0.2.1")
        .build_request();
    let mut ok = response(&invite, 200)
        .to_tag("agent")
        .contact("sip:1001@192.0.2.30:5062")
        .build();
    centralino_sip::builder::push_header(&mut ok.headers, "Record-Route", "<sip:a.example;lr>");
    centralino_sip::builder::push_header(&mut ok.headers, "Record-Route", "<sip:b.example;lr>");
    let mut d = Dialog::uac(&invite, &ok, source()).unwrap();
    assert_eq!(d.route_set(), ["<sip:b.example;lr>", "<sip:a.example;lr>"]);
    assert_eq!(DialogId::of_response(&ok).as_ref(), Some(d.id()));
    let ack = d.ack(None);
    assert_eq!(ack.cseq().unwrap().number, 5);
    assert_eq!(ack.cseq().unwrap().method, Method::Ack);
    let reinvite = d.reinvite(Some(OFFER.as_bytes().to_vec()));
    assert_eq!(reinvite.cseq().unwrap().number, 6);
    assert_eq!(
        reinvite.header_value("Contact"),
        Some("<sip:centralino@192.0.2.1>")
    );
    assert_eq!(d.ack(None).cseq().unwrap().number, 6);
    let refer = d.refer("sip:secondo-livello@192.0.2.40");
    assert_eq!(
        refer.header_value("Refer-To"),
        Some("<sip:secondo-livello@192.0.2.40>")
    );
    let notify = d.notify(
        "refer",
        "active;expires=60",
        "message/sipfrag",
        b"SIP/2.0 100 Trying".to_vec(),
    );
    assert_eq!(notify.cseq().unwrap().number, 8);
    assert_eq!(notify.header_value("Content-Length"), Some("18"));
}

#[test]
fn strict_route_puts_the_target_last() {
    let invite = testkit::invite("sip:800@192.0.2.1")
        .contact("sip:gw@192.0.2.20")
        .header("Record-Route", "<sip:192.0.2.50>")
        .build_request();
    let ok = response(&invite, 200).to_tag("t").build();
    let mut d = Dialog::uas(&invite, &ok, source()).unwrap();
    let bye = d.bye();
    assert_eq!(bye.uri.to_string(), "sip:192.0.2.50");
    let routes: Vec<&str> = bye.header_values("Route").collect();
    assert_eq!(routes, ["<sip:gw@192.0.2.20>"]);
    assert_eq!(d.target_addr(), "192.0.2.50:5060".parse().unwrap());
}

#[test]
fn a_call_from_invite_to_bye_through_the_layer() {
    let mut h = Harness::new(77);
    let invite = testkit::invite("sip:800228040@192.0.2.1")
        .contact("sip:gw@192.0.2.10")
        .sdp(OFFER)
        .build();
    h.recv(&invite);
    let (tx, req) = h.expect_request();
    let ok = response(&req, 200)
        .to_tag("ivr")
        .contact("sip:ivr@192.0.2.1")
        .sdp(OFFER)
        .build();
    let ok_bytes = ok.to_bytes();
    let mut dialog = Dialog::uas(&req, &ok, h.peer).unwrap();
    h.respond(tx, ok).unwrap();
    h.recv(&testkit::ack_for(&invite, &ok_bytes));
    assert!(matches!(&h.take_events()[..], [TxEvent::Ack { .. }]));
    // We hang up: BYE to the Contact (an IP literal).
    let bye = dialog.bye();
    let dest = dialog.target_addr();
    assert_eq!(dest, "192.0.2.10:5060".parse().unwrap());
    let bye_tx = h.layer.send_request(h.now, dest, bye).unwrap();
    let sent = h.last_sent_request();
    h.recv(&response(&sent, 200).build().to_bytes());
    let events = h.take_events();
    assert!(
        matches!(&events[..], [TxEvent::Response { tx, response }] if *tx == bye_tx && response.status_code.code() == 200)
    );
}
