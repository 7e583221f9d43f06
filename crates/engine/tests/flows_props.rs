//! Flow 12: random traffic under the simulated clock — calls arriving
//! (with and without an offer), key presses (RFC 4733 and SIP INFO),
//! hang-ups and cancels, agents answering, rejecting or never answering,
//! agents hanging up, audio, time jumps. Peers react like real ones (ACK
//! 2xx, answer BYE and CANCEL, ring on INVITE).
//!
//! Invariants, after every operation:
//! * the engine never panics; the driver contract holds (`CloseMedia` only
//!   for open sockets, RTP only from open sockets);
//! * no agent ever has two INVITEs in flight (a new INVITE while the
//!   agent has not sent the final response of the previous one);
//! * a caller whose socket was closed is done at the SIP level too (we
//!   sent BYE, or it sent BYE/CANCEL, or its INVITE failed);
//! * `snapshot()` adds up: calls in progress, queue waiting + ringing vs
//!   queued calls, agents ringing vs calls ringing, agents talking vs calls
//!   talking, started = ended + active.
//!
//! At the end (every caller hangs up, time runs on): every `OpenMedia` has
//! its `CloseMedia`, every answered call ended with a BYE (ours or the
//! caller's), no call is left, agents are idle or in wrap-up, and a
//! shutdown finds the engine idle.
//!
//! `ENGINE_PROP_CASES` changes the number of cases (default 256).

mod sim;

use centralino_acd::AgentState;
use centralino_engine::{Command, EngineStats};
use centralino_media::g711;
use proptest::prelude::*;
use sim::peer::reply;
use sim::*;
use std::time::Duration;

const YAML: &str = r#"
services:
  - id: td
    name: Menu
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
          "3": { queue: q2 }
          "4": voicemail
        first_digit_timeout: 2s
        max_invalid: 2
        max_timeouts: 2
        no_choice: { queue: q1 }
    voicemail: { min_length: 1s, silence_timeout: 3s, max_length: 10s }
  - id: lavoro
    name: Queue
    numbers: ["800 264760"]
    calendar: { hours: { mon-fri: ["08:00-17:00"] }, holidays: none }
    prompts: { welcome: adl-benvenuto, out_of_hours: adl-fuori-orario }
    action: { queue: q1 }
queues:
  - id: q1
    name: Longest idle
    ring_timeout: 4s
    wrap_up: 3s
    max_wait: 40s
    no_answer_delay: 5s
    reject_delay: 5s
    max_no_answer: 0
  - id: q2
    name: Ring all
    strategy: ring_all
    ring_timeout: 4s
    wrap_up: 2s
    max_wait: 30s
    on_max_wait: { message_then_hangup: arrivederci }
    max_no_answer: 0
    no_answer_delay: 5s
    reject_delay: 5s
agents:
  - { id: op1, name: One, credentials: { password: pw1 }, queues: [ { queue: q1 }, { queue: q2 } ] }
  - { id: op2, name: Two, credentials: { password: pw2 }, queues: [ { queue: q1 }, { queue: q2 } ] }
  - { id: op3, name: Three, credentials: { password: pw3 }, queues: [ { queue: q2 } ] }
"#;

#[derive(Debug, Clone)]
enum Op {
    Arrive {
        menu: bool,
        offerless: bool,
        pcmu: bool,
    },
    Dtmf {
        call: usize,
        digit: u8,
        info: bool,
    },
    Hangup {
        call: usize,
    },
    Audio {
        call: usize,
    },
    Answer {
        agent: usize,
        pcmu: bool,
    },
    Reject {
        agent: usize,
        code: u16,
    },
    AgentBye {
        agent: usize,
    },
    /// `*11`, `*12`, `*13`, `*14`.
    Status {
        agent: usize,
        code: u8,
    },
    /// The caller holds (sendonly) or resumes (sendrecv).
    Hold {
        call: usize,
        on: bool,
    },
    Wait {
        ms: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(menu, offerless, pcmu)| Op::Arrive { menu, offerless, pcmu }),
        3 => (0usize..8, 0u8..6, any::<bool>()).prop_map(|(call, digit, info)| Op::Dtmf { call, digit, info }),
        2 => (0usize..8).prop_map(|call| Op::Hangup { call }),
        1 => (0usize..8).prop_map(|call| Op::Audio { call }),
        3 => (0usize..3, any::<bool>()).prop_map(|(agent, pcmu)| Op::Answer { agent, pcmu }),
        1 => (0usize..3, prop_oneof![Just(486u16), Just(603), Just(480), Just(500)]).prop_map(|(agent, code)| Op::Reject { agent, code }),
        2 => (0usize..3).prop_map(|agent| Op::AgentBye { agent }),
        1 => (0usize..3, 1u8..5).prop_map(|(agent, code)| Op::Status { agent, code }),
        1 => (0usize..8, any::<bool>()).prop_map(|(call, on)| Op::Hold { call, on }),
        4 => prop_oneof![6 => 0u64..3_000, 2 => 3_000u64..15_000, 1 => 15_000u64..80_000].prop_map(|ms| Op::Wait { ms }),
    ]
}

