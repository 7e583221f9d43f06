//! Flow 11: operators — registration with digest, feature codes, offers of
//! queued calls to softphones, the RTP bridge (copy and A-law↔µ-law),
//! wrap-up, ring timeout, cancellation, a late answer.

mod sim;

use centralino_acd::{AgentState, AgentStatus};
use centralino_media::{g711, Codec, RtpPacket};
use sim::peer::take_call;
use sim::rtp::sine;
use sim::*;
use std::time::Duration;

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn op(n: u8) -> Agent {
    Agent::new(&format!("op{n}"), &format!("pw{n}"), n)
}

fn agent_state(sim: &Sim, id: &str) -> (AgentStatus, AgentState, bool) {
    let snap = sim.engine.snapshot(sim.now);
    let a = snap.agents.iter().find(|a| a.id == id).expect("agent");
    (a.status.clone(), a.state, a.reachable)
}

/// The one INVITE the engine sent `agent` (retransmissions aside), as an
/// offer; the agent rings (180) at once.
fn expect_offer(sim: &mut Sim, agent: &Agent) -> Offer {
    let invites = agent.take_invites(sim);
    assert!(!invites.is_empty(), "no INVITE to {}", agent.user);
    assert!(
        invites.iter().all(|i| i.bytes == invites[0].bytes),
        "one INVITE (retransmissions aside)"
    );
    let offer = Offer::of(sim, &invites[0]);
    offer.respond(sim, agent, 180);
    offer
}

/// A caller in the queue (the queue service: welcome, then queue `q1`).
fn queued_caller(sim: &mut Sim, n: u16) -> Caller {
    let c = Caller::answered(sim, &format!("04610000{n:02}"), QUEUE, caller_rtp(n));
    sim.advance(ms(140)); // the welcome (5 frames) and the tick that ends it
    c
}

// ---- registration and feature codes -------------------------------------

#[test]
fn register_is_challenged_then_accepted_and_a_wrong_password_is_not() {
    let mut sim = Sim::builder(BASE).build();
    let a = op(1);
    assert_eq!(a.register(&mut sim), 200);
    assert!(agent_state(&sim, "op1").2, "reachable once registered");
    assert_eq!(
        agent_state(&sim, "op1").0,
        AgentStatus::LoggedOut,
        "registered is not logged in"
    );

    let b = op(2);
    let aor = "sip:op2@192.0.2.1";
    let first = centralino_sip::testkit::register("sip:192.0.2.1", aor)
        .via(&b.sip.to_string())
        .build();
    sim.sip_in(b.sip, &first);
    let msgs = sim.take_sip_to(b.sip);
    assert_eq!(labels(&msgs), ["401 REGISTER"]);
    let challenge = msgs[0].header("WWW-Authenticate").expect("a challenge");
    assert!(
        challenge.starts_with("Digest")
            && challenge.contains("realm=\"centralino\"")
            && challenge.contains("nonce="),
        "{challenge}"
    );

    assert_eq!(
        b.register_with(&mut sim, "wrong"),
        401,
        "a wrong password is challenged again"
    );
    assert!(!agent_state(&sim, "op2").2);
}

