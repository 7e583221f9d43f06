//! Low-level RFC 3261 §25 grammar helpers shared by the header parsers:
//! tokens, LWS, quoted strings, comma lists and generic parameters.
//!
//! Everything works on `&str` slices of an already unfolded header value
//! (the wire layer has replaced folding with a single space) and returns
//! borrowed slices; nothing here can panic on any input.

use std::borrow::Cow;

/// `token` characters (RFC 3261 §25.1).
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
        )
}

/// True when `s` is a non-empty token.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// Linear white space after unfolding: SP or HTAB.
pub(crate) fn is_lws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Trims SP/HTAB at both ends.
pub(crate) fn trim_lws(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}

/// A URI scheme: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
pub(crate) fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// The scheme of an absolute URI (`sip:...` → `sip`), if well formed.
pub(crate) fn uri_scheme(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once(':')?;
    (is_scheme(scheme) && !rest.is_empty()).then_some(scheme)
}

/// Given `s` starting with `"`, returns the index just past the closing quote.
/// Backslash escapes (`quoted-pair`) are honoured.
pub(crate) fn quoted_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            b'\r' | b'\n' => return None,
            _ => i += 1,
        }
    }
    None
}

/// Removes the surrounding quotes and backslash escapes of a quoted string;
/// returns the input unchanged when it is not quoted.
pub(crate) fn unquote(s: &str) -> Cow<'_, str> {
    let inner = match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if s.len() >= 2 => inner,
        _ => return Cow::Borrowed(s),
    };
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Quotes `s` as a `quoted-string`, escaping `"` and `\`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Splits a header value into comma-separated elements, ignoring commas
/// inside quoted strings and `<...>`. Yields `(start, end)` byte ranges of
/// each trimmed element (possibly empty: `a,,b` yields an empty middle).
/// Returns `None` for an unterminated quote or angle bracket.
pub(crate) fn split_commas(s: &str) -> Option<Vec<(usize, usize)>> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut in_angle = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let end = quoted_end(s.get(i..)?)?;
                i += end;
                continue;
            }
            b'<' if !in_angle => in_angle = true,
            b'>' if in_angle => in_angle = false,
            b',' if !in_angle => {
                out.push(trimmed_range(s, start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if in_angle {
        return None;
    }
    out.push(trimmed_range(s, start, bytes.len()));
    Some(out)
}

fn trimmed_range(s: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = s.as_bytes();
    let (mut a, mut b) = (start, end);
    while a < b && bytes.get(a).copied().is_some_and(is_lws) {
        a += 1;
    }
    while b > a && bytes.get(b - 1).copied().is_some_and(is_lws) {
        b -= 1;
    }
    (a, b)
}

/// One `generic-param`: `name [= value]`. The value is raw: a quoted value
/// keeps its quotes (see [`Param::unquoted_value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// Parameter name (a token).
    pub name: &'a str,
    /// Raw value, if any.
    pub value: Option<&'a str>,
}

impl<'a> Param<'a> {
    /// The value without quotes and escapes.
    pub fn unquoted_value(&self) -> Option<Cow<'a, str>> {
        self.value.map(unquote)
    }
}

fn is_param_value_byte(b: u8) -> bool {
    is_token_byte(b) || matches!(b, b':' | b'[' | b']' | b'/' | b'@' | b'?' | b'&' | b'$')
}

/// Parses `*( SEMI generic-param )` allowing LWS around `;` and `=`.
/// An empty input yields no parameters; an empty parameter (`;;`) is an error.
pub(crate) fn parse_params(s: &str) -> Option<Vec<Param<'_>>> {
    let mut out = Vec::new();
    let mut c = Cursor::new(s);
    loop {
        c.skip_lws();
        if c.at_end() {
            return Some(out);
        }
        if !c.eat(b';') {
            return None;
        }
        c.skip_lws();
        let name = c.take_while(is_token_byte);
        if name.is_empty() {
            return None;
        }
        c.skip_lws();
        let value = if c.eat(b'=') {
            c.skip_lws();
            if c.peek() == Some(b'"') {
                let end = quoted_end(c.rest())?;
                Some(c.advance(end))
            } else {
                let v = c.take_while(is_param_value_byte);
                if v.is_empty() {
                    return None;
                }
                Some(v)
            }
        } else {
            None
        };
        out.push(Param { name, value });
    }
}

/// Looks a parameter up by name (case-insensitive).
pub(crate) fn find_param<'a>(params: &[Param<'a>], name: &str) -> Option<Option<&'a str>> {
    params
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(|p| p.value)
}

/// A byte cursor over a `&str` that only ever stops on ASCII boundaries.
pub(crate) struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Self { s, pos: 0 }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The text from `start` (an earlier [`Cursor::pos`]) to the current position.
    pub(crate) fn since(&self, start: usize) -> &'a str {
        self.s.get(start..self.pos).unwrap_or("")
    }

    pub(crate) fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    pub(crate) fn skip_lws(&mut self) {
        while self.peek().is_some_and(is_lws) {
            self.pos += 1;
        }
    }

    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Takes the longest prefix of ASCII bytes satisfying `f`.
    pub(crate) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii() && f(b)) {
            self.pos += 1;
        }
        self.s.get(start..self.pos).unwrap_or("")
    }

    /// Advances by `n` bytes (callers pass lengths ending on ASCII bytes).
    pub(crate) fn advance(&mut self, n: usize) -> &'a str {
        let start = self.pos;
        self.pos = (self.pos + n).min(self.s.len());
        self.s.get(start..self.pos).unwrap_or("")
    }
}

/// Parses `1*DIGIT` into a `u64`-bounded value; `None` on empty, non-digit or overflow.
pub(crate) fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok()
}

/// FNV-1a, for deterministic tags in stateless answers.
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_allow_lws_and_quotes() {
        let p = parse_params(" ;   tag    = 1918181833n ; q = 0.33;x=\"a;b\"").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].name, "tag");
        assert_eq!(p[0].value, Some("1918181833n"));
        assert_eq!(p[1].value, Some("0.33"));
        assert_eq!(unquote(p[2].value.unwrap()), "a;b");
        assert!(parse_params(";;").is_none());
        assert!(parse_params("x").is_none());
        assert_eq!(parse_params("").unwrap().len(), 0);
    }

    #[test]
    fn commas_respect_quotes_and_brackets() {
        let s = "\"a,b\" <sip:x,y@h>, <sip:z@h> ,, last";
        let parts: Vec<&str> = split_commas(s)
            .unwrap()
            .into_iter()
            .map(|(a, b)| &s[a..b])
            .collect();
        assert_eq!(parts, ["\"a,b\" <sip:x,y@h>", "<sip:z@h>", "", "last"]);
        assert!(split_commas("\"open").is_none());
        assert!(split_commas("<sip:open").is_none());
    }

    #[test]
    fn quoting_round_trips() {
        assert_eq!(unquote(&quote("a \"b\" \\c")), "a \"b\" \\c");
        assert_eq!(unquote("\""), "\"");
        assert_eq!(quoted_end("\"a\\\"b\" rest"), Some(6));
    }
}
