//! The transaction layer (RFC 3261 §17 with the RFC 6026 Accepted state),
//! sans-IO, one per UDP endpoint.
//!
//! # Run loop (quinn style)
//!
//! ```text
//! datagram ──► layer.handle_datagram(now, source, bytes)
//! deadline ──► layer.handle_timeout(now)            (calling it early is harmless)
//! TU       ──► layer.respond / send_request / cancel / send_ack
//! then drain: while let Some(t) = layer.poll_transmit() { socket.send_to(&t.payload, t.destination) }
//!             while let Some(e) = layer.poll_event()    { tu.handle(e) }
//! and sleep until layer.poll_timeout().
//! ```
//!
//! The layer answers by itself: 100 Trying to a new INVITE, retransmissions
//! of requests (with the last response), the ACK to a non-2xx final
//! response, 200/481 to CANCEL, the [`UasPolicy`]
//! rejections when configured, and the wire layer's 400/501/505. It
//! retransmits requests (Timers A, E), non-2xx and 2xx final responses
//! (Timer G) until the ACK. Everything the TU must decide surfaces as a
//! [`TxEvent`].

mod client;
mod matching;
mod server;
mod stats;
mod timer;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rsipstack::sip::{Method, Request, Response};

use crate::ids::IdGen;
use crate::wire::{self, Parsed};
use crate::{DropReason, UasPolicy, WireOptions};
use client::ClientTx;
use matching::ServerMatch;
use server::ServerTx;
pub use stats::{MethodCounts, TxStats};
pub use timer::Timer;
use timer::{TimerHeap, TxRef};

/// Handle of a server transaction (a request we received).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerTxKey(u64);

/// Handle of a client transaction (a request we sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientTxKey(u64);

/// Configuration of a [`TransactionLayer`].
#[derive(Debug, Clone)]
pub struct TxConfig {
    /// RTT estimate (default 500 ms).
    pub t1: Duration,
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s).
    pub t2: Duration,
    /// Maximum time a message stays in the network (default 5 s).
    pub t4: Duration,
    /// Timer D: wait for response retransmissions after a non-2xx to our INVITE (default 32 s).
    pub timer_d: Duration,
    /// Guard for a client INVITE left in Proceeding (Timer C, default 180 s).
    pub timer_c: Duration,
    /// Address put in the sent-by of our Via headers (the advertised address).
    pub local_addr: SocketAddr,
    /// `User-Agent`/`Server` header value; empty for none.
    pub user_agent: String,
    /// Options for the wire layer's own answers (Allow in 501).
    pub wire: WireOptions,
    /// When set, new requests failing [`uas_checks`](crate::uas_checks) are
    /// answered by the layer and never reach the TU.
    pub uas_policy: Option<UasPolicy>,
}

impl TxConfig {
    /// Defaults of RFC 3261 (T1 500 ms, T2 4 s, T4 5 s), with `local_addr`.
    pub fn new(local_addr: SocketAddr) -> Self {
        Self {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            timer_d: Duration::from_secs(32),
            timer_c: Duration::from_secs(180),
            local_addr,
            user_agent: String::new(),
            wire: WireOptions::default(),
            uas_policy: Some(UasPolicy::default()),
        }
    }

    fn t1x64(&self) -> Duration {
        self.t1.saturating_mul(64)
    }
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it.
    pub destination: SocketAddr,
    /// The bytes (shared with the transaction for retransmissions).
    pub payload: Bytes,
}

/// What the TU must hear about.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TxEvent {
    /// A new request (retransmissions never surface). Answer with
    /// [`TransactionLayer::respond`]. The top Via already carries
    /// `received`/`rport`, so [`builder::response`](crate::builder::response) copies it right.
    Request {
        /// The server transaction.
        tx: ServerTxKey,
        /// The request.
        request: Request,
        /// Where it came from.
        source: SocketAddr,
    },
    /// The ACK to our 2xx (confirms the dialog; may carry the SDP answer).
    Ack {
        /// The INVITE server transaction the 2xx belonged to.
        invite: ServerTxKey,
        /// The ACK.
        request: Request,
        /// Where it came from.
        source: SocketAddr,
    },
    /// A CANCEL matched an INVITE still without a final response. The layer
    /// has answered 200 to the CANCEL; the TU now sends 487 to the INVITE.
    Cancelled {
        /// The INVITE server transaction.
        invite: ServerTxKey,
    },
    /// A response to our request: provisional and final. 2xx retransmissions
    /// to our INVITE surface again, so the TU re-sends its ACK.
    Response {
        /// The client transaction.
        tx: ClientTxKey,
        /// The response.
        response: Response,
    },
    /// No final response in time (Timer B, C or F).
    Timeout {
        /// The client transaction.
        tx: ClientTxKey,
    },
    /// Our 2xx never got its ACK (Timer H): the TU tears the dialog down with BYE.
    AckTimeout {
        /// The INVITE server transaction.
        tx: ServerTxKey,
    },
}