#[test]
fn star_11_is_challenged_then_answered_with_a_beep_and_a_bye() {
    let mut sim = Sim::builder(BASE).build();
    let a = op(1);
    assert_eq!(a.register(&mut sim), 200);
    let call = a.dial(&mut sim, "*11");
    let codes: Vec<u16> = call
        .msgs
        .iter()
        .map(SipMsg::status)
        .filter(|c| *c != 100)
        .collect();
    assert_eq!(codes, [401, 200], "{:?}", labels(&call.msgs));
    assert_eq!(agent_state(&sim, "op1").0, AgentStatus::Available);
    let ok = call.msgs.iter().find(|m| m.status() == 200).unwrap();
    assert!(
        m_line(&ok.body()).contains("RTP/AVP 8 101"),
        "{}",
        ok.body()
    );
    a.feature_finish(&mut sim, ok);
    let heard = sim.take_heard(a.rtp, Codec::Pcma);
    assert_eq!(heard, ["beep"]);
    assert!(sim.open.is_empty(), "the feature call's socket is closed");
    assert_eq!(
        sim.engine.snapshot(sim.now).calls.len(),
        0,
        "feature calls are not citizens' calls"
    );

    // *13 takes a break, *14 comes back, *12 logs out.
    a.feature(&mut sim, "*13");
    assert!(matches!(
        agent_state(&sim, "op1").0,
        AgentStatus::OnBreak(_)
    ));
    a.feature(&mut sim, "*14");
    assert_eq!(agent_state(&sim, "op1").0, AgentStatus::Available);
    a.feature(&mut sim, "*12");
    assert_eq!(agent_state(&sim, "op1").0, AgentStatus::LoggedOut);
}

#[test]
fn a_feature_code_from_an_unregistered_stranger_is_refused() {
    let mut sim = Sim::builder(BASE).build();
    let stranger = Agent::new("intruso", "x", 9);
    let call = stranger.dial(&mut sim, "*11");
    let last = call.msgs.iter().rev().find(|m| m.status() >= 200).unwrap();
    assert!(
        [401, 403].contains(&last.status()),
        "{:?}",
        labels(&call.msgs)
    );
    assert!(sim.open.is_empty());
}

// ---- offers and the bridge ------------------------------------------------

#[test]
fn a_queued_call_is_offered_answered_bridged_and_ended_by_the_agent() {
    let mut sim = Sim::builder(BASE).build();
    let a = op(1);
    a.log_in(&mut sim);
    sim.take_rtp_to(a.rtp);
    let mut c = queued_caller(&mut sim, 1);

    let mut offer = expect_offer(&mut sim, &a);
    let inv = offer.invite.request();
    assert_eq!(
        inv.uri.to_string(),
        format!("sip:op1@{}", a.sip),
        "to the registered contact"
    );
    assert_eq!(offer.invite.to, a.sip, "sent where the REGISTER came from");
    assert!(
        offer
            .invite
            .header("From")
            .unwrap()
            .contains("sip:0461000001@"),
        "the caller's number"
    );
    assert_eq!(
        offer.invite.header("X-Centralino-Queue").as_deref(),
        Some("q1")
    );
    assert_eq!(
        offer.invite.header("X-Centralino-Service").as_deref(),
        Some("lavoro")
    );
    assert_eq!(
        offer.invite.header("X-Centralino-Caller").as_deref(),
        Some("0461000001")
    );
    assert!(offer.invite.header("X-Centralino-Call-Id").is_some());
    assert!(offer.invite.header("X-Centralino-Waited").is_some());
    assert!(
        m_line(&offer.invite.body()).contains("RTP/AVP 8 0 101"),
        "the caller's codec first: {}",
        offer.invite.body()
    );
    assert_eq!(agent_state(&sim, "op1").1, AgentState::Offered);
    sim.advance(ms(200));
    let heard = sim.take_heard(c.rtp, Codec::Pcma);
    assert_eq!(heard[0], "adl-benvenuto");
    assert!(
        heard[1..].iter().all(|h| h == "musica-attesa"),
        "ringback music, not the queue message: {heard:?}"
    );

    offer.answer(&mut sim, &a, "PCMA");
    let ack = take_call(&mut sim, a.sip, &offer.call_id());
    assert_eq!(labels(&ack), ["ACK"]);
    assert_eq!(ack[0].to, a.sip);
    assert_eq!(agent_state(&sim, "op1").1, AgentState::InCall);
    assert_eq!(sim.engine.snapshot(sim.now).calls[0].state, "talking");

    // Caller → agent and back: relayed at once, payload untouched.
    let voice: Vec<u8> = sine(440.0, 5000.0, 160, 0)
        .iter()
        .map(|s| g711::alaw_encode(*s))
        .collect();
    let sent = c.send_audio(&mut sim, &voice).expect("relayed at once");
    assert_eq!((Some(sent.leg), sent.to), (offer.leg, a.rtp));
    let p = sent.packet();
    assert_eq!((p.payload_type, p.payload), (8, &voice[..]));
    let back = offer
        .send_audio(&mut sim, &a, &voice[..80])
        .expect("relayed back");
    assert_eq!((back.leg, back.to), (c.leg.unwrap(), c.rtp));
    assert_eq!(back.packet().payload, &voice[..80]);
    // Bridged legs send nothing paced.
    sim.take_rtp_to(c.rtp);
    sim.take_rtp_to(a.rtp);
    sim.advance(ms(200));
    assert!(sim.take_rtp_to(c.rtp).is_empty() && sim.take_rtp_to(a.rtp).is_empty());

    // A key press on the caller's side reaches the agent as an event.
    let presses = c.out.dtmf(101, '5', 100);
    let relayed = sim
        .rtp_in(c.leg.unwrap(), c.rtp, &presses[0])
        .expect("event relayed");
    assert_eq!(relayed.packet().payload_type, 101);
    assert_eq!(relayed.packet().payload, &presses[0][12..]);

    offer.bye(&mut sim, &a);
    assert_eq!(
        labels(&take_call(&mut sim, a.sip, &offer.call_id())),
        ["200 BYE"]
    );
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["BYE"], "the caller's leg ends too");
    reply(&mut sim, c.sip, &msgs[0], 200);
    assert!(sim.open.is_empty(), "both sockets closed");
    assert_eq!(agent_state(&sim, "op1").1, AgentState::WrapUp);
    let bye_at = sim.now;

    // No offer during wrap-up (10 s); one when it ends.
    let _c2 = queued_caller(&mut sim, 2);
    sim.advance(secs(9));
    assert!(
        a.take_invites(&mut sim).is_empty(),
        "no offer during wrap-up"
    );
    assert!(sim.advance_until_sip(secs(2), |m| m.is("INVITE") && m.to == a.sip));
    let invite = a.take_invites(&mut sim).remove(0);
    let after = invite.at - bye_at;
    assert!(
        after >= secs(10) && after <= secs(10) + ms(20),
        "offered {after:?} after the BYE"
    );
}

