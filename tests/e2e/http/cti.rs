//! The CTI stream: a CRM's WebSocket subscriber sees the screen-pop
//! (`call_offered`, with caller, service, queue and wait) while the agent's
//! phone rings, before its 200 OK; then `call_answered` and `call_ended`
//! with the CDR.

use super::*;
use crate::sip_basics::MONDAY_9;
use serde_json::Value;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tungstenite::client::IntoClientRequest;

/// Events received: (when, local wall time, event).
type Received = Arc<Mutex<Vec<(Instant, chrono::DateTime<chrono::Local>, Value)>>>;

fn subscribe(c: &Centralino, query: &str) -> (Received, Arc<std::sync::atomic::AtomicBool>) {
    let addr = c.http.expect("HTTP API");
    let mut req = format!("ws://{addr}/api/events/ws?{query}")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Authorization", format!("Bearer {AGENT}").parse().unwrap());
    let stream = TcpStream::connect(addr).unwrap();
    let (mut ws, resp) = tungstenite::client(req, stream).expect("WebSocket handshake");
    assert_eq!(resp.status(), 101);
    ws.get_mut()
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let got: Received = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (g, s) = (got.clone(), stop.clone());
    std::thread::spawn(move || {
        while !s.load(std::sync::atomic::Ordering::Relaxed) {
            match ws.read() {
                Ok(tungstenite::Message::Text(t)) => {
                    let v: Value = serde_json::from_str(t.as_str()).expect("JSON event");
                    g.lock()
                        .unwrap()
                        .push((Instant::now(), chrono::Local::now(), v));
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return,
            }
        }
        let _ = ws.close(None);
    });
    (got, stop)
}

fn wait_for(
    got: &Received,
    kind: &str,
    timeout: Duration,
) -> (Instant, chrono::DateTime<chrono::Local>, Value) {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(e) = got
            .lock()
            .unwrap()
            .iter()
            .find(|(_, _, v)| v["type"] == kind)
        {
            return e.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no {kind}: {:?}",
            got.lock()
                .unwrap()
                .iter()
                .map(|e| e.2.clone())
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// When the agent's SIPp sent its 200 OK to the INVITE (SIPp writes local
/// time with microseconds before each message).
fn sent_200_ok_at(messages: &str) -> Option<chrono::DateTime<chrono::Local>> {
    use chrono::TimeZone;
    let mut stamp: Option<String> = None;
    let mut lines = messages.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("-----------------------------------------------") {
            stamp = Some(rest.trim().replace('\t', " "));
            continue;
        }
        if line.contains("message sent") {
            // The message follows a blank line.
            let mut block = String::new();
            for l in lines.by_ref() {
                if l.starts_with("-----------------------------------------------") {
                    break;
                }
                block.push_str(l);
                block.push('\n');
            }
            let first = block.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            if first.starts_with("SIP/2.0 200") && block.contains("INVITE") {
                let s = stamp.clone()?;
                let naive =
                    chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S%.f").ok()?;
                return chrono::Local.from_local_datetime(&naive).earliest();
            }
        }
    }
    None
}

#[test]
fn a_cti_subscriber_gets_the_screen_pop_before_the_agents_200_ok_then_answered_and_ended() {
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(contact_centre()),
        ..Opts::default()
    });
    let (got, stop) = subscribe(&c, "agent=a1");
    wait_for(&got, "ready", Duration::from_secs(5));
    // The caller waits in the queue with nobody logged in …
    let caller = caller(&c, "0461000077", 20000);
    assert!(
        c.wait_log(" queued queue=q1", Duration::from_secs(15)),
        "{}",
        c.logs()
    );
    std::thread::sleep(Duration::from_millis(2500));
    // … until a1 logs in; a1 lets the phone ring 3 s before answering.
    let dir = tempfile::tempdir().unwrap();
    let messages = dir.path().join("agent-messages.log");
    let a1 = agent(&c, "a1", "agent_answer_slow.xml", 40000, Some(&messages));
    wait_logged_in(&c, "a1");
    let (t_offered, wall_offered, offered) =
        wait_for(&got, "call_offered", Duration::from_secs(15));
    let (t_answered, _, answered) = wait_for(&got, "call_answered", Duration::from_secs(15));
    let (_, _, ended) = wait_for(&got, "call_ended", Duration::from_secs(40));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);

    // The screen-pop: who, which service and queue, how long they waited.
    assert_eq!(offered["caller"], "0461000077", "{offered}");
    assert_eq!(offered["called"], "100");
    assert_eq!(offered["service"], "test");
    assert_eq!(offered["queue"], "q1");
    assert_eq!(offered["agent"], "a1");
    assert_eq!(offered["ivr_choices"], serde_json::json!([]));
    let waited = offered["seconds_waited"].as_f64().expect("seconds_waited");
    assert!((2.5..20.0).contains(&waited), "waited {waited} s");
    let call_id = offered["call_id"].as_str().unwrap().to_string();
    assert_eq!(answered["call_id"], call_id.as_str());
    assert_eq!(ended["call_id"], call_id.as_str());

    // Before the 200 OK: the agent rang 3 s; the stream had the offer
    // before SIPp sent its 200 OK, and the answer only after.
    assert!(
        t_answered.duration_since(t_offered) >= Duration::from_millis(2500),
        "offered {:?} before answered",
        t_answered.duration_since(t_offered)
    );
    let log = std::fs::read_to_string(&messages).unwrap_or_default();
    let ok_at =
        sent_200_ok_at(&log).unwrap_or_else(|| panic!("no 200 OK in the agent's trace:\n{log}"));
    assert!(
        wall_offered < ok_at,
        "call_offered at {wall_offered}, the agent's 200 OK at {ok_at}"
    );

    // call_ended carries the CDR; the wait matches the CDR's events.
    let cdr = &ended["cdr"];
    assert_eq!(cdr["call_id"], call_id.as_str());
    assert_eq!(cdr["outcome"], "answered");
    assert_eq!(cdr["agent"], "a1");
    assert_eq!(cdr["caller"], "0461000077");
    let api = api(&c, ADMIN);
    let deadline = Instant::now() + Duration::from_secs(10);
    let record = loop {
        let r = api.get(&format!("/api/cdrs/{call_id}"));
        if r.status == 200 && r.json()["cdr"]["outcome"] == "answered" {
            break r.json();
        }
        assert!(Instant::now() < deadline, "CDR not stored: {}", r.text());
        std::thread::sleep(Duration::from_millis(200));
    };
    let mono = |t: &str| {
        record["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == t)
            .and_then(|e| e["mono_ms"].as_u64())
            .unwrap()
    };
    let from_events = (mono("offered") - mono("queued")) as f64 / 1000.0;
    assert!(
        (from_events - waited).abs() < 0.002,
        "CDR events say {from_events} s, the screen-pop {waited} s"
    );

    // The disposition closes the loop for Q.
    let r = api.send(
        "POST",
        &format!("/api/calls/{call_id}/disposition"),
        Some((
            "application/json",
            br#"{"resolution":"resolved","ticket":"CRM-1"}"#,
        )),
    );
    assert_eq!(r.status, 202, "{}", r.text());
    finish(vec![caller, a1]);
}
