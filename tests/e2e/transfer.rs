//! Issue 4: blind transfer by REFER to a second-level office on the trunk,
//! and a callback that keeps the caller's place and bridges agent and
//! citizen — SIPp plays the caller, the agents and the trunk.

use crate::acd::{acd_config, agent};
use crate::harness::*;
use crate::sip_basics::MONDAY_9;
use std::time::Duration;

fn with_trunk(yaml: String, trunk_port: u16) -> String {
    format!("{yaml}\ntrunk:\n  address: 127.0.0.1:{trunk_port}\n  from_user: \"0461000000\"\n")
}

#[test]
fn an_agent_transfers_the_caller_to_a_second_level_office() {
    let trunk_port = free_udp_port();
    let yaml = with_trunk(acd_config("longest_idle", "10s", ""), trunk_port);
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    });
    // The office: answers the transferred call and hangs up after 3 s.
    let office = Sipp::scenario("trunk_answer.xml")
        .timeout(40)
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &trunk_port.to_string(),
            "-m",
            "1",
            "-d",
            "3000",
        ])
        .spawn(vec![]);
    let a1 = crate::acd::agent_with(
        &c,
        "a1",
        "agent_answer_refer.xml",
        30000,
        &[("refer_to", "0461999999")],
    );
    crate::acd::wait_logged_in(&c, "a1");
    let run = Sipp::scenario("uac_dtmf3_wait_bye.xml")
        .key("caller", "0461000001")
        .args(["-d", "60000"])
        .timeout(40)
        .call(c.sip, "100", 1);
    // The caller never pressed anything useful; it hears the operator, then
    // the office, and gets BYE when the office hangs up.
    let _ = run;
    assert!(
        c.wait_log("blind transfer", Duration::from_secs(20)),
        "{}",
        c.logs()
    );
    assert!(
        c.wait_log("transfer completed", Duration::from_secs(10)),
        "{}",
        c.logs()
    );
    assert!(
        c.wait_log("call ended", Duration::from_secs(15)),
        "{}",
        c.logs()
    );
    let mut office = office;
    let mut a1 = a1;
    assert!(
        office.wait().unwrap().success(),
        "the office answered and hung up cleanly\n{}",
        c.logs()
    );
    assert!(
        a1.wait().unwrap().success(),
        "the agent got 202, two NOTIFYs and a BYE\n{}",
        c.logs()
    );
    // The CDR records the escalation.
    assert!(
        c.logs().contains("cause=CallerHangup") || c.logs().contains("cause="),
        "{}",
        c.logs()
    );
}

#[test]
fn a_callback_keeps_the_place_and_bridges_agent_and_citizen() {
    let trunk_port = free_udp_port();
    let yaml = acd_config("longest_idle", "10s", "")
        .replace("max_wait: 5m", "max_wait: 3s\n    on_max_wait: callback_offer\n    callback: { max_attempts: 2, retry_interval: 5s }");
    let yaml = with_trunk(yaml, trunk_port);
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    });
    // No agent yet: the caller waits 3 s, hears the callback offer, presses 1
    // and hears the confirmation; we hang up.
    Sipp::scenario("uac_dtmf1_wait_bye.xml")
        .key("caller", "0461000001")
        .args(["-d", "8500"])
        .call(c.sip, "100", 1)
        .assert_ok("caller accepts the callback");
    assert!(
        c.wait_log("callback requested", Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    // The citizen's phone, on the trunk: answers and hangs up after 3 s.
    let citizen = Sipp::scenario("trunk_answer.xml")
        .timeout(40)
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &trunk_port.to_string(),
            "-m",
            "1",
            "-d",
            "3000",
        ])
        .spawn(vec![]);
    // An agent logs in: the request is at the head of the queue.
    let a1 = agent(&c, "a1", "agent_answer.xml", 25000);
    crate::acd::wait_logged_in(&c, "a1");
    assert!(
        c.wait_log("callback: calling the agent", Duration::from_secs(10)),
        "{}",
        c.logs()
    );
    assert!(
        c.wait_log("callback: calling the citizen", Duration::from_secs(10)),
        "{}",
        c.logs()
    );
    assert!(
        c.wait_log("callback connected", Duration::from_secs(10)),
        "{}",
        c.logs()
    );
    assert!(
        c.wait_log("state=\"completed\"", Duration::from_secs(15))
            || c.wait_log("callback finished", Duration::from_secs(15)),
        "{}",
        c.logs()
    );
    let mut citizen = citizen;
    assert!(
        citizen.wait().unwrap().success(),
        "the citizen was called and bridged\n{}",
        c.logs()
    );
    crate::acd::finish(vec![a1]);
}

