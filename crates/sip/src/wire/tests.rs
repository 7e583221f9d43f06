use super::*;

fn msg(start: &str, headers: &[&str], body: &str) -> Vec<u8> {
    let mut s = format!("{start}\r\n");
    for h in headers {
        s.push_str(h);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s.push_str(body);
    s.into_bytes()
}

const BASE: [&str; 5] = [
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc",
    "From: <sip:a@example.com>;tag=1",
    "To: <sip:b@example.com>",
    "Call-ID: c1@example.com",
    "CSeq: 1 OPTIONS",
];

fn code_of(i: &Inbound) -> Option<u16> {
    match i {
        Inbound::Reject { response, .. } => {
            std::str::from_utf8(response.get(8..11)?).ok()?.parse().ok()
        }
        _ => None,
    }
}

#[test]
fn valid_request_parses() {
    let m = msg("OPTIONS sip:b@example.com SIP/2.0", &BASE, "");
    let Inbound::Request(r) = parse_datagram(&m) else {
        panic!("not accepted")
    };
    assert_eq!(r.method, rsipstack::sip::Method::Options);
}

#[test]
fn lf_only_and_compact() {
    let m = "OPTIONS sip:b@example.com SIP/2.0\nv: SIP/2.0/UDP h;branch=z9hG4bKx\nf: <sip:a@h>;tag=1\nt: <sip:b@h>\ni: x\nCSeq: 2 OPTIONS\nl: 0\n\n";
    assert!(matches!(parse_datagram(m.as_bytes()), Inbound::Request(_)));
}

#[test]
fn compact_duplicate_counts() {
    let mut h = BASE.to_vec();
    h.push("i: other");
    let m = msg("OPTIONS sip:b@example.com SIP/2.0", &h, "");
    assert!(matches!(
        parse_datagram(&m),
        Inbound::Reject {
            error: WireError::DuplicateHeader { name: "Call-ID" },
            ..
        }
    ));
}

#[test]
fn unknown_method_gets_501_with_allow() {
    let mut h = BASE.to_vec();
    h[4] = "CSeq: 1 FOO";
    let m = msg("FOO sip:b@example.com SIP/2.0", &h, "");
    let r = parse_datagram(&m);
    assert_eq!(code_of(&r), Some(501));
    let Inbound::Reject { response, .. } = r else {
        panic!()
    };
    let text = String::from_utf8(response).unwrap();
    assert!(text.contains("\r\nAllow: INVITE"));
    assert!(text.contains("\r\nTo: <sip:b@example.com>;tag="));
    assert!(text.contains("\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc\r\n"));
}

#[test]
fn lowercase_method_is_unknown() {
    let mut h = BASE.to_vec();
    h[4] = "CSeq: 1 options";
    let m = msg("options sip:b@example.com SIP/2.0", &h, "");
    assert_eq!(code_of(&parse_datagram(&m)), Some(501));
}

#[test]
fn no_via_is_dropped() {
    let m = msg("OPTIONS sip:b@example.com SIP/2.0", &BASE[1..], "");
    assert!(matches!(
        parse_datagram(&m),
        Inbound::Drop(WireError::MissingVia)
    ));
}

#[test]
fn body_framing() {
    let mut h = BASE.to_vec();
    h.push("Content-Length: 3");
    let m = msg("OPTIONS sip:b@example.com SIP/2.0", &h, "abcdef");
    let Inbound::Request(r) = parse_datagram(&m) else {
        panic!()
    };
    assert_eq!(r.body, b"abc");
    let m = msg("OPTIONS sip:b@example.com SIP/2.0", &h, "ab");
    assert!(matches!(
        parse_datagram(&m),
        Inbound::Reject {
            error: WireError::BodyTruncated {
                declared: 3,
                available: 2
            },
            ..
        }
    ));
}

#[test]
fn response_checks() {
    let mut h = BASE.to_vec();
    h[4] = "CSeq: 1 INVITE";
    let ok = msg("SIP/2.0 180 Ringing", &h, "");
    assert!(matches!(parse_datagram(&ok), Inbound::Response(_)));
    let custom = msg("SIP/2.0 486 Occupato", &h, "");
    let Inbound::Response(r) = parse_datagram(&custom) else {
        panic!()
    };
    assert_eq!(r.wire_reason.as_deref(), Some("Occupato"));
    for bad in [
        "SIP/2.0 99 Low",
        "SIP/2.0 700 High",
        "SIP/3.0 200 OK",
        "SIP/2.0 2000 OK",
    ] {
        assert!(
            matches!(parse_datagram(&msg(bad, &h, "")), Inbound::Drop(_)),
            "{bad}"
        );
    }
}

#[test]
fn keepalive_is_empty() {
    assert!(matches!(
        parse_datagram(b"\r\n\r\n"),
        Inbound::Drop(WireError::Empty)
    ));
    assert!(matches!(
        parse_datagram(b""),
        Inbound::Drop(WireError::Empty)
    ));
}
