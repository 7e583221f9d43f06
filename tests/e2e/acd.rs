//! Issue 4 against the real binary: operators' softphones are SIPp UAS
//! processes that REGISTER with digest, dial *11 and answer the calls the
//! ACD offers; callers are SIPp UACs through the IVR into a queue.

use crate::harness::*;
use crate::sip_basics::MONDAY_9;
use std::process::Child;
use std::time::{Duration, Instant};

/// A small contact centre: number 100 → welcome → queue q1 (longest idle),
/// agents a1..a3 (password pw-<id>).
pub fn acd_config(strategy: &str, ring_timeout: &str, extra_queue: &str) -> String {
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
      hours: {{ mon-sun: ["00:00-24:00"] }}
    prompts:
      welcome: td-benvenuto
      out_of_hours: td-fuori-orario
    action: {{ queue: q1 }}
queues:
  - id: q1
    name: Queue one
    strategy: {strategy}
    ring_timeout: {ring_timeout}
    wrap_up: 1s
    no_answer_delay: 30s
    max_no_answer: 0
    max_wait: 5m
{extra_queue}
agents:
  - {{ id: a1, name: Agent one, username: a1, credentials: {{ password: pw-a1 }}, queues: [{{ queue: q1 }}] }}
  - {{ id: a2, name: Agent two, username: a2, credentials: {{ password: pw-a2 }}, queues: [{{ queue: q1 }}] }}
  - {{ id: a3, name: Agent three, username: a3, credentials: {{ password: pw-a3 }}, queues: [{{ queue: q1 }}] }}
"#,
        prompts = root().join("prompts").display()
    )
}

/// Start a SIPp agent: registers, logs in with *11, answers with `answer`
/// (an -oocsf scenario) for `stay_ms`.
pub fn agent(c: &Centralino, id: &str, answer: &str, stay_ms: u64) -> Child {
    agent_with(c, id, answer, stay_ms, &[])
}

/// The same with extra `-key` values for the answer scenario.
pub fn agent_with(
    c: &Centralino,
    id: &str,
    answer: &str,
    stay_ms: u64,
    keys: &[(&str, &str)],
) -> Child {
    let port = free_udp_port();
    let media = free_udp_port() & !1;
    let mut s = Sipp::scenario("agent_login.xml");
    for (k, v) in keys {
        s = s.key(k, v);
    }
    s.key("agent", id)
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
        .args(["-d", &stay_ms.to_string(), "-oocsf", answer])
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

/// Which agent answered each call, in the order the calls were answered:
/// (call id, agent).
fn answered(c: &Centralino) -> Vec<(String, String)> {
    c.logs()
        .lines()
        .filter(|l| l.contains("answered by agent"))
        .filter_map(|l| {
            let id = l.split("call{id=").nth(1)?.split(' ').next()?.to_string();
            let agent = l
                .split("agent=")
                .nth(1)?
                .split_whitespace()
                .next()?
                .to_string();
            Some((id, agent))
        })
        .collect()
}

/// The calls in the order they joined the queue.
fn queued(c: &Centralino) -> Vec<String> {
    c.logs()
        .lines()
        .filter(|l| l.contains(" queued queue="))
        .filter_map(|l| Some(l.split("call{id=").nth(1)?.split(' ').next()?.to_string()))
        .collect()
}

fn caller(c: &Centralino, hold_ms: u64) -> Child {
    Sipp::scenario("uac_bye_during_prompt.xml")
        .key("caller", "0461000001")
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

pub fn finish(mut children: Vec<Child>) {
    for ch in &mut children {
        let _ = ch.kill();
        let _ = ch.wait();
    }
}

#[test]
fn agents_register_with_digest_and_log_in_with_feature_codes() {
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(acd_config("longest_idle", "10s", "")),
        ..Opts::default()
    });
    let a1 = agent(&c, "a1", "agent_answer.xml", 8000);
    wait_logged_in(&c, "a1");
    assert!(c.logs().contains("registration"), "{}", c.logs());
    finish(vec![a1]);
}