struct Citizen {
    c: Caller,
    offerless: bool,
    codec: &'static str,
    answered: bool,
    /// It sent BYE or CANCEL.
    left: bool,
    /// We sent it a BYE.
    got_bye: bool,
    /// Its INVITE got a final failure.
    failed: bool,
}

/// How an operator treats a new INVITE by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// Rings until an `Answer`/`Reject` operation (or forever).
    Manual,
    /// Answers at once (PCMU for odd agents).
    AutoAnswer,
    /// Rejects with 486 at once.
    AutoReject,
}

struct Operator {
    agent: Agent,
    policy: Policy,
    /// INVITEs (Call-IDs) not finally answered by the agent.
    inflight: Vec<String>,
    /// Call-IDs of every INVITE seen (later copies are retransmissions).
    seen: Vec<String>,
    ringing: Vec<Offer>,
    talking: Vec<Offer>,
}

struct World {
    sim: Sim,
    citizens: Vec<Citizen>,
    operators: Vec<Operator>,
    base: EngineStats,
    violations: Vec<String>,
    /// Every SIP message the engine sent (for the failure report).
    log: Vec<String>,
    /// Feature-code calls made (they count in `calls_ended` only: see the
    /// ignored `feature_calls_keep_the_call_counters_consistent`).
    features: u64,
    /// An INVITE is in flight until the agent's final response, even once
    /// we sent CANCEL (strict) or only until we send CANCEL (relaxed).
    strict: bool,
}

