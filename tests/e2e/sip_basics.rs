//! Issue 2 against the real binary: SIPp as the trunk.

use crate::harness::*;
use std::time::Duration;

/// Monday 23 November 2026, 09:00 in Rome: every Trento service is open.
pub const MONDAY_9: &str = "2026-11-23T09:00:00+01:00";

fn engine() -> Centralino {
    Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        ..Opts::default()
    })
}

#[test]
fn options_ping_gets_200_with_allow_accept_supported() {
    let c = engine();
    Sipp::scenario("options.xml")
        .call(c.sip, "ping", 1)
        .assert_ok("OPTIONS");
}

#[test]
fn bye_for_an_unknown_dialog_gets_481() {
    let c = engine();
    Sipp::scenario("bye_unknown_dialog.xml")
        .key("caller", "0461000001")
        .call(c.sip, "800228040", 1)
        .assert_ok("BYE 481");
}

#[test]
fn an_offer_without_a_common_codec_gets_488() {
    let c = engine();
    Sipp::scenario("uac_no_common_codec.xml")
        .key("caller", "0461000001")
        .call(c.sip, "800228040", 1)
        .assert_ok("488");
    assert_eq!(
        c.count_log("call started"),
        0,
        "no call is created for a 488"
    );
}

#[test]
fn an_unknown_number_gets_404() {
    let c = engine();
    let run = Sipp::scenario("uac_no_common_codec.xml")
        .key("caller", "0461000001")
        .call(c.sip, "12345", 1);
    assert!(
        !run.status.success(),
        "a 404 is not the 488 the scenario expects"
    );
    assert!(run.messages.contains("SIP/2.0 404"), "{}", run.messages);
}

#[test]
fn cancel_before_the_answer_gets_487_and_200() {
    let yaml = shipped_config().replace("answer_delay: 0s", "answer_delay: 3s");
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    });
    Sipp::scenario("uac_cancel.xml")
        .key("caller", "0461000001")
        .call(c.sip, "800228040", 1)
        .assert_ok("CANCEL");
    assert!(
        c.wait_log("caller cancelled before the answer", Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    assert!(c.wait_log("call ended", Duration::from_secs(5)));
}

#[test]
fn the_caller_hangs_up_during_the_prompt() {
    let c = engine();
    Sipp::scenario("uac_bye_during_prompt.xml")
        .key("caller", "0461000001")
        .args(["-d", "1500"])
        .call(c.sip, "800228040", 1)
        .assert_ok("BYE during prompt");
    assert!(
        c.wait_log("cause=CallerHangup", Duration::from_secs(5)),
        "{}",
        c.logs()
    );
}

#[test]
fn a_retransmitted_invite_never_creates_a_second_call() {
    let yaml = shipped_config().replace("answer_delay: 0s", "answer_delay: 1s");
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    });
    Sipp::scenario("uac_invite_retransmit.xml")
        .key("caller", "0461000001")
        .call(c.sip, "800228040", 1)
        .assert_ok("INVITE retransmission");
    assert!(c.wait_log("call ended", Duration::from_secs(5)));
    assert_eq!(c.count_log("call started"), 1, "{}", c.logs());
}

