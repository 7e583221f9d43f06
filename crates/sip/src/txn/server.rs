//! Server transactions: INVITE (RFC 3261 §17.2.1, RFC 6026 §7.1) and
//! non-INVITE (§17.2.2), CANCEL handling (§9.2) and ACK matching.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rsipstack::sip::{Method, Request, Response};

use super::matching::{stamp_via, MatchMethod, ServerMatch};
use super::timer::{Timer, TimerTable};
use super::{ServerTxKey, TransactionLayer, TxEvent};
use crate::builder::{self, fix_content_length, set_header};
use crate::header::MessageExt;
use crate::wire::reject::stateless_tag;
use crate::{uas_checks, DropReason, Error, WireError};

/// INVITE server transaction states.
///
/// ```text
///  INVITE ─► Proceeding ──1xx from TU: send, resend on each retransmitted INVITE
///              │      │
///  3xx–6xx     │      │ 2xx from TU (RFC 6026 §7.1)
///              ▼      ▼
///        Completed   Accepted ── G: resend 2xx (T1, 2·T1 … T2) until the ACK
///        G: resend    │  ACK (new branch; matched on Call-ID, CSeq, To-tag)
///        ACK │   │ H   │  → Ack event once; H becomes L      H: AckTimeout event
///            ▼   ▼     ▼ L
///     Confirmed  Terminated
///            │ I (T4)
///            ▼
///       Terminated
/// ```
#[derive(Debug)]
pub(crate) enum InviteServer {
    /// §17.2.1: waiting for the TU's final response.
    Proceeding { last_provisional: Option<Bytes> },
    /// A 3xx–6xx was sent; Timer G retransmits it until the ACK or Timer H.
    Completed { response: Bytes, interval: Duration },
    /// RFC 6026: a 2xx was sent; retransmitted until the ACK, kept until Timer L.
    Accepted {
        response: Bytes,
        interval: Duration,
        acked: bool,
    },
    /// The ACK arrived; Timer I absorbs its retransmissions.
    Confirmed,
}

/// Non-INVITE server transaction states (§17.2.2).
///
/// ```text
///  request ─► Trying ──1xx──► Proceeding ──final──► Completed ──J (64·T1)──► Terminated
///               └──────────────final─────────────────┘
///  retransmitted request: Trying → ignored; Proceeding/Completed → last response again
/// ```
#[derive(Debug)]
pub(crate) enum NonInviteServer {
    Trying,
    Proceeding { last: Bytes },
    Completed { response: Bytes },
}

#[derive(Debug)]
pub(crate) enum ServerState {
    Invite(InviteServer),
    NonInvite(NonInviteServer),
}

impl ServerState {
    fn name(&self) -> &'static str {
        match self {
            Self::Invite(InviteServer::Proceeding { .. }) => "Proceeding",
            Self::Invite(InviteServer::Completed { .. }) => "Completed",
            Self::Invite(InviteServer::Accepted { .. }) => "Accepted",
            Self::Invite(InviteServer::Confirmed) => "Confirmed",
            Self::NonInvite(NonInviteServer::Trying) => "Trying",
            Self::NonInvite(NonInviteServer::Proceeding { .. }) => "Proceeding",
            Self::NonInvite(NonInviteServer::Completed { .. }) => "Completed",
        }
    }
}

#[derive(Debug)]
pub(crate) struct ServerTx {
    pub(crate) timers: TimerTable,
    state: ServerState,
    destination: SocketAddr,
    match_key: ServerMatch,
    accepted_key: Option<(String, u32, String)>,
    /// To-tag of our last response, reused in the 200 to a CANCEL (§9.2).
    to_tag: Option<String>,
}

/// What `respond` must do after updating the state.
enum After {
    Nothing,
    Accepted(Option<(String, u32, String)>),
    Completed,
    NonInviteCompleted,
}