#[test]
fn pcma_caller_and_pcmu_agent_are_transcoded() {
    let mut sim = Sim::builder(BASE).build();
    let a = op(1);
    a.log_in(&mut sim);
    let rtp = caller_rtp(1);
    let mut c = Caller::invite(
        &mut sim,
        "0461000001",
        QUEUE,
        rtp,
        Some(sdp(rtp, &["PCMA"], Some(101), &[])),
    );
    c.take(&mut sim);
    c.ack(&mut sim);
    sim.advance(ms(140));
    let mut offer = expect_offer(&mut sim, &a);
    offer.answer(&mut sim, &a, "PCMU");
    take_call(&mut sim, a.sip, &offer.call_id());

    let pcm = sine(440.0, 9000.0, 160, 0);
    let alaw: Vec<u8> = pcm.iter().map(|s| g711::alaw_encode(*s)).collect();
    let to_agent = c.send_audio(&mut sim, &alaw).expect("relayed");
    let p = to_agent.packet();
    assert_eq!(p.payload_type, 0, "the agent's µ-law");
    assert_ne!(p.payload, &alaw[..]);
    for (u, a_) in p.payload.iter().zip(&alaw) {
        let (got, want) = (g711::ulaw_decode(*u) as i32, g711::alaw_decode(*a_) as i32);
        assert!(
            (got - want).abs() <= want.abs() / 16 + 16,
            "µ-law {got} for A-law {want}"
        );
    }
    let ulaw: Vec<u8> = pcm.iter().map(|s| g711::ulaw_encode(*s)).collect();
    let to_caller = offer.send_audio(&mut sim, &a, &ulaw).expect("relayed back");
    let p = to_caller.packet();
    assert_eq!(p.payload_type, 8, "the caller's A-law");
    for (x, u) in p.payload.iter().zip(&ulaw) {
        let (got, want) = (g711::alaw_decode(*x) as i32, g711::ulaw_decode(*u) as i32);
        assert!(
            (got - want).abs() <= want.abs() / 16 + 16,
            "A-law {got} for µ-law {want}"
        );
    }
}

