//! The engine's peers: a caller on the trunk (UAC of its dialog) and an
//! operator's softphone (registers, dials feature codes, is offered calls
//! as UAS). Messages are built with the SIP crate's test language and its
//! dialog type, so in-dialog requests carry the right tags and CSeqs.

use super::{sdp, trunk_addr, RtpOut, Sim, SipMsg};
use centralino_engine::LegKey;
use centralino_sip::auth::{authorize, ClientCredentials};
use centralino_sip::builder;
use centralino_sip::dialog::Dialog;
use centralino_sip::msg::{Method, Request};
use centralino_sip::testkit;
use centralino_sip::MessageExt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

static BRANCH: AtomicU64 = AtomicU64::new(1);

fn branch() -> String {
    format!("z9hG4bK-sim{}", BRANCH.fetch_add(1, Ordering::Relaxed))
}

/// Serialise an in-dialog request, with a Via from `from`.
fn with_via(mut request: Request, from: SocketAddr) -> Vec<u8> {
    builder::push_header(
        &mut request.headers,
        "Via",
        format!("SIP/2.0/UDP {from};branch={}", branch()),
    );
    request.to_string().into_bytes()
}

/// Answer a request the engine sent (`code`, no body).
pub fn reply(sim: &mut Sim, from: SocketAddr, msg: &SipMsg, code: u16) {
    let r = builder::response(&msg.request(), code).build();
    sim.sip_in(from, r.to_string().as_bytes());
}

/// A citizen calling through the trunk.
pub struct Caller {
    /// The trunk's SIP address.
    pub sip: SocketAddr,
    /// Where the caller receives RTP (its offer's address).
    pub rtp: SocketAddr,
    /// The INVITE sent.
    pub invite: Vec<u8>,
    /// Its Call-ID.
    pub call_id: String,
    /// Our leg, once the engine opened its socket.
    pub leg: Option<LegKey>,
    /// Our RTP socket.
    pub local_rtp: Option<SocketAddr>,
    /// The 2xx to the INVITE.
    pub ok: Option<SipMsg>,
    /// The dialog, once answered.
    pub dialog: Option<Dialog>,
    /// The caller's RTP stream.
    pub out: RtpOut,
    /// Audio payload type the caller sends.
    pub pt: u8,
    /// Telephone-event payload type.
    pub te: Option<u8>,
}

impl Caller {
    /// Send an INVITE from `caller_number` to `number` with `body` (an SDP
    /// offer, or none for an offerless INVITE) whose RTP address is `rtp`.
    pub fn invite(
        sim: &mut Sim,
        caller_number: &str,
        number: &str,
        rtp: SocketAddr,
        body: Option<String>,
    ) -> Caller {
        let mut b = testkit::invite(&format!("sip:{number}@192.0.2.1"))
            .from(&format!("sip:{caller_number}@192.0.2.10"))
            .contact(&format!("sip:{caller_number}@192.0.2.10:5060"));
        if let Some(body) = &body {
            b = b.sdp(body);
        }
        let invite = b.build();
        let call_id = testkit::parse_request(&invite)
            .call_id()
            .unwrap()
            .to_string();
        let before = sim.opened.len();
        sim.sip_in(trunk_addr(), &invite);
        let (leg, local_rtp) = match sim.opened.get(before) {
            Some((leg, local)) => (Some(*leg), Some(*local)),
            None => (None, None),
        };
        let n = BRANCH.fetch_add(1, Ordering::Relaxed) as u32;
        Caller {
            sip: trunk_addr(),
            rtp,
            invite,
            call_id,
            leg,
            local_rtp,
            ok: None,
            dialog: None,
            out: RtpOut::new(0x1000_0000 + n, (n * 7) as u16, n.wrapping_mul(1000)),
            pt: 8,
            te: Some(101),
        }
    }

    /// The usual call: PCMA, PCMU and telephone-event 101 offered.
    pub fn call(sim: &mut Sim, caller_number: &str, number: &str, rtp: SocketAddr) -> Caller {
        Caller::invite(
            sim,
            caller_number,
            number,
            rtp,
            Some(sdp(rtp, &["PCMA", "PCMU"], Some(101), &[])),
        )
    }

    /// Call, take the responses, check the 200 and ACK it.
    pub fn answered(sim: &mut Sim, caller_number: &str, number: &str, rtp: SocketAddr) -> Caller {
        let mut c = Caller::call(sim, caller_number, number, rtp);
        let msgs = c.take(sim);
        assert!(
            msgs.iter().any(|m| m.status() == 200),
            "call not answered: {:?}",
            super::labels(&msgs)
        );
        c.ack(sim);
        c
    }

