//! The 49 RFC 4475 torture messages through `parse_datagram` + `uas_checks`
//! (+ the transaction layer for responses, + digest auth for REGISTERs):
//! our answer must match what the RFC expects of an endpoint/registrar.

use std::fs;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use centralino_sip::auth::{AuthOutcome, DigestConfig, DigestServer};
use centralino_sip::msg::Method;
use centralino_sip::testkit::status;
use centralino_sip::{
    parse_datagram, uas_checks, DropReason, Inbound, TransactionLayer, TxConfig, UasPolicy,
};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Passed to the TU (for REGISTER: then challenged with this code).
    Accept {
        method: Method,
        auth: Option<u16>,
        body_len: usize,
    },
    /// Answered with this code.
    Code(u16),
    /// Dropped (bad response, stray response, nothing to answer to).
    Drop,
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc4475")
}

fn outcome(bytes: &[u8]) -> Outcome {
    let source: SocketAddr = "192.0.2.99:5060".parse().unwrap();
    match parse_datagram(bytes) {
        Inbound::Request(r) => {
            if let Some(resp) = uas_checks(&r, &UasPolicy::default()) {
                return Outcome::Code(resp.status_code.code());
            }
            let auth = (r.method == Method::Register).then(|| {
                let t0 = Instant::now();
                let mut digest = DigestServer::new(DigestConfig::new("centralino", b"s"), t0, 1);
                match digest.check(t0, &r, source, |_| None) {
                    AuthOutcome::Rejected(resp) => resp.status_code.code(),
                    AuthOutcome::Authorized { .. } => 200,
                }
            });
            Outcome::Accept {
                method: r.method,
                auth,
                body_len: r.body.len(),
            }
        }
        Inbound::Response(_) => {
            // A UAS that sent no request: the transaction layer drops it as stray.
            let mut layer =
                TransactionLayer::new(TxConfig::new("192.0.2.1:5060".parse().unwrap()), 1);
            layer.handle_datagram(Instant::now(), source, bytes);
            assert!(layer.poll_event().is_none());
            assert!(layer.poll_transmit().is_none());
            let stats = layer.stats();
            let dropped = stats
                .dropped
                .get(&DropReason::StrayResponse)
                .copied()
                .unwrap_or(0)
                + stats
                    .dropped
                    .get(&DropReason::ResponseViaCount)
                    .copied()
                    .unwrap_or(0);
            assert_eq!(dropped, 1);
            Outcome::Drop
        }
        Inbound::Reject { response, .. } => Outcome::Code(status(&response)),
        Inbound::Drop(_) => Outcome::Drop,
    }
}

/// Does `ours` satisfy the RFC's expectation (INDEX.tsv `rfc_expect`)?
fn satisfies(ours: &Outcome, expect: &str, liberal_ok: bool) -> bool {
    if liberal_ok && matches!(ours, Outcome::Accept { .. }) {
        return true;
    }
    match (expect, ours) {
        ("any", Outcome::Accept { .. }) => true,
        ("drop", Outcome::Drop) => true,
        (
            "REGISTER-only",
            Outcome::Accept {
                method, body_len, ..
            },
        ) => *method == Method::Register && *body_len == 0,
        ("400(registrar)", Outcome::Code(400)) => true,
        // A registrar that authenticates challenges first.
        (
            "401|200|405" | "200|401",
            Outcome::Accept {
                auth: Some(401), ..
            },
        ) => true,
        ("200|483", Outcome::Accept { .. }) => true,
        ("any|400", Outcome::Accept { .. } | Outcome::Code(400)) => true,
        (alternatives, Outcome::Code(code)) => alternatives
            .split('|')
            .any(|a| a.parse::<u16>().ok() == Some(*code)),
        _ => false,
    }
}

