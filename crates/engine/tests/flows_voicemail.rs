//! Flow 10: out of hours (a Sunday) — the out-of-hours message, the
//! voicemail offer, the recording, and `EngineEvent::Voicemail` carrying
//! the PCM of what the caller sent.

mod sim;

use centralino_engine::{EngineEvent, RecordedVoicemail};
use centralino_media::{g711, Codec};
use sim::rtp::sine;
use sim::*;
use std::time::Duration;

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

fn voicemails(events: &[EngineEvent]) -> Vec<RecordedVoicemail> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Voicemail(v) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

/// Send `pcm` as A-law, 20 ms a packet, advancing time; returns what the
/// recorder should hold (the A-law round trip of `pcm`).
fn speak(sim: &mut Sim, c: &mut Caller, pcm: &[i16]) -> Vec<i16> {
    let mut expected = Vec::new();
    for frame in pcm.chunks(160) {
        let payload: Vec<u8> = frame.iter().map(|s| g711::alaw_encode(*s)).collect();
        expected.extend(payload.iter().map(|b| g711::alaw_decode(*b)));
        c.send_audio(sim, &payload);
        sim.advance(ms(20));
    }
    expected
}

/// A call on Sunday to the queue service, at the point where the offer
/// ("press 1") is playing.
fn out_of_hours_call(sim: &mut Sim) -> Caller {
    let c = Caller::answered(sim, "0461000001", QUEUE, caller_rtp(0));
    sim.advance(ms(150));
    assert_eq!(
        sim.take_heard(c.rtp, Codec::Pcma),
        ["adl-fuori-orario", "segreteria-offerta"]
    );
    c
}

#[test]
fn out_of_hours_voicemail_records_what_the_caller_sent() {
    let mut sim = Sim::builder(BASE)
        .wall(sunday_10())
        .prompt_frames("adl-fuori-orario", 5)
        .build();
    let mut c = out_of_hours_call(&mut sim);
    c.press(&mut sim, '1');
    let pressed = sim.now;
    sim.advance(ms(400));
    assert_eq!(
        sim.take_heard(c.rtp, Codec::Pcma),
        ["segreteria-offerta", "segreteria-istruzioni", "beep"]
    );
    let started = sim.now;

    // 2 s of a 440 Hz tone, then '#'.
    let pcm = sine(440.0, 8000.0, 16000, 0);
    let expected = speak(&mut sim, &mut c, &pcm);
    c.press(&mut sim, '#');
    assert!(sim.advance_until_sip(Duration::from_secs(2), |m| m.is("BYE")));
    let vms = voicemails(&sim.take_events());
    assert_eq!(vms.len(), 1, "one voicemail");
    let vm = &vms[0];
    assert_eq!(vm.pcm.len(), expected.len(), "2 s recorded");
    assert!(vm.pcm == expected, "the PCM is the caller's audio, decoded");
    assert_eq!(vm.duration, Duration::from_secs(2));
    assert_eq!(vm.service, "lavoro");
    assert_eq!(vm.caller, "0461000001");
    assert_eq!(vm.called, "800264760");
    let wall =
        |t: std::time::Instant| sunday_10() + chrono::Duration::from_std(t - sim.t0).unwrap();
    assert!(
        vm.received_at > wall(pressed) && vm.received_at <= wall(started),
        "received_at is when the recording started"
    );
    assert_eq!(sim.take_heard(c.rtp, Codec::Pcma), ["arrivederci"]);
    let msgs = c.take(&mut sim);
    assert_eq!(labels(&msgs), ["BYE"]);
    reply(&mut sim, c.sip, &msgs[0], 200);
    assert_eq!(sim.engine.stats().voicemails, 1);
    assert!(sim.open.is_empty());
}

#[test]
fn the_offer_key_interrupts_the_out_of_hours_message() {
    let mut sim = Sim::builder(BASE)
        .wall(sunday_10())
        .prompt_frames("adl-fuori-orario", 50)
        .build();
    let mut c = Caller::answered(&mut sim, "0461000001", QUEUE, caller_rtp(0));
    sim.advance(ms(200));
    c.press(&mut sim, '1');
    sim.advance(ms(400));
    let runs = sim.take_runs(c.rtp, Codec::Pcma);
    let names: Vec<&str> = runs
        .iter()
        .map(|h| h.name.as_str())
        .filter(|n| *n != "silence")
        .collect();
    assert_eq!(names, ["adl-fuori-orario", "segreteria-istruzioni", "beep"]);
    assert!(runs[0].frames < 50);
}

