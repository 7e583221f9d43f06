//! A driver for the engine under a simulated clock, for flow tests.
//!
//! [`Sim`] owns an [`Engine`] and plays the server's part: it feeds SIP
//! datagrams and RTP packets in, answers `OpenMedia` at once with a fake
//! local port, drains every output after every input (SIP datagrams and
//! RTP packets are kept with the instant they left and their destination,
//! events in order) and moves time by stepping through the engine's
//! `poll_timeout()` deadlines. Nothing sleeps: `t0` is taken once and every
//! other instant is `t0 + d`.
//!
//! The peers (a trunk caller, an operator's softphone) live in [`peer`];
//! RTP helpers in [`rtp`]; the catalog (YAML + synthesised prompts) in
//! [`catalog`].
#![allow(dead_code)]

pub mod catalog;
pub mod peer;
pub mod rtp;

use centralino_engine::{Engine, EngineConfig, EngineEvent, LegKey};
use centralino_media::{Codec, RtpPacket};
use centralino_sip::msg::{Request, Response};
use centralino_sip::testkit;
use centralino_sip::MessageExt;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use catalog::PromptBook;
#[allow(unused_imports)]
pub use peer::{reply, Agent, Caller, Offer};
#[allow(unused_imports)]
pub use rtp::{Heard, RtpOut};

/// The engine's SIP address.
pub fn engine_addr() -> SocketAddr {
    "192.0.2.1:5060".parse().unwrap()
}

/// The trunk (callers' SIP address).
pub fn trunk_addr() -> SocketAddr {
    "192.0.2.10:5060".parse().unwrap()
}