#[test]
fn a_callback_request_survives_a_crash_and_restart() {
    let trunk_port = free_udp_port();
    let yaml = acd_config("longest_idle", "10s", "")
        .replace("max_wait: 5m", "max_wait: 3s\n    on_max_wait: callback_offer\n    callback: { max_attempts: 2, retry_interval: 5s }");
    let yaml = with_trunk(yaml, trunk_port);
    let opts = Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    };
    let c = Centralino::start(opts.clone());
    Sipp::scenario("uac_dtmf1_wait_bye.xml")
        .key("caller", "0461000077")
        .args(["-d", "8500"])
        .call(c.sip, "100", 1)
        .assert_ok("caller accepts the callback");
    assert!(
        c.wait_log("callback requested", Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    std::thread::sleep(Duration::from_millis(1500)); // the writer commits
    let data = c.kill9();
    // The request keeps the caller's language and wait (max_wait 3 s, then
    // the offer): restored, it keeps its place in the queue.
    let (language, waited_ms): (Option<String>, Option<i64>) = crate::cdr::db(data.path())
        .query_row(
            "SELECT language, waited_ms FROM callbacks WHERE number = '0461000077'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(language.as_deref(), Some("it"));
    let waited_ms = waited_ms.expect("wait stored");
    assert!((3000..8500).contains(&waited_ms), "waited {waited_ms} ms");
    let c = Centralino::start_in(opts, data);
    assert!(
        c.wait_log("callback restored", Duration::from_secs(10)),
        "{}",
        c.logs()
    );
    let citizen = Sipp::scenario("trunk_answer.xml")
        .timeout(40)
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
    let a1 = agent(&c, "a1", "agent_answer.xml", 20000);
    crate::acd::wait_logged_in(&c, "a1");
    assert!(
        c.wait_log("callback connected", Duration::from_secs(15)),
        "{}",
        c.logs()
    );
    let mut citizen = citizen;
    assert!(citizen.wait().unwrap().success(), "{}", c.logs());
    assert!(
        c.logs().contains("number=0461000077"),
        "the restored request calls the right number: {}",
        c.logs()
    );
    crate::acd::finish(vec![a1]);
}

#[test]
fn an_agent_transfers_the_caller_to_another_operator() {
    let yaml = acd_config("longest_idle", "10s", "");
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    });
    // a1 (idle longest) takes the call and hands it to a2 by REFER.
    let a1 = crate::acd::agent_with(
        &c,
        "a1",
        "agent_answer_refer.xml",
        30000,
        &[("refer_to", "a2")],
    );
    crate::acd::wait_logged_in(&c, "a1");
    std::thread::sleep(Duration::from_millis(400));
    let a2 = agent(&c, "a2", "agent_answer.xml", 30000);
    crate::acd::wait_logged_in(&c, "a2");
    // The first caller stays 14 s after the IVR answers.
    let first = crate::http::caller(&c, "0461000033", 14000);
    assert!(
        c.wait_log(
            "blind transfer to an operator target=a2",
            Duration::from_secs(15)
        ),
        "{}",
        c.logs()
    );
    assert!(
        c.wait_log("transfer completed", Duration::from_secs(5)),
        "{}",
        c.logs()
    );
    // a2 now talks to the first caller: for the ACD a2 is in a call. A
    // second caller goes to a1 (free again after 1 s of wrap-up), although
    // a2 has been idle longer: a busy operator gets no second call.
    assert!(
        c.wait_log(
            "agent agent=a2 status=Available state=InCall",
            Duration::from_secs(2)
        ),
        "{}",
        c.logs()
    );
    let second = crate::http::caller(&c, "0461000034", 6000);
    let (mut first, mut second) = (first, second);
    assert!(second.wait().unwrap().success(), "{}", c.logs());
    assert!(first.wait().unwrap().success(), "{}", c.logs());
    let logs = c.logs();
    // Every offer made while the first caller was with a2.
    let offers: Vec<&str> = logs
        .lines()
        .take_while(|l| !(l.contains("caller=0461000033") && l.contains("call ended")))
        .filter(|l| l.contains("offered to agent"))
        .collect();
    assert!(offers.len() >= 2, "{logs}");
    assert!(
        offers.iter().all(|l| l.contains("agent=a1")),
        "a2 was never offered a queued call while talking: {offers:?}"
    );
    // The first call over, a2 is free again (no wrap-up of a queue).
    std::thread::sleep(Duration::from_millis(300));
    let logs = c.logs();
    let last_a2 = logs
        .lines()
        .rfind(|l| l.contains("agent agent=a2 "))
        .unwrap_or_default();
    assert!(last_a2.contains("state=Idle"), "{last_a2}\n{logs}");
    crate::acd::finish(vec![a1, a2]);
}