impl TransactionLayer {
    pub(super) fn on_request(&mut self, now: Instant, source: SocketAddr, mut request: Request) {
        self.stats.requests_received.add(request.method);
        let keys = request.top_via().and_then(|via| {
            let own = ServerMatch::of(&request, &via)?;
            let invite = ServerMatch::with_method(&request, &via, MatchMethod::Invite);
            Some((own, invite))
        });
        let Some((match_key, invite_key)) = keys else {
            self.stats
                .drop(DropReason::Wire(WireError::BadHeader { name: "Via" }));
            return;
        };
        let Some(destination) = stamp_via(&mut request, source) else {
            self.stats
                .drop(DropReason::Wire(WireError::BadHeader { name: "Via" }));
            return;
        };
        if request.method == Method::Ack {
            self.on_ack(now, source, request, &match_key);
            return;
        }
        if let Some(&key) = self.server_index.get(&match_key) {
            self.absorb_request(key);
            return;
        }
        let key = ServerTxKey(self.next_key());
        let invite = request.method == Method::Invite;
        let state = if invite {
            ServerState::Invite(InviteServer::Proceeding {
                last_provisional: None,
            })
        } else {
            ServerState::NonInvite(NonInviteServer::Trying)
        };
        self.server_index.insert(match_key.clone(), key);
        self.servers.insert(
            key,
            ServerTx {
                timers: TimerTable::default(),
                state,
                destination,
                match_key,
                accepted_key: None,
                to_tag: None,
            },
        );
        if !invite {
            let guard = now + self.config.t1x64();
            self.arm_server(key, Timer::TuGuard, guard);
        }
        if request.method == Method::Cancel {
            self.on_cancel(now, key, &request, invite_key);
            return;
        }
        if let Some(policy) = &self.config.uas_policy {
            if let Some(rejection) = uas_checks(&request, policy) {
                self.stats.policy_rejections += 1;
                let _ = self.respond(now, key, rejection);
                return;
            }
        }
        if invite {
            let trying = builder::response(&request, 100).build();
            let _ = self.respond(now, key, trying);
        }
        self.events.push_back(TxEvent::Request {
            tx: key,
            request,
            source,
        });
    }

    /// A retransmitted request: answer with the last response, if any.
    fn absorb_request(&mut self, key: ServerTxKey) {
        self.stats.retransmissions_absorbed += 1;
        let Some(s) = self.servers.get(&key) else {
            return;
        };
        let resend = match &s.state {
            ServerState::Invite(InviteServer::Proceeding { last_provisional }) => {
                last_provisional.clone()
            }
            ServerState::Invite(
                InviteServer::Completed { response, .. } | InviteServer::Accepted { response, .. },
            ) => Some(response.clone()),
            ServerState::NonInvite(
                NonInviteServer::Proceeding { last: response }
                | NonInviteServer::Completed { response },
            ) => Some(response.clone()),
            ServerState::Invite(InviteServer::Confirmed)
            | ServerState::NonInvite(NonInviteServer::Trying) => None,
        };
        if let Some(bytes) = resend {
            let destination = s.destination;
            self.stats.retransmissions_sent += 1;
            self.transmit(destination, bytes);
        }
    }

    fn on_ack(&mut self, now: Instant, source: SocketAddr, ack: Request, key: &ServerMatch) {
        if let Some(&tx) = self.server_index.get(key) {
            let i_at = now + self.config.t4;
            let Some(s) = self.servers.get_mut(&tx) else {
                return;
            };
            match &s.state {
                ServerState::Invite(InviteServer::Completed { .. }) => {
                    s.state = ServerState::Invite(InviteServer::Confirmed);
                    s.timers.clear(Timer::G);
                    s.timers.clear(Timer::H);
                    self.stats.retransmissions_absorbed += 1;
                    self.arm_server(tx, Timer::I, i_at);
                }
                ServerState::Invite(InviteServer::Confirmed) => {
                    self.stats.retransmissions_absorbed += 1;
                }
                ServerState::Invite(InviteServer::Accepted { .. }) => {
                    self.ack_2xx(now, tx, ack, source);
                }
                _ => self.stats.drop(DropReason::StrayAck),
            }
            return;
        }
        let accepted = match (ack.call_id(), ack.cseq(), ack.to_tag()) {
            (Some(call_id), Some(cseq), Some(tag)) => self
                .accepted_index
                .get(&(call_id.to_owned(), cseq.number, tag.to_owned()))
                .copied(),
            _ => None,
        };
        match accepted {
            Some(tx) => self.ack_2xx(now, tx, ack, source),
            None => self.stats.drop(DropReason::StrayAck),
        }
    }

