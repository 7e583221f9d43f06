//! URI helpers on top of the fork's [`Uri`]: parsing that keeps unknown
//! schemes opaque and stores the user part decoded (the fork percent-encodes
//! the user on output, so a raw `%41` would otherwise become `%2541`).

use std::net::{IpAddr, SocketAddr};

use rsipstack::sip::{Domain, Host, HostWithPort, Scheme, Uri};

use crate::syntax::{is_lws, uri_scheme};
use crate::Error;

/// Parses a URI (`sip:`, `sips:`, `tel:` through the fork; any other scheme
/// is kept as an opaque [`Scheme::Other`] URI). Angle brackets are refused.
pub fn parse_uri(s: &str) -> Result<Uri, Error> {
    if s.bytes().any(|b| is_lws(b) || b.is_ascii_control()) || s.starts_with('<') {
        return Err(Error::BadUri);
    }
    let scheme = uri_scheme(s).ok_or(Error::BadUri)?;
    let lower = scheme.to_ascii_lowercase();
    match lower.as_str() {
        "sip" | "sips" | "tel" => {
            let mut uri = rsipstack::sip::parse_uri(s).map_err(|_| Error::BadUri)?;
            if let Some(auth) = uri.auth.as_mut() {
                if let Some(decoded) = percent_decode(&auth.user) {
                    auth.user = decoded;
                }
            }
            Ok(uri)
        }
        _ => {
            let rest = s.get(scheme.len() + 1..).ok_or(Error::BadUri)?;
            Ok(Uri {
                scheme: Some(Scheme::Other(scheme.to_owned())),
                auth: None,
                host_with_port: HostWithPort {
                    host: Host::Domain(Domain(rest.to_owned())),
                    port: None,
                },
                params: Vec::new(),
                headers: Vec::new(),
            })
        }
    }
}

/// Decodes `%HH` escapes; `None` when there is nothing to decode, an escape
/// is malformed, or the result is not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The socket address of a URI whose host is an IP literal (port defaults to
/// 5060); `None` for host names (the caller falls back to a known address).
pub fn uri_socket_addr(uri: &Uri) -> Option<SocketAddr> {
    let ip = match &uri.host_with_port.host {
        Host::IpAddr(ip) => *ip,
        Host::Domain(d) => {
            d.0.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()?
        }
    };
    let port = uri.host_with_port.port.map_or(5060, |p| p.0);
    Some(SocketAddr::new(ip, port))
}

/// True for `sip`, `sips` and `tel` URIs.
pub fn is_sip_or_tel(uri: &Uri) -> bool {
    matches!(uri.scheme, None | Some(Scheme::Sip) | Some(Scheme::Sips))
        || matches!(&uri.scheme, Some(Scheme::Other(s)) if s.eq_ignore_ascii_case("tel"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_is_decoded_once() {
        let u = parse_uri("sip:%75se%72@example.com").unwrap();
        assert_eq!(u.user(), Some("user"));
        let u = parse_uri("sip:sips%3Auser%40example.com@example.net").unwrap();
        assert_eq!(u.to_string(), "sip:sips%3Auser%40example.com@example.net");
    }

    #[test]
    fn opaque_schemes() {
        let u = parse_uri("soap.beep://192.0.2.103:3002").unwrap();
        assert!(!is_sip_or_tel(&u));
        assert_eq!(u.to_string(), "soap.beep://192.0.2.103:3002");
        assert!(is_sip_or_tel(&parse_uri("tel:+390461123456").unwrap()));
        assert!(parse_uri("<sip:a@b>").is_err());
    }

    #[test]
    fn ip_literal_targets() {
        let u = parse_uri("sip:agent@192.0.2.7:5070").unwrap();
        assert_eq!(uri_socket_addr(&u), Some("192.0.2.7:5070".parse().unwrap()));
        assert_eq!(
            uri_socket_addr(&parse_uri("sip:a@host.example").unwrap()),
            None
        );
    }
}
