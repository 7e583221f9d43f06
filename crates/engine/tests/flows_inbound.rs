//! Flows 3–8 on the trunk side: offerless INVITE, CANCEL before the
//! answer, BYE during a prompt, requests outside any call, Timer H, RTP
//! inactivity, the call limit and shutdown.

mod sim;

use centralino_cdr::{EndedBy, EventKind};
use centralino_engine::{Command, EngineEvent};
use centralino_media::Codec;
use centralino_sip::testkit;
use sim::*;
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// Who ended each call, in order, from the CDR events.
fn ended_by(events: &[EngineEvent]) -> Vec<EndedBy> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Call(c) => match &c.kind {
                EventKind::Ended { ended_by, .. } => Some(*ended_by),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

// ---- 3. offerless INVITE -------------------------------------------------

#[test]
fn offerless_invite_offer_in_our_200_answer_in_the_ack() {
    let mut sim = Sim::builder(BASE).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::invite(&mut sim, "0461000001", MENU, rtp, None);
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["100 INVITE", "200 INVITE"]);
    let offer = msgs[1].body();
    let port = c.local_rtp.unwrap().port();
    assert_eq!(
        m_line(&offer),
        format!("m=audio {port} RTP/AVP 8 0 101"),
        "our codecs in our order, G.729 left out:\n{offer}"
    );
    assert!(offer.contains("a=rtpmap:101 telephone-event/8000"));
    assert_eq!(sdp_direction(&offer), "sendrecv");

    sim.advance(ms(300));
    assert!(
        sim.take_rtp_to(rtp).is_empty(),
        "no RTP before the answer tells where to send"
    );

    c.ack_with_sdp(&mut sim, &sdp(rtp, &["PCMU"], Some(101), &[]));
    let acked = sim.now;
    sim.advance(ms(100));
    let packets = sim.take_rtp_to(rtp);
    assert_eq!(packets.len(), 5);
    assert!(packets[0].at > acked && packets[0].at <= acked + ms(20));
    assert!(
        packets.iter().all(|p| p.packet().payload_type == 0),
        "the answer's codec"
    );
    assert!(packets[0].packet().marker);
    assert_eq!(sim.prompts_heard(&packets, Codec::Pcmu), ["td-benvenuto"]);
    assert!(sim.take_sip().is_empty());
}

#[test]
fn offerless_invite_with_an_unusable_answer_is_hung_up() {
    let mut sim = Sim::builder(BASE).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::invite(&mut sim, "0461000001", MENU, rtp, None);
    c.take(&mut sim);
    c.ack_with_sdp(&mut sim, &sdp(rtp, &["G729"], None, &[]));
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["BYE"]);
    reply(&mut sim, c.sip, &msgs[0], 200);
    assert!(sim.open.is_empty());
}

// ---- 4. CANCEL before the answer -----------------------------------------

#[test]
fn cancel_while_ringing_gets_200_and_487_and_frees_the_socket() {
    let mut sim = Sim::builder(BASE)
        .config(|c| c.answer_delay = secs(2))
        .build();
    let rtp = caller_rtp(0);
    let mut c = Caller::call(&mut sim, "0461000001", MENU, rtp);
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["100 INVITE", "180 INVITE"]);
    assert!(msgs[1].response().to_tag_is_set());
    assert_eq!(sim.open.len(), 1, "the socket is bound while ringing");

    sim.advance(secs(1));
    assert!(c.take(&mut sim).is_empty(), "still ringing");
    assert!(sim.take_rtp_to(rtp).is_empty());

    c.cancel(&mut sim);
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["200 CANCEL", "487 INVITE"]);
    assert_eq!(
        sim.closed,
        [c.leg.unwrap()],
        "CloseMedia for the call's leg"
    );
    assert!(sim.open.is_empty());
    c.ack_failure(&mut sim, &msgs[1]);

    sim.advance(secs(40));
    assert!(
        c.take(&mut sim).is_empty(),
        "no answer after the CANCEL, no 487 retransmission after the ACK"
    );
    assert!(sim.take_rtp_to(rtp).is_empty());
    assert_eq!(ended_by(&sim.take_events()), [EndedBy::Caller]);
    assert_eq!(sim.engine.stats().active_calls, 0);
}

#[test]
fn ringing_call_is_answered_after_the_delay() {
    let mut sim = Sim::builder(BASE)
        .config(|c| c.answer_delay = secs(2))
        .build();
    let mut c = Caller::call(&mut sim, "0461000001", MENU, caller_rtp(0));
    c.take(&mut sim);
    sim.advance(ms(2100));
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["200 INVITE"]);
    assert_eq!(msgs[0].at, sim.t0 + secs(2));
}

// ---- 5. BYE, requests outside calls -------------------------------------

