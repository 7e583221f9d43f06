//! Transaction matching (RFC 3261 §17.1.3, §17.2.3 and the RFC 2543
//! fallback) and the Via handling of §18.2.1/§18.2.2 with RFC 3581.

use std::fmt::Write as _;
use std::net::SocketAddr;

use rsipstack::sip::{Header, Method, Request};

use crate::header::{MessageExt, Via};
use crate::syntax::split_commas;

/// The method part of a server match: ACK matches its INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum MatchMethod {
    Invite,
    Other(Method),
}

impl MatchMethod {
    pub(crate) fn of(m: Method) -> Self {
        match m {
            Method::Invite | Method::Ack => Self::Invite,
            other => Self::Other(other),
        }
    }
}

/// How an incoming request finds its server transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ServerMatch {
    /// §17.2.3: branch (with the magic cookie), sent-by, method.
    Rfc3261 {
        branch: String,
        sent_by: String,
        method: MatchMethod,
    },
    /// §17.2.3 last paragraphs: requests from RFC 2543 elements.
    Rfc2543 {
        call_id: String,
        cseq: u32,
        from_tag: String,
        request_uri: String,
        via: String,
        method: MatchMethod,
    },
}

impl ServerMatch {
    /// The key of `request` (computed before the Via is stamped).
    pub(crate) fn of(request: &Request, via: &Via<'_>) -> Option<Self> {
        Self::with_method(request, via, MatchMethod::of(request.method))
    }

    /// The key `request` would have with another method (a CANCEL looking
    /// for its INVITE).
    pub(crate) fn with_method(
        request: &Request,
        via: &Via<'_>,
        method: MatchMethod,
    ) -> Option<Self> {
        if via.is_rfc3261_branch() {
            let mut sent_by = via.host.to_ascii_lowercase();
            let _ = write!(sent_by, ":{}", via.port.unwrap_or(5060));
            return Some(Self::Rfc3261 {
                branch: via.branch()?.to_owned(),
                sent_by,
                method,
            });
        }
        let mut via_text = String::new();
        let _ = write!(via_text, "{via}");
        Some(Self::Rfc2543 {
            call_id: request.call_id()?.to_owned(),
            cseq: request.cseq()?.number,
            from_tag: request.from_tag().unwrap_or("").to_owned(),
            request_uri: request.uri.to_string(),
            via: via_text,
            method,
        })
    }
}

/// Adds `received` and fills `rport` on the top Via (RFC 3261 §18.2.1,
/// RFC 3581 §4), returning where responses must go (§18.2.2, RFC 3581 §4):
/// the source address when rport was asked for, else the received (or
/// sent-by) address and the Via port (default 5060).
pub(crate) fn stamp_via(request: &mut Request, source: SocketAddr) -> Option<SocketAddr> {
    let header = request.headers.iter_mut().find_map(|h| match h {
        Header::Via(v) => Some(v),
        _ => None,
    })?;
    let value = header.value().to_owned();
    let (a, b) = *split_commas(&value)?.first()?;
    let via = Via::parse(value.get(a..b)?)?;
    let wants_rport = via.rport().is_some();
    let add_received = wants_rport || via.host_ip() != Some(source.ip());
    let mut top = format!(
        "{}/{}/{} {}",
        via.protocol, via.version, via.transport, via.host
    );
    if let Some(port) = via.port {
        let _ = write!(top, ":{port}");
    }
    for p in &via.params {
        if p.name.eq_ignore_ascii_case("received") {
            continue;
        }
        if p.name.eq_ignore_ascii_case("rport") {
            let _ = write!(top, ";rport={}", source.port());
            continue;
        }
        match p.value {
            Some(v) => {
                let _ = write!(top, ";{}={}", p.name, v);
            }
            None => {
                let _ = write!(top, ";{}", p.name);
            }
        }
    }
    if add_received {
        let _ = write!(top, ";received={}", source.ip());
    }
    let destination = if wants_rport {
        source
    } else {
        let ip = if add_received {
            source.ip()
        } else {
            via.host_ip().unwrap_or(source.ip())
        };
        SocketAddr::new(ip, via.port.unwrap_or(5060))
    };
    top.push_str(value.get(b..).unwrap_or(""));
    header.replace(top);
    Some(destination)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_datagram, Inbound};

    fn req(via: &str) -> Request {
        let m = format!(
            "OPTIONS sip:x@h SIP/2.0\r\nVia: {via}\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"
        );
        match parse_datagram(m.as_bytes()) {
            Inbound::Request(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rport_and_received() {
        let src: SocketAddr = "203.0.113.9:40000".parse().unwrap();
        let mut r =
            req("SIP/2.0/UDP 10.0.0.2:5062;rport;branch=z9hG4bKa, SIP/2.0/UDP p;branch=z9hG4bKb");
        assert_eq!(stamp_via(&mut r, src), Some(src));
        assert_eq!(
            r.header_value("Via"),
            Some("SIP/2.0/UDP 10.0.0.2:5062;rport=40000;branch=z9hG4bKa;received=203.0.113.9, SIP/2.0/UDP p;branch=z9hG4bKb")
        );
        let mut r = req("SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKa");
        assert_eq!(
            stamp_via(&mut r, src),
            Some("203.0.113.9:5062".parse().unwrap())
        );
        let mut r = req("SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKa");
        assert_eq!(
            stamp_via(&mut r, src),
            Some("203.0.113.9:5060".parse().unwrap())
        );
        assert_eq!(
            r.header_value("Via"),
            Some("SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKa")
        );
    }

    #[test]
    fn ack_matches_invite_key() {
        let r = req("SIP/2.0/UDP h:5060;branch=z9hG4bKa");
        let via = r.top_via().unwrap();
        let k = ServerMatch::of(&r, &via).unwrap();
        let k2 = ServerMatch::with_method(&r, &via, MatchMethod::Other(Method::Options)).unwrap();
        assert_eq!(k, k2);
        let r = req("SIP/2.0/UDP h;branch=z9hG4bK");
        let via = r.top_via().unwrap();
        assert!(matches!(
            ServerMatch::of(&r, &via),
            Some(ServerMatch::Rfc2543 { .. })
        ));
    }
}
