//! Issue 6 against the real binary: the CTI stream seen by a WebSocket
//! client while SIPp calls are queued and answered by a SIPp agent, prompt
//! management heard on the next call, and the wallboard in headless
//! Chromium (`tests/wallboard/webdriver.rs` drives chromedriver).

mod client;
mod cti;
mod prompts;
mod wallboard;
#[path = "../wallboard/webdriver.rs"]
mod webdriver;

use crate::harness::*;
use std::process::Child;
use std::time::Duration;

pub const VIEWER: &str = "e2e-viewer-token-0001";
pub const AGENT: &str = "e2e-agent-token-00001";
pub const ADMIN: &str = "e2e-admin-token-00001";

/// The tokens section appended to a test config.
pub fn tokens_yaml() -> String {
    format!(
        "\nhttp:\n  tokens:\n    - {{ name: wallboard, role: viewer, token: {VIEWER} }}\n    - {{ name: crm, role: agent, token: {AGENT} }}\n    - {{ name: admin, role: admin, token: {ADMIN} }}\n"
    )
}

/// Number 100 → welcome → queue q1; agents a1, a2 (password pw-<id>).
pub fn contact_centre() -> String {
    format!(
        r#"
sip:
  answer_delay: 0s
  realm: centralino
rtp:
  inactivity_timeout: 120s
prompts:
  dir: {prompts}
  default_language: it
services:
  - id: test
    name: Test service
    numbers: ["100"]
    calendar:
      time_zone: Europe/Rome
      hours: {{ mon-sun: ["00:00-24:00"] }}
    prompts:
      welcome: td-benvenuto
      out_of_hours: td-fuori-orario
    action: {{ queue: q1 }}
queues:
  - id: q1
    name: Queue one
    ring_timeout: 20s
    wrap_up: 1s
    max_no_answer: 0
    max_wait: 5m
agents:
  - {{ id: a1, name: Agent one, username: a1, credentials: {{ password: pw-a1 }}, queues: [{{ queue: q1 }}] }}
  - {{ id: a2, name: Agent two, username: a2, credentials: {{ password: pw-a2 }}, queues: [{{ queue: q1 }}] }}
contracts:
  test-contract:
    services: [test]
    abandon_threshold: 10s
    abandon_measured_from: arrived
    slas: {{ tm_max: 13s, p_max_pct: 3.0, q_min_pct: 75 }}
{tokens}"#,
        prompts = root().join("prompts").display(),
        tokens = tokens_yaml()
    )
}

/// A SIPp agent that registers, logs in with *11 and answers with
/// `answer`; its SIP messages go to `messages` when given.
pub fn agent(
    c: &Centralino,
    id: &str,
    answer: &str,
    stay_ms: u64,
    messages: Option<&std::path::Path>,
) -> Child {
    let port = free_udp_port();
    let media = free_udp_port() & !1;
    let mut s = Sipp::scenario("agent_login.xml")
        .key("agent", id)
        .args(["-au", id, "-ap", &format!("pw-{id}")])
        .timeout((stay_ms / 1000 + 30) as u32)
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-mp",
            &media.to_string(),
            "-m",
            "1",
        ])
        .args(["-d", &stay_ms.to_string(), "-oocsf", answer]);
    if let Some(m) = messages {
        s = s.args(["-trace_msg", "-message_file", &m.display().to_string()]);
    }
    s.spawn(vec![c.sip.to_string()])
}

/// A SIPp caller to number 100 that hangs up after `hold_ms`.
pub fn caller(c: &Centralino, number: &str, hold_ms: u64) -> Child {
    Sipp::scenario("uac_bye_during_prompt.xml")
        .key("caller", number)
        .timeout((hold_ms / 1000 + 30) as u32)
        .args([
            "-s",
            "100",
            "-m",
            "1",
            "-d",
            &hold_ms.to_string(),
            "-i",
            "127.0.0.1",
        ])
        .spawn(vec![c.sip.to_string()])
}

pub fn wait_logged_in(c: &Centralino, id: &str) {
    let pattern = format!("feature code agent={id} code=\"*11\"");
    assert!(
        c.wait_log(&pattern, Duration::from_secs(15)),
        "{id} did not log in:\n{}",
        c.logs()
    );
}

pub fn finish(children: Vec<Child>) {
    for mut ch in children {
        let _ = ch.kill();
        let _ = ch.wait();
    }
}

pub fn api(c: &Centralino, token: &str) -> client::Api {
    client::Api {
        addr: c.http.expect("the HTTP API listens"),
        token: token.to_string(),
    }
}