/// Monday 2 March 2026, 10:00 in Rome: inside an 08:00–17:00 window.
pub fn monday_10() -> DateTime<Utc> {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

/// Sunday 1 March 2026, 10:00 in Rome: outside every weekday window.
pub fn sunday_10() -> DateTime<Utc> {
    "2026-03-01T09:00:00Z".parse().unwrap()
}

/// A SIP datagram the engine sent.
#[derive(Debug, Clone)]
pub struct SipMsg {
    /// When it left (simulated time).
    pub at: Instant,
    /// Where to.
    pub to: SocketAddr,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl SipMsg {
    /// Status code (0 for a request).
    pub fn status(&self) -> u16 {
        testkit::status(&self.bytes)
    }

    /// Whether it is a request of this method.
    pub fn is(&self, method: &str) -> bool {
        self.bytes.starts_with(format!("{method} ").as_bytes())
    }

    /// The request method or `"<code>"` for a response (for messages).
    pub fn label(&self) -> String {
        match self.status() {
            0 => self.text().split(' ').next().unwrap_or("").to_string(),
            code => format!("{code} {}", self.cseq_method()),
        }
    }

    /// Parsed as a response.
    pub fn response(&self) -> Response {
        testkit::parse_response(&self.bytes)
    }

    /// Parsed as a request.
    pub fn request(&self) -> Request {
        testkit::parse_request(&self.bytes)
    }

    /// A header value (first one).
    pub fn header(&self, name: &str) -> Option<String> {
        if self.status() == 0 {
            self.request().header_value(name).map(str::to_owned)
        } else {
            self.response().header_value(name).map(str::to_owned)
        }
    }

    /// The method of the CSeq header.
    pub fn cseq_method(&self) -> String {
        self.header("CSeq")
            .and_then(|c| c.split_whitespace().nth(1).map(str::to_owned))
            .unwrap_or_default()
    }

    /// The number of the CSeq header.
    pub fn cseq_number(&self) -> u32 {
        self.header("CSeq")
            .and_then(|c| c.split_whitespace().next().and_then(|n| n.parse().ok()))
            .unwrap_or(0)
    }

    /// The Call-ID.
    pub fn call_id(&self) -> String {
        self.header("Call-ID").unwrap_or_default()
    }

    /// The body as text.
    pub fn body(&self) -> String {
        let text = self.text();
        text.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    }

    /// The whole datagram as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// An RTP packet the engine sent.
#[derive(Debug, Clone)]
pub struct RtpSent {
    /// When it left.
    pub at: Instant,
    /// The leg whose socket sent it.
    pub leg: LegKey,
    /// Where to.
    pub to: SocketAddr,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Relayed at once by `handle_rtp` (bridged legs), not paced.
    pub relayed: bool,
}

impl RtpSent {
    /// The parsed packet.
    pub fn packet(&self) -> RtpPacket<'_> {
        RtpPacket::parse(&self.bytes).expect("the engine sends valid RTP")
    }
}

/// Builds a [`Sim`].
pub struct SimBuilder {
    yaml: String,
    config: EngineConfig,
    wall: DateTime<Utc>,
    seed: u64,
    default_frames: usize,
    lengths: HashMap<String, usize>,
}

impl SimBuilder {
    /// Change the engine settings.
    pub fn config(mut self, f: impl FnOnce(&mut EngineConfig)) -> Self {
        f(&mut self.config);
        self
    }

    /// Wall-clock time at `t0`.
    pub fn wall(mut self, wall: DateTime<Utc>) -> Self {
        self.wall = wall;
        self
    }

    /// The RNG seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Frames (20 ms) of one prompt (display name: `name`, or `lang/name`).
    pub fn prompt_frames(mut self, name: &str, frames: usize) -> Self {
        self.lengths.insert(name.to_string(), frames);
        self
    }

    /// Frames of every prompt not given by [`prompt_frames`](Self::prompt_frames).
    pub fn default_frames(mut self, frames: usize) -> Self {
        self.default_frames = frames;
        self
    }

    /// The simulation.
    pub fn build(self) -> Sim {
        let (catalog, prompts) = catalog::build(&self.yaml, self.default_frames, &self.lengths);
        let t0 = Instant::now();
        let engine = Engine::new(self.config, Arc::new(catalog), self.seed, t0, self.wall)
            .expect("valid ACD config");
        Sim {
            engine,
            t0,
            now: t0,
            sip: Vec::new(),
            rtp: Vec::new(),
            events: Vec::new(),
            open: BTreeMap::new(),
            opened: Vec::new(),
            closed: Vec::new(),
            anomalies: Vec::new(),
            prompts,
            next_port: 20000,
            buf: vec![0; 2048],
            out: vec![0; 2048],
            rtp_log: true,
            fail_media: 0,
        }
    }
}

/// The engine and its simulated surroundings.
pub struct Sim {
    /// The engine under test.
    pub engine: Engine,
    /// The start of simulated time.
    pub t0: Instant,
    /// The current simulated time.
    pub now: Instant,
    /// SIP datagrams sent and not yet taken.
    pub sip: Vec<SipMsg>,
    /// RTP packets sent and not yet taken.
    pub rtp: Vec<RtpSent>,
    /// Engine events (including `OpenMedia`/`CloseMedia`) not yet taken.
    pub events: Vec<EngineEvent>,
    /// RTP sockets open now: leg → local address.
    pub open: BTreeMap<LegKey, SocketAddr>,
    /// Every socket ever opened, in order.
    pub opened: Vec<(LegKey, SocketAddr)>,
    /// Every socket closed, in order.
    pub closed: Vec<LegKey>,
    /// Driver-level protocol violations seen (a `CloseMedia` for a socket
    /// that is not open, an RTP packet from a leg without a socket).
    pub anomalies: Vec<String>,
    /// Which prompt a frame belongs to.
    pub prompts: PromptBook,
    next_port: u16,
    buf: Vec<u8>,
    out: Vec<u8>,
    /// Keep RTP packets (the property test turns it off to save memory).
    pub rtp_log: bool,
    /// Answer this many `OpenMedia` with `handle_media_failed` (no port).
    pub fail_media: usize,
}

impl Sim {
    /// A simulation of the catalog in `yaml` (sections `services`,
    /// `queues`, `agents`), engine on [`engine_addr`], Monday 10:00,
    /// prompts of 5 frames.
    pub fn builder(yaml: &str) -> SimBuilder {
        SimBuilder {
            yaml: yaml.to_string(),
            config: EngineConfig::new(engine_addr()),
            wall: monday_10(),
            seed: 7,
            default_frames: 5,
            lengths: HashMap::new(),
        }
    }

    /// Time since `t0`.
    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Drain every output until the engine has nothing more, answering
    /// `OpenMedia` at once.
    pub fn flush(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(t) = self.engine.poll_transmit() {
                progressed = true;
                self.sip.push(SipMsg {
                    at: self.now,
                    to: t.destination,
                    bytes: t.payload.to_vec(),
                });
            }
            while let Some(t) = self.engine.poll_rtp(&mut self.buf) {
                progressed = true;
                if !self.open.contains_key(&t.leg) {
                    self.anomalies
                        .push(format!("RTP from {} which has no socket", t.leg));
                }
                if self.rtp_log {
                    let bytes = self.buf[..t.len].to_vec();
                    self.rtp.push(RtpSent {
                        at: self.now,
                        leg: t.leg,
                        to: t.destination,
                        bytes,
                        relayed: false,
                    });
                }
            }
            while let Some(ev) = self.engine.poll_event() {
                progressed = true;
                match &ev {
                    EngineEvent::OpenMedia { leg } if self.fail_media > 0 => {
                        self.fail_media -= 1;
                        self.engine.handle_media_failed(self.now, *leg);
                    }
                    EngineEvent::OpenMedia { leg } => {
                        let local: SocketAddr =
                            format!("192.0.2.1:{}", self.next_port).parse().unwrap();
                        self.next_port += 2;
                        if self.open.insert(*leg, local).is_some() {
                            self.anomalies.push(format!("OpenMedia twice for {leg}"));
                        }
                        self.opened.push((*leg, local));
                        self.engine.handle_media_opened(self.now, *leg, local);
                    }
                    EngineEvent::CloseMedia { leg } => {
                        if self.open.remove(leg).is_none() {
                            self.anomalies
                                .push(format!("CloseMedia for {leg}, which is not open"));
                        }
                        self.closed.push(*leg);
                    }
                    _ => {}
                }
                self.events.push(ev);
            }
            if !progressed {
                break;
            }
        }
    }

    /// Move time to `target`, handling every deadline on the way.
    pub fn run_until(&mut self, target: Instant) {
        self.flush();
        let mut stuck = 0;
        while let Some(t) = self.engine.poll_timeout() {
            if t > target {
                break;
            }
            if t <= self.now {
                stuck += 1;
                assert!(
                    stuck < 1000,
                    "the engine's deadline {:?} does not move past now",
                    t - self.t0
                );
            } else {
                stuck = 0;
            }
            self.now = self.now.max(t);
            self.engine.handle_timeout(self.now);
            self.flush();
        }
        self.now = self.now.max(target);
    }

    /// Move time forward by `d`.
    pub fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        self.run_until(target);
    }

    /// Move time forward until `pred` holds for a SIP message not yet taken
    /// (checked after every step), at most `limit`; returns whether it did.
    pub fn advance_until_sip(&mut self, limit: Duration, pred: impl Fn(&SipMsg) -> bool) -> bool {
        let end = self.now + limit;
        self.flush();
        loop {
            if self.sip.iter().any(&pred) {
                return true;
            }
            match self.engine.poll_timeout() {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.engine.handle_timeout(self.now);
                    self.flush();
                }
                _ => {
                    self.now = end;
                    return self.sip.iter().any(&pred);
                }
            }
        }
    }

    /// A SIP datagram from `source`.
    pub fn sip_in(&mut self, source: SocketAddr, bytes: &[u8]) {
        self.engine.handle_sip(self.now, source, bytes);
        self.flush();
    }

    /// An RTP datagram from `source` on `leg`'s socket; a relayed packet
    /// is kept (marked `relayed`) like the paced ones.
    pub fn rtp_in(&mut self, leg: LegKey, source: SocketAddr, bytes: &[u8]) -> Option<RtpSent> {
        let now = self.now;
        let relayed = self
            .engine
            .handle_rtp(now, leg, source, bytes, &mut self.out);
        let sent = relayed.map(|t| RtpSent {
            at: now,
            leg: t.leg,
            to: t.destination,
            bytes: self.out[..t.len].to_vec(),
            relayed: true,
        });
        if let Some(s) = &sent {
            if !self.open.contains_key(&s.leg) {
                self.anomalies
                    .push(format!("relayed RTP from {} which has no socket", s.leg));
            }
            if self.rtp_log {
                self.rtp.push(s.clone());
            }
        }
        self.flush();
        sent
    }

    /// Take the SIP datagrams sent to `to`.
    pub fn take_sip_to(&mut self, to: SocketAddr) -> Vec<SipMsg> {
        let (mine, rest): (Vec<SipMsg>, Vec<SipMsg>) = std::mem::take(&mut self.sip)
            .into_iter()
            .partition(|m| m.to == to);
        self.sip = rest;
        mine
    }

    /// Take every SIP datagram sent.
    pub fn take_sip(&mut self) -> Vec<SipMsg> {
        std::mem::take(&mut self.sip)
    }

    /// Take the RTP packets sent to `to`.
    pub fn take_rtp_to(&mut self, to: SocketAddr) -> Vec<RtpSent> {
        let (mine, rest): (Vec<RtpSent>, Vec<RtpSent>) = std::mem::take(&mut self.rtp)
            .into_iter()
            .partition(|p| p.to == to);
        self.rtp = rest;
        mine
    }

    /// Take every event (`OpenMedia`/`CloseMedia` included).
    pub fn take_events(&mut self) -> Vec<EngineEvent> {
        std::mem::take(&mut self.events)
    }

    /// What the paced packets to `to` played: runs of the same prompt
    /// (a new run at every marker bit), silence included.
    pub fn heard(&self, packets: &[RtpSent], codec: Codec) -> Vec<Heard> {
        rtp::heard(&self.prompts, packets, codec)
    }

    /// The run names of [`heard`](Self::heard), silence left out.
    pub fn prompts_heard(&self, packets: &[RtpSent], codec: Codec) -> Vec<String> {
        self.heard(packets, codec)
            .into_iter()
            .filter(|h| h.name != "silence")
            .map(|h| h.name)
            .collect()
    }

    /// Take the packets sent to `to` and tell the prompts they played
    /// (silence left out).
    pub fn take_heard(&mut self, to: SocketAddr, codec: Codec) -> Vec<String> {
        let packets = self.take_rtp_to(to);
        self.prompts_heard(&packets, codec)
    }

    /// Take the packets sent to `to` and tell the runs they played.
    pub fn take_runs(&mut self, to: SocketAddr, codec: Codec) -> Vec<Heard> {
        let packets = self.take_rtp_to(to);
        self.heard(&packets, codec)
    }

    /// Frames of a prompt.
    pub fn frames(&self, name: &str) -> usize {
        self.prompts.frames(name)
    }

    /// A prompt's playing time.
    pub fn prompt_time(&self, name: &str) -> Duration {
        Duration::from_millis(20 * self.frames(name) as u64)
    }
}