/// The transaction layer of one UDP endpoint.
#[derive(Debug)]
pub struct TransactionLayer {
    config: TxConfig,
    ids: IdGen,
    next_key: u64,
    servers: HashMap<ServerTxKey, ServerTx>,
    server_index: HashMap<ServerMatch, ServerTxKey>,
    /// 2xx ACK matching (Call-ID, CSeq number, To tag) → INVITE in Accepted.
    accepted_index: HashMap<(String, u32, String), ServerTxKey>,
    clients: HashMap<ClientTxKey, ClientTx>,
    client_index: HashMap<(String, Method), ClientTxKey>,
    timers: TimerHeap,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TxEvent>,
    stats: TxStats,
}

impl TransactionLayer {
    /// A layer with `config`; `seed` drives branch generation.
    pub fn new(config: TxConfig, seed: u64) -> Self {
        Self {
            config,
            ids: IdGen::new(seed),
            next_key: 1,
            servers: HashMap::new(),
            server_index: HashMap::new(),
            accepted_index: HashMap::new(),
            clients: HashMap::new(),
            client_index: HashMap::new(),
            timers: TimerHeap::default(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: TxStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TxConfig {
        &self.config
    }

    /// Feeds one received datagram.
    pub fn handle_datagram(&mut self, now: Instant, source: SocketAddr, data: &[u8]) {
        match wire::parse(data, &self.config.wire) {
            Parsed::Request(request) => self.on_request(now, source, request),
            Parsed::Response(response) => self.on_response(now, response),
            Parsed::Reject { response, error } => {
                if let Some(code) = status_of(&response) {
                    self.stats.response_sent(code);
                }
                self.stats.drop(DropReason::Wire(error));
                self.transmit(source, Bytes::from(response));
            }
            Parsed::Drop(error) => self.stats.drop(DropReason::Wire(error)),
        }
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((at, tx, timer)) = self.timers.pop_due(now) {
            match tx {
                TxRef::Server(key) => {
                    let armed = self.servers.get(&key).and_then(|s| s.timers.get(timer));
                    if armed == Some(at) {
                        if let Some(s) = self.servers.get_mut(&key) {
                            s.timers.clear(timer);
                        }
                        self.on_server_timer(now, key, timer);
                    }
                }
                TxRef::Client(key) => {
                    let armed = self.clients.get(&key).and_then(|c| c.timers.get(timer));
                    if armed == Some(at) {
                        if let Some(c) = self.clients.get_mut(&key) {
                            c.timers.clear(timer);
                        }
                        self.on_client_timer(now, key, timer);
                    }
                }
            }
        }
    }

    /// The next datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the TU.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<TxEvent> {
        self.events.pop_front()
    }

    /// The earliest armed deadline (possibly one that was since cancelled:
    /// calling [`handle_timeout`](Self::handle_timeout) then is harmless).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.peek()
    }

    /// Counters.
    pub fn stats(&self) -> &TxStats {
        &self.stats
    }

    /// Live server and client transactions.
    pub fn live_transactions(&self) -> (usize, usize) {
        (self.servers.len(), self.clients.len())
    }

    /// Entries in the timer heap (live and stale), for load diagnostics.
    pub fn armed_timers(&self) -> usize {
        self.timers.len()
    }

    fn next_key(&mut self) -> u64 {
        let k = self.next_key;
        self.next_key += 1;
        k
    }

    fn transmit(&mut self, destination: SocketAddr, payload: Bytes) {
        self.transmits.push_back(Transmit {
            destination,
            payload,
        });
    }

    fn arm_server(&mut self, key: ServerTxKey, timer: Timer, at: Instant) {
        if let Some(s) = self.servers.get_mut(&key) {
            s.timers.set(timer, at);
            self.timers.push(at, TxRef::Server(key), timer);
        }
    }

    fn arm_client(&mut self, key: ClientTxKey, timer: Timer, at: Instant) {
        if let Some(c) = self.clients.get_mut(&key) {
            c.timers.set(timer, at);
            self.timers.push(at, TxRef::Client(key), timer);
        }
    }
}

/// The status code of a serialized response.
fn status_of(bytes: &[u8]) -> Option<u16> {
    std::str::from_utf8(bytes.get(8..11)?).ok()?.parse().ok()
}