#[test]
fn caller_bye_during_the_welcome_stops_everything() {
    let mut sim = Sim::builder(BASE).prompt_frames("td-benvenuto", 50).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::answered(&mut sim, "0461000001", MENU, rtp);
    sim.advance(ms(200));
    let packets = sim.take_rtp_to(rtp);
    assert_eq!(sim.prompts_heard(&packets, Codec::Pcma), ["td-benvenuto"]);
    c.bye(&mut sim);
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["200 BYE"]);
    assert_eq!(sim.closed, [c.leg.unwrap()]);
    sim.advance(secs(5));
    assert!(sim.take_rtp_to(rtp).is_empty(), "no RTP after the BYE");
    assert!(c.take(&mut sim).is_empty(), "we send no BYE of our own");
    assert_eq!(ended_by(&sim.take_events()), [EndedBy::Caller]);
}

#[test]
fn bye_for_an_unknown_dialog_gets_481() {
    let mut sim = Sim::builder(BASE).build();
    let bye = testkit::request("BYE", "sip:centralino@192.0.2.1:5060")
        .to_tag("nobody")
        .build();
    sim.sip_in(trunk_addr(), &bye);
    assert_eq!(labels(&sim.take_sip_to(trunk_addr())), ["481 BYE"]);
}

#[test]
fn options_gets_200_with_allow_accept_supported() {
    let mut sim = Sim::builder(BASE).build();
    sim.sip_in(trunk_addr(), &testkit::options("sip:192.0.2.1").build());
    let msgs = sim.take_sip_to(trunk_addr());
    assert_eq!(labels(&msgs), ["200 OPTIONS"]);
    let allow = msgs[0].header("Allow").expect("Allow");
    for m in ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO"] {
        assert!(allow.contains(m), "Allow: {allow}");
    }
    assert!(msgs[0]
        .header("Accept")
        .expect("Accept")
        .contains("application/sdp"));
    assert!(msgs[0].header("Supported").is_some());
}

#[test]
fn an_unsupported_method_gets_405_with_allow_an_unknown_one_405_or_501() {
    let mut sim = Sim::builder(BASE).build();
    sim.sip_in(trunk_addr(), &testkit::message("sip:192.0.2.1").build());
    let msgs = sim.take_sip_to(trunk_addr());
    assert_eq!(labels(&msgs), ["405 MESSAGE"]);
    assert!(msgs[0].header("Allow").is_some());
    sim.sip_in(
        trunk_addr(),
        &testkit::request("FROBNICATE", "sip:192.0.2.1").build(),
    );
    let msgs = sim.take_sip_to(trunk_addr());
    assert_eq!(msgs.len(), 1, "{:?}", labels(&msgs));
    assert!([405, 501].contains(&msgs[0].status()), "{}", msgs[0].text());
}

#[test]
fn no_rtp_port_means_503() {
    let mut sim = Sim::builder(BASE).build();
    sim.fail_media = 1;
    let mut c = Caller::call(&mut sim, "0461000001", MENU, caller_rtp(0));
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["100 INVITE", "503 INVITE"]);
    assert!(msgs[1].header("Retry-After").is_some());
    c.ack_failure(&mut sim, &msgs[1]);
    assert!(
        sim.open.is_empty() && sim.anomalies.is_empty(),
        "{:?}",
        sim.anomalies
    );
    assert_eq!(sim.engine.stats().active_calls, 0);
    sim.advance(secs(40));
    assert!(c.take(&mut sim).is_empty());
}

#[test]
fn a_retransmitted_invite_is_not_a_second_call() {
    let mut sim = Sim::builder(BASE)
        .config(|c| c.answer_delay = secs(2))
        .build();
    let mut c = Caller::call(&mut sim, "0461000001", MENU, caller_rtp(0));
    c.take(&mut sim);
    sim.advance(ms(500));
    let invite = c.invite.clone();
    sim.sip_in(c.sip, &invite);
    let msgs = c.take(&mut sim);
    assert!(msgs.iter().all(|m| m.status() < 200), "{:?}", labels(&msgs));
    assert_eq!(sim.opened.len(), 1, "one call, one socket");
    assert_eq!(sim.engine.stats().calls_started, 1);
}

#[test]
fn in_dialog_options_is_answered_and_a_stray_one_gets_481() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = Caller::answered(&mut sim, "0461000001", QUEUE, caller_rtp(0));
    c.request(&mut sim, centralino_sip::msg::Method::Options, None);
    assert_eq!(labels(&c.take(&mut sim)), ["200 OPTIONS"]);
    let stray = testkit::options("sip:centralino@192.0.2.1:5060")
        .to_tag("gone")
        .build();
    sim.sip_in(trunk_addr(), &stray);
    assert_eq!(labels(&sim.take_sip_to(trunk_addr())), ["481 OPTIONS"]);
}