    /// The messages of this call in `msgs`.
    pub fn mine(&self, msgs: &[SipMsg]) -> Vec<SipMsg> {
        msgs.iter()
            .filter(|m| m.call_id() == self.call_id)
            .cloned()
            .collect()
    }

    /// Take this call's messages sent to the trunk, noting the 2xx.
    pub fn take(&mut self, sim: &mut Sim) -> Vec<SipMsg> {
        let all = sim.take_sip_to(self.sip);
        let (mine, rest): (Vec<SipMsg>, Vec<SipMsg>) =
            all.into_iter().partition(|m| m.call_id() == self.call_id);
        // Put the other calls' messages back.
        let mut keep = rest;
        keep.append(&mut sim.sip);
        sim.sip = keep;
        self.see(&mine);
        mine
    }

    /// Note the 2xx to the INVITE among `msgs`.
    pub fn see(&mut self, msgs: &[SipMsg]) {
        if self.ok.is_some() {
            return;
        }
        if let Some(ok) = msgs.iter().find(|m| {
            m.status() == 200 && m.cseq_method() == "INVITE" && m.call_id() == self.call_id
        }) {
            let invite = testkit::parse_request(&self.invite);
            self.dialog =
                Some(Dialog::uac(&invite, &ok.response(), super::engine_addr()).expect("dialog"));
            self.ok = Some(ok.clone());
        }
    }

    /// ACK the 2xx (no body).
    pub fn ack(&mut self, sim: &mut Sim) {
        let ok = self.ok.as_ref().expect("no 2xx to acknowledge");
        let ack = testkit::ack_for(&self.invite, &ok.bytes);
        sim.sip_in(self.sip, &ack);
    }

    /// ACK the 2xx with an SDP answer (offerless INVITE).
    pub fn ack_with_sdp(&mut self, sim: &mut Sim, body: &str) {
        let d = self.dialog.as_ref().expect("no dialog");
        let ack = with_via(d.ack(Some(body.as_bytes().to_vec())), self.sip);
        sim.sip_in(self.sip, &ack);
    }

    /// An in-dialog request.
    pub fn request(&mut self, sim: &mut Sim, method: Method, body: Option<(&str, &[u8])>) {
        let d = self.dialog.as_mut().expect("no dialog");
        let mut b = d.request(method);
        if let Some((ct, bytes)) = body {
            b = b.body(ct, bytes.to_vec());
        }
        let bytes = with_via(b.build(), self.sip);
        sim.sip_in(self.sip, &bytes);
    }

    /// Hang up.
    pub fn bye(&mut self, sim: &mut Sim) {
        self.request(sim, Method::Bye, None);
    }

    /// CANCEL the INVITE.
    pub fn cancel(&self, sim: &mut Sim) {
        sim.sip_in(self.sip, &testkit::cancel_for(&self.invite));
    }

    /// ACK a non-2xx final response (same branch as the INVITE).
    pub fn ack_failure(&self, sim: &mut Sim, response: &SipMsg) {
        sim.sip_in(self.sip, &testkit::ack_for(&self.invite, &response.bytes));
    }

    /// A key press by SIP INFO (`application/dtmf-relay`).
    pub fn info_dtmf(&mut self, sim: &mut Sim, digit: char) {
        let body = format!("Signal={digit}\r\nDuration=160\r\n");
        self.request(
            sim,
            Method::Info,
            Some(("application/dtmf-relay", body.as_bytes())),
        );
    }

    /// A re-INVITE with `body`; the 200 is ACKed when it comes at once.
    pub fn reinvite(&mut self, sim: &mut Sim, body: &str) -> Vec<SipMsg> {
        let d = self.dialog.as_mut().expect("no dialog");
        let req = d.reinvite(Some(body.as_bytes().to_vec()));
        let cseq = d.local_seq();
        sim.sip_in(self.sip, &with_via(req, self.sip));
        // Take the re-INVITE's responses only; the rest stays for the test.
        let all = std::mem::take(&mut sim.sip);
        let (msgs, rest): (Vec<SipMsg>, Vec<SipMsg>) = all.into_iter().partition(|m| {
            m.to == self.sip
                && m.call_id() == self.call_id
                && m.status() != 0
                && m.cseq_number() == cseq
                && m.cseq_method() == "INVITE"
        });
        sim.sip = rest;
        if msgs.iter().any(|m| m.status() == 200) {
            let ack = with_via(self.dialog.as_ref().unwrap().ack(None), self.sip);
            sim.sip_in(self.sip, &ack);
        }
        msgs
    }