impl World {
    fn new(strict: bool, policies: [Policy; 3]) -> World {
        let mut sim = Sim::builder(YAML)
            .config(|c| c.answer_delay = Duration::from_millis(300))
            .build();
        let mut operators = Vec::new();
        for n in 1..=3u8 {
            let agent = Agent::new(&format!("op{n}"), &format!("pw{n}"), n);
            agent.log_in(&mut sim);
            operators.push(Operator {
                agent,
                policy: policies[n as usize - 1],
                inflight: Vec::new(),
                seen: Vec::new(),
                ringing: Vec::new(),
                talking: Vec::new(),
            });
        }
        sim.take_sip();
        sim.take_rtp_to(Agent::new("op1", "", 1).rtp);
        sim.rtp.clear();
        sim.rtp_log = false;
        sim.take_events();
        let base = sim.engine.stats();
        assert_eq!(base.active_calls, 0);
        World {
            sim,
            citizens: Vec::new(),
            operators,
            base,
            violations: Vec::new(),
            log: Vec::new(),
            features: 0,
            strict,
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Arrive {
                menu,
                offerless,
                pcmu,
            } => {
                let n = self.citizens.len() as u16;
                let rtp = caller_rtp(n);
                let codec = if pcmu { "PCMU" } else { "PCMA" };
                let body = (!offerless).then(|| {
                    sdp(
                        rtp,
                        if pcmu {
                            &["PCMU", "PCMA"]
                        } else {
                            &["PCMA", "PCMU"]
                        },
                        Some(101),
                        &[],
                    )
                });
                let number = if menu { MENU } else { QUEUE };
                let c = Caller::invite(&mut self.sim, &format!("0461{n:06}"), number, rtp, body);
                self.citizens.push(Citizen {
                    c,
                    offerless,
                    codec,
                    answered: false,
                    left: false,
                    got_bye: false,
                    failed: false,
                });
            }
            Op::Dtmf { call, digit, info } => {
                let sim = &mut self.sim;
                let n = self.citizens.len();
                let Some(z) = self.citizens.get_mut(call % n.max(1)) else {
                    return;
                };
                if !z.answered || z.left || z.c.leg.is_none() {
                    return;
                }
                let d = b"1234#*"[digit as usize] as char;
                if info && !z.got_bye {
                    z.c.info_dtmf(sim, d);
                } else {
                    z.c.press(sim, d);
                }
            }
            Op::Hangup { call } => {
                let sim = &mut self.sim;
                let n = self.citizens.len();
                let Some(z) = self.citizens.get_mut(call % n.max(1)) else {
                    return;
                };
                hang_up(sim, z);
            }
            Op::Audio { call } => {
                let sim = &mut self.sim;
                let n = self.citizens.len();
                let Some(z) = self.citizens.get_mut(call % n.max(1)) else {
                    return;
                };
                if z.answered && !z.left && z.c.leg.is_some() {
                    let payload: Vec<u8> = (0..160)
                        .map(|i| g711::alaw_encode(((i % 16) * 600) as i16))
                        .collect();
                    z.c.send_audio(sim, &payload);
                }
            }
            Op::Answer { agent, pcmu } => {
                let o = &mut self.operators[agent];
                if let Some(mut offer) = o.ringing.pop() {
                    offer.answer(&mut self.sim, &o.agent, if pcmu { "PCMU" } else { "PCMA" });
                    let cid = offer.call_id();
                    o.inflight.retain(|c| *c != cid);
                    o.talking.push(offer);
                }
            }
            Op::Reject { agent, code } => {
                let o = &mut self.operators[agent];
                if let Some(offer) = o.ringing.pop() {
                    offer.respond(&mut self.sim, &o.agent, code);
                    let cid = offer.call_id();
                    o.inflight.retain(|c| *c != cid);
                }
            }
            Op::AgentBye { agent } => {
                let o = &mut self.operators[agent];
                if let Some(mut offer) = o.talking.pop() {
                    offer.bye(&mut self.sim, &o.agent);
                }
            }
            Op::Status { agent, code } => {
                let a = self.operators[agent].agent.clone();
                a.feature(&mut self.sim, &format!("*1{code}"));
                self.features += 1;
            }
            Op::Hold { call, on } => {
                let sim = &mut self.sim;
                let n = self.citizens.len();
                let Some(z) = self.citizens.get_mut(call % n.max(1)) else {
                    return;
                };
                if z.answered && !z.left && !z.got_bye {
                    let extra: &[&str] = if on { &["a=sendonly"] } else { &[] };
                    let body = sdp(z.c.rtp, &[z.codec], Some(101), extra);
                    z.c.reinvite(sim, &body);
                }
            }
            Op::Wait { ms } => {
                // Peers react along the way (every 200 ms at most).
                let end = self.sim.now + Duration::from_millis(ms);
                while self.sim.now < end {
                    let step = (end - self.sim.now).min(Duration::from_millis(200));
                    self.sim.advance(step);
                    self.react();
                }
            }
        }
        self.react();
        self.check();
    }

    /// The peers answer whatever the engine sent them, until quiet.
    fn react(&mut self) {
        for _ in 0..50 {
            let batch = self.sim.take_sip();
            if batch.is_empty() {
                return;
            }
            for m in &batch {
                self.log.push(format!(
                    "{:?} → {} {} {}",
                    m.at - self.sim.t0,
                    m.to,
                    m.label(),
                    m.call_id()
                ));
            }
            // First the INVITEs to agents, in order: a new one while another
            // is in flight is a violation, whatever else the batch holds.
            // Relaxed: an INVITE we already CANCELled no longer counts.
            for m in &batch {
                if let Some(o) = self.operators.iter_mut().find(|o| o.agent.sip == m.to) {
                    if m.is("CANCEL") && !self.strict {
                        o.inflight.retain(|c| *c != m.call_id());
                    }
                    if m.is("INVITE")
                        && !o.seen.contains(&m.call_id())
                        && !o.inflight.contains(&m.call_id())
                    {
                        if !o.inflight.is_empty() {
                            self.violations.push(format!(
                                "{} got INVITE {} at {:?} with {:?} in flight",
                                o.agent.user,
                                m.call_id(),
                                m.at - self.sim.t0,
                                o.inflight
                            ));
                        }
                        o.inflight.push(m.call_id());
                    }
                }
            }
            for m in batch {
                if m.to == trunk_addr() {
                    self.trunk_reacts(&m);
                } else if let Some(i) = self.operators.iter().position(|o| o.agent.sip == m.to) {
                    self.agent_reacts(i, &m);
                } else {
                    self.violations.push(format!(
                        "SIP to an unknown address {}: {}",
                        m.to,
                        m.label()
                    ));
                }
            }
        }
        self.violations
            .push("peers and engine never go quiet".into());
    }

