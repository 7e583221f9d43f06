//! Our own parsers for the headers the stack reasons about (Via, From/To,
//! Contact, CSeq), where the fork's typed headers are too lax or miss
//! cases (quoted parameters, several Contacts in one header, LWS
//! everywhere), plus [`MessageExt`]: typed accessors on
//! [`Request`](crate::msg::Request) and [`Response`](crate::msg::Response).

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use rsipstack::sip::{HasHeaders, Header, Method};

use crate::syntax::{
    find_param, is_lws, is_token, is_token_byte, parse_digits, parse_params, quoted_end,
    split_commas, trim_lws, unquote, uri_scheme, Cursor, Param,
};

/// A `name-addr` or `addr-spec` with header parameters (From, To, Contact,
/// Route, Record-Route values), borrowed from the header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr<'a> {
    /// Display name as written (quoted string or words), if any.
    pub display_name: Option<&'a str>,
    /// The URI, without angle brackets.
    pub uri: &'a str,
    /// Header parameters (after the URI, or after `>`).
    pub params: Vec<Param<'a>>,
}

impl<'a> NameAddr<'a> {
    /// Parses one value strictly: a quoted or token display name, a URI in
    /// `<>` without LWS inside, or a bare addr-spec without `?` or `,`.
    pub fn parse(s: &'a str) -> Option<Self> {
        let s = trim_lws(s);
        let (display_name, after_display) = if s.starts_with('"') {
            let end = quoted_end(s)?;
            let rest = trim_lws(s.get(end..)?);
            if !rest.starts_with('<') {
                return None;
            }
            (Some(s.get(..end)?), rest)
        } else if let Some(lt) = s.find('<') {
            let display = trim_lws(s.get(..lt)?);
            let words_ok = display
                .split([' ', '\t'])
                .filter(|w| !w.is_empty())
                .all(is_token);
            if !words_ok {
                return None;
            }
            let display = (!display.is_empty()).then_some(display);
            (display, s.get(lt..)?)
        } else {
            (None, s)
        };
        if let Some(inner) = after_display.strip_prefix('<') {
            let gt = inner.find('>')?;
            let uri = inner.get(..gt)?;
            if !valid_uri_text(uri) {
                return None;
            }
            let params = parse_params(inner.get(gt + 1..)?)?;
            return Some(Self {
                display_name,
                uri,
                params,
            });
        }
        // addr-spec: the URI ends at the first ';' (parameters are header params).
        let (uri, rest) = match s.find(';') {
            Some(i) => (trim_lws(s.get(..i)?), s.get(i..)?),
            None => (s, ""),
        };
        if !valid_uri_text(uri) || uri.contains(['?', ',', '<', '>', '"']) {
            return None;
        }
        Some(Self {
            display_name: None,
            uri,
            params: parse_params(rest)?,
        })
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&'a str> {
        self.param("tag").flatten()
    }

    /// A header parameter by name: `Some(None)` when present without a value.
    pub fn param(&self, name: &str) -> Option<Option<&'a str>> {
        find_param(&self.params, name)
    }

    /// The display name without quotes and escapes.
    pub fn display_name_text(&self) -> Option<Cow<'a, str>> {
        self.display_name.map(unquote)
    }

    /// The URI scheme in lower case (`sip`, `sips`, `tel`, ...).
    pub fn scheme(&self) -> Option<String> {
        uri_scheme(self.uri).map(str::to_ascii_lowercase)
    }
}

impl fmt::Display for NameAddr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = self.display_name {
            write!(f, "{d} ")?;
        }
        write!(f, "<{}>", self.uri)?;
        write_params(f, &self.params)
    }
}

fn write_params(f: &mut fmt::Formatter<'_>, params: &[Param<'_>]) -> fmt::Result {
    for p in params {
        match p.value {
            Some(v) => write!(f, ";{}={}", p.name, v)?,
            None => write!(f, ";{}", p.name)?,
        }
    }
    Ok(())
}

/// A URI as text: a scheme, no LWS, no control characters.
fn valid_uri_text(uri: &str) -> bool {
    uri_scheme(uri).is_some() && !uri.bytes().any(|b| is_lws(b) || b.is_ascii_control())
}