#[test]
fn relayed_packets_continue_the_legs_own_numbering() {
    let mut sim = Sim::builder(BASE).build();
    let a = op(1);
    a.log_in(&mut sim);
    let c = queued_caller(&mut sim, 1);
    let mut offer = expect_offer(&mut sim, &a);
    offer.answer(&mut sim, &a, "PCMA");
    let before = sim.take_rtp_to(c.rtp);
    let last = before.last().unwrap().packet();
    let (last_seq, last_ts, ssrc) = (last.sequence, last.timestamp, last.ssrc);
    let mut relayed = Vec::new();
    for _ in 0..5 {
        relayed.push(offer.send_audio(&mut sim, &a, &[0x55; 160]).unwrap());
        sim.advance(ms(20));
    }
    let first = relayed[0].packet();
    assert_eq!(first.ssrc, ssrc, "the caller's leg keeps its SSRC");
    assert_eq!(
        first.sequence,
        last_seq.wrapping_add(1),
        "sequence continues"
    );
    assert!(first.marker, "marker where the relay starts");
    assert!(
        first.timestamp.wrapping_sub(last_ts) < 0x8000_0000,
        "timestamps do not go back"
    );
    for w in relayed.windows(2) {
        let (x, y): (RtpPacket, RtpPacket) = (w[0].packet(), w[1].packet());
        assert_eq!(y.sequence, x.sequence.wrapping_add(1));
        assert_eq!(y.timestamp, x.timestamp.wrapping_add(160));
    }
}

// ---- ring timeout, cancel, late answer -----------------------------------

#[test]
fn ring_timeout_cancels_the_agent_and_the_next_one_rings() {
    let mut sim = Sim::builder(BASE).build();
    let (a, b) = (op(1), op(2));
    a.log_in(&mut sim);
    b.log_in(&mut sim);
    let _c = queued_caller(&mut sim, 1);
    let offer = expect_offer(&mut sim, &a);
    assert!(
        b.take_invites(&mut sim).is_empty(),
        "one agent at a time (longest idle)"
    );
    let rang = offer.invite.at;
    assert!(sim.advance_until_sip(secs(6), |m| m.is("CANCEL") && m.to == a.sip));
    let cancel = take_call(&mut sim, a.sip, &offer.call_id())
        .into_iter()
        .find(|m| m.is("CANCEL"))
        .unwrap();
    assert_eq!(cancel.at - rang, secs(5), "ring_timeout");
    let invites = b.take_invites(&mut sim);
    assert_eq!(invites.len(), 1, "the next agent rings");
    assert_eq!(invites[0].at, cancel.at);
    offer.accept_cancel(&mut sim, &a, &cancel);
    let ack = take_call(&mut sim, a.sip, &offer.call_id());
    assert_eq!(labels(&ack), ["ACK"], "the 487 is acknowledged");
    assert_eq!(agent_state(&sim, "op1").1, AgentState::Idle);
    assert_eq!(agent_state(&sim, "op2").1, AgentState::Offered);
    assert_eq!(sim.open.len(), 2, "the caller's and op2's legs");
}

