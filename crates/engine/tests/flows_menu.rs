//! Flow 2: key presses drive the menu — RFC 4733 events on the negotiated
//! payload type, SIP INFO `application/dtmf-relay`, an invalid key, the
//! timeout path.

mod sim;

use centralino_media::Codec;
use sim::*;
use std::time::Duration;

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// A call to the menu service, answered and ACKed, with the welcome and
/// the menu prompt played out (the IVR now waits for a key).
fn at_the_menu(sim: &mut Sim, te: u8) -> Caller {
    let rtp = caller_rtp(0);
    let mut c = Caller::invite(
        sim,
        "0461000001",
        MENU,
        rtp,
        Some(sdp(rtp, &["PCMA"], Some(te), &[])),
    );
    c.te = Some(te);
    let msgs = c.take(sim);
    assert!(
        msgs[1]
            .body()
            .contains(&format!("a=rtpmap:{te} telephone-event/8000")),
        "our answer echoes the offer's event type"
    );
    c.ack(sim);
    sim.advance(ms(300));
    let packets = sim.take_rtp_to(rtp);
    assert_eq!(
        sim.prompts_heard(&packets, Codec::Pcma),
        ["td-benvenuto", "td-menu"]
    );
    c
}

#[test]
fn rfc4733_key_on_the_negotiated_type_picks_option_1_and_others_are_dropped() {
    let mut sim = Sim::builder(BASE).prompt_frames("td-orari", 8).build();
    let mut c = at_the_menu(&mut sim, 96);
    let dropped = sim.engine.stats().rtp_dropped;

    // Events on 101, which was not negotiated: not DTMF.
    c.press_on(&mut sim, 101, '1');
    sim.advance(ms(200));
    assert_eq!(sim.take_heard(c.rtp, Codec::Pcma), Vec::<String>::new());
    assert_eq!(sim.engine.stats().dtmf_received, 0);
    assert_eq!(
        sim.engine.stats().rtp_dropped,
        dropped + 7,
        "the 7 event packets counted as dropped"
    );

    c.press(&mut sim, '1');
    assert_eq!(
        sim.engine.stats().dtmf_received,
        1,
        "reported once despite three end packets"
    );
    assert!(sim.advance_until_sip(Duration::from_secs(2), |m| m.is("BYE")));
    let packets = sim.take_rtp_to(c.rtp);
    let heard = sim.prompts_heard(&packets, Codec::Pcma);
    assert_eq!(heard, ["td-orari", "arrivederci"]);
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["BYE"]);
    let last_audio = packets
        .iter()
        .rev()
        .find(|p| sim.prompts.name_of(Codec::Pcma, p.packet().payload) == Some("arrivederci"))
        .unwrap();
    assert!(msgs[0].at >= last_audio.at, "BYE after the goodbye played");
    reply(&mut sim, c.sip, &msgs[0], 200);
    assert!(sim.open.is_empty());
}

#[test]
fn a_key_during_the_menu_prompt_interrupts_it() {
    let mut sim = Sim::builder(BASE).prompt_frames("td-menu", 50).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::answered(&mut sim, "0461000001", MENU, rtp);
    sim.advance(ms(300)); // welcome (5 frames), then 1 s of menu starts
    c.press(&mut sim, '1');
    sim.advance(ms(300));
    let heard = sim.take_runs(rtp, Codec::Pcma);
    let menu = heard.iter().find(|h| h.name == "td-menu").unwrap();
    assert!(menu.frames < 25, "the menu stopped early: {heard:?}");
    let names: Vec<&str> = heard
        .iter()
        .map(|h| h.name.as_str())
        .filter(|n| *n != "silence")
        .collect();
    assert_eq!(
        names,
        ["td-benvenuto", "td-menu", "td-orari", "arrivederci"]
    );
}