#[test]
fn hanging_up_while_recording_keeps_the_message() {
    let mut sim = Sim::builder(BASE).wall(sunday_10()).build();
    let mut c = out_of_hours_call(&mut sim);
    c.info_dtmf(&mut sim, '1');
    c.take(&mut sim);
    sim.advance(ms(300));
    let pcm = sine(300.0, 6000.0, 12000, 0);
    let expected = speak(&mut sim, &mut c, &pcm);
    c.bye(&mut sim);
    assert_eq!(labels(&c.take(&mut sim)), ["200 BYE"]);
    let vms = voicemails(&sim.take_events());
    assert_eq!(vms.len(), 1);
    assert!(vms[0].pcm == expected);
    assert!(sim.open.is_empty());
}

#[test]
fn silence_ends_the_recording() {
    let mut sim = Sim::builder(BASE).wall(sunday_10()).build();
    let mut c = out_of_hours_call(&mut sim);
    c.press(&mut sim, '1');
    sim.advance(ms(300));
    let mut pcm = sine(500.0, 8000.0, 8000, 0);
    pcm.extend(std::iter::repeat_n(0, 8000 * 6));
    let mut expected = Vec::new();
    for frame in pcm.chunks(160) {
        if sim
            .events
            .iter()
            .any(|e| matches!(e, EngineEvent::Voicemail(_)))
        {
            break;
        }
        let payload: Vec<u8> = frame.iter().map(|s| g711::alaw_encode(*s)).collect();
        expected.extend(payload.iter().map(|b| g711::alaw_decode(*b)));
        c.send_audio(&mut sim, &payload);
        sim.advance(ms(20));
    }
    let vms = voicemails(&sim.take_events());
    assert_eq!(
        vms.len(),
        1,
        "the 4 s silence timeout stopped the recording"
    );
    let vm = &vms[0];
    assert!(
        vm.pcm.len() >= 8000 + 4 * 8000 - 160 && vm.pcm.len() <= 8000 + 4 * 8000 + 320,
        "1 s of voice + 4 s of silence: {}",
        vm.pcm.len()
    );
    assert!(vm.pcm[..8000] == expected[..8000]);
}

#[test]
fn no_key_after_the_offer_means_goodbye_and_no_voicemail() {
    let mut sim = Sim::builder(BASE).wall(sunday_10()).build();
    let mut c = out_of_hours_call(&mut sim);
    assert!(sim.advance_until_sip(Duration::from_secs(10), |m| m.is("BYE")));
    assert_eq!(
        sim.take_heard(c.rtp, Codec::Pcma),
        ["segreteria-offerta", "arrivederci"]
    );
    let bye = c.take(&mut sim).pop().unwrap();
    // message 100 ms + offer 100 ms, the 4 s offer timeout, goodbye 100 ms.
    let at = bye.at - sim.t0;
    assert!(at >= ms(4300) && at <= ms(4360), "BYE at {at:?}");
    assert!(voicemails(&sim.take_events()).is_empty());
}

#[test]
fn a_pcmu_caller_is_recorded_by_mu_law() {
    let mut sim = Sim::builder(BASE).wall(sunday_10()).build();
    let rtp = caller_rtp(0);
    let mut c = Caller::invite(
        &mut sim,
        "0461000001",
        QUEUE,
        rtp,
        Some(sdp(rtp, &["PCMU"], Some(101), &[])),
    );
    c.take(&mut sim);
    c.ack(&mut sim);
    c.pt = 0;
    sim.advance(ms(150));
    c.press(&mut sim, '1');
    sim.advance(ms(300));
    let pcm = sine(1000.0, 12000.0, 12000, 3);
    let mut expected = Vec::new();
    for frame in pcm.chunks(160) {
        let payload: Vec<u8> = frame.iter().map(|s| g711::ulaw_encode(*s)).collect();
        expected.extend(payload.iter().map(|b| g711::ulaw_decode(*b)));
        c.send_audio(&mut sim, &payload);
        sim.advance(ms(20));
    }
    c.info_dtmf(&mut sim, '#');
    let vms = voicemails(&sim.take_events());
    assert_eq!(vms.len(), 1);
    assert!(vms[0].pcm == expected);
}

#[test]
fn the_recording_stops_at_max_length() {
    let mut sim = Sim::builder(BASE).wall(sunday_10()).build();
    let mut c = out_of_hours_call(&mut sim);
    c.press(&mut sim, '1');
    sim.advance(ms(300));
    // 32 s of speech; max_length is 30 s.
    let pcm = sine(440.0, 8000.0, 32 * 8000, 0);
    speak(&mut sim, &mut c, &pcm);
    let vms = voicemails(&sim.take_events());
    assert_eq!(vms.len(), 1, "kept at max length");
    assert!(
        vms[0].pcm.len() <= 30 * 8000,
        "at most 30 s: {}",
        vms[0].pcm.len()
    );
    assert!(
        vms[0].pcm.len() >= 29 * 8000 + 4000,
        "30 s from the beep, less the moment before the caller spoke: {}",
        vms[0].pcm.len()
    );
    assert!(
        c.take(&mut sim).iter().any(|m| m.is("BYE")),
        "goodbye, then BYE"
    );
}