#[test]
fn caller_hangs_up_while_the_agent_rings_then_cancel() {
    let mut sim = Sim::builder(BASE).build();
    let a = op(1);
    a.log_in(&mut sim);
    let mut c = queued_caller(&mut sim, 1);
    let offer = expect_offer(&mut sim, &a);
    c.bye(&mut sim);
    assert_eq!(labels(&c.take(&mut sim)), ["200 BYE"]);
    let msgs = take_call(&mut sim, a.sip, &offer.call_id());
    assert_eq!(labels(&msgs), ["CANCEL"]);
    offer.accept_cancel(&mut sim, &a, &msgs[0]);
    assert_eq!(
        labels(&take_call(&mut sim, a.sip, &offer.call_id())),
        ["ACK"]
    );
    assert!(sim.open.is_empty());
    assert_eq!(agent_state(&sim, "op1").1, AgentState::Idle);
    sim.advance(secs(40));
    assert!(sim.take_sip().is_empty(), "nothing more");
}

#[test]

fn an_agent_answering_after_the_caller_left_gets_ack_and_bye() {
    let mut sim = Sim::builder(BASE).build();
    let a = op(1);
    a.log_in(&mut sim);
    let mut c = queued_caller(&mut sim, 1);
    let mut offer = expect_offer(&mut sim, &a);
    c.bye(&mut sim);
    c.take(&mut sim);
    let cancel = take_call(&mut sim, a.sip, &offer.call_id());
    assert_eq!(labels(&cancel), ["CANCEL"]);
    // The 200 crossed the CANCEL.
    offer.answer(&mut sim, &a, "PCMA");
    reply(&mut sim, a.sip, &cancel[0], 200);
    let msgs = take_call(&mut sim, a.sip, &offer.call_id());
    assert_eq!(labels(&msgs), ["ACK", "BYE"]);
    reply(&mut sim, a.sip, &msgs[1], 200);
    assert!(sim.open.is_empty());
    assert!(matches!(
        agent_state(&sim, "op1").1,
        AgentState::Idle | AgentState::WrapUp
    ));
}

#[test]
fn a_rejecting_agent_is_skipped_and_the_other_rings() {
    let mut sim = Sim::builder(BASE).build();
    let (a, b) = (op(1), op(2));
    a.log_in(&mut sim);
    b.log_in(&mut sim);
    let _c = queued_caller(&mut sim, 1);
    let offer = expect_offer(&mut sim, &a);
    offer.respond(&mut sim, &a, 486);
    assert_eq!(
        labels(&take_call(&mut sim, a.sip, &offer.call_id())),
        ["ACK"]
    );
    let invites = b.take_invites(&mut sim);
    assert_eq!(invites.len(), 1, "op2 rings at once");
}

/// A caller (PCMA) bridged to op1 (PCMA).
fn bridged(sim: &mut Sim) -> (Agent, Caller, Offer) {
    let a = op(1);
    a.log_in(sim);
    let c = queued_caller(sim, 1);
    let mut offer = expect_offer(sim, &a);
    offer.answer(sim, &a, "PCMA");
    take_call(sim, a.sip, &offer.call_id());
    sim.take_rtp_to(c.rtp);
    (a, c, offer)
}

#[test]
fn the_caller_hanging_up_ends_the_agent_leg_and_starts_wrap_up() {
    let mut sim = Sim::builder(BASE).build();
    let (a, mut c, offer) = bridged(&mut sim);
    sim.advance(secs(3));
    c.bye(&mut sim);
    assert_eq!(labels(&c.take(&mut sim)), ["200 BYE"]);
    let msgs = take_call(&mut sim, a.sip, &offer.call_id());
    assert_eq!(labels(&msgs), ["BYE"]);
    reply(&mut sim, a.sip, &msgs[0], 200);
    assert!(sim.open.is_empty());
    assert_eq!(agent_state(&sim, "op1").1, AgentState::WrapUp);
    sim.advance(secs(11));
    assert_eq!(agent_state(&sim, "op1").1, AgentState::Idle);
}

#[test]