/// Our decision per message. Where the RFC allows a liberal reading
/// (`liberal_ok`), the comment says which way we went and why.
fn ours(name: &str) -> Outcome {
    let accept = |method, auth, body_len| Outcome::Accept {
        method,
        auth,
        body_len,
    };
    match name {
        "wsinv" => accept(Method::Invite, None, 150),
        "intmeth" | "esc02" | "mismatch02" => Outcome::Code(501),
        "esc01" => accept(Method::Invite, None, 150),
        "escnull" => accept(Method::Register, Some(401), 0),
        "lwsdisp" | "semiuri" | "transports" | "zeromf" => accept(Method::Options, None, 0),
        "longreq" => accept(Method::Invite, None, 150),
        "dblreq" => accept(Method::Register, Some(401), 0),
        "mpart01" => accept(Method::Message, None, 553),
        "unreason" | "noreason" | "bcast" | "scalarlg" | "bigcode" => Outcome::Drop,
        // Liberal choice: we do not use Date, so a non-GMT zone is ignored
        // (RFC 4475 §3.1.2.12: "shouldn't reject unless Date matters").
        "baddate" => accept(Method::Invite, None, 150),
        // Strict choices (liberal parsing allowed but not taken): a
        // Request-URI in <> (ltgtruri), LWS in it (lwsruri), several SP
        // (lwsstart), trailing SP (trws), escaped headers in it (escruri),
        // an unterminated quote (quotbal), an unbracketed Contact with `?`
        // (regbadct), spaces inside <> (badaspec), unquoted display names
        // with commas (baddn) are all 400: guessing risks mis-routing.
        "badinv01" | "clerr" | "ncl" | "scalar02" | "quotbal" | "ltgtruri" | "lwsruri"
        | "lwsstart" | "trws" | "escruri" | "regbadct" | "badaspec" | "baddn" | "mismatch01"
        | "insuf" | "multi01" | "mcl01" => Outcome::Code(400),
        "badvers" => Outcome::Code(505),
        // The branch is exactly the magic cookie: we fall back to RFC 2543 matching.
        "badbranch" => accept(Method::Options, None, 0),
        "unkscm" | "novelsc" => Outcome::Code(416),
        "unksm2" => Outcome::Code(400),
        "bext01" => Outcome::Code(420),
        "invut" => Outcome::Code(415),
        "regaut01" | "cparam01" | "cparam02" | "regescrt" => accept(Method::Register, Some(401), 0),
        "sdp01" => Outcome::Code(406),
        "inv2543" => accept(Method::Invite, None, 105),
        other => panic!("no decision for {other}"),
    }
}

#[test]
fn all_49_torture_messages_get_the_rfc_answer() {
    let index = fs::read_to_string(data_dir().join("INDEX.tsv")).unwrap();
    let mut count = 0;
    let mut failures = Vec::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, expect, liberal) = (cols[0], cols[5], cols[6] == "yes");
        let bytes = fs::read(data_dir().join(format!("msgs/{name}.dat"))).unwrap();
        let got = outcome(&bytes);
        if !satisfies(&got, expect, liberal) {
            failures.push(format!("{name}: RFC expects {expect}, we give {got:?}"));
        }
        if got != ours(name) {
            failures.push(format!("{name}: decided {:?}, got {got:?}", ours(name)));
        }
        count += 1;
    }
    assert_eq!(count, 49);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn baddn_with_its_final_crlf_is_still_400() {
    let bytes = fs::read(data_dir().join("extra/baddn-with-final-crlf.dat")).unwrap();
    assert_eq!(outcome(&bytes), Outcome::Code(400));
}

#[test]
fn answers_to_torture_requests_are_well_formed() {
    use centralino_sip::WireError as E;
    for entry in fs::read_dir(data_dir().join("msgs")).unwrap() {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        let Inbound::Reject { response, error } = parse_datagram(&bytes) else {
            continue;
        };
        let text = String::from_utf8_lossy(&response);
        assert!(text.starts_with("SIP/2.0 ") && text.ends_with("Content-Length: 0\r\n\r\n"));
        assert!(text.contains("\r\nVia: "), "{text}");
        // Answers echo the request's Via/From/To/Call-ID/CSeq: when one of
        // those is what was wrong, the answer is as broken as the request.
        let echoes_the_fault = match error {
            E::UnknownMethod | E::CSeqMethodMismatch => true,
            E::MissingHeader { .. } | E::DuplicateHeader { .. } => true,
            E::BadHeader { name } | E::ScalarOverflow { name } => {
                ["Via", "From", "To", "Call-ID", "CSeq"].contains(&name)
            }
            _ => false,
        };
        if !echoes_the_fault {
            assert!(
                matches!(parse_datagram(&response), Inbound::Response(_)),
                "{text}"
            );
        }
    }
}
