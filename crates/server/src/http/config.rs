//! The `http:` section of the config file: API tokens with their roles,
//! CTI webhooks, and whether `/metrics` needs a token (docs/api.md).
//!
//! ```yaml
//! http:
//!   metrics_public: false
//!   tokens:
//!     - { name: wallboard, role: viewer, token: "…at least 16 characters…" }
//!     - { name: crm, role: agent, token_sha256: "<hex of SHA-256(token)>" }
//!     - { name: mario, role: agent, agent: a1, token: "…" }
//!   webhooks:
//!     - url: http://crm.example.local:8080/centralino/events
//!       events: [call_offered, call_ended]
//!       queues: [q1]
//!       bearer: "…"
//! ```
//!
//! Checked when the file is read: a bad role, a short token, a duplicate
//! name or token, or a webhook URL that is not `http://host[:port]/path`
//! is an error naming the key.

use centralino_model::duration;
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The shortest token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

/// What a token may do. Each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The wallboard: live figures, reports.
    Viewer,
    /// An operator or the CRM: status changes, dispositions, voicemail,
    /// the CTI stream.
    Agent,
    /// CDRs, any agent's status, callbacks.
    Supervisor,
    /// Prompts, backups, config reload.
    Admin,
}

impl Role {
    /// The name in config and errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

/// One API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    /// Who holds it (logged and recorded as "by" of voicemail actions;
    /// the token itself never is).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// SHA-256 of the token.
    pub sha256: [u8; 32],
    /// An agent token bound to one agent acts for that agent only.
    pub agent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    name: String,
    role: Role,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    token_sha256: Option<String>,
    #[serde(default)]
    agent: Option<String>,
}

impl<'de> Deserialize<'de> for TokenConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = RawToken::deserialize(d)?;
        if raw.name.trim().is_empty() {
            return Err(D::Error::custom("a token needs a non-empty name"));
        }
        let sha256 = match (raw.token, raw.token_sha256) {
            (Some(t), None) => {
                if t.len() < MIN_TOKEN_LEN {
                    return Err(D::Error::custom(format!(
                        "token {:?}: at least {MIN_TOKEN_LEN} characters",
                        raw.name
                    )));
                }
                if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(D::Error::custom(format!(
                        "token {:?}: no spaces or control characters",
                        raw.name
                    )));
                }
                digest(&t)
            }
            (None, Some(h)) => {
                let bytes = hex::decode(h.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok());
                bytes.ok_or_else(|| {
                    D::Error::custom(format!(
                        "token {:?}: token_sha256 must be 64 hexadecimal digits",
                        raw.name
                    ))
                })?
            }
            _ => {
                return Err(D::Error::custom(format!(
                    "token {:?}: give exactly one of token and token_sha256",
                    raw.name
                )))
            }
        };
        if raw.agent.is_some() && raw.role != Role::Agent {
            return Err(D::Error::custom(format!(
                "token {:?}: `agent` binds an agent token only (role is {})",
                raw.name,
                raw.role.as_str()
            )));
        }
        Ok(TokenConfig {
            name: raw.name,
            role: raw.role,
            sha256,
            agent: raw.agent,
        })
    }
}

/// SHA-256 of a token.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A CTI webhook: the same JSON events as the stream, POSTed one by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// `http://host[:port]/path` as written.
    pub url: String,
    /// Host part.
    pub host: String,
    /// Port (80 by default).
    pub port: u16,
    /// Path and query.
    pub path: String,
    /// Only these event types (all when empty).
    pub events: Vec<String>,
    /// Only events of these queues (all when empty).
    pub queues: Vec<String>,
    /// Only events of these agents (all when empty).
    pub agents: Vec<String>,
    /// Sent as `Authorization: Bearer …` when set.
    pub bearer: Option<String>,
    /// Per attempt.
    pub timeout: Duration,
    /// Attempts before an event is dropped (logged).
    pub max_attempts: u32,
}

/// The event types of the CTI stream.
pub const EVENT_TYPES: [&str; 10] = [
    "call_offered",
    "call_answered",
    "call_transferred",
    "call_ended",
    "call_queued",
    "call_abandoned",
    "agent_status_changed",
    "queue_stats",
    "voicemail_received",
    "callback_updated",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: String,
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    queues: Vec<String>,
    #[serde(default)]
    agents: Vec<String>,
    #[serde(default)]
    bearer: Option<String>,
    #[serde(default = "default_timeout", with = "duration")]
    timeout: Duration,
    #[serde(default = "default_attempts")]
    max_attempts: u32,
}

fn default_timeout() -> Duration {
    Duration::from_secs(5)
}

fn default_attempts() -> u32 {
    8
}

/// Split `http://host[:port][/path]`.
pub fn parse_http_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        format!("{url:?}: only http:// URLs (put a TLS proxy in front of an https endpoint)")
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(format!(
            "{url:?}: no host (or user info, which is not supported)"
        ));
    }
    let bad_port = |p: &str| format!("{url:?}: bad port {p:?}");
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (h, after) = bracketed
            .split_once(']')
            .ok_or_else(|| format!("{url:?}: unclosed [ in the host"))?;
        let port = match after {
            "" => 80,
            p => p
                .strip_prefix(':')
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or_else(|| bad_port(p))?,
        };
        (h.to_string(), port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| bad_port(p))?),
            None => (authority.to_string(), 80),
        }
    };
    if host.is_empty() || port == 0 {
        return Err(format!("{url:?}: no host or port 0"));
    }
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{url:?}: spaces in the path"));
    }
    Ok((host, port, path.to_string()))
}

