//! The client side: answering a 401/407 challenge (outbound trunks, tests).

use rsipstack::sip::{Request, Response};

use super::{ha1, response, Algorithm, AuthParams};
use crate::builder::{push_header, remove_header, set_header};
use crate::header::MessageExt;
use crate::syntax::quote;
use crate::Error;

/// Username and password for a realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Adds credentials answering `challenge` (a 401 or 407) to `request` and
/// bumps its CSeq: the result is a new request to send in a new transaction.
/// SHA-256 is preferred over MD5; `qop=auth` is used when offered, with
/// `cnonce` and `nc=00000001`.
pub fn authorize(
    request: &mut Request,
    challenge: &Response,
    credentials: &ClientCredentials,
    cnonce: &str,
) -> Result<(), Error> {
    let (challenge_header, answer_header) = match challenge.status_code.code() {
        407 => ("Proxy-Authenticate", "Proxy-Authorization"),
        _ => ("WWW-Authenticate", "Authorization"),
    };
    let offers: Vec<(AuthParams, Algorithm)> = challenge
        .header_values(challenge_header)
        .filter_map(AuthParams::parse)
        .filter(|p| p.is_digest())
        .filter_map(|p| {
            let alg = match p.get("algorithm") {
                None => Some(Algorithm::Md5),
                Some(a) => Algorithm::parse(a),
            }?;
            Some((p, alg))
        })
        .collect();
    let (params, algorithm) = offers
        .iter()
        .find(|(_, a)| a.base() == Algorithm::Sha256)
        .or_else(|| offers.first())
        .ok_or(Error::NoUsableChallenge)?;
    let realm = params.get("realm").ok_or(Error::NoUsableChallenge)?;
    let nonce = params.get("nonce").ok_or(Error::NoUsableChallenge)?;
    let qop = params
        .qop_options()
        .into_iter()
        .find(|q| q.eq_ignore_ascii_case("auth"))
        .map(|_| "auth");
    let uri = request.uri.to_string();
    let method = request.method.to_string();
    let nc = "00000001";
    let h1 = ha1(
        algorithm.base(),
        &credentials.username,
        realm,
        &credentials.password,
    );
    let digest = response(*algorithm, &h1, nonce, nc, cnonce, qop, &method, &uri);
    let mut value = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, response=\"{digest}\", algorithm={}",
        quote(&credentials.username),
        quote(realm),
        quote(nonce),
        quote(&uri),
        algorithm.as_str()
    );
    if let Some(qop) = qop {
        value.push_str(&format!(", qop={qop}, nc={nc}, cnonce={}", quote(cnonce)));
    }
    if let Some(opaque) = params.get("opaque") {
        value.push_str(&format!(", opaque={}", quote(opaque)));
    }
    remove_header(&mut request.headers, answer_header);
    push_header(&mut request.headers, answer_header, value);
    if let Some(cseq) = request.cseq() {
        set_header(
            &mut request.headers,
            "CSeq",
            format!("{} {}", cseq.number.wrapping_add(1), cseq.method),
        );
    }
    Ok(())
}