/// The value of a Contact header: `*` or one or more name-addrs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contacts<'a> {
    /// `Contact: *` (REGISTER only: remove all bindings).
    Star,
    /// One or more contacts.
    List(Vec<NameAddr<'a>>),
}

impl<'a> Contacts<'a> {
    /// Parses one Contact header value (a comma list, or `*`).
    pub fn parse(s: &'a str) -> Option<Self> {
        if trim_lws(s) == "*" {
            return Some(Self::Star);
        }
        parse_name_addr_list(s).map(Self::List)
    }
}

/// Parses a comma list of name-addrs (Contact, Route, Record-Route).
/// Empty elements are an error.
pub fn parse_name_addr_list(s: &str) -> Option<Vec<NameAddr<'_>>> {
    let ranges = split_commas(s)?;
    let mut out = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        let part = s.get(a..b)?;
        if part.is_empty() {
            return None;
        }
        out.push(NameAddr::parse(part)?);
    }
    Some(out)
}

/// One Via value (RFC 3261 §20.42), borrowed from the header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via<'a> {
    /// Protocol name, normally `SIP`.
    pub protocol: &'a str,
    /// Protocol version, normally `2.0`.
    pub version: &'a str,
    /// Transport token (`UDP`, `TCP`, ...; unknown tokens are kept).
    pub transport: &'a str,
    /// sent-by host: a hostname, an IPv4 address or a bracketed IPv6 reference.
    pub host: &'a str,
    /// sent-by port, if present.
    pub port: Option<u16>,
    /// Via parameters (branch, received, rport, ...).
    pub params: Vec<Param<'a>>,
}

impl<'a> Via<'a> {
    /// Parses one Via value, allowing LWS around `/`, `:`, `;` and `=`.
    pub fn parse(s: &'a str) -> Option<Self> {
        let mut c = Cursor::new(s);
        c.skip_lws();
        let protocol = c.take_while(is_token_byte);
        c.skip_lws();
        if protocol.is_empty() || !c.eat(b'/') {
            return None;
        }
        c.skip_lws();
        let version = c.take_while(is_token_byte);
        c.skip_lws();
        if version.is_empty() || !c.eat(b'/') {
            return None;
        }
        c.skip_lws();
        let transport = c.take_while(is_token_byte);
        if transport.is_empty() || !c.peek().is_some_and(is_lws) {
            return None;
        }
        c.skip_lws();
        let host = if c.peek() == Some(b'[') {
            let start = c.pos();
            c.eat(b'[');
            c.take_while(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'));
            if !c.eat(b']') {
                return None;
            }
            let full = c.since(start);
            full.get(1..full.len().saturating_sub(1))?
                .parse::<std::net::Ipv6Addr>()
                .ok()?;
            full
        } else {
            let h = c.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'));
            if h.is_empty() {
                return None;
            }
            h
        };
        c.skip_lws();
        let port = if c.eat(b':') {
            c.skip_lws();
            let digits = c.take_while(|b| b.is_ascii_digit());
            Some(u16::try_from(parse_digits(digits)?).ok()?)
        } else {
            None
        };
        let params = parse_params(c.rest())?;
        Some(Self {
            protocol,
            version,
            transport,
            host,
            port,
            params,
        })
    }

    /// Parses a whole Via header value (one or more comma-separated values).
    pub fn parse_list(s: &'a str) -> Option<Vec<Self>> {
        let ranges = split_commas(s)?;
        let mut out = Vec::with_capacity(ranges.len());
        for (a, b) in ranges {
            out.push(Self::parse(s.get(a..b)?)?);
        }
        Some(out)
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&'a str> {
        find_param(&self.params, "branch").flatten()
    }

    /// The `received` parameter.
    pub fn received(&self) -> Option<&'a str> {
        find_param(&self.params, "received").flatten()
    }

    /// `None`: no rport; `Some(None)`: rport without value; `Some(Some(p))`: filled.
    pub fn rport(&self) -> Option<Option<u16>> {
        find_param(&self.params, "rport").map(|v| v.and_then(|v| v.parse().ok()))
    }

