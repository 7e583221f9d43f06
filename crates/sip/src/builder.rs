//! Builders for responses (RFC 3261 §8.2.6) and out-of-dialog requests
//! (§8.1.1).
//!
//! ```
//! use centralino_sip::{builder, msg::Request, parse_datagram, Inbound};
//! let bytes = b"OPTIONS sip:centralino SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa\r\n\
//!     From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n";
//! let Inbound::Request(req) = parse_datagram(bytes) else { panic!() };
//! let ok = builder::response(&req, 200).to_tag("t1").allow("INVITE, BYE").build();
//! assert_eq!(ok.status_code.code(), 200);
//! ```

use rsipstack::sip::{
    headers::make_header, Header, Headers, Method, Request, Response, StatusCode, Uri, Version,
};

use crate::header::{MessageExt, NameAddr};
use crate::ids::IdGen;

/// Replaces every header named `name` (case-insensitive) by one with `value`.
pub fn set_header(headers: &mut Headers, name: &str, value: impl Into<String>) {
    headers.retain(|h| !h.name().eq_ignore_ascii_case(name));
    headers.push(make_header(name, value.into()));
}

/// Appends a header.
pub fn push_header(headers: &mut Headers, name: &str, value: impl Into<String>) {
    headers.push(make_header(name, value.into()));
}

/// Removes every header named `name` (case-insensitive).
pub fn remove_header(headers: &mut Headers, name: &str) {
    headers.retain(|h| !h.name().eq_ignore_ascii_case(name));
}

/// Sets `Content-Length` to the body length (callers do this before sending).
pub(crate) fn fix_content_length(headers: &mut Headers, len: usize) {
    set_header(headers, "Content-Length", len.to_string());
}

/// Appends `;tag=...` to a From/To value unless it already has a tag.
pub fn with_tag(name_addr: &str, tag: &str) -> String {
    match NameAddr::parse(name_addr) {
        Some(n) if n.tag().is_some() => name_addr.to_owned(),
        Some(n) if n.display_name.is_none() && !name_addr.trim_start().starts_with('<') => {
            // addr-spec: bracket it so the tag stays a header parameter.
            let mut s = format!("<{}>", n.uri);
            for p in &n.params {
                s.push(';');
                s.push_str(p.name);
                if let Some(v) = p.value {
                    s.push('=');
                    s.push_str(v);
                }
            }
            format!("{s};tag={tag}")
        }
        _ => format!("{name_addr};tag={tag}"),
    }
}

/// A response under construction.
#[derive(Debug, Clone)]
pub struct ResponseBuilder {
    response: Response,
}

/// Starts a response to `request` with status `code`: copies Via, From, To,
/// Call-ID and CSeq, and Record-Route when the response can create a dialog
/// (101–299 to an out-of-dialog INVITE, SUBSCRIBE or REFER, §12.1.1).
pub fn response(request: &Request, code: u16) -> ResponseBuilder {
    let mut headers = Headers(Vec::with_capacity(8));
    let dialog_forming = (101..300).contains(&code)
        && matches!(
            request.method,
            Method::Invite | Method::Subscribe | Method::Refer
        )
        && request.to_tag().is_none();
    for h in request.headers.iter() {
        let copy = matches!(
            h,
            Header::Via(_) | Header::From(_) | Header::To(_) | Header::CallId(_) | Header::CSeq(_)
        ) || (dialog_forming && matches!(h, Header::RecordRoute(_)));
        if copy {
            headers.push(h.clone());
        }
    }
    ResponseBuilder {
        response: Response {
            status_code: StatusCode::from(code),
            wire_reason: None,
            version: Version::V2,
            headers,
            body: Vec::new(),
        },
    }
}

impl ResponseBuilder {
    /// Adds `tag` to the To header unless it already carries one.
    pub fn to_tag(mut self, tag: &str) -> Self {
        for h in self.response.headers.iter_mut() {
            if let Header::To(to) = h {
                let tagged = with_tag(to.value(), tag);
                to.replace(tagged);
            }
        }
        self
    }

    /// Adds `Contact: <uri>` (a full name-addr is kept as given).
    pub fn contact(self, contact: &str) -> Self {
        let v = if contact.contains('<') {
            contact.to_owned()
        } else {
            format!("<{contact}>")
        };
        self.header("Contact", v)
    }

    /// Adds `Allow`.
    pub fn allow(self, methods: &str) -> Self {
        self.header("Allow", methods)
    }

    /// Adds `Supported`.
    pub fn supported(self, tags: &str) -> Self {
        self.header("Supported", tags)
    }