    fn trunk_reacts(&mut self, m: &SipMsg) {
        let sim = &mut self.sim;
        let Some(z) = self
            .citizens
            .iter_mut()
            .find(|z| z.c.call_id == m.call_id())
        else {
            return self
                .violations
                .push(format!("message for no call: {}", m.label()));
        };
        let code = m.status();
        match (code, m.cseq_method().as_str()) {
            (200, "INVITE") => {
                let first = z.c.ok.is_none();
                if z.offerless && first {
                    z.c.see(std::slice::from_ref(m));
                    let body = sdp(z.c.rtp, &[z.codec], Some(101), &[]);
                    z.c.ack_with_sdp(sim, &body);
                } else {
                    z.c.ack_response(sim, m);
                }
                if first {
                    z.answered = true;
                    if z.left {
                        // Our CANCEL crossed the 200: hang up properly.
                        z.c.bye(sim);
                    }
                }
            }
            (300..=699, "INVITE") => {
                z.failed = true;
                z.c.ack_failure(sim, m);
            }
            (0, _) if m.is("BYE") => {
                z.got_bye = true;
                reply(sim, trunk_addr(), m, 200);
            }
            (0, _) => self
                .violations
                .push(format!("unexpected request to the trunk: {}", m.label())),
            _ => {}
        }
    }

    fn agent_reacts(&mut self, i: usize, m: &SipMsg) {
        let sim = &mut self.sim;
        let o = &mut self.operators[i];
        let cid = m.call_id();
        if m.is("INVITE") {
            if o.seen.contains(&cid) {
                return; // a retransmission
            }
            o.seen.push(cid.clone());
            let mut offer = Offer::of(sim, m);
            offer.respond(sim, &o.agent, 180);
            match o.policy {
                Policy::Manual => o.ringing.push(offer),
                Policy::AutoAnswer => {
                    offer.answer(sim, &o.agent, if i % 2 == 1 { "PCMU" } else { "PCMA" });
                    o.inflight.retain(|c| *c != cid);
                    o.talking.push(offer);
                }
                Policy::AutoReject => {
                    offer.respond(sim, &o.agent, 486);
                    o.inflight.retain(|c| *c != cid);
                }
            }
        } else if m.is("CANCEL") {
            if let Some(k) = o.ringing.iter().position(|r| r.call_id() == cid) {
                let offer = o.ringing.remove(k);
                offer.accept_cancel(sim, &o.agent, m);
            } else {
                reply(sim, o.agent.sip, m, 481);
            }
            o.inflight.retain(|c| *c != cid);
        } else if m.is("BYE") {
            reply(sim, o.agent.sip, m, 200);
            o.talking.retain(|t| t.call_id() != cid);
        }
    }

    fn check(&mut self) {
        let sim = &self.sim;
        self.violations.extend(sim.anomalies.iter().cloned());
        for z in &self.citizens {
            if let Some(leg) = z.c.leg {
                if sim.closed.contains(&leg) && !(z.left || z.got_bye || z.failed) {
                    self.violations.push(format!(
                        "call {} lost its socket but nobody hung up",
                        z.c.call_id
                    ));
                }
            }
        }
        let snap = sim.engine.snapshot(sim.now);
        let st = sim.engine.stats();
        if snap.calls.len() as u64 != st.active_calls {
            self.violations.push(format!(
                "snapshot has {} calls, stats {} active",
                snap.calls.len(),
                st.active_calls
            ));
        }
        // Feature-code calls are not citizens' calls: in none of the counters.
        if st.calls_started - self.base.calls_started
            != st.calls_ended - self.base.calls_ended + st.active_calls
        {
            self.violations
                .push(format!("started/ended/active do not add up: {st:?}"));
        }
        for q in &snap.queues {
            let queued = snap
                .calls
                .iter()
                .filter(|c| c.state == "queued" && c.queue.as_deref() == Some(q.id.as_str()))
                .count();
            if q.waiting + q.ringing != queued {
                self.violations.push(format!(
                    "queue {}: waiting {} + ringing {} vs {queued} queued calls",
                    q.id.as_str(),
                    q.waiting,
                    q.ringing
                ));
            }
            let out = q.answered
                + q.abandoned
                + q.exited
                + q.called_back
                + (q.waiting + q.ringing) as u64;
            if q.enqueued != out {
                self.violations.push(format!(
                    "queue {}: enqueued {} != {out}",
                    q.id.as_str(),
                    q.enqueued
                ));
            }
        }
        let offered = snap
            .agents
            .iter()
            .filter(|a| a.state == AgentState::Offered)
            .count();
        let ringing: usize = snap.calls.iter().map(|c| c.ringing.len()).sum();
        if offered != ringing {
            self.violations.push(format!(
                "{offered} agents offered, {ringing} rings in calls"
            ));
        }
        let in_call = snap
            .agents
            .iter()
            .filter(|a| a.state == AgentState::InCall)
            .count();
        let talking = snap.calls.iter().filter(|c| c.state == "talking").count();
        if in_call != talking {
            self.violations
                .push(format!("{in_call} agents in call, {talking} calls talking"));
        }
    }