    /// The sent-by host as an IP address, when it is a literal.
    pub fn host_ip(&self) -> Option<IpAddr> {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h.parse().ok()
    }

    /// True when the branch carries the RFC 3261 magic cookie and an identifier.
    pub fn is_rfc3261_branch(&self) -> bool {
        self.branch()
            .is_some_and(|b| b.len() > MAGIC_COOKIE.len() && b.starts_with(MAGIC_COOKIE))
    }
}

impl fmt::Display for Via<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{} {}",
            self.protocol, self.version, self.transport, self.host
        )?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write_params(f, &self.params)
    }
}

/// The RFC 3261 branch prefix (§8.1.1.7).
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// A parsed CSeq (RFC 3261 §20.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CSeq {
    /// Sequence number.
    pub number: u32,
    /// Method.
    pub method: Method,
}

/// Splits a CSeq value into its number (checked against `u32`) and raw method.
/// `Err(true)` means the number overflowed, `Err(false)` a syntax error.
pub(crate) fn split_cseq(s: &str) -> Result<(u32, &str), bool> {
    let mut c = Cursor::new(s);
    c.skip_lws();
    let digits = c.take_while(|b| b.is_ascii_digit());
    if digits.is_empty() || !c.peek().is_some_and(is_lws) {
        return Err(false);
    }
    c.skip_lws();
    let method = c.take_while(is_token_byte);
    c.skip_lws();
    if method.is_empty() || !c.at_end() {
        return Err(false);
    }
    let number = parse_digits(digits).ok_or(true)?;
    let number = u32::try_from(number).map_err(|_| true)?;
    Ok((number, method))
}

/// The RFC 3261 methods we know, case-sensitively (RFC 3261 §7.1).
pub fn method_from_token(s: &str) -> Option<Method> {
    Some(match s {
        "ACK" => Method::Ack,
        "BYE" => Method::Bye,
        "CANCEL" => Method::Cancel,
        "INFO" => Method::Info,
        "INVITE" => Method::Invite,
        "MESSAGE" => Method::Message,
        "NOTIFY" => Method::Notify,
        "OPTIONS" => Method::Options,
        "PRACK" => Method::PRack,
        "PUBLISH" => Method::Publish,
        "REFER" => Method::Refer,
        "REGISTER" => Method::Register,
        "SUBSCRIBE" => Method::Subscribe,
        "UPDATE" => Method::Update,
        _ => return None,
    })
}

/// Typed accessors for requests and responses, using our strict parsers.
// `from_*` names the SIP From header here, not a conversion.
#[allow(clippy::wrong_self_convention)]
pub trait MessageExt {
    /// First header with this name (long form, case-insensitive).
    fn header_value(&self, name: &str) -> Option<&str>;
    /// All headers with this name, in order.
    fn header_values<'a>(&'a self, name: &'a str) -> Box<dyn Iterator<Item = &'a str> + 'a>;
    /// The Call-ID.
    fn call_id(&self) -> Option<&str> {
        self.header_value("Call-ID").map(trim_lws)
    }
    /// The CSeq, when well formed and of a known method.
    fn cseq(&self) -> Option<CSeq> {
        let (number, method) = split_cseq(self.header_value("CSeq")?).ok()?;
        Some(CSeq {
            number,
            method: method_from_token(method)?,
        })
    }
    /// The From header.
    fn from_addr(&self) -> Option<NameAddr<'_>> {
        NameAddr::parse(self.header_value("From")?)
    }
    /// The To header.
    fn to_addr(&self) -> Option<NameAddr<'_>> {
        NameAddr::parse(self.header_value("To")?)
    }
    /// The From tag.
    fn from_tag(&self) -> Option<&str> {
        NameAddr::parse(self.header_value("From")?)?.tag()
    }
    /// The To tag.
    fn to_tag(&self) -> Option<&str> {
        NameAddr::parse(self.header_value("To")?)?.tag()
    }
    /// The first Via value.
    fn top_via(&self) -> Option<Via<'_>> {
        let v = self.header_value("Via")?;
        let (a, b) = *split_commas(v)?.first()?;
        Via::parse(v.get(a..b)?)
    }
    /// Number of Via values (over all Via headers).
    fn via_count(&self) -> usize {
        self.header_values("Via")
            .map(|v| split_commas(v).map_or(1, |r| r.len()))
            .sum()
    }
    /// All Contact values (over all Contact headers); `None` if any is malformed.
    fn contacts(&self) -> Option<Vec<NameAddr<'_>>> {
        let mut out = Vec::new();
        for v in self.header_values("Contact") {
            match Contacts::parse(v)? {
                Contacts::Star => return None,
                Contacts::List(list) => out.extend(list),
            }
        }
        Some(out)
    }
    /// All values of a comma-list header (e.g. Supported, Require, Allow, Accept), trimmed.
    fn list_values<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        for v in self.header_values(name) {
            for (a, b) in split_commas(v).unwrap_or_default() {
                if let Some(item) = v.get(a..b).filter(|i| !i.is_empty()) {
                    out.push(item);
                }
            }
        }
        out
    }
}