    /// The ACK to our 2xx: stop retransmitting, tell the TU once, absorb later copies.
    fn ack_2xx(&mut self, now: Instant, tx: ServerTxKey, ack: Request, source: SocketAddr) {
        let l_default = now + self.config.t1x64();
        let Some(s) = self.servers.get_mut(&tx) else {
            return;
        };
        let ServerState::Invite(InviteServer::Accepted { acked, .. }) = &mut s.state else {
            return;
        };
        if *acked {
            self.stats.retransmissions_absorbed += 1;
            return;
        }
        *acked = true;
        let l_at = s.timers.get(Timer::H).unwrap_or(l_default);
        s.timers.clear(Timer::G);
        s.timers.clear(Timer::H);
        self.arm_server(tx, Timer::L, l_at);
        self.events.push_back(TxEvent::Ack {
            invite: tx,
            request: ack,
            source,
        });
    }

    /// §9.2: 200 when the CANCEL matches an INVITE (and `Cancelled` if it has
    /// no final response yet), else 481.
    fn on_cancel(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        cancel: &Request,
        invite_key: Option<ServerMatch>,
    ) {
        let invite = invite_key.and_then(|k| self.server_index.get(&k).copied());
        let invite_state = invite.and_then(|i| self.servers.get(&i));
        let pending = invite_state.is_some_and(|s| {
            matches!(
                s.state,
                ServerState::Invite(InviteServer::Proceeding { .. })
            )
        });
        let tag = invite_state
            .and_then(|s| s.to_tag.clone())
            .unwrap_or_else(|| {
                stateless_tag(
                    cancel.call_id().unwrap_or(""),
                    cancel.header_value("From").unwrap_or(""),
                    cancel.header_value("CSeq").unwrap_or(""),
                )
            });
        let code = if invite.is_some() { 200 } else { 481 };
        let answer = builder::response(cancel, code).to_tag(&tag).build();
        let _ = self.respond(now, tx, answer);
        if let (Some(invite), true) = (invite, pending) {
            self.events.push_back(TxEvent::Cancelled { invite });
        }
    }

