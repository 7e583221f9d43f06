//! A small language for readable SIP tests (feature `testkit`).
//!
//! ```
//! use centralino_sip::testkit::{self, Harness, OFFER};
//! let invite = testkit::invite("sip:800228040@centralino")
//!     .from("sip:0461123456@trunk")
//!     .sdp(OFFER)
//!     .build();
//! let mut h = Harness::new(1);
//! h.recv(&invite);
//! assert_eq!(h.sent_codes(), [100]);
//! let (tx, request) = h.expect_request();
//! # let _ = (tx, request);
//! ```
//!
//! Helpers here panic on malformed input: they are for tests only.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::header::MessageExt;
use crate::msg::{Request, Response};
use crate::{
    parse_datagram, ClientTxKey, Inbound, ServerTxKey, TransactionLayer, Transmit, TxConfig,
    TxEvent,
};

/// A G.711 offer with telephone-event, for tests.
pub const OFFER: &str =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
m=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n";

static COUNTER: AtomicU64 = AtomicU64::new(1);

fn next() -> u64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// A request under construction, with automatic branch, From-tag, Call-ID and CSeq.
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    method: String,
    uri: String,
    from: String,
    to: String,
    via: String,
    rport: bool,
    branch: String,
    call_id: String,
    cseq: u32,
    from_tag: Option<String>,
    to_tag: Option<String>,
    contact: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
}

/// Any request to `uri`.
pub fn request(method: &str, uri: &str) -> MessageBuilder {
    let n = next();
    MessageBuilder {
        method: method.to_owned(),
        uri: uri.to_owned(),
        from: "sip:caller@192.0.2.10".to_owned(),
        to: uri.to_owned(),
        via: "192.0.2.10:5060".to_owned(),
        rport: false,
        branch: format!("z9hG4bK-tk{n}"),
        call_id: format!("tk{n}@testkit"),
        cseq: 1,
        from_tag: Some(format!("tkf{n}")),
        to_tag: None,
        contact: Some("sip:caller@192.0.2.10:5060".to_owned()),
        headers: Vec::new(),
        body: None,
    }
}

/// An INVITE.
pub fn invite(uri: &str) -> MessageBuilder {
    request("INVITE", uri)
}

/// An OPTIONS.
pub fn options(uri: &str) -> MessageBuilder {
    request("OPTIONS", uri).no_contact()
}

/// A REGISTER for `aor` (To = From = `aor`).
pub fn register(registrar: &str, aor: &str) -> MessageBuilder {
    request("REGISTER", registrar).from(aor).to(aor)
}

/// A MESSAGE.
pub fn message(uri: &str) -> MessageBuilder {
    request("MESSAGE", uri).no_contact()
}

impl MessageBuilder {
    /// From URI.
    pub fn from(mut self, uri: &str) -> Self {
        self.from = uri.to_owned();
        self
    }
    /// To URI.
    pub fn to(mut self, uri: &str) -> Self {
        self.to = uri.to_owned();
        self
    }
    /// Via sent-by (`host:port`).
    pub fn via(mut self, sent_by: &str) -> Self {
        self.via = sent_by.to_owned();
        self
    }
    /// Adds `;rport` to the Via.
    pub fn rport(mut self) -> Self {
        self.rport = true;
        self
    }
    /// Via branch.
    pub fn branch(mut self, branch: &str) -> Self {
        self.branch = branch.to_owned();
        self
    }
    /// No branch parameter (an RFC 2543 client).
    pub fn no_branch(mut self) -> Self {
        self.branch.clear();
        self
    }
    /// Call-ID.
    pub fn call_id(mut self, call_id: &str) -> Self {
        self.call_id = call_id.to_owned();
        self
    }
    /// CSeq number.
    pub fn cseq(mut self, n: u32) -> Self {
        self.cseq = n;
        self
    }
    /// From tag (`None`: no tag, as an RFC 2543 client).
    pub fn from_tag(mut self, tag: Option<&str>) -> Self {
        self.from_tag = tag.map(str::to_owned);
        self
    }
    /// To tag (an in-dialog request).
    pub fn to_tag(mut self, tag: &str) -> Self {
        self.to_tag = Some(tag.to_owned());
        self
    }
    /// Contact URI.
    pub fn contact(mut self, uri: &str) -> Self {
        self.contact = Some(uri.to_owned());
        self
    }
    /// No Contact header.
    pub fn no_contact(mut self) -> Self {
        self.contact = None;
        self
    }
    /// Any header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    /// An `application/sdp` body.
    pub fn sdp(self, sdp: &str) -> Self {
        self.body("application/sdp", sdp.as_bytes())
    }
    /// A body.
    pub fn body(mut self, content_type: &str, body: &[u8]) -> Self {
        self.body = Some((content_type.to_owned(), body.to_vec()));
        self
    }

