//! The server side: stateless nonces, challenges, verification and a
//! per-source failure throttle.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rsipstack::sip::{Request, Response};
use sha2::{Digest, Sha256};

use super::{ct_eq, ha1, response, Algorithm, AuthParams};
use crate::builder;
use crate::header::MessageExt;
use crate::ids::IdGen;
use crate::syntax::quote;

/// 401 with `WWW-Authenticate` (registrar, UAS) or 407 with `Proxy-Authenticate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeKind {
    /// 401 / WWW-Authenticate / Authorization.
    Www,
    /// 407 / Proxy-Authenticate / Proxy-Authorization.
    Proxy,
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct DigestConfig {
    /// The realm.
    pub realm: String,
    /// Key of the nonce MAC (keep it secret; random at start is fine).
    pub secret: Vec<u8>,
    /// Nonce lifetime; older nonces get `stale=true`.
    pub nonce_ttl: Duration,
    /// Algorithms offered, one challenge each, preferred first.
    pub algorithms: Vec<Algorithm>,
    /// Failures from one IP address within `failure_window` that block it.
    pub max_failures: u32,
    /// Window over which failures are counted.
    pub failure_window: Duration,
    /// How long a blocked address gets 403.
    pub block_for: Duration,
    /// 401 or 407.
    pub kind: ChallengeKind,
}

impl DigestConfig {
    /// Defaults: nonce TTL 5 min, SHA-256 then MD5, 5 failures per minute
    /// block for 5 minutes, 401 challenges.
    pub fn new(realm: &str, secret: &[u8]) -> Self {
        Self {
            realm: realm.to_owned(),
            secret: secret.to_vec(),
            nonce_ttl: Duration::from_secs(300),
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            max_failures: 5,
            failure_window: Duration::from_secs(60),
            block_for: Duration::from_secs(300),
            kind: ChallengeKind::Www,
        }
    }
}

/// A user's secret: the password, or HA1 values (`H(user:realm:password)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// Plain password.
    Password(String),
    /// Precomputed HA1 per algorithm (hex); a missing one cannot be verified.
    Ha1 {
        /// MD5 HA1.
        md5: Option<String>,
        /// SHA-256 HA1.
        sha256: Option<String>,
    },
}

/// The result of [`DigestServer::check`].
#[derive(Debug, Clone, PartialEq)]
pub enum AuthOutcome {
    /// Valid credentials for this user.
    Authorized {
        /// The authenticated username.
        username: String,
    },
    /// Send this response (401/407 challenge, or 403 for a throttled source).
    Rejected(Response),
}

#[derive(Debug, Clone)]
struct Failures {
    count: u32,
    window_start: Instant,
    blocked_until: Option<Instant>,
}

/// Verifies credentials with stateless nonces: `hex(ms since epoch) ‖
/// hex(salt) ‖ MAC(secret; time, salt, realm)`, so expiry is checked with
/// `now` and nothing is stored per nonce (a replay within the TTL is not
/// detected). Unknown users are challenged exactly like known ones.
#[derive(Debug)]
pub struct DigestServer {
    config: DigestConfig,
    epoch: Instant,
    ids: IdGen,
    failures: HashMap<IpAddr, Failures>,
}

enum NonceCheck {
    Valid,
    Stale,
    Invalid,
}

const MAX_TRACKED: usize = 10_000;

