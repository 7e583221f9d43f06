//! Splitting a datagram into start line, header lines and body region:
//! LF-only line ends accepted, folded lines joined with one space, compact
//! header names mapped to their long forms.

use std::borrow::Cow;

use crate::syntax::{is_token, trim_lws};

/// Headers the wire layer counts or checks, by canonical identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Canon {
    Via,
    From,
    To,
    CallId,
    CSeq,
    MaxForwards,
    ContentLength,
    ContentType,
    Contact,
    Expires,
    MinExpires,
    RetryAfter,
    Route,
    RecordRoute,
    Other,
}

impl Canon {
    pub(crate) const COUNT: usize = 15;

    pub(crate) fn long_name(self) -> &'static str {
        match self {
            Self::Via => "Via",
            Self::From => "From",
            Self::To => "To",
            Self::CallId => "Call-ID",
            Self::CSeq => "CSeq",
            Self::MaxForwards => "Max-Forwards",
            Self::ContentLength => "Content-Length",
            Self::ContentType => "Content-Type",
            Self::Contact => "Contact",
            Self::Expires => "Expires",
            Self::MinExpires => "Min-Expires",
            Self::RetryAfter => "Retry-After",
            Self::Route => "Route",
            Self::RecordRoute => "Record-Route",
            Self::Other => "",
        }
    }

    /// Headers that may appear at most once (RFC 3261 §7.3.1 and §20).
    pub(crate) fn single_valued(self) -> bool {
        matches!(
            self,
            Self::From
                | Self::To
                | Self::CallId
                | Self::CSeq
                | Self::MaxForwards
                | Self::ContentLength
                | Self::ContentType
                | Self::Expires
                | Self::MinExpires
        )
    }
}

const KNOWN: [Canon; 14] = [
    Canon::Via,
    Canon::From,
    Canon::To,
    Canon::CallId,
    Canon::CSeq,
    Canon::MaxForwards,
    Canon::ContentLength,
    Canon::ContentType,
    Canon::Contact,
    Canon::Expires,
    Canon::MinExpires,
    Canon::RetryAfter,
    Canon::Route,
    Canon::RecordRoute,
];

/// Maps a header name to its canonical identity and the name to store it
/// under (the long form for compact names, else the name as written).
pub(crate) fn canonical(name: &str) -> (Canon, Option<&'static str>) {
    if name.len() == 1 {
        let long = match name.as_bytes().first().map(u8::to_ascii_lowercase) {
            Some(b'v') => "Via",
            Some(b'f') => "From",
            Some(b't') => "To",
            Some(b'i') => "Call-ID",
            Some(b'l') => "Content-Length",
            Some(b'm') => "Contact",
            Some(b'c') => "Content-Type",
            Some(b'k') => "Supported",
            Some(b's') => "Subject",
            Some(b'e') => "Content-Encoding",
            Some(b'o') => "Event",
            Some(b'r') => "Refer-To",
            Some(b'u') => "Allow-Events",
            Some(b'b') => "Referred-By",
            Some(b'x') => "Session-Expires",
            Some(b'y') => "Identity",
            _ => return (Canon::Other, None),
        };
        return (canonical(long).0, Some(long));
    }
    for c in KNOWN {
        if name.eq_ignore_ascii_case(c.long_name()) {
            return (c, Some(c.long_name()));
        }
    }
    (Canon::Other, None)
}

/// One header line after unfolding.
#[derive(Debug)]
pub(crate) struct RawHeader<'a> {
    /// Name to store the header under (long form when known).
    pub name: Cow<'a, str>,
    pub canon: Canon,
    pub value: Cow<'a, str>,
}

/// A datagram split into its parts.
#[derive(Debug)]
pub(crate) struct RawMessage<'a> {
    pub start: Cow<'a, str>,
    pub headers: Vec<RawHeader<'a>>,
    /// 1-based line number of the first malformed header line.
    pub bad_line: Option<usize>,
    /// Octets after the empty line (empty when the datagram ends with the headers).
    pub body: &'a [u8],
}