    /// The datagram.
    pub fn build(&self) -> Vec<u8> {
        let mut s = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        let rport = if self.rport { ";rport" } else { "" };
        let branch = if self.branch.is_empty() {
            String::new()
        } else {
            format!(";branch={}", self.branch)
        };
        s.push_str(&format!("Via: SIP/2.0/UDP {}{branch}{rport}\r\n", self.via));
        s.push_str("Max-Forwards: 70\r\n");
        match &self.from_tag {
            Some(t) => s.push_str(&format!("From: <{}>;tag={t}\r\n", self.from)),
            None => s.push_str(&format!("From: <{}>\r\n", self.from)),
        }
        match &self.to_tag {
            Some(t) => s.push_str(&format!("To: <{}>;tag={t}\r\n", self.to)),
            None => s.push_str(&format!("To: <{}>\r\n", self.to)),
        }
        s.push_str(&format!(
            "Call-ID: {}\r\nCSeq: {} {}\r\n",
            self.call_id, self.cseq, self.method
        ));
        if let Some(c) = &self.contact {
            s.push_str(&format!("Contact: <{c}>\r\n"));
        }
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        let mut bytes;
        match &self.body {
            Some((ct, body)) => {
                s.push_str(&format!(
                    "Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                ));
                bytes = s.into_bytes();
                bytes.extend_from_slice(body);
            }
            None => {
                s.push_str("Content-Length: 0\r\n\r\n");
                bytes = s.into_bytes();
            }
        }
        bytes
    }

    /// The parsed request.
    pub fn build_request(&self) -> Request {
        parse_request(&self.build())
    }
}

/// Parses a request; panics otherwise.
pub fn parse_request(bytes: &[u8]) -> Request {
    match parse_datagram(bytes) {
        Inbound::Request(r) => r,
        other => panic!(
            "not a valid request: {other:?}\n{}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

/// Parses a response; panics otherwise.
pub fn parse_response(bytes: &[u8]) -> Response {
    match parse_datagram(bytes) {
        Inbound::Response(r) => r,
        other => panic!(
            "not a valid response: {other:?}\n{}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

/// The status code of a serialized response (0 for a request).
pub fn status(bytes: &[u8]) -> u16 {
    if !bytes.starts_with(b"SIP/2.0 ") {
        return 0;
    }
    std::str::from_utf8(bytes.get(8..11).unwrap_or(b"000"))
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn header_line(r: &impl MessageExt, name: &str) -> String {
    format!(
        "{name}: {}\r\n",
        r.header_value(name).unwrap_or_else(|| panic!("no {name}"))
    )
}

/// The ACK a UAC sends for `response` to `invite`: same branch for a
/// non-2xx (§17.1.1.3), a new branch and the Contact as Request-URI for a 2xx.
pub fn ack_for(invite: &[u8], response: &[u8]) -> Vec<u8> {
    let inv = parse_request(invite);
    let resp = parse_response(response);
    let code = resp.status_code.code();
    let cseq = inv.cseq().expect("CSeq").number;
    let via = inv.top_via().expect("Via");
    let (uri, branch) = if (200..300).contains(&code) {
        let contact = resp
            .contacts()
            .and_then(|c| c.first().map(|c| c.uri.to_owned()))
            .unwrap_or_else(|| inv.uri.to_string());
        (contact, format!("z9hG4bK-tk{}", next()))
    } else {
        (inv.uri.to_string(), via.branch().unwrap_or("").to_owned())
    };
    let branch = if branch.is_empty() {
        String::new()
    } else {
        format!(";branch={branch}")
    };
    let mut s = format!("ACK {uri} SIP/2.0\r\n");
    s.push_str(&format!(
        "Via: SIP/2.0/{} {}{}{branch}\r\n",
        via.transport,
        via.host,
        via.port.map(|p| format!(":{p}")).unwrap_or_default()
    ));
    s.push_str("Max-Forwards: 70\r\n");
    s.push_str(&header_line(&inv, "From"));
    s.push_str(&header_line(&resp, "To"));
    s.push_str(&header_line(&inv, "Call-ID"));
    s.push_str(&format!("CSeq: {cseq} ACK\r\nContent-Length: 0\r\n\r\n"));
    s.into_bytes()
}

/// The CANCEL for `invite` (same branch, §9.1).
pub fn cancel_for(invite: &[u8]) -> Vec<u8> {
    let inv = parse_request(invite);
    let cseq = inv.cseq().expect("CSeq").number;
    let mut s = format!("CANCEL {} SIP/2.0\r\n", inv.uri);
    s.push_str(&header_line(&inv, "Via"));
    s.push_str("Max-Forwards: 70\r\n");
    s.push_str(&header_line(&inv, "From"));
    s.push_str(&header_line(&inv, "To"));
    s.push_str(&header_line(&inv, "Call-ID"));
    s.push_str(&format!("CSeq: {cseq} CANCEL\r\nContent-Length: 0\r\n\r\n"));
    s.into_bytes()
}

/// The BYE a caller sends after `response` (a 2xx) to `invite`.
pub fn bye_for(invite: &[u8], response: &[u8]) -> Vec<u8> {
    let inv = parse_request(invite);
    let resp = parse_response(response);
    let cseq = inv.cseq().expect("CSeq").number + 1;
    let via = inv.top_via().expect("Via");
    let uri = resp
        .contacts()
        .and_then(|c| c.first().map(|c| c.uri.to_owned()))
        .unwrap_or_else(|| inv.uri.to_string());
    let mut s = format!("BYE {uri} SIP/2.0\r\n");
    s.push_str(&format!(
        "Via: SIP/2.0/{} {}{};branch=z9hG4bK-tk{}\r\n",
        via.transport,
        via.host,
        via.port.map(|p| format!(":{p}")).unwrap_or_default(),
        next()
    ));
    s.push_str("Max-Forwards: 70\r\n");
    s.push_str(&header_line(&inv, "From"));
    s.push_str(&header_line(&resp, "To"));
    s.push_str(&header_line(&inv, "Call-ID"));
    s.push_str(&format!("CSeq: {cseq} BYE\r\nContent-Length: 0\r\n\r\n"));
    s.into_bytes()
}

/// A [`TransactionLayer`] under a simulated clock, with one peer.
#[derive(Debug)]
pub struct Harness {
    /// The layer under test.
    pub layer: TransactionLayer,
    /// The start of simulated time.
    pub t0: Instant,
    /// The current simulated time.
    pub now: Instant,
    /// The default peer address.
    pub peer: SocketAddr,
    sent: Vec<(Instant, Transmit)>,
    events: Vec<TxEvent>,
}

impl Harness {
    /// A layer on 192.0.2.1:5060 talking to 192.0.2.10:5060.
    pub fn new(seed: u64) -> Self {
        Self::with_config(TxConfig::new(local()), seed)
    }

    /// A layer with `config`.
    pub fn with_config(config: TxConfig, seed: u64) -> Self {
        let t0 = Instant::now();
        Self {
            layer: TransactionLayer::new(config, seed),
            t0,
            now: t0,
            peer: "192.0.2.10:5060".parse().expect("literal"),
            sent: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Moves the layer's pending outputs into the harness (stamped `now`).
    pub fn drain(&mut self) {
        while let Some(t) = self.layer.poll_transmit() {
            self.sent.push((self.now, t));
        }
        while let Some(e) = self.layer.poll_event() {
            self.events.push(e);
        }
    }

    /// A datagram from the peer.
    pub fn recv(&mut self, bytes: &[u8]) {
        let peer = self.peer;
        self.recv_from(peer, bytes);
    }

    /// A datagram from `source`.
    pub fn recv_from(&mut self, source: SocketAddr, bytes: &[u8]) {
        self.layer.handle_datagram(self.now, source, bytes);
        self.drain();
    }

    /// Moves time forward by `d`, firing every deadline on the way.
    pub fn advance(&mut self, d: Duration) {
        self.drain();
        let target = self.now + d;
        while let Some(t) = self.layer.poll_timeout().filter(|t| *t <= target) {
            self.now = self.now.max(t);
            self.layer.handle_timeout(self.now);
            self.drain();
        }
        self.now = target;
    }

    /// Time since `t0`.
    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Takes everything sent so far, with the time it was sent.
    pub fn take_sent(&mut self) -> Vec<(Instant, Transmit)> {
        self.drain();
        std::mem::take(&mut self.sent)
    }

    /// Takes the status codes of everything sent (0 for requests).
    pub fn sent_codes(&mut self) -> Vec<u16> {
        self.take_sent()
            .iter()
            .map(|(_, t)| status(&t.payload))
            .collect()
    }

    /// Takes the events so far.
    pub fn take_events(&mut self) -> Vec<TxEvent> {
        self.drain();
        std::mem::take(&mut self.events)
    }

    /// Takes the first pending `Request` event; panics if there is none.
    pub fn expect_request(&mut self) -> (ServerTxKey, Request) {
        self.drain();
        let i = self
            .events
            .iter()
            .position(|e| matches!(e, TxEvent::Request { .. }))
            .unwrap_or_else(|| panic!("no Request event in {:?}", self.events));
        match self.events.remove(i) {
            TxEvent::Request { tx, request, .. } => (tx, request),
            _ => unreachable!("checked above"),
        }
    }
}

impl Harness {
    /// [`TransactionLayer::respond`] at `now`, then drain.
    pub fn respond(&mut self, tx: ServerTxKey, response: Response) -> Result<(), crate::Error> {
        let r = self.layer.respond(self.now, tx, response);
        self.drain();
        r
    }

    /// [`TransactionLayer::send_request`] to the peer at `now`, then drain.
    pub fn send_request(&mut self, request: Request) -> Result<ClientTxKey, crate::Error> {
        let r = self.layer.send_request(self.now, self.peer, request);
        self.drain();
        r
    }

    /// [`TransactionLayer::cancel`] at `now`, then drain.
    pub fn cancel(&mut self, invite: ClientTxKey) -> Result<ClientTxKey, crate::Error> {
        let r = self.layer.cancel(self.now, invite);
        self.drain();
        r
    }

    /// The last datagram sent, parsed as a request; panics otherwise.
    pub fn last_sent_request(&mut self) -> Request {
        self.drain();
        let (_, t) = self.sent.last().expect("nothing sent");
        parse_request(&t.payload)
    }
}

fn local() -> SocketAddr {
    "192.0.2.1:5060".parse().expect("literal")
}