impl<T: HasHeaders> MessageExt for T {
    fn header_value(&self, name: &str) -> Option<&str> {
        self.headers()
            .iter()
            .find(|h| h.name().eq_ignore_ascii_case(name))
            .map(Header::value)
    }

    fn header_values<'a>(&'a self, name: &'a str) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        Box::new(
            self.headers()
                .iter()
                .filter(move |h| h.name().eq_ignore_ascii_case(name))
                .map(Header::value),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_addr_forms() {
        let n = NameAddr::parse(
            "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>  ;  tag = 98asjd8",
        )
        .unwrap();
        assert_eq!(n.uri, "sip:jdrosen@example.com");
        assert_eq!(n.tag(), Some("98asjd8"));
        assert_eq!(n.display_name_text().unwrap(), "J Rosenberg \\\"");
        let n =
            NameAddr::parse(" sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n").unwrap();
        assert_eq!(n.uri, "sip:vivekg@chair-dnrc.example.com");
        assert_eq!(n.tag(), Some("1918181833n"));
        let n = NameAddr::parse("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(n.display_name, Some("caller"));
        assert!(NameAddr::parse("Bell, Alexander <sip:a@b>;tag=43").is_none());
        assert!(NameAddr::parse("\"Mr. J. User <sip:j.user@example.com>").is_none());
        assert!(NameAddr::parse("\"W\" < sip:t.watson@example.org >").is_none());
        assert!(NameAddr::parse("sip:user@example.com?Route=%3Csip:x%3E").is_none());
        assert!(NameAddr::parse("isbn:2983792873").is_some());
    }

    #[test]
    fn two_contacts_in_one_header() {
        let Contacts::List(list) =
            Contacts::parse("<sip:a@h;transport=udp>;q=0.5, \"B, b\" <sip:b@h>;expires=60")
                .unwrap()
        else {
            panic!("not a list");
        };
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].param("expires"), Some(Some("60")));
        assert_eq!(Contacts::parse(" * "), Some(Contacts::Star));
        assert!(Contacts::parse("\"Joe\" <sip:joe@example.org>;;;;").is_none());
    }

    #[test]
    fn via_with_lws_everywhere() {
        let v =
            Via::parse("SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8")
                .unwrap();
        assert_eq!(v.transport, "TCP");
        assert_eq!(v.host, "spindle.example.com");
        assert_eq!(v.branch(), Some("z9hG4bK9ikj8"));
        let v = Via::parse("SIP/2.0/UDP [2001:db8::1]:5070;rport;branch=z9hG4bKx").unwrap();
        assert_eq!(v.port, Some(5070));
        assert_eq!(v.rport(), Some(None));
        assert!(v.host_ip().is_some());
        assert!(Via::parse_list("SIP/2.0/UDP 192.0.2.15;;,;,,").is_none());
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP [2001:db8::1]:5070;rport;branch=z9hG4bKx"
        );
    }

    #[test]
    fn cseq_split() {
        assert_eq!(split_cseq("0009 INVITE"), Ok((9, "INVITE")));
        assert_eq!(split_cseq("36893488147419103232 REGISTER"), Err(true));
        assert_eq!(split_cseq("INVITE"), Err(false));
    }
}