impl<'de> Deserialize<'de> for WebhookConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = RawWebhook::deserialize(d)?;
        let (host, port, path) = parse_http_url(&raw.url).map_err(D::Error::custom)?;
        for e in &raw.events {
            if !EVENT_TYPES.contains(&e.as_str()) {
                return Err(D::Error::custom(format!(
                    "unknown event type {e:?} (known: {})",
                    EVENT_TYPES.join(", ")
                )));
            }
        }
        if raw.max_attempts == 0 || raw.max_attempts > 100 {
            return Err(D::Error::custom("max_attempts must be 1 to 100"));
        }
        if raw.timeout.is_zero() || raw.timeout > Duration::from_secs(120) {
            return Err(D::Error::custom("timeout must be over 0 and at most 2m"));
        }
        if let Some(b) = &raw.bearer {
            if b.is_empty() || b.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(D::Error::custom("bearer: no spaces or control characters"));
            }
        }
        Ok(WebhookConfig {
            url: raw.url,
            host,
            port,
            path,
            events: raw.events,
            queues: raw.queues,
            agents: raw.agents,
            bearer: raw.bearer,
            timeout: raw.timeout,
            max_attempts: raw.max_attempts,
        })
    }
}

/// `http:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpSection {
    /// API tokens. None configured: an admin token is generated at start
    /// into `DATA_DIR/api-token` (mode 0600).
    pub tokens: Vec<TokenConfig>,
    /// CTI webhooks.
    pub webhooks: Vec<WebhookConfig>,
    /// `/metrics` without a token (for a scraper on a trusted network).
    pub metrics_public: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    #[serde(default)]
    tokens: Vec<TokenConfig>,
    #[serde(default)]
    webhooks: Vec<WebhookConfig>,
    #[serde(default)]
    metrics_public: bool,
}

impl<'de> Deserialize<'de> for HttpSection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = RawSection::deserialize(d)?;
        for (i, t) in raw.tokens.iter().enumerate() {
            for u in &raw.tokens[..i] {
                if u.name == t.name {
                    return Err(D::Error::custom(format!(
                        "tokens: two tokens are named {:?}",
                        t.name
                    )));
                }
                if u.sha256 == t.sha256 {
                    return Err(D::Error::custom(format!(
                        "tokens: {:?} and {:?} are the same token",
                        u.name, t.name
                    )));
                }
            }
        }
        Ok(HttpSection {
            tokens: raw.tokens,
            webhooks: raw.webhooks,
            metrics_public: raw.metrics_public,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(yaml: &str) -> Result<HttpSection, crate::config::ConfigError> {
        crate::config::from_yaml(Path::new("x.yaml"), yaml)
    }

    #[test]
    fn tokens_and_webhooks() {
        let s = parse(
            "tokens:\n  - { name: wb, role: viewer, token: abcdefghijklmnop }\n  - { name: a1, role: agent, agent: a1, token_sha256: \"0000000000000000000000000000000000000000000000000000000000000000\" }\nwebhooks:\n  - { url: \"http://127.0.0.1:9000/hook\", events: [call_offered] }\n",
        )
        .unwrap();
        assert_eq!(s.tokens.len(), 2);
        assert_eq!(s.tokens[0].sha256, digest("abcdefghijklmnop"));
        assert_eq!(s.tokens[1].agent.as_deref(), Some("a1"));
        assert_eq!(s.webhooks[0].port, 9000);
        assert_eq!(s.webhooks[0].path, "/hook");
        assert_eq!(s.webhooks[0].max_attempts, 8);
    }

    #[test]
    fn bad_sections_are_refused_with_a_reason() {
        let cases = [
            ("tokens:\n  - { name: x, role: viewer, token: short }\n", "16 characters"),
            ("tokens:\n  - { name: x, role: boss, token: abcdefghijklmnop }\n", "boss"),
            ("tokens:\n  - { name: x, role: viewer }\n", "exactly one"),
            ("tokens:\n  - { name: x, role: viewer, agent: a1, token: abcdefghijklmnop }\n", "binds"),
            ("tokens:\n  - { name: x, role: viewer, token: abcdefghijklmnop }\n  - { name: x, role: admin, token: abcdefghijklmnoq }\n", "named"),
            ("tokens:\n  - { name: x, role: viewer, token: abcdefghijklmnop }\n  - { name: y, role: admin, token: abcdefghijklmnop }\n", "same token"),
            ("webhooks:\n  - { url: \"https://crm/x\" }\n", "http://"),
            ("webhooks:\n  - { url: \"http://crm:99999/x\" }\n", "port"),
            ("webhooks:\n  - { url: \"http://crm/x\", events: [nope] }\n", "unknown event"),
            ("nope: 1\n", "nope"),
        ];
        for (yaml, needle) in cases {
            let e = parse(yaml).unwrap_err().to_string();
            assert!(e.contains(needle), "{yaml}: {e}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            parse_http_url("http://h/p?q=1").unwrap(),
            ("h".into(), 80, "/p?q=1".into())
        );
        assert_eq!(
            parse_http_url("http://[::1]:8080").unwrap(),
            ("::1".into(), 8080, "/".into())
        );
        assert!(parse_http_url("http://").is_err());
        assert!(parse_http_url("http://u@h/").is_err());
    }
}
