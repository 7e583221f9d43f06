//! Client transactions: INVITE (RFC 3261 §17.1.1, RFC 6026 §7.2) and
//! non-INVITE (§17.1.2), CANCEL (§9.1) and the ACK for non-2xx (§17.1.1.3).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rsipstack::sip::{headers::make_header, Header, Headers, Method, Request, Response};

use super::timer::{Timer, TimerTable};
use super::{ClientTxKey, TransactionLayer, TxEvent};
use crate::builder::{fix_content_length, push_header, remove_header};
use crate::header::MessageExt;
use crate::{DropReason, Error};

/// INVITE client transaction states.
///
/// ```text
///  INVITE sent ─► Calling ── A: resend (T1, 2·T1, 4·T1 …)   B (64·T1): Timeout
///                   │ 1xx           │ 2xx                 │ 3xx–6xx
///                   ▼               │                     │
///              Proceeding ──2xx─────┤                     │
///               (C: guard)   3xx–6xx┼─────────────────────┤
///                                   ▼                     ▼
///                               Accepted (RFC 6026)   Completed: ACK sent by the layer,
///                               2xx again → Response   resent on each retransmitted final
///                               M (64·T1) → gone       D (32 s) → gone
/// ```
#[derive(Debug)]
pub(crate) enum InviteClient {
    Calling { interval: Duration },
    Proceeding,
    Completed { ack: Bytes },
    Accepted,
}

/// Non-INVITE client transaction states.
///
/// ```text
///  request sent ─► Trying ──1xx──► Proceeding ──final──► Completed ──K (T4)──► gone
///   E: resend (T1 … T2)   F (64·T1): Timeout   (E every T2 in Proceeding)
///  Pending: a CANCEL waiting for the INVITE's first provisional (§9.1)
/// ```
#[derive(Debug)]
pub(crate) enum NonInviteClient {
    Pending,
    Trying { interval: Duration },
    Proceeding,
    Completed,
}

#[derive(Debug)]
pub(crate) enum ClientState {
    Invite(InviteClient),
    NonInvite(NonInviteClient),
}

impl ClientState {
    fn name(&self) -> &'static str {
        match self {
            Self::Invite(InviteClient::Calling { .. }) => "Calling",
            Self::Invite(InviteClient::Proceeding) => "Proceeding",
            Self::Invite(InviteClient::Completed { .. }) => "Completed",
            Self::Invite(InviteClient::Accepted) => "Accepted",
            Self::NonInvite(NonInviteClient::Pending) => "Pending",
            Self::NonInvite(NonInviteClient::Trying { .. }) => "Trying",
            Self::NonInvite(NonInviteClient::Proceeding) => "Proceeding",
            Self::NonInvite(NonInviteClient::Completed) => "Completed",
        }
    }
}

#[derive(Debug)]
pub(crate) struct ClientTx {
    pub(crate) timers: TimerTable,
    state: ClientState,
    /// The request as sent (with our Via).
    request: Request,
    bytes: Bytes,
    branch: String,
    destination: SocketAddr,
    /// INVITE: the CANCEL created for it.
    cancel: Option<ClientTxKey>,
}

impl TransactionLayer {
    /// Starts a client transaction for `request` towards `destination`.
    ///
    /// Replaces any Via with ours (`SIP/2.0/UDP local_addr;branch=z9hG4bK…;rport`,
    /// branch from the seeded RNG), adds Max-Forwards and User-Agent when
    /// missing and sets Content-Length. ACK is refused: use [`send_ack`](Self::send_ack).
    pub fn send_request(
        &mut self,
        now: Instant,
        destination: SocketAddr,
        mut request: Request,
    ) -> Result<ClientTxKey, Error> {
        if request.method == Method::Ack {
            return Err(Error::AckIsNotATransaction);
        }
        let branch = self.ids.branch();
        self.prepare_outgoing(&mut request, &branch);
        let key = ClientTxKey(self.next_key());
        let bytes = Bytes::from(request.to_bytes());
        self.start_client(now, key, destination, request, bytes, branch, true);
        Ok(key)
    }