#[test]
fn sip_info_dtmf_relay_picks_option_2_the_queue() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = at_the_menu(&mut sim, 101);
    c.info_dtmf(&mut sim, '2');
    assert_eq!(labels(&c.take(&mut sim)), ["200 INFO"]);
    assert_eq!(sim.engine.stats().dtmf_received, 1);
    sim.advance(ms(400));
    let heard = sim.take_heard(c.rtp, Codec::Pcma);
    assert_eq!(
        heard[..2],
        ["in-coda", "musica-attesa"],
        "queued, nobody logged in: {heard:?}"
    );
    assert!(
        heard[2..].iter().all(|h| h == "musica-attesa"),
        "music loops: {heard:?}"
    );
    let snap = sim.engine.snapshot(sim.now);
    assert_eq!(snap.calls.len(), 1);
    assert_eq!(snap.calls[0].state, "queued");
    assert_eq!(snap.calls[0].digits, "2");
}

#[test]
fn sip_info_with_an_unknown_body_gets_415() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = at_the_menu(&mut sim, 101);
    c.request(
        &mut sim,
        centralino_sip::msg::Method::Info,
        Some(("application/x-custom", b"hello")),
    );
    assert_eq!(labels(&c.take(&mut sim)), ["415 INFO"]);
    assert_eq!(sim.engine.stats().dtmf_received, 0);
}

#[test]
fn an_invalid_key_replays_the_menu_after_the_invalid_choice_prompt() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = at_the_menu(&mut sim, 101);
    c.press(&mut sim, '7');
    sim.advance(ms(300));
    let heard = sim.take_heard(c.rtp, Codec::Pcma);
    assert_eq!(heard, ["scelta-non-valida", "td-menu"]);
    // And the menu still works.
    sim.advance(ms(100));
    c.info_dtmf(&mut sim, '1');
    sim.advance(ms(200));
    assert_eq!(
        sim.take_heard(c.rtp, Codec::Pcma),
        ["td-orari", "arrivederci"]
    );
}

#[test]
fn no_key_replays_the_menu_then_runs_no_choice() {
    let mut sim = Sim::builder(BASE).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::answered(&mut sim, "0461000001", MENU, rtp);
    assert!(sim.advance_until_sip(Duration::from_secs(20), |m| m.is("BYE")));
    let packets = sim.take_rtp_to(rtp);
    let heard = sim.heard(&packets, Codec::Pcma);
    let names: Vec<&str> = heard.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "td-benvenuto",
            "silence",
            "td-menu",
            "silence",
            "td-menu",
            "silence",
            "arrivederci",
            "silence"
        ]
    );
    // first_digit_timeout 5 s after each menu prompt ends (5 frames + 1).
    assert_eq!(
        heard[3].frames, 250,
        "5 s of silence before the replay: {heard:?}"
    );
    assert_eq!(heard[5].frames, 250, "{heard:?}");
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["BYE"]);
    let bye_at = msgs[0].at - sim.t0;
    // welcome 100 ms + 20 + menu 100 + 5 s + menu 100 + 5 s + goodbye 100 + 20
    assert!(
        bye_at >= ms(10_440) && bye_at <= ms(10_460),
        "BYE at {bye_at:?}"
    );
}

#[test]
fn sip_info_application_dtmf_works_too() {
    let mut sim = Sim::builder(BASE).build();
    let mut c = at_the_menu(&mut sim, 101);
    c.request(
        &mut sim,
        centralino_sip::msg::Method::Info,
        Some(("application/dtmf", b"2")),
    );
    assert_eq!(labels(&c.take(&mut sim)), ["200 INFO"]);
    sim.advance(ms(200));
    assert_eq!(sim.take_heard(c.rtp, Codec::Pcma)[..1], ["in-coda"]);
}

#[test]
fn keys_during_the_welcome_are_ignored() {
    let mut sim = Sim::builder(BASE).prompt_frames("td-benvenuto", 25).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::answered(&mut sim, "0461000001", MENU, rtp);
    sim.advance(ms(100));
    c.press(&mut sim, '1');
    sim.advance(ms(800));
    let runs = sim.take_runs(rtp, Codec::Pcma);
    assert_eq!(
        runs[0],
        Heard {
            name: "td-benvenuto".into(),
            frames: 25
        },
        "the welcome plays in full: {runs:?}"
    );
    let names: Vec<&str> = runs
        .iter()
        .map(|h| h.name.as_str())
        .filter(|n| *n != "silence")
        .collect();
    assert_eq!(names, ["td-benvenuto", "td-menu"], "the key chose nothing");
}
