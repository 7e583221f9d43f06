use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::header::MessageExt;
use crate::{parse_datagram, Inbound};
use rsipstack::sip::Request;

#[test]
fn rfc2617_md5_known_answer() {
    let h1 = ha1(
        Algorithm::Md5,
        "Mufasa",
        "testrealm@host.com",
        "Circle Of Life",
    );
    let r = response(
        Algorithm::Md5,
        &h1,
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "00000001",
        "0a4f113b",
        Some("auth"),
        "GET",
        "/dir/index.html",
    );
    assert_eq!(r, "6629fae49393a05397450978507c4ef1");
}

#[test]
fn rfc7616_md5_and_sha256_known_answers() {
    let (realm, nonce, cnonce) = (
        "http-auth@example.org",
        "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    );
    let md5 = response(
        Algorithm::Md5,
        &ha1(Algorithm::Md5, "Mufasa", realm, "Circle of Life"),
        nonce,
        "00000001",
        cnonce,
        Some("auth"),
        "GET",
        "/dir/index.html",
    );
    assert_eq!(md5, "8ca523f5e9506fed4657c9700eebdbec");
    let sha = response(
        Algorithm::Sha256,
        &ha1(Algorithm::Sha256, "Mufasa", realm, "Circle of Life"),
        nonce,
        "00000001",
        cnonce,
        Some("auth"),
        "GET",
        "/dir/index.html",
    );
    assert_eq!(
        sha,
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
}

#[test]
fn parses_lists_hex_nc_and_quotes() {
    let p = AuthParams::parse(
        "Digest username=\"1001\", realm=\"centralino\", nonce=\"abc\", uri=\"sip:c\", \
         response=\"f\", qop=auth, nc=000001ff, cnonce=\"x,y\", algorithm=SHA-256",
    )
    .unwrap();
    assert_eq!(p.nonce_count(), Some(511));
    assert_eq!(p.get("cnonce"), Some("x,y"));
    assert_eq!(
        Algorithm::parse(p.get("algorithm").unwrap()),
        Some(Algorithm::Sha256)
    );
    let c = AuthParams::parse("Digest realm=\"r\", qop=\"auth,auth-int\", nonce=\"n\"").unwrap();
    assert_eq!(c.qop_options(), ["auth", "auth-int"]);
    let odd = AuthParams::parse("NoOneKnowsThisScheme opaque-data=here").unwrap();
    assert!(!odd.is_digest());
}

const SRC: &str = "192.0.2.50:5060";

fn register() -> Request {
    let m = "REGISTER sip:centralino SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50;branch=z9hG4bKr1\r\n\
             From: <sip:1001@centralino>;tag=a\r\nTo: <sip:1001@centralino>\r\nCall-ID: reg1\r\n\
             CSeq: 1 REGISTER\r\nContact: <sip:1001@192.0.2.50>\r\nContent-Length: 0\r\n\r\n";
    match parse_datagram(m.as_bytes()) {
        Inbound::Request(r) => r,
        other => panic!("{other:?}"),
    }
}

fn users(name: &str) -> Option<Credential> {
    match name {
        "1001" => Some(Credential::Password("segreto".into())),
        "1002" => Some(Credential::Ha1 {
            md5: Some(ha1(Algorithm::Md5, "1002", "centralino", "altro")),
            sha256: None,
        }),
        _ => None,
    }
}

fn server(t0: Instant) -> DigestServer {
    DigestServer::new(DigestConfig::new("centralino", b"k"), t0, 9)
}

fn creds(user: &str, pass: &str) -> ClientCredentials {
    ClientCredentials {
        username: user.into(),
        password: pass.into(),
    }
}

fn rejected_code(o: &AuthOutcome) -> u16 {
    match o {
        AuthOutcome::Rejected(r) => r.status_code.code(),
        AuthOutcome::Authorized { .. } => 200,
    }
}

#[test]
fn challenge_then_authorize_sha256_and_md5_ha1() {
    let t0 = Instant::now();
    let mut s = server(t0);
    let src: SocketAddr = SRC.parse().unwrap();
    let mut req = register();
    let AuthOutcome::Rejected(challenge) = s.check(t0, &req, src, users) else {
        panic!("no challenge")
    };
    assert_eq!(challenge.status_code.code(), 401);
    let offers: Vec<&str> = challenge.header_values("WWW-Authenticate").collect();
    assert_eq!(offers.len(), 2);
    assert!(offers[0].contains("algorithm=SHA-256") && offers[1].contains("algorithm=MD5"));
    authorize(&mut req, &challenge, &creds("1001", "segreto"), "cn1").unwrap();
    assert_eq!(req.cseq().unwrap().number, 2);
    assert_eq!(
        s.check(t0 + Duration::from_secs(1), &req, src, users),
        AuthOutcome::Authorized {
            username: "1001".into()
        }
    );
    // HA1-only user, MD5 only.
    let mut md5_only = challenge.clone();
    md5_only.headers.retain(|h| !h.value().contains("SHA-256"));
    let mut req = register();
    authorize(&mut req, &md5_only, &creds("1002", "altro"), "cn2").unwrap();
    assert!(req
        .header_value("Authorization")
        .unwrap()
        .contains("algorithm=MD5"));
    assert!(matches!(
        s.check(t0, &req, src, users),
        AuthOutcome::Authorized { .. }
    ));
}

#[test]
fn stale_nonce_gets_stale_true() {
    let t0 = Instant::now();
    let mut s = server(t0);
    let src: SocketAddr = SRC.parse().unwrap();
    let mut req = register();
    let AuthOutcome::Rejected(ch) = s.check(t0, &req, src, users) else {
        panic!()
    };
    authorize(&mut req, &ch, &creds("1001", "segreto"), "c").unwrap();
    let later = t0 + Duration::from_secs(301);
    let AuthOutcome::Rejected(again) = s.check(later, &req, src, users) else {
        panic!()
    };
    assert_eq!(again.status_code.code(), 401);
    assert!(again
        .header_value("WWW-Authenticate")
        .unwrap()
        .contains("stale=true"));
}

#[test]
fn wrong_password_and_unknown_user_look_the_same() {
    let t0 = Instant::now();
    let mut s = server(t0);
    let src: SocketAddr = SRC.parse().unwrap();
    let shape = |r: &AuthOutcome| match r {
        AuthOutcome::Rejected(r) => r
            .header_values("WWW-Authenticate")
            .map(|v| v.split("nonce=").next().unwrap_or("").to_owned())
            .collect::<Vec<_>>(),
        AuthOutcome::Authorized { .. } => vec![],
    };
    let mut a = register();
    let mut b = register();
    let ch = match s.check(t0, &a, src, users) {
        AuthOutcome::Rejected(r) => r,
        _ => panic!(),
    };
    authorize(&mut a, &ch, &creds("1001", "sbagliata"), "c").unwrap();
    authorize(&mut b, &ch, &creds("9999", "whatever"), "c").unwrap();
    let ra = s.check(t0, &a, src, users);
    let rb = s.check(t0, &b, src, users);
    assert_eq!(rejected_code(&ra), 401);
    assert_eq!(rejected_code(&rb), 401);
    assert_eq!(shape(&ra), shape(&rb));
    let first = shape(&s.check(t0, &register(), src, users));
    assert_eq!(shape(&ra), first);
}

#[test]
fn failures_from_one_source_are_throttled() {
    let t0 = Instant::now();
    let mut s = server(t0);
    let src: SocketAddr = SRC.parse().unwrap();
    let other: SocketAddr = "192.0.2.51:5060".parse().unwrap();
    let ch = match s.check(t0, &register(), src, users) {
        AuthOutcome::Rejected(r) => r,
        _ => panic!(),
    };
    let mut bad = register();
    authorize(&mut bad, &ch, &creds("1001", "no"), "c").unwrap();
    let codes: Vec<u16> = (0..5)
        .map(|i| rejected_code(&s.check(t0 + Duration::from_secs(i), &bad, src, users)))
        .collect();
    assert_eq!(codes, [401, 401, 401, 401, 403]);
    let mut good = register();
    authorize(&mut good, &ch, &creds("1001", "segreto"), "c").unwrap();
    assert_eq!(
        rejected_code(&s.check(t0 + Duration::from_secs(10), &good, src, users)),
        403
    );
    // Other sources are unaffected; the block lifts after block_for.
    assert_eq!(
        rejected_code(&s.check(t0 + Duration::from_secs(10), &good, other, users)),
        200
    );
    let ch2 = match s.check(t0 + Duration::from_secs(400), &register(), src, users) {
        AuthOutcome::Rejected(r) => r,
        _ => panic!(),
    };
    let mut good = register();
    authorize(&mut good, &ch2, &creds("1001", "segreto"), "c").unwrap();
    assert_eq!(
        rejected_code(&s.check(t0 + Duration::from_secs(401), &good, src, users)),
        200
    );
}

#[test]
fn forged_nonce_is_refused() {
    let t0 = Instant::now();
    let mut s = server(t0);
    let src: SocketAddr = SRC.parse().unwrap();
    let mut req = register();
    let ch = match s.check(t0, &req, src, users) {
        AuthOutcome::Rejected(r) => r,
        _ => panic!(),
    };
    let forged = ch
        .header_values("WWW-Authenticate")
        .map(|v| v.replace("nonce=\"0", "nonce=\"1"))
        .collect::<Vec<_>>();
    let mut fake = ch.clone();
    fake.headers
        .retain(|h| !h.name().eq_ignore_ascii_case("WWW-Authenticate"));
    for v in forged {
        crate::builder::push_header(&mut fake.headers, "WWW-Authenticate", v);
    }
    authorize(&mut req, &fake, &creds("1001", "segreto"), "c").unwrap();
    assert_eq!(rejected_code(&s.check(t0, &req, src, users)), 401);
}
