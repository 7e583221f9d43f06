//! A registrar (RFC 3261 §10.3) for agents' softphones, sans-IO.
//!
//! Centralino is a single-domain registrar: the address-of-record is keyed
//! by the user part of the To URI ([`Aor`]). Call [`Registrar::handle_register`]
//! with a REGISTER that passed digest authentication; drain
//! [`Registrar::poll_event`] after it and after [`Registrar::handle_timeout`]
//! so the ACD can mark agents reachable or not.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rsipstack::sip::{Request, Response, Uri};

use crate::builder;
use crate::header::{Contacts, MessageExt, NameAddr};
use crate::syntax::parse_digits;
use crate::uri::parse_uri;
use crate::wire::reject::stateless_tag;

/// Expiry limits, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// Shorter non-zero requests get 423 with Min-Expires.
    pub min_expires: u32,
    /// Longer requests are shortened to this.
    pub max_expires: u32,
    /// Used when neither the contact nor the request says.
    pub default_expires: u32,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        Self {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
        }
    }
}

/// An address-of-record: the user part of a SIP URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Aor(String);

impl Aor {
    /// The AOR of user `user`.
    pub fn new(user: impl Into<String>) -> Self {
        Self(user.into())
    }

    /// The AOR a REGISTER is for (the user of its To URI, `sip`/`sips` only).
    pub fn of_request(request: &Request) -> Option<Self> {
        let to = request.to_addr()?;
        let scheme = to.scheme()?;
        if scheme != "sip" && scheme != "sips" {
            return None;
        }
        let uri = parse_uri(to.uri).ok()?;
        uri.user().filter(|u| !u.is_empty()).map(Self::new)
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One registered contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The contact URI as registered.
    pub contact: String,
    /// The contact URI, parsed.
    pub uri: Uri,
    /// Where the REGISTER came from (send requests here: it crosses NAT).
    pub source: SocketAddr,
    /// When the binding lapses.
    pub expires_at: Instant,
    /// Call-ID of the REGISTER that last refreshed it.
    pub call_id: String,
    /// CSeq of that REGISTER.
    pub cseq: u32,
    /// The `q` preference, if given.
    pub q: Option<f32>,
    key: String,
}

/// Changes the ACD cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistrarEvent {
    /// A new contact for `aor`.
    BindingAdded {
        /// The AOR.
        aor: Aor,
        /// The contact URI.
        contact: String,
    },
    /// An existing contact was re-registered.
    BindingRefreshed {
        /// The AOR.
        aor: Aor,
        /// The contact URI.
        contact: String,
    },
    /// Unregistered (`Expires: 0` or `Contact: *`).
    BindingRemoved {
        /// The AOR.
        aor: Aor,
        /// The contact URI.
        contact: String,
    },
    /// Lapsed without a refresh.
    BindingExpired {
        /// The AOR.
        aor: Aor,
        /// The contact URI.
        contact: String,
    },
}

/// Bindings per AOR, with expiry under an injected clock.
#[derive(Debug, Default)]
pub struct Registrar {
    config: RegistrarConfig,
    bindings: HashMap<Aor, Vec<Binding>>,
    expiries: BinaryHeap<Reverse<(Instant, Aor, String)>>,
    events: VecDeque<RegistrarEvent>,
}

/// Contact comparison key (§19.1.4, simplified): scheme and host part are
/// case-insensitive, the user part is not.
fn contact_key(uri: &str) -> String {
    match uri.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((scheme, u)) => format!(
                "{}:{u}@{}",
                scheme.to_ascii_lowercase(),
                host.to_ascii_lowercase()
            ),
            None => format!("{user}@{}", host.to_ascii_lowercase()),
        },
        None => uri.to_ascii_lowercase(),
    }
}

enum Plan {
    Remove(usize),
    Upsert(usize),
}