fn a_codec_change_while_bridged_is_relayed_in_the_new_codec() {
    let mut sim = Sim::builder(BASE).build();
    let (a, mut c, mut offer) = bridged(&mut sim);
    // The caller switches to PCMU.
    let msgs = c.reinvite(&mut sim, &sdp(c.rtp, &["PCMU"], Some(101), &[]));
    assert!(
        m_line(&msgs.iter().find(|m| m.status() == 200).unwrap().body()).contains("RTP/AVP 0 101")
    );
    c.pt = 0;
    let pcm = sine(440.0, 9000.0, 160, 0);
    let ulaw: Vec<u8> = pcm.iter().map(|s| g711::ulaw_encode(*s)).collect();
    let alaw: Vec<u8> = pcm.iter().map(|s| g711::alaw_encode(*s)).collect();
    // Caller → agent: µ-law in, the agent's A-law out.
    let to_agent = c.send_audio(&mut sim, &ulaw);
    let to_agent =
        to_agent.expect("the caller's audio still reaches the agent after the codec change");
    assert_eq!(to_agent.packet().payload_type, 8);
    assert_eq!(to_agent.packet().payload, &g711_transcode(&ulaw, false)[..]);
    // Agent → caller: A-law in, the caller's new µ-law out, on PT 0.
    let to_caller = offer.send_audio(&mut sim, &a, &alaw).expect("relayed");
    assert_eq!(to_caller.packet().payload_type, 0);
    assert_eq!(
        to_caller.packet().payload,
        &g711_transcode(&alaw, true)[..],
        "µ-law payload under PT 0, not A-law"
    );
}

/// A-law → µ-law (`to_ulaw`) or back, by the tables.
fn g711_transcode(codes: &[u8], to_ulaw: bool) -> Vec<u8> {
    codes
        .iter()
        .map(|b| {
            if to_ulaw {
                g711::ALAW_TO_ULAW[*b as usize]
            } else {
                g711::ULAW_TO_ALAW[*b as usize]
            }
        })
        .collect()
}

#[test]

fn the_next_offer_waits_for_the_cancelled_ring_to_end() {
    let mut sim = Sim::builder(BASE).build();
    let a = op(1);
    a.log_in(&mut sim);
    let mut c1 = queued_caller(&mut sim, 1);
    let offer = expect_offer(&mut sim, &a);
    let _c2 = queued_caller(&mut sim, 2);
    c1.bye(&mut sim);
    let msgs = sim.take_sip_to(a.sip);
    assert_eq!(labels(&msgs)[0], "CANCEL");
    assert_eq!(
        labels(&msgs),
        ["CANCEL"],
        "op1's phone still rings with the first call (no 487 yet): no second INVITE may reach it"
    );
    offer.accept_cancel(&mut sim, &a, &msgs[0]);
    let invites = a.take_invites(&mut sim);
    assert_eq!(
        invites.len(),
        1,
        "the waiting caller is offered once the ring is over"
    );
}

#[test]

fn feature_calls_keep_the_call_counters_consistent() {
    let mut sim = Sim::builder(BASE).build();
    let a = op(1);
    assert_eq!(a.register(&mut sim), 200);
    let call = a.dial(&mut sim, "*11");
    let st = sim.engine.stats();
    assert_eq!(
        st.calls_started,
        st.calls_ended + st.active_calls,
        "while the feature call is up: {st:?}"
    );
    let ok = call
        .msgs
        .iter()
        .find(|m| m.status() == 200)
        .unwrap()
        .clone();
    a.feature_finish(&mut sim, &ok);
    let st = sim.engine.stats();
    assert_eq!(
        st.calls_started,
        st.calls_ended + st.active_calls,
        "after it: {st:?}"
    );
}

const RING_ALL: &str = r#"
services:
  - id: lavoro
    name: Agenzia del Lavoro
    numbers: ["800 264760"]
    calendar: { hours: { mon-fri: ["08:00-17:00"] }, holidays: none }
    prompts: { welcome: adl-benvenuto, out_of_hours: adl-fuori-orario }
    action: { queue: tutti }
    voicemail: { min_length: 1s, silence_timeout: 4s, max_length: 30s }