#[test]
fn a_queued_call_is_answered_by_an_agent_and_bridged() {
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(acd_config("longest_idle", "10s", "")),
        ..Opts::default()
    });
    let a1 = agent(&c, "a1", "agent_answer.xml", 20000);
    wait_logged_in(&c, "a1");
    let run = Sipp::scenario("uac_bye_during_prompt.xml")
        .key("caller", "0461000001")
        .args(["-d", "7000"])
        .call(c.sip, "100", 1);
    run.assert_ok("caller answered by an agent");
    let answered = answered(&c);
    assert_eq!(answered.len(), 1, "{}", c.logs());
    assert_eq!(answered[0].1, "a1");
    // Either side's BYE ends the other: the caller hung up, the agent got BYE.
    assert!(
        c.wait_log("cause=CallerHangup", Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    finish(vec![a1]);
}

#[test]
fn fifo_order_and_the_longest_idle_agent() {
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(acd_config("longest_idle", "10s", "")),
        ..Opts::default()
    });
    // a2 logs in first: it has been idle the longest, so it takes the first call.
    let a2 = agent(&c, "a2", "agent_answer.xml", 45000);
    wait_logged_in(&c, "a2");
    std::thread::sleep(Duration::from_millis(500));
    let a1 = agent(&c, "a1", "agent_answer.xml", 45000);
    wait_logged_in(&c, "a1");
    // Four callers 0.4 s apart, each hanging up a little later than the one
    // before: calls 3 and 4 wait together, and the older one goes first.
    let mut callers = Vec::new();
    for hold_ms in [6000, 10000, 14000, 18000] {
        callers.push(caller(&c, hold_ms));
        std::thread::sleep(Duration::from_millis(400));
    }
    let deadline = Instant::now() + Duration::from_secs(40);
    while answered(&c).len() < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let answered = answered(&c);
    let queued = queued(&c);
    assert_eq!(answered.len(), 4, "{}", c.logs());
    let agents: Vec<&str> = answered.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        agents,
        ["a2", "a1", "a2", "a1"],
        "the agent idle longest first, then whoever frees up: {answered:?}"
    );
    let order: Vec<&String> = answered.iter().map(|(id, _)| id).collect();
    let queue_order: Vec<&String> = queued.iter().take(4).collect();
    assert_eq!(
        order, queue_order,
        "calls are answered in the order they queued"
    );
    finish(callers);
    finish(vec![a1, a2]);
}

#[test]
fn ring_timeout_moves_the_call_to_the_next_agent() {
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(acd_config("longest_idle", "2s", "")),
        ..Opts::default()
    });
    // a1 is idle longest but never answers; after the ring timeout a2 gets it.
    let a1 = agent(&c, "a1", "agent_noanswer.xml", 30000);
    wait_logged_in(&c, "a1");
    std::thread::sleep(Duration::from_millis(300));
    let a2 = agent(&c, "a2", "agent_answer.xml", 30000);
    wait_logged_in(&c, "a2");
    let run = Sipp::scenario("uac_bye_during_prompt.xml")
        .key("caller", "0461000001")
        .args(["-d", "9000"])
        .call(c.sip, "100", 1);
    run.assert_ok("caller");
    let logs = c.logs();
    assert!(logs.contains("offered to agent agent=a1"), "{logs}");
    assert!(logs.contains("cause=RingTimeout"), "{logs}");
    assert_eq!(
        answered(&c).first().map(|a| a.1.as_str()),
        Some("a2"),
        "{logs}"
    );
    finish(vec![a1, a2]);
}

#[test]
fn the_caller_abandons_while_queued_and_while_an_agent_rings() {
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(acd_config("longest_idle", "30s", "")),
        ..Opts::default()
    });
    // No agent: the caller waits and hangs up.
    Sipp::scenario("uac_bye_during_prompt.xml")
        .key("caller", "0461000001")
        .args(["-d", "4000"])
        .call(c.sip, "100", 1)
        .assert_ok("abandon while queued");
    assert!(c.wait_log("cause=CallerHangup", Duration::from_secs(5)));
    // An agent that never answers: the caller hangs up while it rings → CANCEL.
    let a1 = agent(&c, "a1", "agent_noanswer.xml", 20000);
    wait_logged_in(&c, "a1");
    Sipp::scenario("uac_bye_during_prompt.xml")
        .key("caller", "0461000001")
        .args(["-d", "6000"])
        .call(c.sip, "100", 1)
        .assert_ok("abandon while ringing");
    assert!(
        c.wait_log_count("cause=CallerHangup", 2, Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    assert!(
        c.wait_log(
            "offer withdrawn agent=a1 cause=Abandoned",
            Duration::from_secs(5)
        ),
        "{}",
        c.logs()
    );
    // The agent is free again and nothing is stuck.
    let mut a1 = a1;
    let status = a1.wait().unwrap();
    assert!(
        status.success(),
        "the agent saw CANCEL, answered 487 and got its ACK: {status}\n{}",
        c.logs()
    );
}