    /// ACK a 2xx to the INVITE or to a re-INVITE (by its CSeq).
    pub fn ack_response(&mut self, sim: &mut Sim, ok: &SipMsg) {
        let first = testkit::parse_request(&self.invite)
            .cseq()
            .map(|c| c.number);
        if Some(ok.cseq_number()) == first {
            self.see(std::slice::from_ref(ok));
            let ack = testkit::ack_for(&self.invite, &ok.bytes);
            sim.sip_in(self.sip, &ack);
        } else if let Some(d) = &self.dialog {
            let ack = with_via(d.ack(None), self.sip);
            sim.sip_in(self.sip, &ack);
        }
    }

    /// Send one audio packet now.
    pub fn send_audio(&mut self, sim: &mut Sim, payload: &[u8]) -> Option<super::RtpSent> {
        let p = self.out.audio(self.pt, payload);
        sim.rtp_in(self.leg.expect("no leg"), self.rtp, &p)
    }

    /// Press a key by RFC 4733 events on payload type `pt`, one packet
    /// every 20 ms (time advances by the press).
    pub fn press_on(&mut self, sim: &mut Sim, pt: u8, digit: char) {
        for p in self.out.dtmf(pt, digit, 100) {
            sim.rtp_in(self.leg.expect("no leg"), self.rtp, &p);
            sim.advance(std::time::Duration::from_millis(20));
        }
    }

    /// Press a key by RFC 4733 events on the offered telephone-event type.
    pub fn press(&mut self, sim: &mut Sim, digit: char) {
        let pt = self.te.expect("no telephone-event");
        self.press_on(sim, pt, digit);
    }
}

/// An operator's softphone.
#[derive(Debug, Clone)]
pub struct Agent {
    /// SIP username.
    pub user: String,
    /// Password.
    pub password: String,
    /// SIP address (where it registers from).
    pub sip: SocketAddr,
    /// RTP address.
    pub rtp: SocketAddr,
}

impl Agent {
    /// Agent `n` (1-based): SIP at 192.0.2.(50+n):5060, RTP at port 30000.
    pub fn new(user: &str, password: &str, n: u8) -> Agent {
        Agent {
            user: user.to_string(),
            password: password.to_string(),
            sip: format!("192.0.2.{}:5060", 50 + n).parse().unwrap(),
            rtp: format!("192.0.2.{}:30000", 50 + n).parse().unwrap(),
        }
    }

    /// Send `request` (built with `builder`), answer a 401 with `password`
    /// once, and return every message the engine sent back (both rounds).
    fn with_auth(
        &self,
        sim: &mut Sim,
        first: testkit::MessageBuilder,
        password: &str,
        ack_401: bool,
    ) -> Vec<SipMsg> {
        let bytes = first.build();
        let call_id = testkit::parse_request(&bytes)
            .call_id()
            .unwrap()
            .to_string();
        sim.sip_in(self.sip, &bytes);
        let mut msgs = take_call(sim, self.sip, &call_id);
        let Some(challenge) = msgs.iter().find(|m| m.status() == 401).cloned() else {
            return msgs;
        };
        if ack_401 {
            sim.sip_in(self.sip, &testkit::ack_for(&bytes, &challenge.bytes));
        }
        let mut again = first.branch(&branch()).build_request();
        let creds = ClientCredentials {
            username: self.user.clone(),
            password: password.to_string(),
        };
        authorize(&mut again, &challenge.response(), &creds, "0a4f113b").expect("usable challenge");
        sim.sip_in(self.sip, again.to_string().as_bytes());
        msgs.extend(take_call(sim, self.sip, &call_id));
        msgs
    }

    /// REGISTER (challenge, then credentials); the final status.
    pub fn register(&self, sim: &mut Sim) -> u16 {
        self.register_with(sim, &self.password.clone())
    }

    /// REGISTER answering the challenge with `password`; the last status.
    pub fn register_with(&self, sim: &mut Sim, password: &str) -> u16 {
        let aor = format!("sip:{}@192.0.2.1", self.user);
        let b = testkit::register("sip:192.0.2.1", &aor)
            .via(&self.sip.to_string())
            .contact(&format!("sip:{}@{}", self.user, self.sip))
            .header("Expires", "3600");
        let msgs = self.with_auth(sim, b, password, false);
        msgs.last().map(SipMsg::status).unwrap_or(0)
    }