queues:
  - id: tutti
    name: Ring all
    strategy: ring_all
    ring_timeout: 10s
    max_wait: 20s
    on_max_wait: voicemail
agents:
  - { id: op1, name: One, credentials: { password: pw1 }, queues: [ { queue: tutti } ] }
  - { id: op2, name: Two, credentials: { password: pw2 }, queues: [ { queue: tutti } ] }
"#;

#[test]
fn ring_all_rings_everyone_and_cancels_the_others_when_one_answers() {
    let mut sim = Sim::builder(RING_ALL).build();
    let (a, b) = (op(1), op(2));
    a.log_in(&mut sim);
    b.log_in(&mut sim);
    let c = queued_caller(&mut sim, 1);
    let oa = expect_offer(&mut sim, &a);
    let mut ob = expect_offer(&mut sim, &b);
    assert_eq!(sim.engine.snapshot(sim.now).calls[0].ringing.len(), 2);
    ob.answer(&mut sim, &b, "PCMA");
    assert_eq!(labels(&take_call(&mut sim, b.sip, &ob.call_id())), ["ACK"]);
    let msgs = take_call(&mut sim, a.sip, &oa.call_id());
    assert_eq!(labels(&msgs), ["CANCEL"], "the other ring is withdrawn");
    oa.accept_cancel(&mut sim, &a, &msgs[0]);
    assert_eq!(agent_state(&sim, "op1").1, AgentState::Idle);
    assert_eq!(agent_state(&sim, "op2").1, AgentState::InCall);
    let sent = ob
        .send_audio(&mut sim, &b, &[0x55; 160])
        .expect("bridged to op2");
    assert_eq!(sent.to, c.rtp);
    assert_eq!(sim.open.len(), 2, "the caller's and op2's sockets");
}

#[test]
fn max_wait_takes_the_caller_to_voicemail() {
    let mut sim = Sim::builder(RING_ALL).build();
    let c = queued_caller(&mut sim, 1);
    sim.advance(secs(19));
    sim.take_rtp_to(c.rtp);
    sim.advance(secs(2));
    let heard = sim.take_heard(c.rtp, Codec::Pcma);
    assert!(
        heard.starts_with(&["musica-attesa".to_string()]),
        "{heard:?}"
    );
    assert!(
        heard.ends_with(&["segreteria-istruzioni".to_string(), "beep".to_string()]),
        "voicemail after 20 s: {heard:?}"
    );
    let snap = sim.engine.snapshot(sim.now);
    assert_eq!(snap.queues[0].exited, 1);
    assert_eq!(snap.calls[0].state, "leaving");
}

#[test]
fn an_agent_unregistering_while_ringing_is_cancelled() {
    let mut sim = Sim::builder(BASE).build();
    let (a, b) = (op(1), op(2));
    a.log_in(&mut sim);
    b.log_in(&mut sim);
    let _c = queued_caller(&mut sim, 1);
    let offer = expect_offer(&mut sim, &a);
    // op1's phone removes its binding (Expires: 0) with fresh credentials.
    let aor = "sip:op1@192.0.2.1";
    let first = centralino_sip::testkit::register("sip:192.0.2.1", aor)
        .via(&a.sip.to_string())
        .contact(&format!("sip:op1@{}", a.sip))
        .header("Expires", "0");
    sim.sip_in(a.sip, &first.build());
    let challenge = sim
        .take_sip_to(a.sip)
        .into_iter()
        .find(|m| m.status() == 401)
        .expect("challenged");
    let mut again = first.branch("z9hG4bK-unreg2").build_request();
    let creds = centralino_sip::auth::ClientCredentials {
        username: "op1".into(),
        password: "pw1".into(),
    };
    centralino_sip::auth::authorize(&mut again, &challenge.response(), &creds, "c0ffee").unwrap();
    sim.sip_in(a.sip, again.to_string().as_bytes());
    let msgs = sim.take_sip_to(a.sip);
    let labels_ = labels(&msgs);
    assert!(labels_.contains(&"200 REGISTER".to_string()), "{labels_:?}");
    assert!(
        labels_.contains(&"CANCEL".to_string()),
        "the ring is withdrawn: {labels_:?}"
    );
    let cancel = msgs.iter().find(|m| m.is("CANCEL")).unwrap();
    offer.accept_cancel(&mut sim, &a, cancel);
    assert!(!agent_state(&sim, "op1").2, "unreachable");
    assert_eq!(b.take_invites(&mut sim).len(), 1, "op2 rings instead");
}

