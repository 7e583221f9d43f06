//! A real softphone as the operator: baresip (headless: auto-answer, a sine
//! source, a null player, no terminal) registers with digest, logs in with
//! *11, is offered a call from SIPp and answers; RTP flows both ways through
//! the engine's bridge.

use crate::harness::*;
use crate::sip_basics::MONDAY_9;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Baresip {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn baresip(c: &Centralino, user: &str, password: &str) -> Baresip {
    require("baresip");
    let dir = tempfile::tempdir().unwrap();
    let sip_port = free_udp_port();
    let ctrl_port = free_udp_port();
    let rtp = rtp_range();
    let config = format!(
        "poll_method epoll\n\
         sip_listen 127.0.0.1:{sip_port}\n\
         sip_trans_def udp\n\
         audio_player aubridge,nil\n\
         audio_source ausine,1000\n\
         audio_alert aubridge,nil\n\
         ausrc_srate 48000\n\
         ausrc_channels 2\n\
         auplay_srate 48000\n\
         auplay_channels 2\n\
         rtp_ports {}-{}\n\
         net_interface 127.0.0.1\n\
         module_path /usr/lib/baresip/modules\n\
         module g711.so\n\
         module ausine.so\n\
         module aubridge.so\n\
         module ctrl_tcp.so\n\
         module_app account.so\n\
         module_app menu.so\n\
         ctrl_tcp_listen 127.0.0.1:{ctrl_port}\n",
        rtp.0, rtp.1
    );
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(
        dir.path().join("accounts"),
        format!("<sip:{user}@{}>;auth_pass={password};answermode=auto;regint=600;audio_codecs=PCMA,PCMU\n", c.sip),
    )
    .unwrap();
    let child = Command::new("baresip")
        .arg("-f")
        .arg(dir.path())
        .arg("-e")
        .arg(format!("/dial sip:*11@{}", c.sip))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn baresip");
    Baresip { child, _dir: dir }
}

/// Reads `key=N` from the "media closed" line of `role`.
fn media_count(logs: &str, role: &str, key: &str) -> u64 {
    logs.lines()
        .filter(|l| l.contains("media closed") && l.contains(&format!("role={role}")))
        .filter_map(|l| {
            l.split(&format!("{key}="))
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn baresip_answers_a_queued_call_and_audio_flows_both_ways() {
    let yaml = crate::acd::acd_config("longest_idle", "10s", "");
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    });
    let _phone = baresip(&c, "a1", "pw-a1");
    assert!(
        c.wait_log("feature code agent=a1", Duration::from_secs(15)),
        "baresip did not log in:\n{}",
        c.logs()
    );
    let run = Sipp::scenario("uac_talk.xml")
        .key("caller", "0461000001")
        .args(["-d", "10000"])
        .call(c.sip, "100", 1);
    run.assert_ok("caller talking to baresip");
    assert!(
        c.wait_log("answered by agent agent=a1", Duration::from_secs(1)),
        "{}",
        c.logs()
    );
    assert!(
        c.wait_log_count("media closed", 3, Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    let logs = c.logs();
    // The softphone's sine reached the engine and was relayed to the caller…
    let from_agent = media_count(&logs, "agent:a1", "rx_packets");
    let to_caller = media_count(&logs, "caller", "tx_relayed");
    // …and the caller's speech reached the softphone.
    let from_caller = media_count(&logs, "caller", "rx_packets");
    let to_agent = media_count(&logs, "agent:a1", "tx_relayed");
    assert!(from_agent > 100, "RTP from baresip: {from_agent}\n{logs}");
    assert!(
        to_caller > 100,
        "relayed to the caller: {to_caller}\n{logs}"
    );
    assert!(
        from_caller > 100,
        "RTP from the caller: {from_caller}\n{logs}"
    );
    assert!(to_agent > 50, "relayed to baresip: {to_agent}\n{logs}");
}