    /// Dial a feature code (`*11`…): INVITE with an offer, challenge, then
    /// credentials. Returns the engine's messages; the call is left to the
    /// test (ACK, beep, BYE).
    pub fn dial(&self, sim: &mut Sim, code: &str) -> FeatureCall {
        let body = sdp(self.rtp, &["PCMA", "PCMU"], Some(101), &[]);
        let b = testkit::invite(&format!("sip:{code}@192.0.2.1"))
            .from(&format!("sip:{}@192.0.2.1", self.user))
            .via(&self.sip.to_string())
            .contact(&format!("sip:{}@{}", self.user, self.sip))
            .sdp(&body);
        let before = sim.opened.len();
        let first = b.build();
        let msgs = self.with_auth(sim, b.clone(), &self.password.clone(), true);
        let leg = sim.opened.get(before).map(|(l, _)| *l);
        FeatureCall { first, msgs, leg }
    }

    /// Log in: REGISTER, dial `*11`, ACK, answer the engine's BYE.
    pub fn log_in(&self, sim: &mut Sim) {
        assert_eq!(self.register(sim), 200, "{} registers", self.user);
        self.feature(sim, "*11");
    }

    /// Dial a feature code and play it to the end (ACK, beep, BYE answered).
    pub fn feature(&self, sim: &mut Sim, code: &str) {
        let mut call = self.dial(sim, code);
        if !call.msgs.iter().any(|m| m.status() == 200) {
            // Ringing first (answer_delay): wait for the 200.
            let cid = call.msgs.last().map(SipMsg::call_id).unwrap_or_default();
            sim.advance_until_sip(std::time::Duration::from_secs(10), |m| {
                m.status() == 200 && m.call_id() == cid
            });
            call.msgs.extend(take_call(sim, self.sip, &cid));
        }
        let ok = call
            .msgs
            .iter()
            .find(|m| m.status() == 200)
            .unwrap_or_else(|| panic!("{code} not answered: {:?}", super::labels(&call.msgs)))
            .clone();
        self.feature_finish(sim, &ok);
    }

    /// ACK the feature call's 200, let the beep play, answer the BYE.
    pub fn feature_finish(&self, sim: &mut Sim, ok: &SipMsg) {
        let ack = ack_2xx_from(&ok.response(), self.sip);
        sim.sip_in(self.sip, &ack);
        let call_id = ok.call_id();
        let found = sim.advance_until_sip(std::time::Duration::from_secs(5), |m| {
            m.is("BYE") && m.call_id() == call_id
        });
        assert!(found, "no BYE after the feature code's beep");
        let bye = take_call(sim, self.sip, &call_id)
            .into_iter()
            .find(|m| m.is("BYE"))
            .unwrap();
        reply(sim, self.sip, &bye, 200);
    }

    /// The engine's INVITEs to this agent not yet taken.
    pub fn take_invites(&self, sim: &mut Sim) -> Vec<SipMsg> {
        let all = sim.take_sip_to(self.sip);
        let (inv, rest): (Vec<SipMsg>, Vec<SipMsg>) = all.into_iter().partition(|m| m.is("INVITE"));
        let mut keep = rest;
        keep.append(&mut sim.sip);
        sim.sip = keep;
        inv
    }
}

/// The ACK for a 2xx response, built from the response (From, To, Call-ID,
/// CSeq) to its Contact.
fn ack_2xx_from(ok: &centralino_sip::msg::Response, from: SocketAddr) -> Vec<u8> {
    let contact = ok
        .contacts()
        .and_then(|c| c.first().map(|c| c.uri.to_owned()))
        .expect("Contact in 2xx");
    let cseq = ok.cseq().expect("CSeq").number;
    format!(
        "ACK {contact} SIP/2.0\r\nVia: SIP/2.0/UDP {from};branch={}\r\nMax-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {cseq} ACK\r\nContent-Length: 0\r\n\r\n",
        branch(),
        ok.header_value("From").unwrap(),
        ok.header_value("To").unwrap(),
        ok.call_id().unwrap()
    )
    .into_bytes()
}

