//! The wire layer: one UDP datagram in, a validated message (or a ready
//! answer, or a reason to drop it) out.
//!
//! It sits in front of the fork's message model and closes its gaps:
//! LF-only line ends and folding, framing by Content-Length (a short body
//! is a 400 over UDP; trailing octets are ignored), duplicate single-value
//! headers (compact names count as their long forms), missing mandatory
//! headers, scalar overflow, version ≠ `SIP/2.0` (505), CSeq method
//! mismatch, unknown-but-valid methods (501 with Allow, built from the raw
//! lines since the fork cannot represent the method), strict From/To/
//! Contact/Via/Route grammar. Responses that fail any check are dropped.
//!
//! The order of checks for a request is: Via present (else drop) → start
//! line shape → version (505) → header lines → duplicates → mandatory
//! headers → scalars and framing → method known (501) → CSeq method →
//! header grammar → Request-URI.

mod frame;
pub(crate) mod reject;
mod uas;

pub use uas::{uas_checks, UasPolicy};

use rsipstack::sip::{headers::make_header, Headers, Request, Response, StatusCode, Version};

use crate::header::{method_from_token, split_cseq, Contacts, NameAddr, Via};
use crate::syntax::{is_token, parse_digits, trim_lws};
use crate::uri::parse_uri;
use crate::WireError;
use frame::{Canon, RawHeader, RawMessage};

/// What a datagram turned out to be.
#[derive(Debug)]
pub enum Inbound {
    /// A valid request.
    Request(Request),
    /// A valid response.
    Response(Response),
    /// Malformed but answerable: send `response` (a complete 400/501/505)
    /// back to the datagram's source.
    Reject {
        /// The serialized answer.
        response: Vec<u8>,
        /// What was wrong.
        error: WireError,
    },
    /// Unanswerable (not SIP, a bad response, no Via to answer to): drop and count.
    Drop(WireError),
}

/// Settings for the answers the wire layer builds itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireOptions {
    /// Value of the `Allow` header in 501 answers.
    pub allow: String,
    /// `Server` header value, if any.
    pub server: Option<String>,
}

/// The methods Centralino implements, for `Allow` headers.
pub const DEFAULT_ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER, REFER, NOTIFY";

impl Default for WireOptions {
    fn default() -> Self {
        Self {
            allow: DEFAULT_ALLOW.to_owned(),
            server: None,
        }
    }
}

/// Parses one datagram with default [`WireOptions`].
pub fn parse_datagram(data: &[u8]) -> Inbound {
    parse_datagram_with(data, &WireOptions::default())
}

/// Parses one datagram.
pub fn parse_datagram_with(data: &[u8], options: &WireOptions) -> Inbound {
    match parse(data, options) {
        Parsed::Request(r) => Inbound::Request(r),
        Parsed::Response(r) => Inbound::Response(r),
        Parsed::Reject { response, error } => Inbound::Reject { response, error },
        Parsed::Drop(e) => Inbound::Drop(e),
    }
}

/// Internal result (same as [`Inbound`]; kept separate so the transaction
/// layer can grow private metadata without touching the public type).
pub(crate) enum Parsed {
    Request(Request),
    Response(Response),
    Reject { response: Vec<u8>, error: WireError },
    Drop(WireError),
}

pub(crate) fn parse(data: &[u8], options: &WireOptions) -> Parsed {
    let Some(raw) = frame::split(data) else {
        return Parsed::Drop(WireError::Empty);
    };
    let is_response = raw
        .start
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("SIP/"));
    if is_response {
        match parse_response(&raw) {
            Ok(r) => Parsed::Response(r),
            Err(e) => Parsed::Drop(e),
        }
    } else {
        parse_request(&raw, options)
    }
}

/// Per-canonical-header occurrence counts.
struct Counts([usize; Canon::COUNT]);