/// The labels of SIP messages (`INVITE`, `200 INVITE`), for assertions.
pub fn labels(msgs: &[SipMsg]) -> Vec<String> {
    msgs.iter().map(SipMsg::label).collect()
}

/// The SDP offer of a trunk caller: `codecs` by name (`PCMA`, `PCMU`,
/// `G729`) in order, telephone-event on `te` if given, `extra` lines
/// (e.g. `a=sendonly`) at the end.
pub fn sdp(rtp: SocketAddr, codecs: &[&str], te: Option<u8>, extra: &[&str]) -> String {
    let pts: Vec<u8> = codecs
        .iter()
        .map(|c| match *c {
            "PCMU" => 0,
            "PCMA" => 8,
            "G729" => 18,
            other => panic!("codec {other}"),
        })
        .collect();
    let mut fmt: Vec<String> = pts.iter().map(u8::to_string).collect();
    if let Some(te) = te {
        fmt.push(te.to_string());
    }
    let mut s = format!(
        "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP {fmts}\r\n",
        ip = rtp.ip(),
        port = rtp.port(),
        fmts = fmt.join(" ")
    );
    for (c, pt) in codecs.iter().zip(&pts) {
        s.push_str(&format!("a=rtpmap:{pt} {c}/8000\r\n"));
    }
    if let Some(te) = te {
        s.push_str(&format!(
            "a=rtpmap:{te} telephone-event/8000\r\na=fmtp:{te} 0-15\r\n"
        ));
    }
    s.push_str("a=ptime:20\r\n");
    for l in extra {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s
}

/// The `m=` line of an SDP body.
pub fn m_line(body: &str) -> String {
    body.lines()
        .find(|l| l.starts_with("m="))
        .unwrap_or_else(|| panic!("no m= line in {body}"))
        .to_string()
}

/// The RTP address an SDP body gives (`c=` and `m=`).
pub fn sdp_rtp_addr(body: &str) -> SocketAddr {
    let ip = body
        .lines()
        .find_map(|l| l.strip_prefix("c=IN IP4 "))
        .unwrap_or_else(|| panic!("no c= line in {body}"))
        .trim();
    let port = m_line(body).split_whitespace().nth(1).unwrap().to_string();
    format!("{ip}:{port}").parse().unwrap()
}

/// The direction attribute of an SDP body (`sendrecv` when absent).
pub fn sdp_direction(body: &str) -> String {
    body.lines()
        .find_map(|l| {
            let a = l.strip_prefix("a=")?.trim();
            ["sendrecv", "sendonly", "recvonly", "inactive"]
                .contains(&a)
                .then(|| a.to_string())
        })
        .unwrap_or_else(|| "sendrecv".to_string())
}

/// The catalog most flows use: a menu service (`800 228040`: 1 = a message
/// then goodbye, 2 = queue `q1`, no choice = hang up), a queue service
/// (`800 264760`, voicemail offered out of hours), queue `q1` (ring 5 s,
/// wrap-up 10 s) and two agents (`op1`/`pw1`, `op2`/`pw2`).
pub const BASE: &str = r#"
services:
  - id: td
    name: Trentino Digitale
    numbers: ["800 228040"]
    calendar: { hours: { mon-fri: ["08:00-17:00"] }, holidays: none }
    prompts: { welcome: td-benvenuto, out_of_hours: td-fuori-orario }
    action: { menu: main }
    menus:
      main:
        prompt: td-menu
        options:
          "1": { play_then_hangup: td-orari }
          "2": { queue: q1 }
        first_digit_timeout: 5s
        max_invalid: 3
        max_timeouts: 2
        no_choice: hangup
    out_of_hours: { voicemail: none }
  - id: lavoro
    name: Agenzia del Lavoro
    numbers: ["800 264760"]
    calendar: { hours: { mon-fri: ["08:00-17:00"] }, holidays: none }
    prompts: { welcome: adl-benvenuto, out_of_hours: adl-fuori-orario }
    action: { queue: q1 }
    out_of_hours: { voicemail: offer, offer_timeout: 4s }
    voicemail: { min_length: 1s, silence_timeout: 4s, max_length: 30s }
queues:
  - id: q1
    name: Queue 1
    ring_timeout: 5s
    wrap_up: 10s
    max_wait: 10m
agents:
  - id: op1
    name: Operatore 1
    credentials: { password: pw1 }
    queues: [ { queue: q1, level: 1 } ]
  - id: op2
    name: Operatore 2
    credentials: { password: pw2 }
    queues: [ { queue: q1, level: 1 } ]
"#;

/// The menu service's number.
pub const MENU: &str = "800228040";
/// The queue service's number.
pub const QUEUE: &str = "800264760";

/// A caller's RTP address (`n` ≥ 0).
pub fn caller_rtp(n: u16) -> SocketAddr {
    format!("192.0.2.10:{}", 40000 + 2 * n).parse().unwrap()
}
