//! The process around the calls: SIGTERM ends calls cleanly and exits 0;
//! `centralino reload` (SIGHUP) applies a new config to new calls and
//! refuses a bad one; the IVR's self-service path ends the call from our side.

use crate::harness::*;
use crate::sip_basics::MONDAY_9;
use std::time::Duration;

#[test]
fn sigterm_refuses_new_calls_ends_the_others_and_exits_0() {
    let yaml = shipped_config().replace("shutdown_grace: 15s", "shutdown_grace: 2s");
    let mut c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    });
    // A call in progress (it would wait in the queue for minutes).
    let caller = Sipp::scenario("uac_dtmf3_wait_bye.xml")
        .key("caller", "0461000001")
        .args([
            "-d",
            "4000",
            "-m",
            "1",
            "-s",
            "800228040",
            "-i",
            "127.0.0.1",
        ])
        .timeout(40)
        .spawn(vec![c.sip.to_string()]);
    assert!(
        c.wait_log("queued queue=td-trentino-rete", Duration::from_secs(15)),
        "{}",
        c.logs()
    );
    let pid = c.pid();
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    assert!(
        c.wait_log("shutting down", Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    // A new call during the grace gets 503.
    let run = Sipp::scenario("uac_no_common_codec.xml")
        .key("caller", "0461000002")
        .call(c.sip, "800228040", 1);
    assert!(run.messages.contains("SIP/2.0 503"), "{}", run.messages);
    assert!(run.messages.contains("Retry-After:"), "{}", run.messages);
    // The call in progress gets our BYE after the grace; the process exits 0.
    let status = c.wait_exit(Duration::from_secs(20)).expect("exits");
    assert!(status.success(), "exit status {status}\n{}", c.logs());
    let mut caller = caller;
    assert!(
        caller.wait().unwrap().success(),
        "the caller got BYE and answered it\n{}",
        c.logs()
    );
    assert!(c.logs().contains("cause=Shutdown"), "{}", c.logs());
}

#[test]
fn reload_applies_to_new_calls_and_refuses_a_bad_config() {
    let yaml = shipped_config();
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml.clone()),
        ..Opts::default()
    });
    let config = c.data_dir.path().join("test-config.yaml");
    // A bad file: refused, the running one stays.
    std::fs::write(&config, yaml.replacen("wrap_up: 15s", "wrap_upp: 15s", 1)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_centralino"))
        .arg("reload")
        .arg("--data-dir")
        .arg(c.data_dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        c.wait_log("reload refused", Duration::from_secs(10)),
        "{}",
        c.logs()
    );
    assert!(
        c.logs().contains("wrap_upp"),
        "the error names the key: {}",
        c.logs()
    );
    // A good one: Agenzia del Lavoro now welcomes with Motorizzazione's prompt.
    std::fs::write(
        &config,
        yaml.replace("welcome: adl-benvenuto", "welcome: mctc-benvenuto"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_centralino"))
        .arg("reload")
        .arg("--data-dir")
        .arg(c.data_dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        c.wait_log("configuration reloaded", Duration::from_secs(10)),
        "{}",
        c.logs()
    );
    Sipp::scenario("uac_bye_during_prompt.xml")
        .key("caller", "0461000001")
        .args(["-d", "1000"])
        .call(c.sip, "800264760", 1)
        .assert_ok("call after reload");
    assert!(
        c.wait_log("it/mctc-benvenuto", Duration::from_secs(5)),
        "new calls use the new config: {}",
        c.logs()
    );
}

#[test]
fn apiae_1_plays_the_office_hours_and_hangs_up() {
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        ..Opts::default()
    });
    // The welcome (7.4 s, not interruptible) and the menu play; 1 during
    // the menu = office hours, then our BYE.
    Sipp::scenario("uac_dtmf1_wait_bye.xml")
        .key("caller", "0461000001")
        .args(["-d", "9000"])
        .timeout(60)
        .call(c.sip, "0461497300", 1)
        .assert_ok("APIAE 1");
    let logs = c.logs();
    assert!(logs.contains("digits=1"), "{logs}");
    assert!(logs.contains("it/apiae-orari-uffici"), "{logs}");
    assert!(logs.contains("SelfService"), "{logs}");
}