/// Take the messages of one Call-ID sent to `to`.
pub fn take_call(sim: &mut Sim, to: SocketAddr, call_id: &str) -> Vec<SipMsg> {
    let all = std::mem::take(&mut sim.sip);
    let (mine, rest): (Vec<SipMsg>, Vec<SipMsg>) = all
        .into_iter()
        .partition(|m| m.to == to && m.call_id() == call_id);
    sim.sip = rest;
    mine
}

/// A feature-code call from an agent.
pub struct FeatureCall {
    /// The first INVITE (unauthenticated).
    pub first: Vec<u8>,
    /// Everything the engine answered.
    pub msgs: Vec<SipMsg>,
    /// The leg, if the engine opened one.
    pub leg: Option<LegKey>,
}

/// An INVITE from the engine to an agent.
pub struct Offer {
    /// The INVITE as sent.
    pub invite: SipMsg,
    /// Our leg (found by the SDP's port; `None` when its socket is
    /// already closed: the engine gave up on the leg).
    pub leg: Option<LegKey>,
    /// Our RTP address for this leg.
    pub our_rtp: SocketAddr,
    /// The agent's To-tag.
    pub tag: String,
    /// The dialog once answered.
    pub dialog: Option<Dialog>,
    /// The agent's RTP stream.
    pub out: RtpOut,
    /// The audio payload type the agent answered.
    pub pt: u8,
}

impl Offer {
    /// Read an INVITE the engine sent.
    pub fn of(sim: &Sim, invite: &SipMsg) -> Offer {
        let our_rtp = super::sdp_rtp_addr(&invite.body());
        let leg = sim
            .open
            .iter()
            .find(|(_, a)| a.port() == our_rtp.port())
            .map(|(l, _)| *l);
        let n = BRANCH.fetch_add(1, Ordering::Relaxed) as u32;
        Offer {
            invite: invite.clone(),
            leg,
            our_rtp,
            tag: format!("ag{n}"),
            dialog: None,
            out: RtpOut::new(0x2000_0000 + n, (n * 13) as u16, n.wrapping_mul(3000)),
            pt: 8,
        }
    }

    /// A provisional or failure response from the agent.
    pub fn respond(&self, sim: &mut Sim, agent: &Agent, code: u16) {
        let r = builder::response(&self.invite.request(), code)
            .to_tag(&self.tag)
            .build();
        sim.sip_in(agent.sip, r.to_string().as_bytes());
    }

    /// Answer with a 200 and an SDP answer in `codec` (`PCMA`/`PCMU`).
    pub fn answer(&mut self, sim: &mut Sim, agent: &Agent, codec: &str) {
        let body = sdp(agent.rtp, &[codec], Some(101), &[]);
        self.pt = if codec == "PCMU" { 0 } else { 8 };
        let request = self.invite.request();
        let ok = builder::response(&request, 200)
            .to_tag(&self.tag)
            .contact(&format!("<sip:{}@{}>", agent.user, agent.sip))
            .sdp(body.into_bytes())
            .build();
        self.dialog = Some(Dialog::uas(&request, &ok, super::engine_addr()).expect("dialog"));
        sim.sip_in(agent.sip, ok.to_string().as_bytes());
    }

    /// The agent hangs up.
    pub fn bye(&mut self, sim: &mut Sim, agent: &Agent) {
        let d = self.dialog.as_mut().expect("not answered");
        let bytes = with_via(d.bye(), agent.sip);
        sim.sip_in(agent.sip, &bytes);
    }

    /// The agent transfers the caller blind (REFER) to `target`.
    pub fn refer(&mut self, sim: &mut Sim, agent: &Agent, target: &str) {
        let d = self.dialog.as_mut().expect("not answered");
        let bytes = with_via(
            d.refer(&format!("<sip:{target}@{}>", super::engine_addr())),
            agent.sip,
        );
        sim.sip_in(agent.sip, &bytes);
    }

    /// The agent answers the engine's CANCEL: 200, then 487 for the INVITE.
    pub fn accept_cancel(&self, sim: &mut Sim, agent: &Agent, cancel: &SipMsg) {
        reply(sim, agent.sip, cancel, 200);
        self.respond(sim, agent, 487);
    }

    /// The Call-ID of the INVITE.
    pub fn call_id(&self) -> String {
        self.invite.call_id()
    }

    /// One audio packet from the agent now.
    pub fn send_audio(
        &mut self,
        sim: &mut Sim,
        agent: &Agent,
        payload: &[u8],
    ) -> Option<super::RtpSent> {
        let p = self.out.audio(self.pt, payload);
        sim.rtp_in(self.leg?, agent.rtp, &p)
    }
}