#[test]
fn a_refer_to_a_busy_colleague_gets_486_and_an_idle_one_is_held_while_ringing() {
    let mut sim = Sim::builder(BASE).build();
    let (a, b) = (op(1), op(2));
    a.log_in(&mut sim);
    b.log_in(&mut sim);
    // op1 (idle longest) takes caller 1, op2 takes caller 2.
    let _c1 = queued_caller(&mut sim, 1);
    let mut offer_a = expect_offer(&mut sim, &a);
    offer_a.answer(&mut sim, &a, "PCMA");
    take_call(&mut sim, a.sip, &offer_a.call_id());
    let mut c2 = queued_caller(&mut sim, 2);
    let mut offer_b = expect_offer(&mut sim, &b);
    offer_b.answer(&mut sim, &b, "PCMA");
    take_call(&mut sim, b.sip, &offer_b.call_id());
    assert_eq!(agent_state(&sim, "op2").1, AgentState::InCall);

    // op1 hands caller 1 to op2, who is talking: 202, then NOTIFYs ending
    // in 486; nobody rings op2 and op1 keeps the caller.
    offer_a.refer(&mut sim, &a, "op2");
    let msgs = take_call(&mut sim, a.sip, &offer_a.call_id());
    let notifies: Vec<String> = msgs
        .iter()
        .filter(|m| m.is("NOTIFY"))
        .map(|m| m.body())
        .collect();
    assert_eq!(labels(&msgs)[0], "202 REFER", "{:?}", labels(&msgs));
    assert!(
        notifies.last().is_some_and(|b| b.contains("486 Busy Here")),
        "{notifies:?}"
    );
    assert!(b.take_invites(&mut sim).is_empty(), "op2 is not rung");
    assert_eq!(agent_state(&sim, "op1").1, AgentState::InCall);
    assert_eq!(agent_state(&sim, "op2").1, AgentState::InCall);

    // Caller 2 leaves; op2's wrap-up (10 s) ends: op2 is idle.
    c2.bye(&mut sim);
    let bye = take_call(&mut sim, b.sip, &offer_b.call_id());
    reply(&mut sim, b.sip, &bye[0], 200);
    sim.advance(secs(11));
    assert_eq!(agent_state(&sim, "op2").1, AgentState::Idle);

    // Handed over again: op2 rings, held in a call for the ACD; op2 does
    // not take it (480): op1 keeps the caller, op2 is idle again.
    offer_a.refer(&mut sim, &a, "op2");
    let invites = b.take_invites(&mut sim);
    assert_eq!(invites.len(), 1, "op2 rings");
    assert_eq!(agent_state(&sim, "op2").1, AgentState::InCall);
    let ring = Offer::of(&sim, &invites[0]);
    ring.respond(&mut sim, &b, 480);
    sim.advance(ms(100));
    assert_eq!(agent_state(&sim, "op2").1, AgentState::Idle);
    assert_eq!(agent_state(&sim, "op1").1, AgentState::InCall);
    let notifies: Vec<String> = take_call(&mut sim, a.sip, &offer_a.call_id())
        .iter()
        .filter(|m| m.is("NOTIFY"))
        .map(|m| m.body())
        .collect();
    assert!(
        notifies.last().is_some_and(|b| b.contains("480")),
        "{notifies:?}"
    );
}
