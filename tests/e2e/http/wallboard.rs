//! The wallboard in a real browser: headless Chromium (through
//! chromedriver) shows the queue's figures change while SIPp callers wait,
//! then the abandoned calls and the breached SLA; screenshots go to
//! `target/wallboard.png` (calls waiting) and `target/wallboard-after.png`.

use super::webdriver::Browser;
use super::*;
use crate::sip_basics::MONDAY_9;
use serde_json::Value;

fn cell(field: &str) -> String {
    format!(
        "const e = document.querySelector('tr[data-queue=\"q1\"] [data-field=\"{field}\"]'); return e ? e.textContent : null;"
    )
}

fn number(v: &Value) -> Option<i64> {
    v.as_str().and_then(|s| s.trim().parse().ok())
}

fn save(png: &[u8], name: &str) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let dir = root().join("target");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

#[test]
fn the_wallboard_in_chromium_shows_queued_calls_live_and_the_breached_sla() {
    require("chromium");
    require("chromedriver");
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(contact_centre()),
        ..Opts::default()
    });
    let http = c.http.expect("HTTP API");
    let b = Browser::start("/usr/bin/chromium", "chromedriver", (1400, 1300));
    // The token travels in the fragment: the page keeps it for the tab and
    // drops it from the address bar.
    b.goto(&format!("http://{http}/wallboard/#token={VIEWER}"));
    b.wait_for(
        "the empty queue",
        &cell("waiting"),
        Duration::from_secs(20),
        |v| number(v) == Some(0),
    );
    assert_eq!(b.eval("return location.hash"), Value::from(""));
    assert_eq!(
        b.eval("return document.getElementById('board').hidden"),
        Value::from(false)
    );
    // The supervisor samples every second.
    b.eval("const s = document.getElementById('interval'); s.value = '1'; s.dispatchEvent(new Event('change')); return true;");
    b.wait_for(
        "the 1 s stream",
        "return document.getElementById('status').textContent",
        Duration::from_secs(10),
        |v| v.as_str().is_some_and(|s| s.contains("1 s")),
    );
    let frames = |b: &Browser| {
        number(&b.eval("return document.getElementById('frames').textContent")).unwrap_or(0)
    };
    let f0 = frames(&b);

    // Two callers wait in q1: nobody is logged in.
    let callers = vec![
        caller(&c, "0461000001", 15000),
        caller(&c, "0461000002", 15000),
    ];
    b.wait_for(
        "two waiting calls",
        &cell("waiting"),
        Duration::from_secs(20),
        |v| number(v) == Some(2),
    );
    b.wait_for(
        "the oldest wait ticking",
        &cell("oldest_wait"),
        Duration::from_secs(10),
        |v| v.as_str().is_some_and(|s| s.ends_with(" s") && s != "0 s"),
    );
    assert!(frames(&b) > f0 + 1, "frames keep coming");
    save(&b.screenshot(), "wallboard.png");

    // They hang up after 15 s: abandoned (over the 10 s threshold), P is
    // breached and shown in red, the queue is empty again.
    b.wait_for(
        "the abandoned calls",
        &cell("abandoned_today"),
        Duration::from_secs(40),
        |v| number(v) == Some(2),
    );
    b.wait_for(
        "an empty queue again",
        &cell("waiting"),
        Duration::from_secs(10),
        |v| number(v) == Some(0),
    );
    b.wait_for(
        "the breached P",
        "const e = document.querySelector('tr[data-queue=\"q1\"] .check.breach[data-sla=\"p\"]'); return e ? e.textContent : null;",
        Duration::from_secs(10),
        |v| v.as_str().is_some_and(|s| s.contains("100")),
    );
    assert_eq!(
        b.eval(
            "return document.querySelector('tr[data-queue=\"q1\"]').classList.contains('breached')"
        ),
        Value::from(true)
    );
    // The agents' table and today's curve are there too.
    assert_eq!(
        b.eval("return document.querySelectorAll('#agents tbody tr').length"),
        Value::from(2)
    );
    b.wait_for(
        "the curve with the two calls",
        "return document.getElementById('curve').dataset.offered || null",
        Duration::from_secs(20),
        |v| number(v) == Some(2),
    );
    save(&b.screenshot(), "wallboard-after.png");

    // The monthly report page: figures, checks, a CSV download link works.
    b.goto(&format!("http://{http}/wallboard/report.html"));
    b.eval("document.getElementById('month').value = '2026-11'; document.getElementById('report-form').requestSubmit(); return true;");
    b.wait_for(
        "the report",
        "const e = document.querySelector('section[data-service=\"test\"] td[data-field=\"abandoned\"]'); return e ? e.textContent : null;",
        Duration::from_secs(20),
        |v| number(v) == Some(2),
    );
    assert_eq!(
        b.eval("return document.querySelectorAll('tr.breach[data-sla=\"p\"]').length"),
        Value::from(1)
    );
    finish(callers);
}
