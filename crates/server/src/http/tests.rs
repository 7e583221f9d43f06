//! Router tests: every endpoint through `tower::ServiceExt::oneshot`, with a
//! real engine (its loop is a task here), the real writer and database, and
//! a copy of the shipped prompts. Every JSON answer is checked against
//! `/api/openapi.json`; every error must be JSON with a 4xx.

use super::*;
use crate::driver::Control;
use crate::live::LiveEvent;
use crate::sink::SinkMsg;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use centralino_cdr::{CallEvent, CallId, EndedBy, EventKind};
use centralino_engine::{Engine, EngineEvent};
use centralino_model::{AgentId, QueueId, ServiceId};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const VIEWER: &str = "viewer-token-000001";
const AGENT: &str = "agent-token-0000001";
const AGENT_A1: &str = "agent-a1-token-0001";
const SUPERVISOR: &str = "super-token-0000001";
const ADMIN: &str = "admin-token-0000001";
/// Monday 23 November 2026, 09:00 in Rome.
const START: &str = "2026-11-23T09:00:00+01:00";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn config_yaml(prompts: &Path) -> String {
    format!(
        r#"
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
  - {{ id: q1, name: Queue one, ring_timeout: 10s, wrap_up: 1s }}
agents:
  - {{ id: a1, name: Agent one, username: a1, credentials: {{ password: pw-a1 }}, queues: [{{ queue: q1 }}] }}
  - {{ id: a2, name: Agent two, username: a2, credentials: {{ password: pw-a2 }}, queues: [{{ queue: q1 }}] }}
contracts:
  test-contract:
    services: [test]
    abandon_threshold: 10s
    abandon_measured_from: arrived
    slas: {{ tm_max: 13s, p_max_pct: 3.0, q_min_pct: 75 }}
http:
  tokens:
    - {{ name: wallboard, role: viewer, token: {VIEWER} }}
    - {{ name: crm, role: agent, token: {AGENT} }}
    - {{ name: mario, role: agent, agent: a1, token: {AGENT_A1} }}
    - {{ name: boss, role: supervisor, token: {SUPERVISOR} }}
    - {{ name: root, role: admin, token: {ADMIN} }}
"#,
        prompts = prompts.display()
    )
}

struct Fixture {
    dir: tempfile::TempDir,
    router: Router,
    sink: crate::sink::Sink,
    live: tokio::sync::broadcast::Sender<LiveEvent>,
}

