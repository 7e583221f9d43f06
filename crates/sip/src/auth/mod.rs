//! HTTP digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760):
//! our own parser for `Authorization`/`WWW-Authenticate` values (quoted and
//! unquoted parameters, `qop` lists, `nc` in hex, `algorithm=SHA-256`),
//! the hash computations, a stateless-nonce server ([`DigestServer`]) and
//! a client that answers challenges ([`authorize`]).

mod client;
mod server;

pub use client::{authorize, ClientCredentials};
pub use server::{AuthOutcome, ChallengeKind, Credential, DigestConfig, DigestServer};

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::syntax::{is_token, split_commas, trim_lws, unquote};

/// Digest algorithms (RFC 7616 §3.3; RFC 8760 for SIP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5`.
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
}

impl Algorithm {
    /// Parses the `algorithm` parameter (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "MD5" => Self::Md5,
            "MD5-SESS" => Self::Md5Sess,
            "SHA-256" => Self::Sha256,
            "SHA-256-SESS" => Self::Sha256Sess,
            _ => return None,
        })
    }

    /// The token as written in headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
            Self::Sha256 => "SHA-256",
            Self::Sha256Sess => "SHA-256-sess",
        }
    }

    fn is_sess(self) -> bool {
        matches!(self, Self::Md5Sess | Self::Sha256Sess)
    }

    /// The same algorithm without `-sess` (the HA1 a user record stores).
    pub fn base(self) -> Self {
        match self {
            Self::Md5 | Self::Md5Sess => Self::Md5,
            Self::Sha256 | Self::Sha256Sess => Self::Sha256,
        }
    }

    /// Lower-case hex digest of the concatenation of `parts` joined by `:`.
    pub fn hash(self, parts: &[&str]) -> String {
        fn run<D: Digest>(parts: &[&str]) -> String {
            let mut d = D::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    d.update(b":");
                }
                d.update(p.as_bytes());
            }
            hex::encode(d.finalize().as_slice())
        }
        match self.base() {
            Self::Sha256 => run::<Sha256>(parts),
            _ => run::<Md5>(parts),
        }
    }
}

/// `H(username:realm:password)`.
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &str) -> String {
    algorithm.hash(&[username, realm, password])
}

/// The digest `response` (RFC 7616 §3.4.1) from an HA1 (of the base algorithm).
#[allow(clippy::too_many_arguments)]
pub fn response(
    algorithm: Algorithm,
    ha1: &str,
    nonce: &str,
    nc: &str,
    cnonce: &str,
    qop: Option<&str>,
    method: &str,
    uri: &str,
) -> String {
    let session;
    let ha1 = if algorithm.is_sess() {
        session = algorithm.hash(&[ha1, nonce, cnonce]);
        session.as_str()
    } else {
        ha1
    };
    let ha2 = algorithm.hash(&[method, uri]);
    match qop {
        Some(qop) => algorithm.hash(&[ha1, nonce, nc, cnonce, qop, &ha2]),
        None => algorithm.hash(&[ha1, nonce, &ha2]),
    }
}

/// A parsed `Authorization`/`WWW-Authenticate` value: scheme and parameters
/// (names lower-cased, values unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParams {
    /// The scheme (`Digest`, ...).
    pub scheme: String,
    /// The parameters in order.
    pub params: Vec<(String, String)>,
}

impl AuthParams {
    /// Parses `scheme param=value, param="value", ...`; `None` if malformed.
    pub fn parse(value: &str) -> Option<Self> {
        let value = trim_lws(value);
        let (scheme, rest) = match value.find([' ', '\t']) {
            Some(i) => (value.get(..i)?, value.get(i..)?),
            None => (value, ""),
        };
        if !is_token(scheme) {
            return None;
        }
        let mut params = Vec::new();
        for (a, b) in split_commas(rest)? {
            let part = rest.get(a..b)?;
            if part.is_empty() {
                continue;
            }
            let (name, v) = part.split_once('=')?;
            let name = trim_lws(name);
            if !is_token(name) {
                return None;
            }
            params.push((name.to_ascii_lowercase(), unquote(trim_lws(v)).into_owned()));
        }
        Some(Self {
            scheme: scheme.to_owned(),
            params,
        })
    }

    /// A parameter by (lower-case) name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// True for the Digest scheme.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }

    /// The `qop` options (a challenge may list several: `"auth,auth-int"`).
    pub fn qop_options(&self) -> Vec<&str> {
        self.get("qop")
            .map(|q| {
                q.split(',')
                    .map(trim_lws)
                    .filter(|q| !q.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `nc` parameter as a number (8 hex digits).
    pub fn nonce_count(&self) -> Option<u32> {
        let nc = self.get("nc")?;
        (nc.len() == 8)
            .then(|| u32::from_str_radix(nc, 16).ok())
            .flatten()
    }
}

/// Constant-time equality of two ASCII strings.
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests;