impl Counts {
    fn of(headers: &[RawHeader<'_>]) -> Self {
        let mut c = [0; Canon::COUNT];
        for h in headers {
            if let Some(slot) = c.get_mut(h.canon as usize) {
                *slot += 1;
            }
        }
        Self(c)
    }
    fn get(&self, canon: Canon) -> usize {
        self.0.get(canon as usize).copied().unwrap_or(0)
    }
}

fn first<'a>(headers: &'a [RawHeader<'_>], canon: Canon) -> Option<&'a str> {
    headers.iter().find(|h| h.canon == canon).map(|h| &*h.value)
}

/// The checks shared by requests and responses, in order.
fn common_checks<'a>(raw: &'a RawMessage<'a>) -> Result<(u32, &'a str, &'a [u8]), WireError> {
    if let Some(line) = raw.bad_line {
        return Err(WireError::BadHeaderLine { line });
    }
    let counts = Counts::of(&raw.headers);
    for h in &raw.headers {
        if h.canon.single_valued() && counts.get(h.canon) > 1 {
            return Err(WireError::DuplicateHeader {
                name: h.canon.long_name(),
            });
        }
    }
    for canon in [Canon::From, Canon::To, Canon::CallId, Canon::CSeq] {
        if counts.get(canon) == 0 {
            return Err(WireError::MissingHeader {
                name: canon.long_name(),
            });
        }
    }
    if first(&raw.headers, Canon::CallId).is_some_and(|v| v.is_empty()) {
        return Err(WireError::BadHeader { name: "Call-ID" });
    }
    let body = frame_body(raw)?;
    let cseq = first(&raw.headers, Canon::CSeq).unwrap_or("");
    let (number, method) = split_cseq(cseq).map_err(|overflow| {
        if overflow {
            WireError::ScalarOverflow { name: "CSeq" }
        } else {
            WireError::BadHeader { name: "CSeq" }
        }
    })?;
    for (canon, max) in [
        (Canon::MaxForwards, 255),
        (Canon::Expires, u64::from(u32::MAX)),
        (Canon::MinExpires, u64::from(u32::MAX)),
    ] {
        if let Some(v) = first(&raw.headers, canon) {
            check_scalar(v, max, canon.long_name())?;
        }
    }
    for h in raw.headers.iter().filter(|h| h.canon == Canon::RetryAfter) {
        let digits = h
            .value
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap_or("");
        check_scalar(digits, u64::from(u32::MAX), "Retry-After")?;
    }
    for canon in [Canon::From, Canon::To] {
        let v = first(&raw.headers, canon).unwrap_or("");
        if NameAddr::parse(v).is_none() {
            return Err(WireError::BadHeader {
                name: canon.long_name(),
            });
        }
    }
    Ok((number, method, body))
}

fn check_scalar(v: &str, max: u64, name: &'static str) -> Result<(), WireError> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WireError::BadHeader { name });
    }
    match parse_digits(v) {
        Some(n) if n <= max => Ok(()),
        _ => Err(WireError::ScalarOverflow { name }),
    }
}

/// Applies Content-Length framing (RFC 3261 §18.3 for UDP).
fn frame_body<'a>(raw: &RawMessage<'a>) -> Result<&'a [u8], WireError> {
    let Some(cl) = first(&raw.headers, Canon::ContentLength) else {
        return Ok(raw.body);
    };
    if cl.is_empty() || !cl.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WireError::BadHeader {
            name: "Content-Length",
        });
    }
    let declared = parse_digits(cl)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or(WireError::ScalarOverflow {
            name: "Content-Length",
        })?;
    raw.body.get(..declared).ok_or(WireError::BodyTruncated {
        declared,
        available: raw.body.len(),
    })
}

fn build_headers(raw: &RawMessage<'_>) -> Headers {
    let mut headers = Headers(Vec::with_capacity(raw.headers.len()));
    for h in &raw.headers {
        headers.push(make_header(&h.name, h.value.clone().into_owned()));
    }
    headers
}

