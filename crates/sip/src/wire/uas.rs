//! UAS policy checks on a parsed request (RFC 3261 §8.2.2–§8.2.3), in the
//! RFC's order: Request-URI scheme (416), REGISTER's To (400), Require
//! (420), INVITE body type (415), INVITE Accept (406).

use rsipstack::sip::{Method, Request, Response};

use crate::builder::response;
use crate::header::{MessageExt, NameAddr};
use crate::uri::is_sip_or_tel;
use crate::wire::reject::stateless_tag;

/// What the UAS supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UasPolicy {
    /// Option tags we support (a `Require` naming others gets 420).
    pub supported: Vec<String>,
    /// Body types accepted in INVITE (others get 415 with `Accept`).
    pub invite_body_types: Vec<String>,
}

impl Default for UasPolicy {
    fn default() -> Self {
        Self {
            supported: Vec::new(),
            invite_body_types: vec!["application/sdp".to_owned()],
        }
    }
}

/// Media type of a Content-Type/Accept element, without parameters, lower case.
fn media_type(s: &str) -> String {
    s.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Runs the checks; `Some(response)` is the answer to send instead of
/// passing the request on. ACK and CANCEL are never checked.
pub fn uas_checks(request: &Request, policy: &UasPolicy) -> Option<Response> {
    if matches!(request.method, Method::Ack | Method::Cancel) {
        return None;
    }
    let tag = || {
        stateless_tag(
            request.call_id().unwrap_or(""),
            request.header_value("From").unwrap_or(""),
            request.header_value("CSeq").unwrap_or(""),
        )
    };
    let reply = |code: u16| response(request, code).to_tag(&tag());
    if !is_sip_or_tel(&request.uri) {
        return Some(reply(416).build());
    }
    if request.method == Method::Register {
        let to_is_sip = request
            .to_addr()
            .and_then(|n: NameAddr<'_>| n.scheme())
            .is_some_and(|s| s == "sip" || s == "sips");
        if !to_is_sip {
            return Some(reply(400).build());
        }
    }
    let unsupported: Vec<&str> = request
        .list_values("Require")
        .into_iter()
        .filter(|t| !policy.supported.iter().any(|s| s.eq_ignore_ascii_case(t)))
        .collect();
    if !unsupported.is_empty() {
        return Some(
            reply(420)
                .header("Unsupported", unsupported.join(", "))
                .build(),
        );
    }
    if request.method == Method::Invite {
        let accept = policy.invite_body_types.join(", ");
        if !request.body.is_empty() {
            let ok = request
                .header_value("Content-Type")
                .map(media_type)
                .is_some_and(|t| {
                    policy
                        .invite_body_types
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(&t))
                });
            if !ok {
                return Some(reply(415).accept(&accept).build());
            }
        }
        let accepts = request.list_values("Accept");
        if request.header_value("Accept").is_some() {
            let ok = accepts.iter().map(|a| media_type(a)).any(|t| {
                t == "*/*"
                    || t == "application/*"
                    || policy
                        .invite_body_types
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(&t))
            });
            if !ok {
                return Some(
                    reply(406)
                        .accept(&accept)
                        .header(
                            "Warning",
                            "399 centralino \"only application/sdp is offered\"",
                        )
                        .build(),
                );
            }
        }
    }
    None
}
