//! Nothing panics on any input: arbitrary bytes, byte-mutations of the 49
//! RFC 4475 messages, and SIP-shaped garbage, through the wire layer, the
//! UAS checks, the accessors, dialogs, digest auth, the registrar and a
//! transaction layer driven through time.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use centralino_sip::auth::{AuthOutcome, Credential, DigestConfig, DigestServer};
use centralino_sip::builder::response;
use centralino_sip::registrar::{Registrar, RegistrarConfig};
use centralino_sip::{
    parse_datagram, uas_checks, Dialog, DialogId, Inbound, MessageExt, TransactionLayer, TxConfig,
    TxEvent, UasPolicy,
};
use proptest::prelude::*;

fn torture() -> &'static Vec<Vec<u8>> {
    static MSGS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    MSGS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc4475/msgs");
        let mut v: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        v.sort();
        v
    })
}

fn exercise(data: &[u8]) {
    let source: SocketAddr = "192.0.2.99:5060".parse().unwrap();
    let t0 = Instant::now();
    match parse_datagram(data) {
        Inbound::Request(req) => {
            let _ = uas_checks(&req, &UasPolicy::default());
            let _ = (
                req.call_id(),
                req.cseq(),
                req.from_tag(),
                req.to_tag(),
                req.top_via(),
            );
            let _ = (req.contacts(), req.via_count(), req.list_values("Require"));
            let _ = DialogId::of_incoming_request(&req);
            let ok = response(&req, 200).to_tag("t").build();
            if let Ok(mut d) = Dialog::uas(&req, &ok, source) {
                let _ = (d.bye(), d.target_addr(), d.check_remote_cseq(&req));
            }
            let _ = Dialog::uac(&req, &ok, source);
            let mut digest = DigestServer::new(DigestConfig::new("r", b"k"), t0, 1);
            if let AuthOutcome::Rejected(_) =
                digest.check(t0, &req, source, |_| Some(Credential::Password("p".into())))
            {
            }
            let mut reg = Registrar::new(RegistrarConfig::default());
            let _ = reg.handle_register(t0, &req, source);
            reg.handle_timeout(t0 + Duration::from_secs(7200));
            while reg.poll_event().is_some() {}
            // Serialising what we accepted never panics either.
            let _ = req.to_bytes();
        }
        Inbound::Response(resp) => {
            let _ = (resp.cseq(), resp.to_tag(), resp.top_via(), resp.contacts());
            let _ = DialogId::of_response(&resp);
        }
        Inbound::Reject { response, .. } => {
            let _ = parse_datagram(&response);
        }
        Inbound::Drop(_) => {}
    }
    let mut layer = TransactionLayer::new(TxConfig::new("192.0.2.1:5060".parse().unwrap()), 3);
    layer.handle_datagram(t0, source, data);
    let mut now = t0;
    for _ in 0..3 {
        while layer.poll_transmit().is_some() {}
        while let Some(e) = layer.poll_event() {
            if let TxEvent::Request { tx, request, .. } = e {
                let _ = layer.respond(now, tx, response(&request, 200).to_tag("x").build());
            }
        }
        layer.handle_datagram(now, source, data);
        now += Duration::from_secs(20);
        layer.handle_timeout(now);
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 0usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    Just(b'\r'),
                    Just(b'\n'),
                    Just(b' '),
                    Just(b':'),
                    Just(b';'),
                    Just(b','),
                    Just(b'"'),
                    Just(b'<'),
                    Just(b'>'),
                    Just(b'\\'),
                    Just(b'='),
                    Just(0xff),
                    any::<u8>()
                ],
                1..8
            )
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut msg: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = msg.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                let i = i % len;
                if let Some(x) = msg.get_mut(i) {
                    *x = *b;
                }
            }
            Mutation::Delete(i, n) => {
                let i = i % len;
                let end = (i + n).min(msg.len());
                if i < end {
                    msg.drain(i..end);
                }
            }
            Mutation::Insert(i, v) => {
                let i = (i % len).min(msg.len());
                msg.splice(i..i, v.iter().copied());
            }
            Mutation::Truncate(i) => msg.truncate(i % len),
        }
    }
    msg
}

/// SIP-shaped lines, so the generator reaches past the start line.
fn sip_like() -> impl Strategy<Value = Vec<u8>> {
    let start = prop_oneof![
        Just("INVITE sip:a@b SIP/2.0".to_owned()),
        Just("ACK sip:a@b SIP/2.0".to_owned()),
        Just("CANCEL sip:a@b SIP/2.0".to_owned()),
        Just("REGISTER sip:b SIP/2.0".to_owned()),
        Just("SIP/2.0 200 OK".to_owned()),
        Just("SIP/2.0 487 Terminated".to_owned()),
        "[A-Z]{1,8} [a-z:@.0-9;=<>]{0,20} SIP/[0-9].[0-9]",
    ];
    let header = prop_oneof![
        "Via: SIP/2\\.0/UDP [0-9.:\\[\\]a-z]{0,20}(;branch=z9hG4bK[a-z0-9]{0,5})?(;rport)?(;received=[0-9.]{0,15})?",
        "(From|f|To|t): (\"[^\"\\r\\n]{0,8}\" )?<?sip:[a-z0-9@.:]{0,12}>?(;tag=[a-z0-9]{0,6})?",
        "(Call-ID|i): [a-z0-9@.]{0,12}",
        "CSeq: [0-9]{0,12} (INVITE|ACK|CANCEL|BYE|REGISTER|FOO)",
        "(Contact|m): (\\*|<sip:[a-z0-9@.:;=]{0,16}>(;expires=[0-9]{0,12})?(, <sip:x@y>)?)",
        "(Content-Length|l): -?[0-9]{0,6}",
        "(Expires|Max-Forwards|Min-Expires|Retry-After): [0-9]{0,22}",
        "(Require|Accept|Content-Type|c): [a-z/;,= ]{0,20}",
        "Authorization: Digest [a-z]{0,8}=\"?[a-z0-9,]{0,10}\"?(, [a-z]{1,8}=[a-z0-9\"]{0,10}){0,6}",
        "(Record-Route|Route): <sip:[a-z0-9.;]{0,12}>(,<sip:p;lr>)?",
        " [a-z ]{0,10}",
    ];
    (
        start,
        prop::collection::vec(header, 0..14),
        "[a-z0-9=\\r\\n ]{0,40}",
    )
        .prop_map(|(s, hs, body)| {
            let mut m = s;
            m.push_str("\r\n");
            for h in hs {
                m.push_str(&h);
                m.push_str("\r\n");
            }
            m.push_str("\r\n");
            m.push_str(&body);
            m.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..1500)) {
        exercise(&data);
    }

    #[test]
    fn mutated_torture_messages_never_panic(
        idx in 0usize..49,
        muts in prop::collection::vec(mutation(), 1..6),
    ) {
        let msgs = torture();
        let msg = msgs[idx % msgs.len()].clone();
        exercise(&apply(msg, &muts));
    }

    #[test]
    fn sip_shaped_garbage_never_panics(data in sip_like()) {
        exercise(&data);
    }
}

#[test]
fn every_torture_message_exercises_cleanly() {
    for m in torture() {
        exercise(m);
    }
}