fn parse_response(raw: &RawMessage<'_>) -> Result<Response, WireError> {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    let mut parts = raw.start.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let code = parts.next().unwrap_or("");
    let reason = parts.next().unwrap_or("");
    if !version.eq_ignore_ascii_case("SIP/2.0") || code.len() != 3 {
        return Err(WireError::BadStatusLine);
    }
    let code = parse_digits(code)
        .and_then(|c| u16::try_from(c).ok())
        .filter(|c| (100..=699).contains(c))
        .ok_or(WireError::BadStatusLine)?;
    if raw.headers.iter().all(|h| h.canon != Canon::Via) {
        return Err(WireError::MissingHeader { name: "Via" });
    }
    let (_, method, body) = common_checks(raw)?;
    if method_from_token(method).is_none() {
        return Err(WireError::BadHeader { name: "CSeq" });
    }
    check_grammar(raw)?;
    let reason = trim_lws(reason);
    let status_code = StatusCode::try_from((code, reason)).map_err(|_| WireError::BadStatusLine)?;
    let wire_reason = (!reason.is_empty()
        && !matches!(status_code, StatusCode::Other(..))
        && !reason.eq_ignore_ascii_case(status_code.text()))
    .then(|| reason.to_owned());
    Ok(Response {
        status_code,
        wire_reason,
        version: Version::V2,
        headers: build_headers(raw),
        body: body.to_vec(),
    })
}

/// Via, Contact, Route and Record-Route grammar.
fn check_grammar(raw: &RawMessage<'_>) -> Result<(), WireError> {
    for h in &raw.headers {
        let ok = match h.canon {
            Canon::Via => Via::parse_list(&h.value).is_some(),
            Canon::Contact => Contacts::parse(&h.value).is_some(),
            Canon::Route | Canon::RecordRoute => {
                crate::header::parse_name_addr_list(&h.value).is_some()
            }
            _ => true,
        };
        if !ok {
            return Err(WireError::BadHeader {
                name: h.canon.long_name(),
            });
        }
    }
    Ok(())
}

fn parse_request(raw: &RawMessage<'_>, options: &WireOptions) -> Parsed {
    if raw.headers.iter().all(|h| h.canon != Canon::Via) {
        return Parsed::Drop(WireError::MissingVia);
    }
    let reject = |code: u16, error: WireError| Parsed::Reject {
        response: reject::build(code, &raw.headers, error, options),
        error,
    };
    // Request-Line = Method SP Request-URI SP SIP-Version CRLF: exactly two
    // single spaces (RFC 4475 lwsstart, trws, lwsruri are refused).
    let mut parts = raw.start.split(' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return reject(400, WireError::BadStartLine);
    };
    if !is_token(method) || uri.is_empty() {
        return reject(400, WireError::BadStartLine);
    }
    match version_of(version) {
        Some((2, 0)) => {}
        Some(_) => return reject(505, WireError::UnsupportedVersion),
        None => return reject(400, WireError::BadStartLine),
    }
    let (_, cseq_method, body) = match common_checks(raw) {
        Ok(v) => v,
        Err(e) => return reject(400, e),
    };
    let Some(known) = method_from_token(method) else {
        return reject(501, WireError::UnknownMethod);
    };
    if cseq_method != method {
        return reject(400, WireError::CSeqMethodMismatch);
    }
    if let Err(e) = check_grammar(raw) {
        return reject(400, e);
    }
    let Some(uri) = request_uri(uri) else {
        return reject(400, WireError::BadRequestUri);
    };
    Parsed::Request(Request {
        method: known,
        uri,
        version: Version::V2,
        headers: build_headers(raw),
        body: body.to_vec(),
    })
}

/// `SIP/x.y` → `(x, y)`.
fn version_of(v: &str) -> Option<(u64, u64)> {
    if !v.get(..4)?.eq_ignore_ascii_case("SIP/") {
        return None;
    }
    let (major, minor) = v.get(4..)?.split_once('.')?;
    Some((parse_digits(major)?, parse_digits(minor)?))
}

/// Request-URI checks beyond the fork: no `<>`, no escaped headers in a
/// SIP URI (RFC 3261 §19.1.5 forbids them in a Request-URI).
fn request_uri(s: &str) -> Option<rsipstack::sip::Uri> {
    let uri = parse_uri(s).ok()?;
    let lower = s.get(..4).map(str::to_ascii_lowercase);
    if matches!(lower.as_deref(), Some("sip:" | "sips")) {
        let host_part = s.rsplit_once('@').map_or(s, |(_, h)| h);
        if host_part.contains('?') {
            return None;
        }
    }
    Some(uri)
}

#[cfg(test)]
mod tests;