/// Upper bound on header lines, so a hostile datagram costs bounded work.
const MAX_HEADERS: usize = 512;

fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Splits `data`; `None` when it holds nothing but line ends.
pub(crate) fn split(data: &[u8]) -> Option<RawMessage<'_>> {
    // RFC 3261 §7.5: ignore CRLFs before the start line (also keep-alives).
    let skip = data
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    let data = data.get(skip..)?;
    if data.is_empty() {
        return None;
    }
    let mut lines = Lines { data, pos: 0 };
    let start = lossy(lines.next_line()?);
    let mut headers: Vec<RawHeader<'_>> = Vec::new();
    let mut bad_line = None;
    let mut line_no = 1;
    let mut body: &[u8] = &[];
    while let Some(line) = lines.next_line() {
        line_no += 1;
        if line.is_empty() {
            body = data.get(lines.pos..).unwrap_or(&[]);
            break;
        }
        let bad = line.contains(&b'\r') || headers.len() >= MAX_HEADERS;
        if bad {
            bad_line.get_or_insert(line_no);
            continue;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            match headers.last_mut() {
                Some(last) => {
                    let cont = lossy(line);
                    let cont = trim_lws(&cont);
                    if !cont.is_empty() {
                        let joined = if last.value.is_empty() {
                            cont.to_owned()
                        } else {
                            format!("{} {}", last.value, cont)
                        };
                        last.value = Cow::Owned(joined);
                    }
                }
                None => {
                    bad_line.get_or_insert(line_no);
                }
            }
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            bad_line.get_or_insert(line_no);
            continue;
        };
        let (name_bytes, value_bytes) = (
            line.get(..colon).unwrap_or(&[]),
            line.get(colon + 1..).unwrap_or(&[]),
        );
        let name = match lossy(name_bytes) {
            Cow::Borrowed(n) => Cow::Borrowed(trim_lws(n)),
            Cow::Owned(n) => Cow::Owned(trim_lws(&n).to_owned()),
        };
        if !is_token(&name) {
            bad_line.get_or_insert(line_no);
            continue;
        }
        let value = match lossy(value_bytes) {
            Cow::Borrowed(v) => Cow::Borrowed(trim_lws(v)),
            Cow::Owned(v) => Cow::Owned(trim_lws(&v).to_owned()),
        };
        let (canon, long) = canonical(&name);
        let name = match long {
            Some(long) => Cow::Borrowed(long),
            None => name,
        };
        headers.push(RawHeader { name, canon, value });
    }
    Some(RawMessage {
        start,
        headers,
        bad_line,
        body,
    })
}

struct Lines<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Lines<'a> {
    /// Next line without its LF or CRLF; `None` at the end of the data.
    fn next_line(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let (line, advance) = match rest.iter().position(|&b| b == b'\n') {
            Some(nl) => (rest.get(..nl)?, nl + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_lf_only() {
        let m = split(b"\r\nOPTIONS sip:a@b SIP/2.0\ncseq: 0009\n  INVITE\nv: x\n\nbody").unwrap();
        assert_eq!(m.start, "OPTIONS sip:a@b SIP/2.0");
        assert_eq!(m.headers.len(), 2);
        assert_eq!(m.headers[0].name, "CSeq");
        assert_eq!(m.headers[0].value, "0009 INVITE");
        assert_eq!(m.headers[1].name, "Via");
        assert_eq!(m.body, b"body");
        assert!(split(b"\r\n\r\n").is_none());
    }

    #[test]
    fn bad_lines_are_flagged() {
        let m = split(b"X sip:a SIP/2.0\r\n cont\r\nno colon\r\n\r\n").unwrap();
        assert_eq!(m.bad_line, Some(2));
        assert!(m.headers.is_empty());
    }
}
