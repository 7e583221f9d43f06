//! Stateless answers built from the raw header lines of a request the
//! model cannot represent (400, 501, 505): Via, From, To (with a tag),
//! Call-ID and CSeq are copied as received.

use std::fmt::Write as _;

use super::frame::{Canon, RawHeader};
use super::WireOptions;
use crate::header::NameAddr;
use crate::syntax::fnv1a;
use crate::WireError;

fn reason(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        501 => "Not Implemented",
        505 => "Version Not Supported",
        _ => "Error",
    }
}

/// A deterministic To-tag, so a retransmitted request gets the same answer.
pub(crate) fn stateless_tag(call_id: &str, from: &str, cseq: &str) -> String {
    format!(
        "{:016x}",
        fnv1a(&[call_id.as_bytes(), from.as_bytes(), cseq.as_bytes()])
    )
}

pub(crate) fn build(
    code: u16,
    headers: &[RawHeader<'_>],
    error: WireError,
    options: &WireOptions,
) -> Vec<u8> {
    let mut out = String::with_capacity(512);
    let _ = write!(out, "SIP/2.0 {code} {}\r\n", reason(code));
    for h in headers.iter().filter(|h| h.canon == Canon::Via) {
        let _ = write!(out, "Via: {}\r\n", h.value);
    }
    let value = |canon| headers.iter().find(|h| h.canon == canon).map(|h| &*h.value);
    if let Some(from) = value(Canon::From) {
        let _ = write!(out, "From: {from}\r\n");
    }
    if let Some(to) = value(Canon::To) {
        let needs_tag = NameAddr::parse(to).is_some_and(|n| n.tag().is_none());
        if needs_tag {
            let tag = stateless_tag(
                value(Canon::CallId).unwrap_or(""),
                value(Canon::From).unwrap_or(""),
                value(Canon::CSeq).unwrap_or(""),
            );
            let _ = write!(out, "To: {to};tag={tag}\r\n");
        } else {
            let _ = write!(out, "To: {to}\r\n");
        }
    }
    if let Some(call_id) = value(Canon::CallId) {
        let _ = write!(out, "Call-ID: {call_id}\r\n");
    }
    if let Some(cseq) = value(Canon::CSeq) {
        let _ = write!(out, "CSeq: {cseq}\r\n");
    }
    if code == 501 {
        let _ = write!(out, "Allow: {}\r\n", options.allow);
    }
    let _ = write!(out, "Warning: 399 centralino \"{error}\"\r\n");
    if let Some(server) = &options.server {
        let _ = write!(out, "Server: {server}\r\n");
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out.into_bytes()
}