impl Registrar {
    /// An empty registrar.
    pub fn new(config: RegistrarConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// The bindings of `aor`.
    pub fn bindings(&self, aor: &Aor) -> &[Binding] {
        self.bindings.get(aor).map_or(&[], Vec::as_slice)
    }

    /// True while `aor` has at least one binding.
    pub fn is_registered(&self, aor: &Aor) -> bool {
        !self.bindings(aor).is_empty()
    }

    /// Processes an (authenticated) REGISTER and returns the response:
    /// 200 with the current bindings, 400, 423 (with Min-Expires) or 500
    /// for an out-of-order CSeq on the same Call-ID.
    pub fn handle_register(
        &mut self,
        now: Instant,
        request: &Request,
        source: SocketAddr,
    ) -> Response {
        let reply = |code: u16| {
            let tag = stateless_tag(
                request.call_id().unwrap_or(""),
                request.header_value("From").unwrap_or(""),
                request.header_value("CSeq").unwrap_or(""),
            );
            builder::response(request, code).to_tag(&tag)
        };
        let (Some(aor), Some(call_id), Some(cseq)) =
            (Aor::of_request(request), request.call_id(), request.cseq())
        else {
            return reply(400).build();
        };
        let header_expires = request
            .header_value("Expires")
            .and_then(|v| parse_digits(v.trim()));
        let mut star = false;
        let mut contacts: Vec<NameAddr<'_>> = Vec::new();
        for v in request.header_values("Contact") {
            match Contacts::parse(v) {
                Some(Contacts::Star) => star = true,
                Some(Contacts::List(l)) => contacts.extend(l),
                None => return reply(400).build(),
            }
        }
        if star && (!contacts.is_empty() || header_expires != Some(0)) {
            return reply(400).build();
        }
        let existing = self.bindings.get(&aor).map_or(&[][..], Vec::as_slice);
        let out_of_order = |b: &Binding| b.call_id == call_id && cseq.number <= b.cseq;
        if star {
            if existing.iter().any(out_of_order) {
                return reply(500).build();
            }
            if let Some(removed) = self.bindings.remove(&aor) {
                for b in removed {
                    self.events.push_back(RegistrarEvent::BindingRemoved {
                        aor: aor.clone(),
                        contact: b.contact,
                    });
                }
            }
            return self.ok(now, &aor, reply(200));
        }
        // First pass: validate everything, so a failure changes nothing.
        let mut plans = Vec::with_capacity(contacts.len());
        for c in &contacts {
            let Ok(uri) = parse_uri(c.uri) else {
                return reply(400).build();
            };
            let asked = match c.param("expires").flatten() {
                Some(v) => parse_digits(v).unwrap_or(u64::MAX),
                None => header_expires.unwrap_or(u64::from(self.config.default_expires)),
            };
            if asked != 0 && asked < u64::from(self.config.min_expires) {
                return reply(423)
                    .header("Min-Expires", self.config.min_expires.to_string())
                    .build();
            }
            let expires = u32::try_from(asked.min(u64::from(self.config.max_expires))).unwrap_or(0);
            let key = contact_key(c.uri);
            if existing.iter().any(|b| b.key == key && out_of_order(b)) {
                return reply(500).build();
            }
            let q = c.param("q").flatten().and_then(|q| q.parse::<f32>().ok());
            plans.push((key, c.uri.to_owned(), uri, expires, q));
        }
        for (key, contact, uri, expires, q) in plans {
            let list = self.bindings.entry(aor.clone()).or_default();
            let found = list.iter().position(|b| b.key == key);
            let plan = match (found, expires) {
                (Some(i), 0) => Plan::Remove(i),
                (Some(i), _) => Plan::Upsert(i),
                (None, 0) => continue,
                (None, _) => Plan::Upsert(usize::MAX),
            };
            match plan {
                Plan::Remove(i) => {
                    if i < list.len() {
                        let b = list.remove(i);
                        self.events.push_back(RegistrarEvent::BindingRemoved {
                            aor: aor.clone(),
                            contact: b.contact,
                        });
                    }
                }
                Plan::Upsert(i) => {
                    let expires_at = now + Duration::from_secs(u64::from(expires));
                    let binding = Binding {
                        contact: contact.clone(),
                        uri,
                        source,
                        expires_at,
                        call_id: call_id.to_owned(),
                        cseq: cseq.number,
                        q,
                        key: key.clone(),
                    };
                    let event = if let Some(slot) = list.get_mut(i) {
                        *slot = binding;
                        RegistrarEvent::BindingRefreshed {
                            aor: aor.clone(),
                            contact,
                        }
                    } else {
                        list.push(binding);
                        RegistrarEvent::BindingAdded {
                            aor: aor.clone(),
                            contact,
                        }
                    };
                    self.expiries.push(Reverse((expires_at, aor.clone(), key)));
                    self.events.push_back(event);
                }
            }
        }
        if self.bindings.get(&aor).is_some_and(Vec::is_empty) {
            self.bindings.remove(&aor);
        }
        self.ok(now, &aor, reply(200))
    }

    fn ok(&self, now: Instant, aor: &Aor, mut b: builder::ResponseBuilder) -> Response {
        for binding in self.bindings(aor) {
            let left = binding.expires_at.saturating_duration_since(now);
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            b = b.header("Contact", format!("<{}>;expires={secs}", binding.contact));
        }
        b.build()
    }

    /// Expires bindings whose time has come.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(Reverse((at, _, _))) = self.expiries.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((at, aor, key))) = self.expiries.pop() else {
                break;
            };
            let Some(list) = self.bindings.get_mut(&aor) else {
                continue;
            };
            if let Some(i) = list.iter().position(|b| b.key == key && b.expires_at == at) {
                let b = list.remove(i);
                self.events.push_back(RegistrarEvent::BindingExpired {
                    aor: aor.clone(),
                    contact: b.contact,
                });
            }
            if list.is_empty() {
                self.bindings.remove(&aor);
            }
        }
    }

    /// The next expiry (possibly of a binding since refreshed: harmless).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.expiries.peek().map(|Reverse((at, _, _))| *at)
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<RegistrarEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests;
