use super::*;
use crate::{parse_datagram, Inbound};

fn register(cseq: u32, call_id: &str, extra: &[&str]) -> Request {
    let mut m = format!(
        "REGISTER sip:centralino SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50;branch=z9hG4bKr{cseq}\r\n\
         From: <sip:1001@centralino>;tag=a\r\nTo: <sip:1001@centralino>\r\nCall-ID: {call_id}\r\n\
         CSeq: {cseq} REGISTER\r\n"
    );
    for h in extra {
        m.push_str(h);
        m.push_str("\r\n");
    }
    m.push_str("Content-Length: 0\r\n\r\n");
    match parse_datagram(m.as_bytes()) {
        Inbound::Request(r) => r,
        other => panic!("{other:?}"),
    }
}

fn src() -> SocketAddr {
    "203.0.113.5:40000".parse().unwrap()
}

fn events(r: &mut Registrar) -> Vec<RegistrarEvent> {
    std::iter::from_fn(|| r.poll_event()).collect()
}

fn aor() -> Aor {
    Aor::new("1001")
}

#[test]
fn register_refresh_and_expire() {
    let t0 = Instant::now();
    let mut r = Registrar::new(RegistrarConfig::default());
    let resp = r.handle_register(
        t0,
        &register(
            1,
            "c1",
            &["Contact: <sip:1001@10.0.0.5:5062>", "Expires: 120"],
        ),
        src(),
    );
    assert_eq!(resp.status_code.code(), 200);
    assert_eq!(
        resp.header_value("Contact"),
        Some("<sip:1001@10.0.0.5:5062>;expires=120")
    );
    assert_eq!(
        events(&mut r),
        [RegistrarEvent::BindingAdded {
            aor: aor(),
            contact: "sip:1001@10.0.0.5:5062".into()
        }]
    );
    assert_eq!(r.bindings(&aor())[0].source, src());
    let t1 = t0 + Duration::from_secs(100);
    r.handle_register(
        t1,
        &register(2, "c1", &["Contact: <sip:1001@10.0.0.5:5062>;expires=120"]),
        src(),
    );
    assert!(matches!(
        events(&mut r)[..],
        [RegistrarEvent::BindingRefreshed { .. }]
    ));
    // The old deadline passes: nothing expires.
    r.handle_timeout(t0 + Duration::from_secs(121));
    assert!(events(&mut r).is_empty());
    assert!(r.is_registered(&aor()));
    let next = r.poll_timeout().unwrap();
    assert!(next <= t1 + Duration::from_secs(120));
    r.handle_timeout(t1 + Duration::from_secs(120));
    assert_eq!(
        events(&mut r),
        [RegistrarEvent::BindingExpired {
            aor: aor(),
            contact: "sip:1001@10.0.0.5:5062".into()
        }]
    );
    assert!(!r.is_registered(&aor()));
}

#[test]
fn too_brief_gets_423_and_long_is_clamped() {
    let t0 = Instant::now();
    let mut r = Registrar::new(RegistrarConfig::default());
    let resp = r.handle_register(
        t0,
        &register(1, "c1", &["Contact: <sip:1001@10.0.0.5>", "Expires: 30"]),
        src(),
    );
    assert_eq!(resp.status_code.code(), 423);
    assert_eq!(resp.header_value("Min-Expires"), Some("60"));
    assert!(events(&mut r).is_empty());
    let resp = r.handle_register(
        t0,
        &register(
            2,
            "c1",
            &["Contact: <sip:1001@10.0.0.5>;expires=280297596632815"],
        ),
        src(),
    );
    assert_eq!(
        resp.header_value("Contact"),
        Some("<sip:1001@10.0.0.5>;expires=3600")
    );
}

#[test]
fn unregister_star_query_and_two_contacts_in_one_header() {
    let t0 = Instant::now();
    let mut r = Registrar::new(RegistrarConfig::default());
    r.handle_register(
        t0,
        &register(
            1,
            "c1",
            &["Contact: <sip:1001@10.0.0.5>, \"Desk\" <sip:1001@10.0.0.6>;q=0.5"],
        ),
        src(),
    );
    assert_eq!(r.bindings(&aor()).len(), 2);
    assert_eq!(r.bindings(&aor())[1].q, Some(0.5));
    let query = r.handle_register(t0, &register(2, "c1", &[]), src());
    assert_eq!(query.header_values("Contact").count(), 2);
    let resp = r.handle_register(
        t0,
        &register(3, "c1", &["Contact: <sip:1001@10.0.0.5>", "Expires: 0"]),
        src(),
    );
    assert_eq!(resp.header_values("Contact").count(), 1);
    events(&mut r);
    let bad = r.handle_register(
        t0,
        &register(4, "c1", &["Contact: *", "Expires: 60"]),
        src(),
    );
    assert_eq!(bad.status_code.code(), 400);
    let resp = r.handle_register(t0, &register(5, "c1", &["Contact: *", "Expires: 0"]), src());
    assert_eq!(resp.status_code.code(), 200);
    assert_eq!(
        events(&mut r),
        [RegistrarEvent::BindingRemoved {
            aor: aor(),
            contact: "sip:1001@10.0.0.6".into()
        }]
    );
    assert!(!r.is_registered(&aor()));
}

#[test]
fn out_of_order_cseq_on_same_call_id_is_500() {
    let t0 = Instant::now();
    let mut r = Registrar::new(RegistrarConfig::default());
    r.handle_register(
        t0,
        &register(5, "c1", &["Contact: <sip:1001@10.0.0.5>"]),
        src(),
    );
    let resp = r.handle_register(
        t0,
        &register(4, "c1", &["Contact: <sip:1001@10.0.0.5>"]),
        src(),
    );
    assert_eq!(resp.status_code.code(), 500);
    // A different Call-ID (the phone rebooted) is fine.
    let resp = r.handle_register(
        t0,
        &register(1, "c2", &["Contact: <sip:1001@10.0.0.5>"]),
        src(),
    );
    assert_eq!(resp.status_code.code(), 200);
}