    /// CANCELs the client INVITE `invite` (§9.1). Before any provisional the
    /// CANCEL waits and leaves with the first one; if the INVITE completes
    /// first it is never sent (its key then produces no event: watch the
    /// INVITE's final response). Cancelling twice returns the same key;
    /// cancelling an INVITE that has its final response is an error.
    pub fn cancel(&mut self, now: Instant, invite: ClientTxKey) -> Result<ClientTxKey, Error> {
        let tx = self.clients.get(&invite).ok_or(Error::UnknownTransaction)?;
        if tx.request.method != Method::Invite {
            return Err(Error::NotAnInvite);
        }
        let send_now = match &tx.state {
            ClientState::Invite(InviteClient::Calling { .. }) => false,
            ClientState::Invite(InviteClient::Proceeding) => true,
            other => {
                return Err(Error::InvalidState {
                    state: other.name(),
                    action: "cancel",
                })
            }
        };
        if let Some(existing) = tx.cancel.filter(|c| self.clients.contains_key(c)) {
            return Ok(existing);
        }
        let cancel = self.derived_request(&tx.request, Method::Cancel, None);
        let (branch, destination) = (tx.branch.clone(), tx.destination);
        let key = ClientTxKey(self.next_key());
        if let Some(tx) = self.clients.get_mut(&invite) {
            tx.cancel = Some(key);
        }
        let bytes = Bytes::from(cancel.to_bytes());
        self.start_client(now, key, destination, cancel, bytes, branch, send_now);
        Ok(key)
    }

    /// Sends the ACK for a 2xx (§13.2.2.4): not a transaction, just sent,
    /// with a fresh Via branch. Re-send it on every `Response` event that
    /// repeats the 2xx.
    pub fn send_ack(&mut self, destination: SocketAddr, mut ack: Request) {
        let branch = self.ids.branch();
        self.prepare_outgoing(&mut ack, &branch);
        self.stats.requests_sent.add(Method::Ack);
        self.transmit(destination, Bytes::from(ack.to_bytes()));
    }

    fn prepare_outgoing(&self, request: &mut Request, branch: &str) {
        remove_header(&mut request.headers, "Via");
        request.headers.push_front(make_header(
            "Via",
            format!(
                "SIP/2.0/UDP {};branch={branch};rport",
                self.config.local_addr
            ),
        ));
        if request.header_value("Max-Forwards").is_none() {
            push_header(&mut request.headers, "Max-Forwards", "70");
        }
        if !self.config.user_agent.is_empty() && request.header_value("User-Agent").is_none() {
            push_header(
                &mut request.headers,
                "User-Agent",
                self.config.user_agent.clone(),
            );
        }
        fix_content_length(&mut request.headers, request.body.len());
    }