    /// Adds `Accept`.
    pub fn accept(self, types: &str) -> Self {
        self.header("Accept", types)
    }

    /// Adds `Retry-After` in seconds.
    pub fn retry_after(self, seconds: u32) -> Self {
        self.header("Retry-After", seconds.to_string())
    }

    /// Adds `Server`.
    pub fn server(self, product: &str) -> Self {
        self.header("Server", product)
    }

    /// Adds any header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        push_header(&mut self.response.headers, name, value);
        self
    }

    /// Sets the body with its Content-Type.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        set_header(&mut self.response.headers, "Content-Type", content_type);
        self.response.body = body.into();
        self
    }

    /// Sets an `application/sdp` body.
    pub fn sdp(self, sdp: impl Into<Vec<u8>>) -> Self {
        self.body("application/sdp", sdp)
    }

    /// Finishes the response (sets Content-Length).
    pub fn build(mut self) -> Response {
        fix_content_length(&mut self.response.headers, self.response.body.len());
        self.response
    }
}

/// A request under construction.
#[derive(Debug, Clone)]
pub struct RequestBuilder {
    request: Request,
}

impl RequestBuilder {
    /// An empty request (no headers yet).
    pub fn new(method: Method, uri: Uri) -> Self {
        Self {
            request: Request {
                method,
                uri,
                version: Version::V2,
                headers: Headers::default(),
                body: Vec::new(),
            },
        }
    }

    /// An out-of-dialog request (§8.1.1): `From` gets a fresh tag, a fresh
    /// Call-ID on `call_id_host`, CSeq 1, Max-Forwards 70. `from`/`to` are
    /// URIs or name-addrs. The transaction layer adds the Via.
    pub fn out_of_dialog(
        method: Method,
        uri: Uri,
        from: &str,
        to: &str,
        call_id_host: &str,
        ids: &mut IdGen,
    ) -> Self {
        let tag = ids.tag();
        let call_id = ids.call_id(call_id_host);
        Self::new(method, uri)
            .header("From", with_tag(&angle(from), &tag))
            .header("To", angle(to))
            .header("Call-ID", call_id)
            .header("CSeq", format!("1 {method}"))
            .header("Max-Forwards", "70")
    }

    /// Sets the CSeq number (keeps the method).
    pub fn cseq(mut self, number: u32) -> Self {
        let method = self.request.method;
        set_header(
            &mut self.request.headers,
            "CSeq",
            format!("{number} {method}"),
        );
        self
    }

    /// Adds `Contact: <uri>`.
    pub fn contact(self, contact: &str) -> Self {
        self.header("Contact", angle(contact))
    }

    /// Adds any header (e.g. `X-Centralino-Queue`).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        push_header(&mut self.request.headers, name, value);
        self
    }

    /// Sets the body with its Content-Type.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        set_header(&mut self.request.headers, "Content-Type", content_type);
        self.request.body = body.into();
        self
    }

    /// Sets an `application/sdp` body.
    pub fn sdp(self, sdp: impl Into<Vec<u8>>) -> Self {
        self.body("application/sdp", sdp)
    }

    /// Finishes the request (sets Content-Length).
    pub fn build(mut self) -> Request {
        fix_content_length(&mut self.request.headers, self.request.body.len());
        self.request
    }
}

/// Wraps a bare URI in angle brackets; leaves a name-addr alone.
fn angle(s: &str) -> String {
    if s.contains('<') {
        s.to_owned()
    } else {
        format!("<{s}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_added_once() {
        assert_eq!(with_tag("<sip:a@b>", "x"), "<sip:a@b>;tag=x");
        assert_eq!(
            with_tag("sip:a@b;user=phone", "x"),
            "<sip:a@b>;user=phone;tag=x"
        );
        assert_eq!(with_tag("<sip:a@b>;tag=y", "x"), "<sip:a@b>;tag=y");
    }

    #[test]
    fn out_of_dialog_request_has_the_basics() {
        let mut ids = IdGen::new(1);
        let uri = crate::parse_uri("sip:1001@192.0.2.9:5062").unwrap();
        let req = RequestBuilder::out_of_dialog(
            Method::Invite,
            uri,
            "sip:centralino@192.0.2.1",
            "sip:1001@192.0.2.9",
            "192.0.2.1",
            &mut ids,
        )
        .header("X-Centralino-Queue", "anagrafe")
        .sdp("v=0\r\n")
        .build();
        assert!(req.from_tag().is_some());
        assert_eq!(req.cseq().unwrap().number, 1);
        assert_eq!(req.header_value("Content-Length"), Some("5"));
        assert_eq!(req.header_value("x-centralino-queue"), Some("anagrafe"));
    }
}
