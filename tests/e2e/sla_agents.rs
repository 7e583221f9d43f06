//! Issue 5 with the ACD: calls answered by SIPp agents, one transferred by
//! REFER, produce CDRs with the agent, queued and answered instants and the
//! resolution; `centralino sla --format json` computes Tm and Q from them.

use crate::acd::{acd_config, agent, agent_with, finish, wait_logged_in};
use crate::cdr::{by_caller, centralino, export, ok, service};
use crate::harness::*;
use crate::sip_basics::MONDAY_9;
use std::time::Duration;

const CONTRACT: &str = r#"
contracts:
  test-contract:
    services: [test]
    abandon_threshold: 10s
    abandon_measured_from: queued
    default_resolution: resolved
    slas:
      tm_max: 16s
      p_max_pct: 3.0
      q_min_pct: 75
"#;

#[test]
fn answered_and_transferred_calls_give_tm_and_q() {
    let trunk_port = free_udp_port();
    let yaml = format!(
        "{}\ntrunk:\n  address: 127.0.0.1:{trunk_port}\n{CONTRACT}",
        acd_config("longest_idle", "10s", "")
    );
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    });
    let office = Sipp::scenario("trunk_answer.xml")
        .timeout(60)
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &trunk_port.to_string(),
            "-m",
            "1",
            "-d",
            "2000",
        ])
        .spawn(vec![]);
    // a2 (idle longest) transfers its call to the office; a1 keeps its own.
    let a2 = agent_with(
        &c,
        "a2",
        "agent_answer_refer.xml",
        45000,
        &[("refer_to", "0461999999")],
    );
    wait_logged_in(&c, "a2");
    std::thread::sleep(Duration::from_millis(500));
    let a1 = agent(&c, "a1", "agent_answer.xml", 45000);
    wait_logged_in(&c, "a1");
    // Caller 1 → a2 → office (the office hangs up after 2 s: our BYE to the caller).
    Sipp::scenario("uac_dtmf3_wait_bye.xml")
        .key("caller", "0461000011")
        .args(["-d", "500"])
        .timeout(45)
        .call(c.sip, "100", 1)
        .assert_ok("caller 1, transferred");
    assert!(
        c.wait_log("transfer completed", Duration::from_secs(2)),
        "{}",
        c.logs()
    );
    // Caller 2 → a1; hangs up 4 s after the welcome.
    Sipp::scenario("uac_bye_during_prompt.xml")
        .key("caller", "0461000022")
        .args(["-d", "8000"])
        .call(c.sip, "100", 1)
        .assert_ok("caller 2, answered");
    assert!(
        c.wait_log_count("answered by agent", 2, Duration::from_secs(2)),
        "{}",
        c.logs()
    );
    std::thread::sleep(Duration::from_millis(1500)); // the writer commits
    let dir = c.data_dir.path();
    let (_, cdrs) = export(dir, "2026-11-23", "2026-11-23");
    let one = by_caller(&cdrs, "0461000011");
    assert_eq!(one["outcome"], "answered", "{one:#}");
    assert_eq!(one["agent"], "a2", "{one:#}");
    assert_eq!(
        one["resolution"], "escalated",
        "a REFER makes the call escalated: {one:#}"
    );
    assert_eq!(one["transfer_to"], "0461999999", "{one:#}");
    let two = by_caller(&cdrs, "0461000022");
    assert_eq!(two["outcome"], "answered", "{two:#}");
    assert_eq!(two["agent"], "a1", "{two:#}");
    assert_eq!(
        two["resolution"], "resolved",
        "the contract's default: {two:#}"
    );
    assert_eq!(two["ended_by"], "caller", "{two:#}");
    for cdr in [one, two] {
        assert!(
            cdr["queued_at"].is_string() && cdr["answered_at"].is_string(),
            "{cdr:#}"
        );
    }
    // The report: 2 answered, Tm small (both answered within a second of
    // queueing), Q = 1 of 2 = 50 % < 75 %: breached.
    let cfg = dir.join("test-config.yaml");
    let report: serde_json::Value = serde_json::from_str(&ok(
        centralino(&[
            "sla",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-23",
            "--format",
            "json",
            "--as-of",
            "2026-11-23T18:00:00+01:00",
            "--config",
            cfg.to_str().unwrap(),
            "--data-dir",
            dir.to_str().unwrap(),
        ]),
        "sla",
    ))
    .unwrap();
    let s = service(&report, "test");
    assert_eq!(s["answered"], 2, "{s:#}");
    assert_eq!(s["offered"], 2, "{s:#}");
    let tm = s["tm_s"].as_f64().unwrap();
    assert!(tm < 3.0, "Tm = {tm} s");
    assert_eq!(s["resolved_pct"].as_f64(), Some(50.0), "{s:#}");
    let q = s["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["sla"] == "q")
        .unwrap();
    assert_eq!(q["met"], false, "{q:#}");
    let tm_check = s["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["sla"] == "tm")
        .unwrap();
    assert_eq!(tm_check["met"], true, "{tm_check:#}");
    let mut office = office;
    assert!(office.wait().unwrap().success());
    finish(vec![a1, a2]);
}