    /// CANCEL (§9.1) or ACK for a non-2xx (§17.1.1.3) derived from `original`:
    /// same Request-URI, top Via, From, Call-ID, CSeq number and Route; To
    /// from `response` when given.
    fn derived_request(
        &self,
        original: &Request,
        method: Method,
        to: Option<&Response>,
    ) -> Request {
        let mut headers = Headers(Vec::with_capacity(10));
        let mut via_done = false;
        for h in original.headers.iter() {
            match h {
                Header::Via(_) if !via_done => {
                    via_done = true;
                    headers.push(h.clone());
                }
                Header::From(_) | Header::CallId(_) | Header::Route(_) => headers.push(h.clone()),
                Header::To(_) => match to.and_then(|r| r.header_value("To")) {
                    Some(v) => push_header(&mut headers, "To", v),
                    None => headers.push(h.clone()),
                },
                Header::CSeq(_) => {
                    let n = original.cseq().map_or(1, |c| c.number);
                    push_header(&mut headers, "CSeq", format!("{n} {method}"));
                }
                _ => {}
            }
        }
        push_header(&mut headers, "Max-Forwards", "70");
        if !self.config.user_agent.is_empty() {
            push_header(&mut headers, "User-Agent", self.config.user_agent.clone());
        }
        fix_content_length(&mut headers, 0);
        Request {
            method,
            uri: original.uri.clone(),
            version: original.version,
            headers,
            body: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn start_client(
        &mut self,
        now: Instant,
        key: ClientTxKey,
        destination: SocketAddr,
        request: Request,
        bytes: Bytes,
        branch: String,
        send: bool,
    ) {
        let method = request.method;
        let state = if !send {
            ClientState::NonInvite(NonInviteClient::Pending)
        } else if method == Method::Invite {
            ClientState::Invite(InviteClient::Calling {
                interval: self.config.t1,
            })
        } else {
            ClientState::NonInvite(NonInviteClient::Trying {
                interval: self.config.t1,
            })
        };
        self.client_index.insert((branch.clone(), method), key);
        self.clients.insert(
            key,
            ClientTx {
                timers: TimerTable::default(),
                state,
                request,
                bytes,
                branch,
                destination,
                cancel: None,
            },
        );
        if send {
            self.first_send(now, key);
        }
    }

    /// First transmission and Timers A/B or E/F.
    fn first_send(&mut self, now: Instant, key: ClientTxKey) {
        let (t1, t1x64) = (self.config.t1, self.config.t1x64());
        let Some(c) = self.clients.get_mut(&key) else {
            return;
        };
        if matches!(c.state, ClientState::NonInvite(NonInviteClient::Pending)) {
            c.state = ClientState::NonInvite(NonInviteClient::Trying { interval: t1 });
        }
        let invite = c.request.method == Method::Invite;
        let (bytes, destination, method) = (c.bytes.clone(), c.destination, c.request.method);
        self.stats.requests_sent.add(method);
        self.transmit(destination, bytes);
        let (retransmit, timeout) = if invite {
            (Timer::A, Timer::B)
        } else {
            (Timer::E, Timer::F)
        };
        self.arm_client(key, retransmit, now + t1);
        self.arm_client(key, timeout, now + t1x64);
    }

    pub(super) fn on_response(&mut self, now: Instant, response: Response) {
        let code = response.status_code.code();
        self.stats.response_received(code);
        if response.via_count() != 1 {
            self.stats.drop(DropReason::ResponseViaCount);
            return;
        }
        let lookup = response
            .top_via()
            .and_then(|v| v.branch().map(str::to_owned))
            .zip(response.cseq().map(|c| c.method));
        let Some(tx) = lookup.and_then(|k| self.client_index.get(&k).copied()) else {
            self.stats.drop(DropReason::StrayResponse);
            return;
        };
        let (t4, t1x64, timer_c, timer_d) = (
            self.config.t4,
            self.config.t1x64(),
            self.config.timer_c,
            self.config.timer_d,
        );
        let derived_ack = match self.clients.get(&tx).map(|c| &c.state) {
            Some(ClientState::Invite(InviteClient::Calling { .. } | InviteClient::Proceeding))
                if code >= 300 =>
            {
                self.clients
                    .get(&tx)
                    .map(|c| self.derived_request(&c.request, Method::Ack, Some(&response)))
            }
            _ => None,
        };
        let Some(c) = self.clients.get_mut(&tx) else {
            return;
        };
        let destination = c.destination;
        match &mut c.state {
            ClientState::Invite(InviteClient::Calling { .. } | InviteClient::Proceeding) => {
                for t in [Timer::A, Timer::B, Timer::C] {
                    c.timers.clear(t);
                }
                let pending_cancel = c.cancel;
                if code < 200 {
                    c.state = ClientState::Invite(InviteClient::Proceeding);
                    self.arm_client(tx, Timer::C, now + timer_c);
                    if let Some(cancel) = pending_cancel {
                        let pending = self.clients.get(&cancel).is_some_and(|c| {
                            matches!(c.state, ClientState::NonInvite(NonInviteClient::Pending))
                        });
                        if pending {
                            self.first_send(now, cancel);
                        }
                    }
                } else if code < 300 {
                    c.state = ClientState::Invite(InviteClient::Accepted);
                    self.arm_client(tx, Timer::M, now + t1x64);
                    self.drop_pending_cancel(pending_cancel);
                } else {
                    let ack = Bytes::from(derived_ack.map(|a| a.to_bytes()).unwrap_or_default());
                    c.state = ClientState::Invite(InviteClient::Completed { ack: ack.clone() });
                    self.arm_client(tx, Timer::D, now + timer_d);
                    self.stats.requests_sent.add(Method::Ack);
                    self.transmit(destination, ack);
                    self.drop_pending_cancel(pending_cancel);
                }
                self.events.push_back(TxEvent::Response { tx, response });
            }
            ClientState::Invite(InviteClient::Accepted) => {
                if (200..300).contains(&code) {
                    self.events.push_back(TxEvent::Response { tx, response });
                } else {
                    self.stats.retransmissions_absorbed += 1;
                }
            }
            ClientState::Invite(InviteClient::Completed { ack }) => {
                self.stats.retransmissions_absorbed += 1;
                if code >= 300 {
                    let ack = ack.clone();
                    self.stats.retransmissions_sent += 1;
                    self.transmit(destination, ack);
                }
            }
            ClientState::NonInvite(
                NonInviteClient::Trying { .. } | NonInviteClient::Proceeding,
            ) => {
                if code < 200 {
                    c.state = ClientState::NonInvite(NonInviteClient::Proceeding);
                } else {
                    c.state = ClientState::NonInvite(NonInviteClient::Completed);
                    c.timers.clear(Timer::E);
                    c.timers.clear(Timer::F);
                    self.arm_client(tx, Timer::K, now + t4);
                }
                self.events.push_back(TxEvent::Response { tx, response });
            }
            ClientState::NonInvite(NonInviteClient::Completed) => {
                self.stats.retransmissions_absorbed += 1;
            }
            ClientState::NonInvite(NonInviteClient::Pending) => {
                self.stats.drop(DropReason::StrayResponse);
            }
        }
    }

    fn drop_pending_cancel(&mut self, cancel: Option<ClientTxKey>) {
        let Some(cancel) = cancel else {
            return;
        };
        let pending = self
            .clients
            .get(&cancel)
            .is_some_and(|c| matches!(c.state, ClientState::NonInvite(NonInviteClient::Pending)));
        if pending {
            self.terminate_client(cancel);
        }
    }

    pub(super) fn on_client_timer(&mut self, now: Instant, tx: ClientTxKey, timer: Timer) {
        let t2 = self.config.t2;
        let Some(c) = self.clients.get_mut(&tx) else {
            return;
        };
        let retransmit = match (&mut c.state, timer) {
            (ClientState::Invite(InviteClient::Calling { interval }), Timer::A) => {
                *interval = interval.saturating_mul(2);
                Some((Timer::A, *interval))
            }
            (ClientState::NonInvite(NonInviteClient::Trying { interval }), Timer::E) => {
                *interval = (*interval * 2).min(t2);
                Some((Timer::E, *interval))
            }
            (ClientState::NonInvite(NonInviteClient::Proceeding), Timer::E) => Some((Timer::E, t2)),
            _ => None,
        };
        if let Some((timer, next)) = retransmit {
            let (bytes, destination) = (c.bytes.clone(), c.destination);
            self.stats.retransmissions_sent += 1;
            self.transmit(destination, bytes);
            self.arm_client(tx, timer, now + next);
            return;
        }
        let timed_out = match (&c.state, timer) {
            (ClientState::Invite(InviteClient::Calling { .. }), Timer::B)
            | (ClientState::Invite(InviteClient::Proceeding), Timer::C) => true,
            (
                ClientState::NonInvite(
                    NonInviteClient::Trying { .. } | NonInviteClient::Proceeding,
                ),
                Timer::F,
            ) => true,
            (_, Timer::D | Timer::K | Timer::M) => false,
            _ => return,
        };
        if timed_out {
            self.stats.timeouts += 1;
            self.events.push_back(TxEvent::Timeout { tx });
        }
        self.terminate_client(tx);
    }

    fn terminate_client(&mut self, tx: ClientTxKey) {
        let Some(c) = self.clients.remove(&tx) else {
            return;
        };
        let key = (c.branch, c.request.method);
        if self.client_index.get(&key) == Some(&tx) {
            self.client_index.remove(&key);
        }
        self.drop_pending_cancel(c.cancel);
    }
}