// ---- 6. Timer H ----------------------------------------------------------

#[test]
fn no_ack_means_2xx_retransmissions_then_bye_after_64_t1() {
    let mut sim = Sim::builder(BASE).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::call(&mut sim, "0461000001", QUEUE, rtp);
    let first = c.take(&mut sim);
    assert_eq!(labels(&first), ["100 INVITE", "200 INVITE"]);
    sim.advance(secs(40));
    let msgs = c.take(&mut sim);
    let oks: Vec<Duration> = msgs
        .iter()
        .filter(|m| m.status() == 200)
        .map(|m| m.at - sim.t0)
        .collect();
    // T1 = 500 ms doubling up to T2 = 4 s (RFC 3261 §13.3.1.4).
    let expected: Vec<Duration> = [
        500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]
    .iter()
    .map(|m| ms(*m))
    .collect();
    assert_eq!(oks, expected);
    assert!(
        msgs.iter()
            .filter(|m| m.status() == 200)
            .all(|m| m.bytes == first[1].bytes),
        "the same 2xx"
    );
    let byes: Vec<&SipMsg> = msgs.iter().filter(|m| m.is("BYE")).collect();
    assert!(!byes.is_empty(), "{:?}", labels(&msgs));
    assert_eq!(byes[0].at, sim.t0 + secs(32), "Timer H = 64·T1");
    assert!(
        byes.iter().all(|b| b.bytes == byes[0].bytes),
        "one BYE (and its retransmissions)"
    );
    reply(&mut sim, c.sip, byes[0], 200);
    assert!(sim.open.is_empty());
    let after_bye = sim
        .take_rtp_to(rtp)
        .into_iter()
        .filter(|p| p.at > byes[0].at)
        .count();
    assert_eq!(after_bye, 0);
}

#[test]

fn no_bye_before_the_ack_of_our_2xx() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = Caller::call(&mut sim, "0461000001", MENU, caller_rtp(0));
    c.take(&mut sim);
    // The menu times out twice (5 s each) and the IVR says goodbye at ~10.4 s:
    // the caller's ACK is late (lost and retransmitted) and only arrives at 12 s.
    sim.advance(secs(12));
    let early: Vec<String> = c
        .take(&mut sim)
        .iter()
        .filter(|m| m.is("BYE"))
        .map(|m| format!("{:?}", m.at - sim.t0))
        .collect();
    assert!(early.is_empty(), "BYE sent at {early:?}, before any ACK");
    c.ack(&mut sim);
    let msgs = c.take(&mut sim);
    assert_eq!(
        labels(&msgs),
        ["BYE"],
        "the BYE goes once the dialog is confirmed"
    );
}

// ---- 7. RTP inactivity ---------------------------------------------------

#[test]
fn no_rtp_for_60_s_ends_the_call_with_bye() {
    let mut sim = Sim::builder(BASE).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::answered(&mut sim, "0461000001", QUEUE, rtp);
    assert!(sim.advance_until_sip(secs(70), |m| m.is("BYE")));
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["BYE"]);
    let at = msgs[0].at - sim.t0;
    assert!(at >= secs(60) && at <= secs(60) + ms(20), "BYE at {at:?}");
    reply(&mut sim, c.sip, &msgs[0], 200);
    assert!(sim.open.is_empty());
    assert_eq!(ended_by(&sim.take_events()), [EndedBy::System]);
}

#[test]
fn rtp_from_the_caller_keeps_the_call_up() {
    let mut sim = Sim::builder(BASE).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::answered(&mut sim, "0461000001", QUEUE, rtp);
    sim.advance(secs(30));
    c.send_audio(&mut sim, &[0xD5; 160]);
    sim.advance(secs(59));
    assert!(
        c.take(&mut sim).is_empty(),
        "alive 89 s in, 59 s after the last packet"
    );
    // A packet from another address does not count.
    let stranger = "198.51.100.9:4000".parse().unwrap();
    let p = c.out.audio(8, &[0xD5; 160]);
    sim.rtp_in(c.leg.unwrap(), stranger, &p);
    assert!(sim.advance_until_sip(secs(2), |m| m.is("BYE")));
    let at = c.take(&mut sim)[0].at - sim.t0;
    assert!(at >= secs(90) && at <= secs(90) + ms(20), "BYE at {at:?}");
}

// ---- 8. call limit and shutdown -----------------------------------------