impl Fixture {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    fn prompts(&self) -> PathBuf {
        self.dir.path().join("prompts")
    }
    fn config(&self) -> PathBuf {
        self.dir.path().join("config.yaml")
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("prompts/it"), &dir.path().join("prompts/it"));
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, config_yaml(&dir.path().join("prompts"))).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let (cfg, catalog) = crate::load_all(&config, None).unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(START)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let origin = Instant::now();
    let wall_clock: crate::writer::WallClock =
        Arc::new(move || start + chrono::Duration::from_std(origin.elapsed()).unwrap_or_default());
    let t0 = Instant::now();
    let mut engine = Engine::new(
        centralino_engine::EngineConfig::new("127.0.0.1:5060".parse().unwrap()),
        Arc::new(catalog),
        7,
        t0,
        wall_clock(),
    )
    .unwrap();
    let (snap_tx, snap_rx) = tokio::sync::watch::channel(Arc::new(engine.snapshot(t0)));
    let (live, _) = tokio::sync::broadcast::channel(1024);
    let (control, mut control_rx) = tokio::sync::mpsc::unbounded_channel::<Control>();
    let (sink, _writer) = crate::writer::start(&data, wall_clock.clone()).unwrap();
    let live_tx = live.clone();
    // The engine's loop, as the driver runs it (no sockets: SIP output is
    // dropped).
    tokio::spawn(async move {
        while let Some(msg) = control_rx.recv().await {
            let now = Instant::now();
            match msg {
                Control::Engine(c) => engine.handle_command(now, c),
                Control::Call(f) => f(&mut engine, now),
                Control::Shutdown => return,
            }
            while engine.poll_transmit().is_some() {}
            while let Some(ev) = engine.poll_event() {
                if let Some(l) = LiveEvent::of(&ev) {
                    let _ = live_tx.send(l);
                }
            }
            let _ = snap_tx.send(Arc::new(engine.snapshot(now)));
        }
    });
    let state = AppState {
        snapshots: snap_rx,
        live: live.clone(),
        control,
        data_dir: data,
        config_path: config,
        wall_clock,
        sink: Some(sink.clone()),
        http: cfg.http.clone(),
    };
    Fixture {
        router: app(state),
        dir,
        sink,
        live,
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{}: not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn content_type(&self) -> String {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
}

async fn send(
    fx: &Fixture,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some((ct, bytes)) => req.header("content-type", ct).body(Body::from(bytes)),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = fx.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    let a = Answer {
        status,
        headers,
        body,
    };
    assert!(
        !a.status.is_server_error(),
        "{method} {uri}: {} {}",
        a.status,
        a.text()
    );
    if a.status.is_client_error() {
        assert!(
            a.content_type().starts_with("application/json"),
            "{method} {uri}: {}",
            a.content_type()
        );
        assert!(
            a.json()["error"].is_string(),
            "{method} {uri}: {}",
            a.text()
        );
    }
    a
}

fn json_body(v: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", v.to_string().into_bytes()))
}

// ---- A small validator for the subset of JSON Schema the spec uses ----

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn validate(spec: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(spec, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            validate(spec, s, v, at)?;
        }
        return Ok(());
    }
    if v.is_null() {
        return if schema["nullable"] == json!(true) || schema.get("type").is_none() {
            Ok(())
        } else {
            Err(format!("{at}: null where {schema} is expected"))
        };
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            return Err(format!("{at}: {v} not in {e:?}"));
        }
    }
    let ok = match schema.get("type").and_then(Value::as_str) {
        None => true,
        Some("object") => v.is_object(),
        Some("array") => v.is_array(),
        Some("string") => v.is_string(),
        Some("integer") => v.is_u64() || v.is_i64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        Some(other) => return Err(format!("{at}: unknown type {other}")),
    };
    if !ok {
        return Err(format!("{at}: {v} is not a {}", schema["type"]));
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        if v.as_f64().is_some_and(|x| x < min) {
            return Err(format!("{at}: {v} < {min}"));
        }
    }
    if let Some(req) = schema.get("required").and_then(Value::as_array) {
        for k in req {
            let k = k.as_str().unwrap_or("");
            if v.get(k).is_none() {
                return Err(format!("{at}: missing {k}"));
            }
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, s) in props {
            if let Some(x) = v.get(k) {
                validate(spec, s, x, &format!("{at}.{k}"))?;
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(spec, items, x, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Check an answer against the spec's response for (template, method).
fn conforms(template: &str, method: &str, a: &Answer) {
    let spec = openapi::spec();
    let op = &spec["paths"][template][method];
    assert!(op.is_object(), "{method} {template} is not documented");
    let resp = &op["responses"][a.status.as_str()];
    assert!(
        resp.is_object(),
        "{method} {template}: status {} not documented",
        a.status
    );
    let ct = a.content_type();
    let media = ct.split(';').next().unwrap_or("").trim();
    if let Some(content) = resp.get("content").and_then(Value::as_object) {
        assert!(
            content.contains_key(media),
            "{method} {template} {}: content type {media} not documented",
            a.status
        );
        if media == "application/json" {
            validate(spec, &content[media]["schema"], &a.json(), "$")
                .unwrap_or_else(|e| panic!("{method} {template} {}: {e}\n{}", a.status, a.text()));
        }
    }
}

/// Send, assert the status, check the spec.
async fn expect(
    fx: &Fixture,
    method: &str,
    uri: &str,
    template: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
    status: u16,
) -> Answer {
    let a = send(fx, method, uri, token, body).await;
    assert_eq!(a.status.as_u16(), status, "{method} {uri}: {}", a.text());
    conforms(template, &method.to_ascii_lowercase(), &a);
    a
}

fn wav(samples: usize, freq: f64) -> Vec<u8> {
    let pcm: Vec<i16> = (0..samples)
        .map(|i| ((i as f64 * freq * 2.0 * std::f64::consts::PI / 8000.0).sin() * 8000.0) as i16)
        .collect();
    centralino_media::wav::write_pcm(&pcm)
}

async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn call_event(id: &str, mono: u64, kind: EventKind) -> CallEvent {
    let at = chrono::DateTime::parse_from_rfc3339(START).unwrap()
        + chrono::Duration::milliseconds(mono as i64);
    CallEvent::new(CallId::new(id), at, mono, kind)
}

fn answered_call(id: &str) -> Vec<CallEvent> {
    vec![
        call_event(
            id,
            0,
            EventKind::Arrived {
                service: ServiceId::new("test"),
                called: "100".into(),
                caller: Some("0461000001".into()),
                diverted_from: None,
                codec: None,
            },
        ),
        call_event(
            id,
            3000,
            EventKind::Queued {
                queue: QueueId::new("q1"),
            },
        ),
        call_event(
            id,
            7000,
            EventKind::Offered {
                agent: AgentId::new("a1"),
            },
        ),
        call_event(
            id,
            8000,
            EventKind::Answered {
                agent: AgentId::new("a1"),
            },
        ),
        call_event(
            id,
            60000,
            EventKind::Ended {
                ended_by: EndedBy::Caller,
                ivr_outcome: None,
            },
        ),
    ]
}

fn abandoned_call(id: &str) -> Vec<CallEvent> {
    vec![
        call_event(
            id,
            0,
            EventKind::Arrived {
                service: ServiceId::new("test"),
                called: "100".into(),
                caller: None,
                diverted_from: None,
                codec: None,
            },
        ),
        call_event(
            id,
            3000,
            EventKind::Queued {
                queue: QueueId::new("q1"),
            },
        ),
        call_event(id, 40000, EventKind::Abandoned),
        call_event(
            id,
            40000,
            EventKind::Ended {
                ended_by: EndedBy::Caller,
                ivr_outcome: None,
            },
        ),
    ]
}

fn store(fx: &Fixture, events: Vec<CallEvent>) {
    for e in events {
        fx.sink.send(SinkMsg::Engine(EngineEvent::Call(e)));
    }
}

async fn stored_cdrs(fx: &Fixture, n: usize) {
    let data = fx.data();
    eventually("the writer", || {
        let data = data.clone();
        async move {
            crate::store::Store::open(&crate::store::Store::path_in(&data))
                .and_then(|s| s.cdr_count())
                .unwrap_or(0) as usize
                >= n
        }
    })
    .await;
}

// ---- The tests ----

#[tokio::test]
async fn every_documented_operation_refuses_a_missing_token_with_401_json() {
    let fx = fixture().await;
    let spec = openapi::spec();
    let mut checked = 0;
    for (template, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let uri = template
                .replace("{id}", "x")
                .replace("{lang}", "it")
                .replace("{name}", "x");
            let public = op.get("security") == Some(&json!([]));
            let a = send(&fx, &method.to_ascii_uppercase(), &uri, None, None).await;
            if public {
                assert_eq!(a.status, 200, "{method} {uri}");
            } else {
                assert_eq!(a.status, 401, "{method} {uri}: {}", a.text());
                conforms(template, method, &a);
                // A wrong token is a 401 too; a wrong scheme as well.
                let b = send(
                    &fx,
                    &method.to_ascii_uppercase(),
                    &uri,
                    Some("not-a-token-at-all"),
                    None,
                )
                .await;
                assert_eq!(b.status, 401, "{method} {uri}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 35, "{checked} operations checked");
}

#[tokio::test]
async fn roles_are_enforced_with_403() {
    let fx = fixture().await;
    for (method, uri, token) in [
        ("PUT", "/api/agents/a1/status", VIEWER),
        ("POST", "/api/agents/a1/login", VIEWER),
        ("GET", "/api/cdrs", AGENT),
        (
            "GET",
            "/api/cdrs/export?from=2026-11-01&to=2026-11-30",
            AGENT,
        ),
        ("POST", "/api/callbacks/cb-1/cancel", AGENT),
        ("GET", "/api/voicemails", VIEWER),
        ("GET", "/api/events", VIEWER),
        ("GET", "/api/prompts", AGENT),
        ("PUT", "/api/prompts/it/x", SUPERVISOR),
        ("DELETE", "/api/prompts/it/x", SUPERVISOR),
        ("GET", "/api/prompts/backup", SUPERVISOR),
        ("POST", "/api/prompts/restore", SUPERVISOR),
        ("POST", "/api/config/reload", SUPERVISOR),
    ] {
        let a = send(&fx, method, uri, Some(token), None).await;
        assert_eq!(a.status, 403, "{method} {uri}: {}", a.text());
    }
    let a = send(&fx, "GET", "/api/queues", Some(VIEWER), None).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn public_pages_openapi_and_json_errors_for_unknown_routes() {
    let fx = fixture().await;
    let a = expect(&fx, "GET", "/api/health", "/api/health", None, None, 200).await;
    assert_eq!(a.json()["status"], "ok");
    let a = send(&fx, "GET", "/api/openapi.json", None, None).await;
    assert_eq!(a.json()["openapi"], "3.0.3");
    for page in [
        "/wallboard/",
        "/wallboard/report.html",
        "/wallboard/app.js",
        "/wallboard/report.js",
        "/wallboard/common.js",
        "/wallboard/style.css",
    ] {
        let a = send(&fx, "GET", page, None, None).await;
        assert_eq!(a.status, 200, "{page}");
        assert!(a.headers.contains_key("content-security-policy"));
    }
    let a = send(&fx, "GET", "/", None, None).await;
    assert_eq!(a.status, StatusCode::TEMPORARY_REDIRECT);
    let a = send(&fx, "GET", "/api/nope", Some(VIEWER), None).await;
    assert_eq!(a.status, 404);
    let a = send(&fx, "DELETE", "/api/queues", Some(ADMIN), None).await;
    assert_eq!(a.status, 405);
    // A path that does not decode: axum's text rejection comes back as JSON.
    let a = send(&fx, "GET", "/api/queues/%FF", Some(VIEWER), None).await;
    assert_eq!(a.status, 400, "{}", a.text());
    assert_eq!(a.headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn the_openapi_document_covers_the_router() {
    // Every route the router serves under /api (and /metrics) is documented.
    let spec = openapi::spec();
    let src = include_str!("mod.rs");
    let mut routes = 0;
    for line in src.lines() {
        let Some(rest) = line.trim().strip_prefix(".route(\"") else {
            continue;
        };
        let path = rest.split('"').next().unwrap();
        if path.starts_with("/api/") || path == "/metrics" {
            assert!(
                spec["paths"][path].is_object(),
                "{path} is not in the OpenAPI document"
            );
            routes += 1;
        }
    }
    assert!(routes >= 30, "{routes}");
}

#[tokio::test]
async fn queues_agents_calls_and_status_changes() {
    let fx = fixture().await;
    let a = expect(
        &fx,
        "GET",
        "/api/queues",
        "/api/queues",
        Some(VIEWER),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()[0]["id"], "q1");
    assert_eq!(a.json()[0]["agents"], 2);
    expect(
        &fx,
        "GET",
        "/api/queues/q1",
        "/api/queues/{id}",
        Some(VIEWER),
        None,
        200,
    )
    .await;
    expect(
        &fx,
        "GET",
        "/api/queues/nope",
        "/api/queues/{id}",
        Some(VIEWER),
        None,
        404,
    )
    .await;
    let a = expect(
        &fx,
        "GET",
        "/api/agents",
        "/api/agents",
        Some(VIEWER),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()[0]["status"], "logged_out");
    assert_eq!(a.json()[0]["queues"], json!(["q1"]));
    expect(
        &fx,
        "GET",
        "/api/agents/a2",
        "/api/agents/{id}",
        Some(VIEWER),
        None,
        200,
    )
    .await;
    expect(
        &fx,
        "GET",
        "/api/agents/zz",
        "/api/agents/{id}",
        Some(VIEWER),
        None,
        404,
    )
    .await;
    expect(
        &fx,
        "GET",
        "/api/calls",
        "/api/calls",
        Some(VIEWER),
        None,
        200,
    )
    .await;

    // login, break with a reason, back, logout.
    let a = expect(
        &fx,
        "POST",
        "/api/agents/a1/login",
        "/api/agents/{id}/login",
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()["status"], "available");
    let a = expect(
        &fx,
        "POST",
        "/api/agents/a1/break",
        "/api/agents/{id}/break",
        Some(AGENT),
        json_body(json!({"reason": "pranzo"})),
        200,
    )
    .await;
    assert_eq!(a.json()["status"], "on_break");
    assert_eq!(a.json()["break_reason"], "pranzo");
    let a = expect(
        &fx,
        "POST",
        "/api/agents/a1/back",
        "/api/agents/{id}/back",
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()["status"], "available");
    expect(
        &fx,
        "POST",
        "/api/agents/a1/back",
        "/api/agents/{id}/back",
        Some(AGENT),
        None,
        409,
    )
    .await;
    let a = expect(
        &fx,
        "POST",
        "/api/agents/a1/break",
        "/api/agents/{id}/break",
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()["break_reason"], "requested");
    let a = expect(
        &fx,
        "POST",
        "/api/agents/a1/logout",
        "/api/agents/{id}/logout",
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()["status"], "logged_out");
    let a = expect(
        &fx,
        "PUT",
        "/api/agents/a2/status",
        "/api/agents/{id}/status",
        Some(SUPERVISOR),
        json_body(json!({"status": "on_break", "reason": "formazione"})),
        200,
    )
    .await;
    assert_eq!(a.json()["break_reason"], "formazione");
    // The snapshot follows.
    eventually("the snapshot", || async {
        let a = send(&fx, "GET", "/api/agents/a2", Some(VIEWER), None).await;
        a.json()["status"] == "on_break"
    })
    .await;
    expect(
        &fx,
        "POST",
        "/api/agents/zz/login",
        "/api/agents/{id}/login",
        Some(AGENT),
        None,
        404,
    )
    .await;
    // An agent token bound to a1 acts for a1 only.
    expect(
        &fx,
        "POST",
        "/api/agents/a1/login",
        "/api/agents/{id}/login",
        Some(AGENT_A1),
        None,
        200,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/agents/a2/login",
        "/api/agents/{id}/login",
        Some(AGENT_A1),
        None,
        403,
    )
    .await;

    // Malformed bodies: 4xx JSON, never 500.
    let t = "/api/agents/{id}/status";
    let u = "/api/agents/a1/status";
    expect(
        &fx,
        "PUT",
        u,
        t,
        Some(AGENT),
        json_body(json!({"status": "dancing"})),
        422,
    )
    .await;
    expect(
        &fx,
        "PUT",
        u,
        t,
        Some(AGENT),
        json_body(json!({"nope": 1})),
        422,
    )
    .await;
    expect(
        &fx,
        "PUT",
        u,
        t,
        Some(AGENT),
        json_body(json!({"status": "on_break", "reason": ""})),
        422,
    )
    .await;
    expect(
        &fx,
        "PUT",
        u,
        t,
        Some(AGENT),
        Some(("application/json", b"{not json".to_vec())),
        400,
    )
    .await;
    expect(
        &fx,
        "PUT",
        u,
        t,
        Some(AGENT),
        Some(("text/plain", b"available".to_vec())),
        415,
    )
    .await;
    expect(&fx, "PUT", u, t, Some(AGENT), None, 415).await;
    expect(
        &fx,
        "POST",
        "/api/agents/a1/break",
        "/api/agents/{id}/break",
        Some(AGENT),
        json_body(json!({"reason": "x".repeat(65)})),
        422,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/agents/a1/break",
        "/api/agents/{id}/break",
        Some(AGENT),
        Some(("application/json", b"[1,2".to_vec())),
        422,
    )
    .await;
}

#[tokio::test]
async fn cdrs_search_get_export_and_disposition() {
    let fx = fixture().await;
    store(&fx, answered_call("c-1"));
    store(&fx, abandoned_call("c-2"));
    stored_cdrs(&fx, 2).await;
    // Let the writer finish the batch (the CDRs are final).
    eventually("finished CDRs", || async {
        let a = send(
            &fx,
            "GET",
            "/api/cdrs?outcome=in_progress",
            Some(SUPERVISOR),
            None,
        )
        .await;
        a.json().as_array().is_some_and(|v| v.is_empty())
    })
    .await;
    let a = expect(
        &fx,
        "GET",
        "/api/cdrs",
        "/api/cdrs",
        Some(SUPERVISOR),
        None,
        200,
    )
    .await;
    assert_eq!(a.json().as_array().unwrap().len(), 2);
    let a = expect(
        &fx,
        "GET",
        "/api/cdrs?outcome=answered&service=test&from=2026-11-23&to=2026-11-23&limit=10",
        "/api/cdrs",
        Some(SUPERVISOR),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()[0]["call_id"], "c-1");
    assert_eq!(a.json().as_array().unwrap().len(), 1);
    let a = expect(
        &fx,
        "GET",
        "/api/cdrs?from=2026-11-24T00:00:00%2B01:00",
        "/api/cdrs",
        Some(SUPERVISOR),
        None,
        200,
    )
    .await;
    assert!(a.json().as_array().unwrap().is_empty());
    for bad in [
        "/api/cdrs?outcome=nope",
        "/api/cdrs?from=yesterday",
        "/api/cdrs?limit=0",
        "/api/cdrs?limit=5000",
        "/api/cdrs?limit=x",
        "/api/cdrs?bogus=1",
    ] {
        expect(&fx, "GET", bad, "/api/cdrs", Some(SUPERVISOR), None, 400).await;
    }
    let a = expect(
        &fx,
        "GET",
        "/api/cdrs/c-1",
        "/api/cdrs/{id}",
        Some(SUPERVISOR),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()["cdr"]["outcome"], "answered");
    assert_eq!(a.json()["events"].as_array().unwrap().len(), 5);
    expect(
        &fx,
        "GET",
        "/api/cdrs/nope",
        "/api/cdrs/{id}",
        Some(SUPERVISOR),
        None,
        404,
    )
    .await;

    let a = expect(
        &fx,
        "GET",
        "/api/cdrs/export?from=2026-11-01&to=2026-11-30",
        "/api/cdrs/export",
        Some(SUPERVISOR),
        None,
        200,
    )
    .await;
    assert!(a.content_type().starts_with("application/x-ndjson"));
    assert_eq!(a.text().lines().count(), 2);
    assert!(a.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("cdr-2026-11-01-2026-11-30.jsonl"));
    let a = expect(
        &fx,
        "GET",
        "/api/cdrs/export?from=2026-11-01&to=2026-11-30&format=csv",
        "/api/cdrs/export",
        Some(SUPERVISOR),
        None,
        200,
    )
    .await;
    assert!(a.text().starts_with("call_id,"), "{}", a.text());
    assert_eq!(a.text().lines().count(), 3);
    for bad in [
        "/api/cdrs/export?from=2026-11-30&to=2026-11-01",
        "/api/cdrs/export?from=x&to=2026-11-01",
        "/api/cdrs/export?to=2026-11-01",
        "/api/cdrs/export?from=2026-11-01&to=2026-11-30&format=xml",
    ] {
        expect(
            &fx,
            "GET",
            bad,
            "/api/cdrs/export",
            Some(SUPERVISOR),
            None,
            400,
        )
        .await;
    }

    // Disposition: Q comes from it.
    let t = "/api/calls/{id}/disposition";
    let a = expect(
        &fx,
        "POST",
        "/api/calls/c-1/disposition",
        t,
        Some(AGENT),
        json_body(json!({"resolution": "escalated", "ticket": "CRM-42"})),
        202,
    )
    .await;
    assert_eq!(a.json()["event"]["type"], "resolution_set");
    eventually("the resolution in the CDR", || async {
        let a = send(&fx, "GET", "/api/cdrs/c-1", Some(SUPERVISOR), None).await;
        a.json()["cdr"]["resolution"] == "escalated"
    })
    .await;
    let a = send(&fx, "GET", "/api/cdrs/c-1", Some(SUPERVISOR), None).await;
    assert_eq!(
        a.json()["events"].as_array().unwrap().last().unwrap()["ticket"],
        "CRM-42"
    );
    expect(
        &fx,
        "POST",
        "/api/calls/c-2/disposition",
        t,
        Some(AGENT),
        json_body(json!({"resolution": "resolved"})),
        409,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/calls/c-9/disposition",
        t,
        Some(AGENT),
        json_body(json!({"resolution": "resolved"})),
        404,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/calls/c-1/disposition",
        t,
        Some(AGENT),
        json_body(json!({"resolution": "maybe"})),
        422,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/calls/c-1/disposition",
        t,
        Some(AGENT),
        json_body(json!({"resolution": "resolved", "ticket": ""})),
        422,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/calls/c-1/disposition",
        t,
        Some(AGENT),
        json_body(json!({})),
        422,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/calls/c-1/disposition",
        t,
        Some(AGENT),
        Some(("application/json", b"nope".to_vec())),
        400,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/calls/c-1/disposition",
        t,
        Some(VIEWER),
        json_body(json!({"resolution": "resolved"})),
        403,
    )
    .await;
    // a1 answered it: a token bound to a1 may, one bound elsewhere may not
    // (only a1 is bound here, so check the positive case).
    expect(
        &fx,
        "POST",
        "/api/calls/c-1/disposition",
        t,
        Some(AGENT_A1),
        json_body(json!({"resolution": "resolved"})),
        202,
    )
    .await;
}

#[tokio::test]
async fn sla_report_wallboard_and_today_curve() {
    let fx = fixture().await;
    store(&fx, answered_call("c-1"));
    store(&fx, abandoned_call("c-2"));
    stored_cdrs(&fx, 2).await;
    let t = "/api/reports/sla";
    eventually("the report", || async {
        let a = send(
            &fx,
            "GET",
            "/api/reports/sla?from=2026-11-01&to=2026-11-30",
            Some(VIEWER),
            None,
        )
        .await;
        a.json()["services"][0]["offered"] == 2
    })
    .await;
    let a = expect(
        &fx,
        "GET",
        "/api/reports/sla?from=2026-11-01&to=2026-11-30&group_by=week",
        t,
        Some(VIEWER),
        None,
        200,
    )
    .await;
    let r = a.json();
    assert_eq!(r["services"][0]["service"], "test");
    assert_eq!(r["services"][0]["answered"], 1);
    assert_eq!(r["services"][0]["abandoned"], 1);
    assert!(r["services"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["sla"] == "p" && c["met"] == false));
    // The same JSON as `centralino sla --format json`.
    assert!(
        a.text().starts_with("{\n  \"from\": \"2026-11-01\""),
        "{}",
        a.text()
    );
    let a = expect(
        &fx,
        "GET",
        "/api/reports/sla?from=2026-11-01&to=2026-11-30&format=csv",
        t,
        Some(VIEWER),
        None,
        200,
    )
    .await;
    assert!(a.content_type().starts_with("text/csv"));
    assert!(a.text().contains("test"));
    let a = expect(
        &fx,
        "GET",
        "/api/reports/sla?from=2026-11-01&to=2026-11-30&format=csv&part=checks",
        t,
        Some(VIEWER),
        None,
        200,
    )
    .await;
    assert!(a.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("checks"));
    let a = expect(
        &fx,
        "GET",
        "/api/reports/sla?from=2026-11-01&to=2026-11-30&format=xlsx",
        t,
        Some(VIEWER),
        None,
        200,
    )
    .await;
    assert_eq!(&a.body[..2], b"PK", "an XLSX is a zip");
    for bad in [
        "/api/reports/sla?from=2026-11-30&to=2026-11-01",
        "/api/reports/sla?from=2026-11-01",
        "/api/reports/sla?from=2026-11-01&to=2026-11-30&format=pdf",
        "/api/reports/sla?from=2026-11-01&to=2026-11-30&group_by=hour",
        "/api/reports/sla?from=2026-11-01&to=2026-11-30&service=nope",
        "/api/reports/sla?from=2026-11-01&to=2026-11-30&as_of=later",
        "/api/reports/sla?from=1000-01-01&to=9000-01-01",
    ] {
        expect(&fx, "GET", bad, t, Some(VIEWER), None, 400).await;
    }

    let a = expect(
        &fx,
        "GET",
        "/api/wallboard",
        "/api/wallboard",
        Some(VIEWER),
        None,
        200,
    )
    .await;
    let wb = a.json();
    assert_eq!(wb["date"], "2026-11-23");
    assert_eq!(wb["queues"][0]["id"], "q1");
    assert_eq!(wb["queues"][0]["today"]["answered"], 1);
    assert_eq!(wb["queues"][0]["today"]["abandoned"], 1);
    assert_eq!(wb["queues"][0]["today"]["avg_wait_s"], 5.0);
    assert_eq!(wb["queues"][0]["breached"], true, "P is 50 % today");
    assert_eq!(wb["agents"][0]["calls_today"], 1);
    assert_eq!(wb["services"][0]["breached"], true);
    let a = expect(
        &fx,
        "GET",
        "/api/stats/today",
        "/api/stats/today",
        Some(VIEWER),
        None,
        200,
    )
    .await;
    let c = a.json();
    assert_eq!(c["total"].as_array().unwrap().len(), 48);
    assert_eq!(c["total"][18]["time"], "09:00");
    assert_eq!(c["total"][18]["offered"], 2);
    assert_eq!(c["total"][18]["answered"], 1);

    // The stream: two frames at a one-second interval.
    let resp = fx
        .router
        .clone()
        .oneshot(
            Request::get("/api/wallboard/stream?interval=1")
                .header("authorization", format!("Bearer {VIEWER}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut body = resp.into_body();
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while text.matches("event: wallboard").count() < 2 && Instant::now() < deadline {
        if let Ok(Some(Ok(f))) = tokio::time::timeout(Duration::from_secs(5), body.frame()).await {
            if let Some(d) = f.data_ref() {
                text.push_str(&String::from_utf8_lossy(d));
            }
        }
    }
    assert!(text.matches("event: wallboard").count() >= 2, "{text}");
    for bad in ["interval=0", "interval=99999", "interval=x", "nope=1"] {
        let a = send(
            &fx,
            "GET",
            &format!("/api/wallboard/stream?{bad}"),
            Some(VIEWER),
            None,
        )
        .await;
        assert_eq!(a.status, 400, "{bad}");
    }
    // The browser form of the token.
    let a = fx
        .router
        .clone()
        .oneshot(
            Request::get(format!("/api/wallboard/stream?access_token={VIEWER}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(a.status(), 200);
}

#[tokio::test]
async fn voicemails_list_audio_take_close() {
    let fx = fixture().await;
    {
        let vm_dir = fx.data().join("voicemail");
        std::fs::create_dir_all(&vm_dir).unwrap();
        std::fs::write(vm_dir.join("vm-1.wav"), wav(8000, 440.0)).unwrap();
        let mut s = crate::store::Store::open(&crate::store::Store::path_in(&fx.data())).unwrap();
        let b = s.batch().unwrap();
        for id in ["vm-1", "vm-2"] {
            b.insert_voicemail(&crate::store::Voicemail::new(
                id.into(),
                format!("call-{id}"),
                "test".into(),
                Some("0461000001".into()),
                "100".into(),
                chrono::DateTime::parse_from_rfc3339("2026-11-23T08:30:00+01:00").unwrap(),
                1000,
                format!("voicemail/{id}.wav"),
            ))
            .unwrap();
        }
        b.commit().unwrap();
    }
    let a = expect(
        &fx,
        "GET",
        "/api/voicemails",
        "/api/voicemails",
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(a.json().as_array().unwrap().len(), 2);
    let a = expect(
        &fx,
        "GET",
        "/api/voicemails?state=new&service=test&from=2026-11-23&limit=1",
        "/api/voicemails",
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(a.json().as_array().unwrap().len(), 1);
    expect(
        &fx,
        "GET",
        "/api/voicemails?state=lost",
        "/api/voicemails",
        Some(AGENT),
        None,
        400,
    )
    .await;
    expect(
        &fx,
        "GET",
        "/api/voicemails/vm-1",
        "/api/voicemails/{id}",
        Some(AGENT),
        None,
        200,
    )
    .await;
    expect(
        &fx,
        "GET",
        "/api/voicemails/zz",
        "/api/voicemails/{id}",
        Some(AGENT),
        None,
        404,
    )
    .await;
    let a = expect(
        &fx,
        "GET",
        "/api/voicemails/vm-1/audio",
        "/api/voicemails/{id}/audio",
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(&a.body[..4], b"RIFF");
    expect(
        &fx,
        "GET",
        "/api/voicemails/vm-2/audio",
        "/api/voicemails/{id}/audio",
        Some(AGENT),
        None,
        404,
    )
    .await;

    let t = "/api/voicemails/{id}/take";
    let a = expect(
        &fx,
        "POST",
        "/api/voicemails/vm-1/take",
        t,
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()["state"], "taken");
    assert_eq!(a.json()["taken_by"], "crm");
    expect(
        &fx,
        "POST",
        "/api/voicemails/vm-1/take",
        t,
        Some(AGENT),
        None,
        409,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/voicemails/zz/take",
        t,
        Some(AGENT),
        None,
        404,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/voicemails/vm-2/take",
        t,
        Some(AGENT),
        json_body(json!({"by": ""})),
        422,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/voicemails/vm-2/take",
        t,
        Some(AGENT),
        json_body(json!({"who": "x"})),
        422,
    )
    .await;
    let c = "/api/voicemails/{id}/close";
    expect(
        &fx,
        "POST",
        "/api/voicemails/vm-1/close",
        c,
        Some(AGENT),
        None,
        422,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/voicemails/vm-1/close",
        c,
        Some(AGENT),
        Some(("application/json", b"{".to_vec())),
        422,
    )
    .await;
    let a = expect(
        &fx,
        "POST",
        "/api/voicemails/vm-1/close",
        c,
        Some(AGENT),
        json_body(json!({"outcome": "richiamato, risolto", "by": "Mario"})),
        200,
    )
    .await;
    assert_eq!(a.json()["state"], "closed");
    assert_eq!(a.json()["closed_by"], "Mario");
    expect(
        &fx,
        "POST",
        "/api/voicemails/vm-1/close",
        c,
        Some(AGENT),
        json_body(json!({"outcome": "again"})),
        409,
    )
    .await;
    let a = send(&fx, "GET", "/metrics", Some(VIEWER), None).await;
    assert!(
        a.text().contains("centralino_voicemails_pending 1"),
        "{}",
        a.text()
    );
}

#[tokio::test]
async fn callbacks_list_and_cancel() {
    let fx = fixture().await;
    {
        let mut s = crate::store::Store::open(&crate::store::Store::path_in(&fx.data())).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T08:30:00+01:00").unwrap();
        for (id, state) in [("cb-1", "waiting"), ("cb-2", "completed")] {
            s.put_callback(&crate::store::Callback {
                id: id.into(),
                call_id: Some("c-1".into()),
                service: "test".into(),
                queue: "q1".into(),
                number: "0461000001".into(),
                requested_at: at,
                state: state.into(),
                attempts: 0,
                next_attempt_at: None,
                expires_at: None,
                completed_at: None,
                language: Some("it".into()),
                waited_ms: Some(31_000),
            })
            .unwrap();
        }
    }
    let a = expect(
        &fx,
        "GET",
        "/api/callbacks",
        "/api/callbacks",
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(a.json().as_array().unwrap().len(), 2);
    let a = expect(
        &fx,
        "GET",
        "/api/callbacks?state=waiting",
        "/api/callbacks",
        Some(AGENT),
        None,
        200,
    )
    .await;
    assert_eq!(a.json().as_array().unwrap().len(), 1);
    expect(
        &fx,
        "GET",
        "/api/callbacks?limit=-1",
        "/api/callbacks",
        Some(AGENT),
        None,
        400,
    )
    .await;
    let t = "/api/callbacks/{id}/cancel";
    let a = expect(
        &fx,
        "POST",
        "/api/callbacks/cb-1/cancel",
        t,
        Some(SUPERVISOR),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()["state"], "cancelled");
    expect(
        &fx,
        "POST",
        "/api/callbacks/cb-1/cancel",
        t,
        Some(SUPERVISOR),
        None,
        409,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/callbacks/cb-2/cancel",
        t,
        Some(SUPERVISOR),
        None,
        409,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/callbacks/cb-9/cancel",
        t,
        Some(SUPERVISOR),
        None,
        404,
    )
    .await;
}

#[tokio::test]
async fn prompts_upload_download_delete_backup_restore() {
    let fx = fixture().await;
    let a = expect(
        &fx,
        "GET",
        "/api/prompts",
        "/api/prompts",
        Some(SUPERVISOR),
        None,
        200,
    )
    .await;
    let list = a.json();
    let welcome = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "td-benvenuto")
        .unwrap()
        .clone();
    assert_eq!(welcome["valid"], true);
    assert_eq!(welcome["referenced_by"], json!(["services.test"]));
    let t = "/api/prompts/{lang}/{name}";
    let a = expect(
        &fx,
        "GET",
        "/api/prompts/it/td-benvenuto",
        t,
        Some(SUPERVISOR),
        None,
        200,
    )
    .await;
    assert_eq!(
        a.body,
        std::fs::read(fx.prompts().join("it/td-benvenuto.wav")).unwrap()
    );
    expect(
        &fx,
        "GET",
        "/api/prompts/it/nope",
        t,
        Some(SUPERVISOR),
        None,
        404,
    )
    .await;
    expect(
        &fx,
        "GET",
        "/api/prompts/it/bad%20name",
        t,
        Some(SUPERVISOR),
        None,
        400,
    )
    .await;
    expect(
        &fx,
        "GET",
        "/api/prompts/..%2F..%2Fetc/passwd",
        t,
        Some(SUPERVISOR),
        None,
        400,
    )
    .await;

    // Upload: a new prompt, then a replacement of a used one.
    let new = wav(4000, 300.0);
    let a = expect(
        &fx,
        "PUT",
        "/api/prompts/it/annuncio-nuovo",
        t,
        Some(ADMIN),
        Some(("audio/wav", new.clone())),
        201,
    )
    .await;
    assert_eq!(a.json()["duration_ms"], 500);
    assert_eq!(a.json()["reload"]["ok"], true);
    assert_eq!(
        std::fs::read(fx.prompts().join("it/annuncio-nuovo.wav")).unwrap(),
        new
    );
    let a = expect(
        &fx,
        "PUT",
        "/api/prompts/it/td-benvenuto.wav",
        t,
        Some(ADMIN),
        Some(("audio/wav", wav(8000, 500.0))),
        200,
    )
    .await;
    assert_eq!(a.json()["created"], false);
    // Refused: not a WAV, stereo 44.1 kHz, empty, too short, wrong type.
    expect(
        &fx,
        "PUT",
        "/api/prompts/it/x",
        t,
        Some(ADMIN),
        Some(("audio/wav", b"hello".to_vec())),
        422,
    )
    .await;
    let stereo = {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut cur = std::io::Cursor::new(Vec::new());
        let mut w = hound::WavWriter::new(&mut cur, spec).unwrap();
        for _ in 0..8820 {
            w.write_sample(0i16).unwrap();
        }
        w.finalize().unwrap();
        cur.into_inner()
    };
    let a = expect(
        &fx,
        "PUT",
        "/api/prompts/it/x",
        t,
        Some(ADMIN),
        Some(("audio/wav", stereo)),
        422,
    )
    .await;
    assert!(
        a.json()["error"].as_str().unwrap().contains("8000 Hz"),
        "{}",
        a.text()
    );
    expect(
        &fx,
        "PUT",
        "/api/prompts/it/x",
        t,
        Some(ADMIN),
        Some(("audio/wav", Vec::new())),
        422,
    )
    .await;
    expect(
        &fx,
        "PUT",
        "/api/prompts/it/x",
        t,
        Some(ADMIN),
        Some(("audio/wav", wav(10, 300.0))),
        422,
    )
    .await;
    expect(
        &fx,
        "PUT",
        "/api/prompts/it/x",
        t,
        Some(ADMIN),
        Some(("application/json", new.clone())),
        415,
    )
    .await;
    expect(
        &fx,
        "PUT",
        "/api/prompts/i%20t/x",
        t,
        Some(ADMIN),
        Some(("audio/wav", new.clone())),
        400,
    )
    .await;
    assert!(!fx.prompts().join("it/x.wav").exists());

    // Delete: a used prompt needs force.
    expect(
        &fx,
        "DELETE",
        "/api/prompts/it/td-benvenuto",
        t,
        Some(ADMIN),
        None,
        409,
    )
    .await;
    expect(
        &fx,
        "DELETE",
        "/api/prompts/it/annuncio-nuovo?force=maybe",
        t,
        Some(ADMIN),
        None,
        400,
    )
    .await;
    let a = expect(
        &fx,
        "DELETE",
        "/api/prompts/it/annuncio-nuovo",
        t,
        Some(ADMIN),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()["reload"]["ok"], true);
    expect(
        &fx,
        "DELETE",
        "/api/prompts/it/annuncio-nuovo",
        t,
        Some(ADMIN),
        None,
        404,
    )
    .await;

    // Backup → delete (forced: the reload is refused, the running prompts
    // stay) → restore → back, and the reload works again.
    let a = expect(
        &fx,
        "GET",
        "/api/prompts/backup",
        "/api/prompts/backup",
        Some(ADMIN),
        None,
        200,
    )
    .await;
    let archive = a.body.clone();
    let entries = tar::read(&archive).unwrap();
    let n = entries.len();
    assert!(n > 30, "{n} prompts");
    let a = expect(
        &fx,
        "DELETE",
        "/api/prompts/it/td-benvenuto?force=true",
        t,
        Some(ADMIN),
        None,
        200,
    )
    .await;
    assert_eq!(a.json()["reload"]["ok"], false);
    assert!(a.json()["reload"]["errors"][0]
        .as_str()
        .unwrap()
        .contains("td-benvenuto"));
    let r = "/api/prompts/restore";
    let a = expect(
        &fx,
        "POST",
        r,
        r,
        Some(ADMIN),
        Some(("application/x-tar", archive.clone())),
        200,
    )
    .await;
    assert_eq!(a.json()["restored"], n);
    assert_eq!(a.json()["reload"]["ok"], true);
    assert!(fx.prompts().join("it/td-benvenuto.wav").exists());
    // Bad archives change nothing.
    expect(
        &fx,
        "POST",
        r,
        r,
        Some(ADMIN),
        Some(("application/x-tar", b"garbage".to_vec())),
        422,
    )
    .await;
    expect(
        &fx,
        "POST",
        r,
        r,
        Some(ADMIN),
        Some(("application/x-tar", tar::write(&[]).unwrap())),
        422,
    )
    .await;
    let bad = tar::write(&[
        ("it/ok.wav".into(), wav(800, 300.0), 0),
        ("it/bad.wav".into(), b"nope".to_vec(), 0),
    ])
    .unwrap();
    expect(
        &fx,
        "POST",
        r,
        r,
        Some(ADMIN),
        Some(("application/x-tar", bad)),
        422,
    )
    .await;
    assert!(!fx.prompts().join("it/ok.wav").exists(), "all or nothing");
    let evil = tar::write(&[("../evil.wav".into(), wav(800, 300.0), 0)]).unwrap();
    expect(
        &fx,
        "POST",
        r,
        r,
        Some(ADMIN),
        Some(("application/x-tar", evil)),
        422,
    )
    .await;
    expect(
        &fx,
        "POST",
        r,
        r,
        Some(ADMIN),
        Some(("text/plain", archive.clone())),
        415,
    )
    .await;
    expect(
        &fx,
        "POST",
        "/api/prompts/restore?replace=2",
        r,
        Some(ADMIN),
        Some(("application/x-tar", archive.clone())),
        400,
    )
    .await;
    // replace=true removes what the archive does not hold.
    std::fs::write(fx.prompts().join("it/extra.wav"), wav(800, 300.0)).unwrap();
    let a = expect(
        &fx,
        "POST",
        "/api/prompts/restore?replace=true",
        r,
        Some(ADMIN),
        Some(("application/x-tar", archive)),
        200,
    )
    .await;
    assert_eq!(a.json()["removed"], 1);
    assert!(!fx.prompts().join("it/extra.wav").exists());
}

#[tokio::test]
async fn config_reload_and_metrics() {
    let fx = fixture().await;
    let r = "/api/config/reload";
    let a = expect(&fx, "POST", r, r, Some(ADMIN), None, 200).await;
    assert_eq!(a.json()["reloaded"], true);
    let good = std::fs::read_to_string(fx.config()).unwrap();
    std::fs::write(fx.config(), good.replace("queue: q1 }", "queue: q9 }")).unwrap();
    let a = expect(&fx, "POST", r, r, Some(ADMIN), None, 422).await;
    assert!(
        a.json()["details"][0].as_str().unwrap().contains("q9"),
        "{}",
        a.text()
    );
    std::fs::write(fx.config(), good).unwrap();

    expect(&fx, "GET", "/metrics", "/metrics", None, None, 401).await;
    let a = expect(&fx, "GET", "/metrics", "/metrics", Some(VIEWER), None, 200).await;
    let text = a.text();
    for name in [
        "centralino_active_calls 0",
        "centralino_queue_waiting_calls{queue=\"q1\"} 0",
        "centralino_queue_oldest_wait_seconds{queue=\"q1\"} 0",
        "centralino_agents_by_status{status=\"logged_out\"} 2",
        "centralino_agents_by_state{state=\"idle\"} 2",
        "centralino_rtp_packets_sent_total",
        "centralino_dtmf_digits_total",
        "centralino_voicemails_pending 0",
        "centralino_callbacks_pending 0",
        "centralino_up 1",
        "centralino_sla_today_threshold{service=\"test\",sla=\"tm\"} 13",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
}

/// Read SSE frames until `pred` holds for the text so far.
async fn read_sse(body: &mut Body, pred: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pred(&text) && Instant::now() < deadline {
        if let Ok(Some(Ok(f))) = tokio::time::timeout(Duration::from_secs(5), body.frame()).await {
            if let Some(d) = f.data_ref() {
                text.push_str(&String::from_utf8_lossy(d));
            }
        }
    }
    assert!(pred(&text), "{text}");
    text
}

#[tokio::test]
async fn cti_stream_carries_the_screen_pop_and_filters() {
    let fx = fixture().await;
    let open = |uri: &str, token: &str| {
        Request::get(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let resp = fx
        .router
        .clone()
        .oneshot(open("/api/events?agent=a1", AGENT))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut a1 = resp.into_body();
    let resp = fx
        .router
        .clone()
        .oneshot(open("/api/events?queue=q2", AGENT))
        .await
        .unwrap();
    let mut other = resp.into_body();
    read_sse(&mut a1, |t| t.contains("event: ready")).await;
    read_sse(&mut other, |t| t.contains("event: ready")).await;
    for e in answered_call("c-7") {
        let _ = fx.live.send(LiveEvent::Call(e));
    }
    let text = read_sse(&mut a1, |t| t.contains("event: call_ended")).await;
    let offered = text.find("event: call_offered").unwrap();
    let answered = text.find("event: call_answered").unwrap();
    assert!(offered < answered);
    let data: Value = serde_json::from_str(
        text[offered..]
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(data["caller"], "0461000001");
    assert_eq!(data["service"], "test");
    assert_eq!(data["queue"], "q1");
    assert_eq!(data["seconds_waited"], 4.0);
    assert!(
        !text.contains("event: call_queued"),
        "no agent yet: filtered out"
    );
    // Status changes through the API reach the stream.
    send(&fx, "POST", "/api/agents/a1/login", Some(AGENT), None).await;
    read_sse(&mut a1, |t| {
        t.contains("event: agent_status_changed") && t.contains("\"available\"")
    })
    .await;
    // The queue-q2 subscriber saw nothing of it.
    let quiet = tokio::time::timeout(Duration::from_millis(300), other.frame()).await;
    assert!(
        quiet.is_err()
            || matches!(quiet, Ok(Some(Ok(ref f))) if f.data_ref().is_none_or(|d| d.starts_with(b":")))
    );

    // Filters and tokens.
    for (uri, token, status) in [
        ("/api/events?types=call_offered,nope", AGENT, 400),
        ("/api/events?agent=a2", AGENT_A1, 403),
        ("/api/events?bogus=1", AGENT, 400),
        ("/api/events", VIEWER, 403),
    ] {
        let a = send(&fx, "GET", uri, Some(token), None).await;
        assert_eq!(a.status, status, "{uri}");
    }
    let resp = fx
        .router
        .clone()
        .oneshot(
            Request::get(format!("/api/events?access_token={AGENT_A1}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut bound = resp.into_body();
    let text = read_sse(&mut bound, |t| t.contains("event: ready")).await;
    assert!(
        text.contains("\"agent\":\"a1\""),
        "a bound token is filtered to its agent: {text}"
    );
    // The WebSocket endpoint wants an upgrade.
    let a = send(&fx, "GET", "/api/events/ws", Some(AGENT), None).await;
    assert!(a.status.is_client_error(), "{}", a.status);
}

#[test]
fn the_grafana_dashboard_and_the_docs_name_only_metrics_that_exist() {
    let source = include_str!("../metrics.rs");
    let exists = |name: &str| {
        let bare = name.trim_start_matches("centralino_");
        source.contains(&format!("\"{bare}\""))
    };
    let names = |text: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find("centralino_") {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()))
                .unwrap_or(tail.len());
            out.push(tail[..end].trim_end_matches('_').to_string());
            rest = &tail[end..];
        }
        out
    };
    let dashboard = include_str!("../../../../docs/grafana-dashboard.json");
    let _: Value = serde_json::from_str(dashboard).expect("the dashboard is JSON");
    let used = names(dashboard);
    assert!(used.len() > 20);
    for n in &used {
        assert!(
            exists(n),
            "the dashboard uses {n}, which /metrics does not have"
        );
    }
    // docs/api.md: every full name it writes.
    let documented = names(include_str!("../../../../docs/api.md"));
    assert!(documented.len() > 20);
    for n in documented {
        assert!(
            exists(&n),
            "docs/api.md names {n}, which /metrics does not have"
        );
    }
}