#[test]
fn the_caller_hears_the_menu_and_chooses_with_rfc2833() {
    // Trentino Digitale: welcome, menu; 3 = Trentino in Rete → its queue.
    let c = engine();
    Sipp::scenario("uac_dtmf3_hangup.xml")
        .key("caller", "0461000001")
        .args(["-d", "4000"])
        .call(c.sip, "800228040", 1)
        .assert_ok("DTMF 3");
    assert!(
        c.wait_log("digits=3", Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    assert!(
        c.wait_log("queued queue=td-trentino-rete", Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    assert!(
        c.logs().contains("it/in-coda"),
        "the queue announcement plays: {}",
        c.logs()
    );
}

/// Checks a prompt's RTP stream packet by packet: sequence +1, timestamp
/// +160, spacing ~20 ms, and the payload decodes back to the WAV.
fn check_prompt_stream(packets: &[RtpPacket], wav: &[i16], decode: fn(u8) -> i16, pt: u8) {
    let start = packets
        .iter()
        .position(|p| p.marker() && p.payload_type() == pt)
        .expect("a packet with the marker bit starts the prompt");
    let stream = &packets[start..];
    let frames = wav.len() / 160;
    assert!(
        stream.len() >= frames.min(100),
        "only {} packets after the marker",
        stream.len()
    );
    let n = frames.min(stream.len()).min(150);
    let ssrc = stream[0].ssrc();
    let mut gaps = Vec::new();
    for i in 0..n {
        let p = &stream[i];
        assert_eq!(p.payload_type(), pt, "packet {i}");
        assert_eq!(p.ssrc(), ssrc, "packet {i}: one SSRC");
        assert_eq!(p.payload().len(), 160, "packet {i}: 20 ms of G.711");
        if i > 0 {
            let prev = &stream[i - 1];
            assert_eq!(
                p.seq(),
                prev.seq().wrapping_add(1),
                "packet {i}: sequence +1"
            );
            assert_eq!(
                p.timestamp(),
                prev.timestamp().wrapping_add(160),
                "packet {i}: timestamp +160"
            );
            assert!(!p.marker(), "packet {i}: marker only at the start");
            gaps.push(p.at.duration_since(prev.at).as_secs_f64() * 1000.0);
        }
        for (j, byte) in p.payload().iter().enumerate() {
            let original = wav[i * 160 + j] as i32;
            let decoded = decode(*byte) as i32;
            let bound = original.abs() / 16 + 16;
            assert!(
                (decoded - original).abs() <= bound,
                "packet {i} sample {j}: decoded {decoded}, WAV {original} (G.711 quantisation allows {bound})"
            );
        }
    }
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    assert!((mean - 20.0).abs() < 1.0, "mean spacing {mean:.2} ms");
    let mut dev: Vec<f64> = gaps.iter().map(|g| (g - 20.0).abs()).collect();
    dev.sort_by(|a, b| a.total_cmp(b));
    let p95 = dev[dev.len() * 95 / 100];
    assert!(p95 < 6.0, "p95 deviation from 20 ms: {p95:.2} ms");
}

#[test]
fn the_welcome_prompt_arrives_as_a_well_formed_rtp_stream() {
    let c = engine();
    let probe = RtpProbe::bind();
    Sipp::scenario("uac_rtp_probe.xml")
        .key("caller", "0461000001")
        .key("rtp_port", probe.port())
        .args(["-d", "3500"])
        .call(c.sip, "800228040", 1)
        .assert_ok("RTP probe call");
    let wav = read_wav(&root().join("prompts/it/td-benvenuto.wav"));
    let packets = probe.packets();
    assert!(!packets.is_empty(), "no RTP reached the probe");
    check_prompt_stream(&packets, &wav, alaw_to_linear, 8);
}

#[test]
fn a_g729_only_trunk() {
    let c = engine();
    let probe = RtpProbe::bind();
    let run = Sipp::scenario("uac_g729_only.xml")
        .key("caller", "0461000001")
        .key("rtp_port", probe.port())
        .args(["-d", "2000"])
        .call(c.sip, "800228040", 1);
    if cfg!(feature = "g729") {
        run.assert_ok("G.729 call");
        let g729: Vec<_> = probe
            .packets()
            .into_iter()
            .filter(|p| p.payload_type() == 18)
            .collect();
        assert!(
            g729.len() >= 50,
            "the welcome plays in G.729: {} packets",
            g729.len()
        );
        assert!(
            g729.iter().all(|p| p.payload().len() == 20),
            "20 bytes per 20 ms"
        );
        assert!(g729[0].marker(), "the prompt starts with the marker bit");
    } else {
        // Without the g729 feature a G.729-only offer is refused (documented).
        assert!(run.messages.contains("SIP/2.0 488"), "{}", run.messages);
    }
}