    /// Everybody hangs up; time runs on; then the end-of-day checks.
    fn finish(&mut self) {
        for k in 0..self.citizens.len() {
            let sim = &mut self.sim;
            hang_up(sim, &mut self.citizens[k]);
            self.react();
        }
        for _ in 0..120 {
            self.sim.advance(Duration::from_secs(1));
            self.react();
        }
        self.check();
        let sim = &self.sim;
        if !sim.open.is_empty() {
            self.violations
                .push(format!("sockets still open at the end: {:?}", sim.open));
        }
        let snap = sim.engine.snapshot(sim.now);
        if !snap.calls.is_empty() || sim.engine.stats().active_calls != 0 {
            self.violations
                .push(format!("calls left at the end: {:?}", snap.calls));
        }
        for a in &snap.agents {
            if !matches!(a.state, AgentState::Idle | AgentState::WrapUp) {
                self.violations
                    .push(format!("agent {} left {:?}", a.id, a.state));
            }
        }
        for z in &self.citizens {
            if z.answered && !(z.left || z.got_bye) {
                self.violations.push(format!(
                    "answered call {} never ended by a BYE",
                    z.c.call_id
                ));
            }
        }
        let now = self.sim.now;
        self.sim.engine.handle_command(now, Command::Shutdown);
        self.sim.advance(Duration::from_secs(20));
        self.react();
        if !self.sim.engine.is_idle() {
            self.violations.push("not idle after shutdown".into());
        }
    }
}

fn hang_up(sim: &mut Sim, z: &mut Citizen) {
    if z.left || z.got_bye || z.failed {
        return;
    }
    z.left = true;
    if z.answered {
        z.c.bye(sim);
    } else {
        z.c.cancel(sim);
    }
}

fn cases() -> u32 {
    std::env::var("ENGINE_PROP_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256)
}

fn policy() -> impl Strategy<Value = Policy> {
    prop_oneof![2 => Just(Policy::Manual), 2 => Just(Policy::AutoAnswer), 1 => Just(Policy::AutoReject)]
}

fn run(policies: [Policy; 3], ops: &[Op], strict: bool) -> Result<(), TestCaseError> {
    let mut w = World::new(strict, policies);
    let mut trace: Vec<String> = Vec::new();
    for op in ops {
        w.apply(op);
        trace.push(format!("{:?} {op:?}", w.sim.elapsed()));
        if !w.violations.is_empty() {
            break;
        }
    }
    if w.violations.is_empty() {
        w.finish();
    }
    if std::env::var("PROP_STATS").is_ok() {
        let snap = w.sim.engine.snapshot(w.sim.now);
        let answered: u64 = snap.queues.iter().map(|q| q.answered).sum();
        let exited: u64 = snap.queues.iter().map(|q| q.exited).sum();
        let abandoned: u64 = snap.queues.iter().map(|q| q.abandoned).sum();
        let cancels = w
            .log
            .iter()
            .filter(|l| l.contains(" CANCEL ") && !l.contains(":5060 200"))
            .count();
        eprintln!("STATS answered={answered} exited={exited} abandoned={abandoned} agent_cancels={cancels} {:?}", w.sim.engine.stats());
    }
    let tail = w.log.len().saturating_sub(40);
    prop_assert!(
        w.violations.is_empty(),
        "{:#?}\nafter:\n{}\nSIP sent (last 40):\n{}",
        w.violations,
        trace.join("\n"),
        w.log[tail..].join("\n")
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 2000, ..ProptestConfig::default() })]

    /// Every invariant, with an INVITE to an agent out of flight once we
    /// CANCEL it.
    #[test]
    fn random_traffic_keeps_the_invariants(policies in [policy(), policy(), policy()], ops in proptest::collection::vec(op(), 1..40)) {
        run(policies, &ops, false)?;
    }

    /// The same, strictly: an agent gets no INVITE until it has answered the
    /// previous one finally (487 after our CANCEL).
    #[test]

    fn random_traffic_strict_one_invite_per_agent(policies in [policy(), policy(), policy()], ops in proptest::collection::vec(op(), 1..40)) {
        run(policies, &ops, true)?;
    }
}
