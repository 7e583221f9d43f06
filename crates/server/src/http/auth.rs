//! Bearer tokens with roles. A token is looked up by its SHA-256, so the
//! config may hold only digests; tokens are never logged (only the holder's
//! `name` is).
//!
//! `Authorization: Bearer <token>` everywhere; the event streams also take
//! `?access_token=<token>` (RFC 6750 §2.3) because browsers cannot set
//! headers on `EventSource` or `WebSocket`.

use super::config::{digest, Role, TokenConfig};
use super::error::ApiError;
use axum::http::{header, HeaderMap};
use std::collections::HashMap;
use std::sync::Arc;

/// Who called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The agent an agent token is bound to.
    pub agent: Option<String>,
}

impl Caller {
    /// Whether this caller may act for `agent` (supervisors and unbound
    /// agent tokens may act for anyone).
    pub fn may_act_for(&self, agent: &str) -> bool {
        match (&self.agent, self.role) {
            (Some(bound), Role::Agent) => bound == agent,
            _ => true,
        }
    }
}

/// The configured tokens.
#[derive(Debug, Default)]
pub struct Tokens {
    by_digest: HashMap<[u8; 32], Arc<Caller>>,
}

impl Tokens {
    /// From the config.
    pub fn new(tokens: &[TokenConfig]) -> Self {
        Tokens {
            by_digest: tokens
                .iter()
                .map(|t| {
                    (
                        t.sha256,
                        Arc::new(Caller {
                            name: t.name.clone(),
                            role: t.role,
                            agent: t.agent.clone(),
                        }),
                    )
                })
                .collect(),
        }
    }

    /// The caller holding `token`, if any.
    pub fn lookup(&self, token: &str) -> Option<Arc<Caller>> {
        self.by_digest.get(&digest(token)).cloned()
    }

    /// 401 without a valid token, 403 below `role`.
    pub fn check(
        &self,
        headers: &HeaderMap,
        query_token: Option<&str>,
        role: Role,
    ) -> Result<Arc<Caller>, ApiError> {
        let presented = bearer(headers)?.or(query_token).ok_or_else(|| {
            ApiError::unauthorized("a bearer token is needed (Authorization: Bearer …)")
        })?;
        let caller = self
            .lookup(presented)
            .ok_or_else(|| ApiError::unauthorized("unknown token"))?;
        if caller.role < role {
            return Err(ApiError::forbidden(format!(
                "this needs the {} role; the token has {}",
                role.as_str(),
                caller.role.as_str()
            )));
        }
        Ok(caller)
    }
}

/// The token of an `Authorization: Bearer` header; an error for another
/// scheme or a malformed header.
fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("malformed Authorization header"))?;
    let (scheme, token) = text
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("use Authorization: Bearer <token>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::unauthorized("use Authorization: Bearer <token>"));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(ApiError::unauthorized("empty bearer token"));
    }
    Ok(Some(token))
}

/// Handler extractors: `Viewer`, `AgentRole`, `Supervisor`, `Admin` check
/// the header (401/403) before anything else of the request is looked at.
macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        /// A caller with at least this role.
        #[derive(Debug, Clone)]
        #[allow(dead_code)]
        pub struct $name(pub Arc<Caller>);

        impl axum::extract::FromRequestParts<super::Api> for $name {
            type Rejection = ApiError;
            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                api: &super::Api,
            ) -> Result<Self, ApiError> {
                api.tokens.check(&parts.headers, None, $role).map($name)
            }
        }
    };
}

role_extractor!(Viewer, Role::Viewer);
role_extractor!(AgentRole, Role::Agent);
role_extractor!(Supervisor, Role::Supervisor);
role_extractor!(Admin, Role::Admin);

/// `access_token` from a query string, for the streams.
pub fn query_token(query: Option<&str>) -> Option<String> {
    let q = query?;
    q.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "access_token").then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn tokens() -> Tokens {
        let t = |name: &str, role, token: &str| TokenConfig {
            name: name.into(),
            role,
            sha256: digest(token),
            agent: None,
        };
        Tokens::new(&[
            t("wb", Role::Viewer, "viewer-token-0001"),
            t("boss", Role::Supervisor, "super-token-00001"),
        ])
    }

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn roles_are_ordered_and_checked() {
        let t = tokens();
        let none = HeaderMap::new();
        assert_eq!(t.check(&none, None, Role::Viewer).unwrap_err().status, 401);
        let v = with("Bearer viewer-token-0001");
        assert_eq!(t.check(&v, None, Role::Viewer).unwrap().name, "wb");
        assert_eq!(t.check(&v, None, Role::Agent).unwrap_err().status, 403);
        let s = with("bearer super-token-00001");
        assert!(t.check(&s, None, Role::Agent).is_ok());
        assert_eq!(t.check(&s, None, Role::Admin).unwrap_err().status, 403);
        assert_eq!(
            t.check(&with("Basic abc"), None, Role::Viewer)
                .unwrap_err()
                .status,
            401
        );
        assert_eq!(
            t.check(&with("Bearer nope"), None, Role::Viewer)
                .unwrap_err()
                .status,
            401
        );
        assert_eq!(
            t.check(&none, Some("viewer-token-0001"), Role::Viewer)
                .unwrap()
                .name,
            "wb"
        );
    }

    #[test]
    fn query_tokens() {
        assert_eq!(
            query_token(Some("a=1&access_token=x%2By+z")),
            Some("x+y z".into())
        );
        assert_eq!(query_token(Some("a=1")), None);
        assert_eq!(query_token(Some("access_token=%zz%")), Some("%zz%".into()));
        assert_eq!(query_token(None), None);
    }
}