impl DigestServer {
    /// A server whose nonce clock starts at `epoch`; `seed` drives salts and tags.
    pub fn new(config: DigestConfig, epoch: Instant, seed: u64) -> Self {
        Self {
            config,
            epoch,
            ids: IdGen::new(seed),
            failures: HashMap::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &DigestConfig {
        &self.config
    }

    fn mac(&self, ts: &str, salt: &str) -> String {
        let mut key = [0u8; 64];
        if self.config.secret.len() > 64 {
            let h = Sha256::digest(&self.config.secret);
            key.iter_mut().zip(h.iter()).for_each(|(k, b)| *k = *b);
        } else {
            key.iter_mut()
                .zip(self.config.secret.iter())
                .for_each(|(k, b)| *k = *b);
        }
        let ipad: Vec<u8> = key.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = key.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new()
            .chain_update(&ipad)
            .chain_update(ts)
            .chain_update(b":")
            .chain_update(salt)
            .chain_update(b":")
            .chain_update(&self.config.realm)
            .finalize();
        let outer = Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize();
        hex::encode(outer.get(..16).unwrap_or(&[]))
    }

    /// A fresh nonce for `now`.
    pub fn nonce(&mut self, now: Instant) -> String {
        let ms = now.saturating_duration_since(self.epoch).as_millis();
        let ts = format!("{:016x}", u64::try_from(ms).unwrap_or(u64::MAX));
        let salt = format!("{:08x}", self.ids.next_u64() & 0xffff_ffff);
        let mac = self.mac(&ts, &salt);
        format!("{ts}{salt}{mac}")
    }

    fn check_nonce(&self, now: Instant, nonce: &str) -> NonceCheck {
        let (Some(ts), Some(salt), Some(mac)) =
            (nonce.get(..16), nonce.get(16..24), nonce.get(24..))
        else {
            return NonceCheck::Invalid;
        };
        if !ct_eq(mac, &self.mac(ts, salt)) {
            return NonceCheck::Invalid;
        }
        let Ok(ms) = u64::from_str_radix(ts, 16) else {
            return NonceCheck::Invalid;
        };
        let issued = self.epoch + Duration::from_millis(ms);
        if issued > now || now.saturating_duration_since(issued) > self.config.nonce_ttl {
            NonceCheck::Stale
        } else {
            NonceCheck::Valid
        }
    }

    /// A 401/407 to `request` with one challenge per configured algorithm.
    pub fn challenge(&mut self, now: Instant, request: &Request, stale: bool) -> Response {
        let nonce = self.nonce(now);
        let (code, header) = match self.config.kind {
            ChallengeKind::Www => (401, "WWW-Authenticate"),
            ChallengeKind::Proxy => (407, "Proxy-Authenticate"),
        };
        let tag = self.ids.tag();
        let mut b = builder::response(request, code).to_tag(&tag);
        for alg in &self.config.algorithms {
            let mut v = format!(
                "Digest realm={}, nonce=\"{nonce}\", qop=\"auth\", algorithm={}",
                quote(&self.config.realm),
                alg.as_str()
            );
            if stale {
                v.push_str(", stale=true");
            }
            b = b.header(header, v);
        }
        b.build()
    }

    fn blocked(&self, now: Instant, ip: IpAddr) -> bool {
        self.failures
            .get(&ip)
            .and_then(|f| f.blocked_until)
            .is_some_and(|until| until > now)
    }

    fn record_failure(&mut self, now: Instant, ip: IpAddr) {
        if self.failures.len() >= MAX_TRACKED {
            let window = self.config.failure_window;
            self.failures.retain(|_, f| {
                f.blocked_until.is_some_and(|u| u > now)
                    || now.saturating_duration_since(f.window_start) < window
            });
        }
        let f = self.failures.entry(ip).or_insert(Failures {
            count: 0,
            window_start: now,
            blocked_until: None,
        });
        if now.saturating_duration_since(f.window_start) > self.config.failure_window {
            f.count = 0;
            f.window_start = now;
        }
        f.count += 1;
        if f.count >= self.config.max_failures {
            f.blocked_until = Some(now + self.config.block_for);
        }
    }

    /// Checks `request`'s credentials. `lookup` returns a user's secret.
    pub fn check(
        &mut self,
        now: Instant,
        request: &Request,
        source: SocketAddr,
        lookup: impl Fn(&str) -> Option<Credential>,
    ) -> AuthOutcome {
        let ip = source.ip();
        if self.blocked(now, ip) {
            let tag = self.ids.tag();
            return AuthOutcome::Rejected(builder::response(request, 403).to_tag(&tag).build());
        }
        let header = match self.config.kind {
            ChallengeKind::Www => "Authorization",
            ChallengeKind::Proxy => "Proxy-Authorization",
        };
        let creds = request
            .header_values(header)
            .filter_map(AuthParams::parse)
            .find(|p| p.is_digest() && p.get("realm") == Some(self.config.realm.as_str()));
        let Some(creds) = creds else {
            return AuthOutcome::Rejected(self.challenge(now, request, false));
        };
        match self.verify(now, request, &creds, lookup) {
            Verdict::Ok(username) => {
                self.failures.remove(&ip);
                AuthOutcome::Authorized { username }
            }
            Verdict::Stale => AuthOutcome::Rejected(self.challenge(now, request, true)),
            Verdict::Malformed => AuthOutcome::Rejected(self.challenge(now, request, false)),
            Verdict::Failed => {
                self.record_failure(now, ip);
                if self.blocked(now, ip) {
                    let tag = self.ids.tag();
                    return AuthOutcome::Rejected(
                        builder::response(request, 403).to_tag(&tag).build(),
                    );
                }
                AuthOutcome::Rejected(self.challenge(now, request, false))
            }
        }
    }

    fn verify(
        &self,
        now: Instant,
        request: &Request,
        creds: &AuthParams,
        lookup: impl Fn(&str) -> Option<Credential>,
    ) -> Verdict {
        let (Some(username), Some(nonce), Some(uri), Some(given)) = (
            creds.get("username"),
            creds.get("nonce"),
            creds.get("uri"),
            creds.get("response"),
        ) else {
            return Verdict::Malformed;
        };
        let algorithm = match creds.get("algorithm") {
            None => Algorithm::Md5,
            Some(a) => match Algorithm::parse(a) {
                Some(a) if self.config.algorithms.contains(&a) => a,
                _ => return Verdict::Malformed,
            },
        };
        let qop = creds.get("qop");
        let (nc, cnonce) = match qop {
            Some(q) if q.eq_ignore_ascii_case("auth") => {
                match (creds.get("nc"), creds.nonce_count(), creds.get("cnonce")) {
                    (Some(nc), Some(_), Some(cnonce)) => (nc, cnonce),
                    _ => return Verdict::Malformed,
                }
            }
            Some(_) => return Verdict::Malformed,
            None => ("", ""),
        };
        match self.check_nonce(now, nonce) {
            NonceCheck::Valid => {}
            NonceCheck::Stale => return Verdict::Stale,
            NonceCheck::Invalid => return Verdict::Failed,
        }
        let realm = self.config.realm.as_str();
        let known = lookup(username).and_then(|c| match c {
            Credential::Password(p) => Some(ha1(algorithm.base(), username, realm, &p)),
            Credential::Ha1 { md5, sha256 } => match algorithm.base() {
                Algorithm::Sha256 => sha256,
                _ => md5,
            },
        });
        // Unknown users cost the same work and get the same answer.
        let user_ha1 = known
            .clone()
            .unwrap_or_else(|| ha1(algorithm.base(), username, realm, "\u{0}no-such-user"));
        let method = request.method.to_string();
        let expected = response(algorithm, &user_ha1, nonce, nc, cnonce, qop, &method, uri);
        if known.is_some() && ct_eq(&expected, &given.to_ascii_lowercase()) {
            Verdict::Ok(username.to_owned())
        } else {
            Verdict::Failed
        }
    }
}

enum Verdict {
    Ok(String),
    Stale,
    Malformed,
    Failed,
}