    /// Sends the TU's response on server transaction `tx`.
    ///
    /// Sets Content-Length (and `Server` when configured). INVITE: 1xx keep
    /// Proceeding; 2xx → Accepted (retransmitted until the ACK); 3xx–6xx →
    /// Completed. Non-INVITE: 1xx → Proceeding; final → Completed (Timer J).
    pub fn respond(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        mut response: Response,
    ) -> Result<(), Error> {
        let t1 = self.config.t1;
        let s = self.servers.get_mut(&tx).ok_or(Error::UnknownTransaction)?;
        let code = response.status_code.code();
        fix_content_length(&mut response.headers, response.body.len());
        if !self.config.user_agent.is_empty() && response.header_value("Server").is_none() {
            set_header(
                &mut response.headers,
                "Server",
                self.config.user_agent.clone(),
            );
        }
        let bytes = Bytes::from(response.to_bytes());
        let after = match &mut s.state {
            ServerState::Invite(InviteServer::Proceeding { last_provisional }) => {
                if code < 200 {
                    *last_provisional = Some(bytes.clone());
                    After::Nothing
                } else if code < 300 {
                    s.state = ServerState::Invite(InviteServer::Accepted {
                        response: bytes.clone(),
                        interval: t1,
                        acked: false,
                    });
                    let key = match (response.call_id(), response.cseq()) {
                        (Some(c), Some(q)) => Some((
                            c.to_owned(),
                            q.number,
                            response.to_tag().unwrap_or("").to_owned(),
                        )),
                        _ => None,
                    };
                    After::Accepted(key)
                } else {
                    s.state = ServerState::Invite(InviteServer::Completed {
                        response: bytes.clone(),
                        interval: t1,
                    });
                    After::Completed
                }
            }
            ServerState::NonInvite(
                NonInviteServer::Trying | NonInviteServer::Proceeding { .. },
            ) => {
                if code < 200 {
                    s.state = ServerState::NonInvite(NonInviteServer::Proceeding {
                        last: bytes.clone(),
                    });
                    After::Nothing
                } else {
                    s.state = ServerState::NonInvite(NonInviteServer::Completed {
                        response: bytes.clone(),
                    });
                    After::NonInviteCompleted
                }
            }
            other => {
                return Err(Error::InvalidState {
                    state: other.name(),
                    action: "respond",
                })
            }
        };
        if let Some(tag) = response.to_tag() {
            s.to_tag = Some(tag.to_owned());
        }
        let destination = s.destination;
        let t1x64 = now + self.config.t1x64();
        match after {
            After::Nothing => {}
            After::Accepted(key) => {
                if let Some(key) = key {
                    if let Some(s) = self.servers.get_mut(&tx) {
                        s.accepted_key = Some(key.clone());
                    }
                    self.accepted_index.insert(key, tx);
                }
                self.arm_server(tx, Timer::G, now + t1);
                self.arm_server(tx, Timer::H, t1x64);
            }
            After::Completed => {
                self.arm_server(tx, Timer::G, now + t1);
                self.arm_server(tx, Timer::H, t1x64);
            }
            After::NonInviteCompleted => {
                if let Some(s) = self.servers.get_mut(&tx) {
                    s.timers.clear(Timer::TuGuard);
                }
                self.arm_server(tx, Timer::J, t1x64);
            }
        }
        self.stats.response_sent(code);
        self.transmit(destination, bytes);
        Ok(())
    }

    pub(super) fn on_server_timer(&mut self, now: Instant, tx: ServerTxKey, timer: Timer) {
        let t2 = self.config.t2;
        let Some(s) = self.servers.get_mut(&tx) else {
            return;
        };
        match timer {
            Timer::G => {
                let resend = match &mut s.state {
                    ServerState::Invite(
                        InviteServer::Completed { response, interval }
                        | InviteServer::Accepted {
                            response,
                            interval,
                            acked: false,
                        },
                    ) => {
                        *interval = (*interval * 2).min(t2);
                        Some((response.clone(), *interval))
                    }
                    _ => None,
                };
                if let Some((bytes, interval)) = resend {
                    let destination = s.destination;
                    self.stats.retransmissions_sent += 1;
                    self.transmit(destination, bytes);
                    self.arm_server(tx, Timer::G, now + interval);
                }
            }
            Timer::H => {
                if matches!(
                    s.state,
                    ServerState::Invite(InviteServer::Accepted { acked: false, .. })
                ) {
                    self.stats.ack_timeouts += 1;
                    self.events.push_back(TxEvent::AckTimeout { tx });
                }
                self.terminate_server(tx);
            }
            Timer::TuGuard => {
                self.stats.abandoned += 1;
                self.terminate_server(tx);
            }
            _ => self.terminate_server(tx),
        }
    }

    fn terminate_server(&mut self, tx: ServerTxKey) {
        let Some(s) = self.servers.remove(&tx) else {
            return;
        };
        if self.server_index.get(&s.match_key) == Some(&tx) {
            self.server_index.remove(&s.match_key);
        }
        if let Some(k) = s.accepted_key {
            if self.accepted_index.get(&k) == Some(&tx) {
                self.accepted_index.remove(&k);
            }
        }
    }
}