#[test]
fn over_max_calls_gets_503_with_retry_after() {
    let mut sim = Sim::builder(BASE).config(|c| c.max_calls = 2).build();
    let _a = Caller::answered(&mut sim, "0461000001", QUEUE, caller_rtp(0));
    let _b = Caller::answered(&mut sim, "0461000002", QUEUE, caller_rtp(1));
    let mut c = Caller::call(&mut sim, "0461000003", QUEUE, caller_rtp(2));
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["100 INVITE", "503 INVITE"]);
    assert_eq!(msgs[1].header("Retry-After").as_deref(), Some("30"));
    assert_eq!(sim.open.len(), 2, "no socket for the refused call");
    c.ack_failure(&mut sim, &msgs[1]);
    assert_eq!(sim.engine.stats().calls_refused, 1);
}

#[test]
fn shutdown_refuses_new_calls_and_ends_the_others_after_the_grace() {
    let mut sim = Sim::builder(BASE)
        .config(|c| c.shutdown_grace = secs(15))
        .build();
    let mut a = Caller::answered(&mut sim, "0461000001", QUEUE, caller_rtp(0));
    let mut b = Caller::answered(&mut sim, "0461000002", QUEUE, caller_rtp(1));
    sim.advance(secs(1));
    sim.engine.handle_command(sim.now, Command::Shutdown);
    sim.flush();
    let mut c = Caller::call(&mut sim, "0461000003", QUEUE, caller_rtp(2));
    assert_eq!(labels(&c.take(&mut sim)), ["100 INVITE", "503 INVITE"]);
    assert!(!sim.engine.is_idle());

    // Calls go on during the grace.
    sim.advance(secs(5));
    assert!(!sim.take_rtp_to(caller_rtp(0)).is_empty());
    sim.take_sip();
    assert!(sim.advance_until_sip(secs(20), |m| m.is("BYE")));
    let byes: Vec<SipMsg> = sim
        .take_sip_to(trunk_addr())
        .into_iter()
        .filter(|m| m.is("BYE"))
        .collect();
    assert_eq!(byes.len(), 2, "both calls ended");
    assert!(
        byes.iter().all(|m| m.at == sim.t0 + secs(16)),
        "at the end of the grace"
    );
    assert!(!sim.engine.is_idle(), "BYEs still in flight");
    for bye in &byes {
        reply(&mut sim, trunk_addr(), bye, 200);
    }
    assert!(sim.engine.is_idle());
    assert!(sim.open.is_empty());
    sim.take_rtp_to(caller_rtp(0));
    sim.advance(secs(1));
    assert!(sim.take_rtp_to(caller_rtp(0)).is_empty());
    let _ = (&mut a, &mut b);
}

trait ToTagSet {
    fn to_tag_is_set(&self) -> bool;
}

impl ToTagSet for centralino_sip::msg::Response {
    fn to_tag_is_set(&self) -> bool {
        use centralino_sip::MessageExt;
        self.to_tag().is_some_and(|t| !t.is_empty())
    }
}

#[test]
fn shutdown_with_no_calls_is_idle_at_once_and_a_ringing_call_gets_a_final_response() {
    let mut sim = Sim::builder(BASE)
        .config(|c| c.answer_delay = secs(30))
        .build();
    let mut c = Caller::call(&mut sim, "0461000001", MENU, caller_rtp(0));
    assert_eq!(labels(&c.take(&mut sim)), ["100 INVITE", "180 INVITE"]);
    sim.engine.handle_command(sim.now, Command::Shutdown);
    sim.flush();
    assert!(!sim.engine.is_idle());
    sim.advance(secs(16));
    let msgs = c.take(&mut sim);
    assert!(
        !msgs.is_empty() && msgs.iter().all(|m| m.bytes == msgs[0].bytes),
        "{:?}",
        labels(&msgs)
    );
    assert_eq!(
        msgs[0].status(),
        480,
        "a final failure for the ringing INVITE"
    );
    assert_eq!(msgs[0].at, sim.t0 + secs(15), "at the end of the grace");
    c.ack_failure(&mut sim, &msgs[0]);
    assert!(sim.open.is_empty());
    assert!(sim.engine.is_idle());

    let mut idle = Sim::builder(BASE).build();
    idle.engine.handle_command(idle.now, Command::Shutdown);
    assert!(idle.engine.is_idle());
}

#[test]
fn a_cancel_crossing_our_200_changes_nothing() {
    let mut sim = Sim::builder(BASE).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::call(&mut sim, "0461000001", QUEUE, rtp);
    c.take(&mut sim);
    c.cancel(&mut sim);
    let msgs = c.take(&mut sim);
    assert!(
        msgs.iter().all(|m| m.status() != 487),
        "{:?}",
        labels(&msgs)
    );
    c.ack(&mut sim);
    sim.take_rtp_to(rtp);
    sim.advance(ms(100));
    let n = sim.take_rtp_to(rtp).len();
    assert!(
        (4..=6).contains(&n),
        "the call goes on: {n} packets in 100 ms"
    );
}
