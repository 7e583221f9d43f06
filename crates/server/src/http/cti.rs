//! CTI: the engine's live events turned into the JSON events a CRM
//! subscribes to (screen-pop on `call_offered`, sent as the agent's phone
//! starts ringing, so before its 200 OK), over SSE (`/api/events`) or
//! WebSocket (`/api/events/ws`), filtered per agent, queue and type; the
//! same events feed the webhooks.
//!
//! The hub folds each call's events as they come (service, caller, IVR
//! choices, queue, the CDR so far) so every event carries what a CRM needs
//! without asking back.

use super::auth::query_token;
use super::config::{Role, EVENT_TYPES};
use super::error::{ApiError, ApiResult};
use super::live::{state_name, status_parts, QueueLive};
use super::Api;
use crate::live::LiveEvent;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use centralino_cdr::stamp::{self, Stamp};
use centralino_cdr::{CallEvent, CdrFold, EventKind, FoldOptions};
use centralino_engine::CallbackRecord;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// One CTI event, serialised once for every subscriber.
#[derive(Debug, Clone, PartialEq)]
pub struct CtiEvent {
    /// `call_offered`, …
    pub kind: &'static str,
    /// Queues it concerns (for the filter).
    pub queues: Vec<String>,
    /// Agents it concerns.
    pub agents: Vec<String>,
    /// The JSON text.
    pub json: Arc<str>,
}

/// A subscriber's filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only events of this agent.
    pub agent: Option<String>,
    /// Only events of this queue.
    pub queue: Option<String>,
    /// Only these types (all when empty).
    pub types: Vec<String>,
}

impl Filter {
    /// Whether `e` passes.
    pub fn passes(&self, e: &CtiEvent) -> bool {
        (self.types.is_empty() || self.types.iter().any(|t| t == e.kind))
            && self.agent.as_ref().is_none_or(|a| e.agents.contains(a))
            && self.queue.as_ref().is_none_or(|q| e.queues.contains(q))
    }
}

/// What the hub knows of a call in progress.
struct Track {
    fold: CdrFold,
    arrived_at: Option<Stamp>,
    arrived_mono: u64,
    service: Option<String>,
    caller: Option<String>,
    called: Option<String>,
    choices: Vec<String>,
    language: Option<String>,
    queue: Option<String>,
    queued_mono: Option<u64>,
    offered: Vec<String>,
    agent: Option<String>,
    seen: Instant,
}

impl Track {
    fn new() -> Self {
        Track {
            fold: CdrFold::new(FoldOptions::default()),
            arrived_at: None,
            arrived_mono: 0,
            service: None,
            caller: None,
            called: None,
            choices: Vec::new(),
            language: None,
            queue: None,
            queued_mono: None,
            offered: Vec::new(),
            agent: None,
            seen: Instant::now(),
        }
    }

    fn waited_s(&self, mono: u64) -> Option<f64> {
        self.queued_mono
            .map(|q| mono.saturating_sub(q) as f64 / 1000.0)
    }

    fn queues(&self) -> Vec<String> {
        self.queue.iter().cloned().collect()
    }

    /// The call's fields common to every call event.
    fn base(&self, kind: &str, ev: &CallEvent) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("type".into(), json!(kind));
        m.insert("at".into(), json!(stamp::format(&ev.at)));
        m.insert("call_id".into(), json!(ev.call_id.as_str()));
        m.insert("service".into(), json!(self.service));
        m.insert("caller".into(), json!(self.caller));
        m.insert("called".into(), json!(self.called));
        m.insert("queue".into(), json!(self.queue));
        m.insert("ivr_choices".into(), json!(self.choices));
        m.insert("language".into(), json!(self.language));
        m.insert(
            "seconds_since_arrival".into(),
            json!(ev.mono_ms.saturating_sub(self.arrived_mono) as f64 / 1000.0),
        );
        m
    }
}

/// Where a call in progress is (for dispositions).
#[derive(Debug, Clone, PartialEq)]
pub struct CallInfo {
    /// When it arrived.
    pub arrived_at: Stamp,
    /// The agent who answered it.
    pub agent: Option<String>,
}

#[derive(Default)]
struct Tracker {
    calls: HashMap<String, Track>,
    callbacks: BTreeMap<String, CallbackRecord>,
    outcomes: BTreeMap<(String, String), u64>,
    queue_last: HashMap<String, (QueueLive, Instant)>,
    agent_queues: HashMap<String, Vec<String>>,
    queue_agents: HashMap<String, Vec<String>>,
}

/// Calls silent for this long are forgotten (an `ended` that never came).
const STALE_CALL: Duration = Duration::from_secs(24 * 3600);
/// A queue's figures are re-sent at least this often while calls wait.
const QUEUE_STATS_REFRESH: Duration = Duration::from_secs(5);

impl Tracker {
    fn event(
        kind: &'static str,
        queues: Vec<String>,
        agents: Vec<String>,
        body: Value,
    ) -> CtiEvent {
        CtiEvent {
            kind,
            queues,
            agents,
            json: Arc::from(body.to_string()),
        }
    }

    fn on_call(&mut self, ev: &CallEvent) -> Vec<CtiEvent> {
        let id = ev.call_id.as_str().to_string();
        let t = self.calls.entry(id.clone()).or_insert_with(Track::new);
        t.seen = Instant::now();
        t.fold.apply(ev);
        let mut out = Vec::new();
        match &ev.kind {
            EventKind::Arrived {
                service,
                called,
                caller,
                ..
            } => {
                t.arrived_at = Some(ev.at);
                t.arrived_mono = ev.mono_ms;
                t.service = Some(service.to_string());
                t.called = Some(called.clone());
                t.caller = caller.clone();
            }
            EventKind::IvrChoice { digits, .. } => t.choices.push(digits.clone()),
            EventKind::Language { language } => t.language = Some(language.to_string()),
            EventKind::Queued { queue } => {
                t.queue = Some(queue.to_string());
                if t.queued_mono.is_none() {
                    t.queued_mono = Some(ev.mono_ms);
                }
                let m = t.base("call_queued", ev);
                out.push(Self::event(
                    "call_queued",
                    t.queues(),
                    vec![],
                    Value::Object(m),
                ));
            }
            EventKind::Offered { agent } => {
                let agent = agent.to_string();
                if !t.offered.contains(&agent) {
                    t.offered.push(agent.clone());
                }
                let mut m = t.base("call_offered", ev);
                m.insert("agent".into(), json!(agent));
                m.insert("seconds_waited".into(), json!(t.waited_s(ev.mono_ms)));
                out.push(Self::event(
                    "call_offered",
                    t.queues(),
                    vec![agent],
                    Value::Object(m),
                ));
            }
            EventKind::Answered { agent } => {
                let agent = agent.to_string();
                t.agent = Some(agent.clone());
                let mut m = t.base("call_answered", ev);
                m.insert("agent".into(), json!(agent));
                m.insert("seconds_waited".into(), json!(t.waited_s(ev.mono_ms)));
                out.push(Self::event(
                    "call_answered",
                    t.queues(),
                    vec![agent],
                    Value::Object(m),
                ));
            }
            EventKind::Transferred { target } => {
                let mut m = t.base("call_transferred", ev);
                m.insert("agent".into(), json!(t.agent));
                m.insert("target".into(), json!(target));
                let agents = t.agent.iter().cloned().collect();
                out.push(Self::event(
                    "call_transferred",
                    t.queues(),
                    agents,
                    Value::Object(m),
                ));
            }
            EventKind::Abandoned => {
                let mut m = t.base("call_abandoned", ev);
                m.insert("seconds_waited".into(), json!(t.waited_s(ev.mono_ms)));
                out.push(Self::event(
                    "call_abandoned",
                    t.queues(),
                    t.offered.clone(),
                    Value::Object(m),
                ));
            }
            EventKind::Ended { .. } => {
                let cdr = t.fold.cdr().ok();
                let mut m = t.base("call_ended", ev);
                m.insert("agent".into(), json!(t.agent));
                let cdr_json: Value = cdr
                    .as_ref()
                    .and_then(|c| serde_json::from_str(&c.to_json()).ok())
                    .unwrap_or(Value::Null);
                m.insert("cdr".into(), cdr_json);
                let mut agents: Vec<String> = t.offered.clone();
                if let Some(a) = &t.agent {
                    if !agents.contains(a) {
                        agents.push(a.clone());
                    }
                }
                out.push(Self::event(
                    "call_ended",
                    t.queues(),
                    agents,
                    Value::Object(m),
                ));
                if let Some(c) = cdr {
                    let outcome = c.outcome.map(|o| o.as_str()).unwrap_or("unknown");
                    *self
                        .outcomes
                        .entry((c.service.to_string(), outcome.to_string()))
                        .or_default() += 1;
                }
                self.calls.remove(&id);
            }
            _ => {}
        }
        out
    }

    fn on_live(&mut self, ev: &LiveEvent, now: chrono::DateTime<chrono::Utc>) -> Vec<CtiEvent> {
        let at = stamp::format(&stamp::truncate_ms(now.fixed_offset()));
        match ev {
            LiveEvent::Call(c) => self.on_call(c),
            LiveEvent::Agent(u) => {
                let agent = u.agent.to_string();
                let (status, reason) = status_parts(&u.status);
                let queues = self.agent_queues.get(&agent).cloned().unwrap_or_default();
                let body = json!({
                    "type": "agent_status_changed",
                    "at": at,
                    "agent": agent,
                    "status": status,
                    "break_reason": reason,
                    "state": state_name(u.state),
                    "reachable": u.reachable,
                    "queues": queues,
                });
                vec![Self::event(
                    "agent_status_changed",
                    queues,
                    vec![agent],
                    body,
                )]
            }
            LiveEvent::Voicemail(v) => {
                let queue: Vec<String> = self
                    .calls
                    .get(&v.call_id)
                    .and_then(|t| t.queue.clone())
                    .into_iter()
                    .collect();
                let body = json!({
                    "type": "voicemail_received",
                    "at": stamp::format(&v.received_at.fixed_offset()),
                    "voicemail": {
                        "id": v.id, "call_id": v.call_id, "service": v.service,
                        "caller": Some(v.caller.clone()).filter(|c| !c.is_empty()),
                        "called": v.called,
                        "received_at": stamp::format(&stamp::truncate_ms(v.received_at.fixed_offset())),
                        "duration_ms": v.duration_ms,
                    },
                    "queue": queue.first(),
                });
                vec![Self::event("voicemail_received", queue, vec![], body)]
            }
            LiveEvent::Callback(r) => {
                self.callbacks.insert(r.id.clone(), r.clone());
                let view = super::records::CallbackView::from_record(r);
                let body = json!({
                    "type": "callback_updated",
                    "at": at,
                    "callback": view,
                });
                vec![Self::event(
                    "callback_updated",
                    vec![r.queue.to_string()],
                    vec![],
                    body,
                )]
            }
        }
    }

    fn on_snapshot(&mut self, snap: &centralino_engine::Snapshot) -> Vec<CtiEvent> {
        let now = Instant::now();
        self.calls
            .retain(|_, t| now.duration_since(t.seen) < STALE_CALL);
        let mut out = Vec::new();
        for q in &snap.queues {
            let live = QueueLive::from(q);
            let due = match self.queue_last.get(&live.id) {
                None => true,
                Some((last, at)) => {
                    let mut a = last.clone();
                    a.oldest_wait_s = live.oldest_wait_s;
                    a.average_wait_s = live.average_wait_s;
                    a.average_handling_s = live.average_handling_s;
                    a != live
                        || (live.waiting + live.ringing > 0
                            && now.duration_since(*at) >= QUEUE_STATS_REFRESH)
                }
            };
            if !due {
                continue;
            }
            let agents = self.queue_agents.get(&live.id).cloned().unwrap_or_default();
            let body = json!({
                "type": "queue_stats",
                "at": stamp::format(&stamp::truncate_ms(snap.at.fixed_offset())),
                "queue": live.id,
                "stats": live,
            });
            out.push(Self::event(
                "queue_stats",
                vec![live.id.clone()],
                agents,
                body,
            ));
            self.queue_last.insert(live.id.clone(), (live, now));
        }
        out
    }
}

/// The hub: subscribers get [`CtiEvent`]s.
pub struct Hub {
    tx: broadcast::Sender<Arc<CtiEvent>>,
    tracker: Mutex<Tracker>,
}

impl Hub {
    /// A hub with no subscriber.
    pub fn new() -> Self {
        Hub {
            tx: broadcast::channel(4096).0,
            tracker: Mutex::new(Tracker::default()),
        }
    }

    fn tracker(&self) -> std::sync::MutexGuard<'_, Tracker> {
        self.tracker.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Receive every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CtiEvent>> {
        self.tx.subscribe()
    }

    /// A call in progress.
    pub fn call_info(&self, call_id: &str) -> Option<CallInfo> {
        let t = self.tracker();
        let c = t.calls.get(call_id)?;
        Some(CallInfo {
            arrived_at: c.arrived_at?,
            agent: c.agent.clone(),
        })
    }

    /// Callback requests seen since start (latest state of each).
    pub fn callbacks(&self) -> Vec<CallbackRecord> {
        self.tracker().callbacks.values().cloned().collect()
    }

    /// Calls ended since start, by (service, outcome).
    pub fn outcome_counts(&self) -> BTreeMap<(String, String), u64> {
        self.tracker().outcomes.clone()
    }

    fn publish(&self, events: Vec<CtiEvent>) {
        for e in events {
            let _ = self.tx.send(Arc::new(e));
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

/// Start the hub's task: live events and snapshots in, CTI events out.
pub fn spawn(api: Api) {
    let mut live = api.state.live.subscribe();
    let mut snapshots = api.state.snapshots.clone();
    tokio::spawn(async move {
        let mut view_seen: Option<Arc<super::ConfigView>> = None;
        loop {
            let view = api.view();
            if view_seen.as_ref().is_none_or(|v| !Arc::ptr_eq(v, &view)) {
                let mut t = api.hub.tracker();
                t.agent_queues = view.agent_queues.clone();
                t.queue_agents = view.queue_agents.clone();
                view_seen = Some(view);
            }
            tokio::select! {
                r = live.recv() => match r {
                    Ok(ev) => {
                        let now = api.now();
                        let out = api.hub.tracker().on_live(&ev, now);
                        api.hub.publish(out);
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "CTI hub fell behind the engine's events");
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                r = snapshots.changed() => {
                    if r.is_err() {
                        return;
                    }
                    let snap = snapshots.borrow_and_update().clone();
                    let out = api.hub.tracker().on_snapshot(&snap);
                    api.hub.publish(out);
                }
            }
        }
    });
}

/// The query of the streams.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Only this agent's events.
    #[serde(default)]
    pub agent: Option<String>,
    /// Only this queue's events.
    #[serde(default)]
    pub queue: Option<String>,
    /// Comma-separated event types.
    #[serde(default)]
    pub types: Option<String>,
    /// The token (browsers cannot set headers on EventSource / WebSocket);
    /// read from the raw query by the auth check.
    #[serde(default)]
    #[allow(dead_code)]
    pub access_token: Option<String>,
}

fn filter_for(
    api: &Api,
    headers: &HeaderMap,
    raw_query: Option<&str>,
    q: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Filter> {
    let token = query_token(raw_query);
    let caller = api.tokens.check(headers, token.as_deref(), Role::Agent)?;
    let Query(q) = q?;
    let types: Vec<String> = q
        .types
        .as_deref()
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for t in &types {
        if !EVENT_TYPES.contains(&t.as_str()) {
            return Err(ApiError::bad_request(format!(
                "unknown event type {t:?} (known: {})",
                EVENT_TYPES.join(", ")
            )));
        }
    }
    let mut agent = q.agent;
    if let Some(bound) = &caller.agent {
        match &agent {
            Some(a) if a != bound => {
                return Err(ApiError::forbidden(format!(
                    "this token sees agent {bound:?}'s events only"
                )))
            }
            _ => agent = Some(bound.clone()),
        }
    }
    Ok(Filter {
        agent,
        queue: q.queue,
        types,
    })
}

/// `GET /api/events`: Server-Sent Events, one `event:` per type.
pub async fn sse(
    State(api): State<Api>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    q: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>> {
    let filter = filter_for(&api, &headers, uri.query(), q)?;
    let rx = api.hub.subscribe();
    let ready = Event::default()
        .event("ready")
        .data(json!({"type": "ready", "filter": {"agent": filter.agent, "queue": filter.queue, "types": filter.types}}).to_string());
    let stream = futures_util::stream::unfold(
        (rx, filter, Some(ready)),
        |(mut rx, filter, first)| async move {
            if let Some(e) = first {
                return Some((Ok(e), (rx, filter, None)));
            }
            loop {
                match rx.recv().await {
                    Ok(e) if filter.passes(&e) => {
                        let out = Event::default().event(e.kind).data(&*e.json);
                        return Some((Ok(out), (rx, filter, None)));
                    }
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        let out = Event::default()
                            .event("lagged")
                            .data(json!({"type": "lagged", "missed": n}).to_string());
                        return Some((Ok(out), (rx, filter, None)));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// `GET /api/events/ws`: the same events as WebSocket text frames.
pub async fn websocket(
    State(api): State<Api>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    q: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let filter = filter_for(&api, &headers, uri.query(), q)?;
    let ws = ws.map_err(|r| ApiError::new(r.status(), r.body_text()))?;
    let rx = api.hub.subscribe();
    Ok(ws
        .on_upgrade(move |socket| serve_socket(socket, rx, filter))
        .into_response())
}

async fn serve_socket(
    socket: WebSocket,
    mut rx: broadcast::Receiver<Arc<CtiEvent>>,
    filter: Filter,
) {
    let (mut tx, mut incoming) = socket.split();
    let ready = json!({"type": "ready", "filter": {"agent": filter.agent, "queue": filter.queue, "types": filter.types}});
    if tx
        .send(Message::Text(ready.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut ping = tokio::time::interval(Duration::from_secs(30));
    ping.tick().await;
    loop {
        tokio::select! {
            r = rx.recv() => {
                let text = match r {
                    Ok(e) if filter.passes(&e) => e.json.to_string(),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(n)) => json!({"type": "lagged", "missed": n}).to_string(),
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if tx.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            m = incoming.next() => match m {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if tx.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use centralino_cdr::{CallId, EndedBy};
    use centralino_model::{AgentId, QueueId, ServiceId};

    fn ev(mono: u64, kind: EventKind) -> CallEvent {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T09:00:00+01:00").unwrap()
            + chrono::Duration::milliseconds(mono as i64);
        CallEvent::new(CallId::new("c-1"), at, mono, kind)
    }

    fn parse(e: &CtiEvent) -> Value {
        serde_json::from_str(&e.json).unwrap()
    }

    #[test]
    fn a_call_becomes_offered_answered_ended() {
        let mut t = Tracker::default();
        let mut out = Vec::new();
        for e in [
            ev(
                0,
                EventKind::Arrived {
                    service: ServiceId::new("svc"),
                    called: "100".into(),
                    caller: Some("0461000001".into()),
                    diverted_from: None,
                    codec: None,
                },
            ),
            ev(
                2000,
                EventKind::IvrChoice {
                    menu: "m".into(),
                    digits: "3".into(),
                },
            ),
            ev(
                3000,
                EventKind::Queued {
                    queue: QueueId::new("q1"),
                },
            ),
            ev(
                7500,
                EventKind::Offered {
                    agent: AgentId::new("a1"),
                },
            ),
            ev(
                8000,
                EventKind::Answered {
                    agent: AgentId::new("a1"),
                },
            ),
            ev(
                20000,
                EventKind::Ended {
                    ended_by: EndedBy::Caller,
                    ivr_outcome: None,
                },
            ),
        ] {
            out.extend(t.on_call(&e));
        }
        let kinds: Vec<&str> = out.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            ["call_queued", "call_offered", "call_answered", "call_ended"]
        );
        let offered = parse(&out[1]);
        assert_eq!(offered["caller"], "0461000001");
        assert_eq!(offered["service"], "svc");
        assert_eq!(offered["queue"], "q1");
        assert_eq!(offered["agent"], "a1");
        assert_eq!(offered["seconds_waited"], 4.5);
        assert_eq!(offered["ivr_choices"], json!(["3"]));
        let ended = parse(&out[3]);
        assert_eq!(ended["cdr"]["outcome"], "answered");
        assert_eq!(ended["cdr"]["agent"], "a1");
        assert!(t.calls.is_empty());
        assert_eq!(t.outcomes.get(&("svc".into(), "answered".into())), Some(&1));
        let f = Filter {
            agent: Some("a1".into()),
            ..Filter::default()
        };
        assert!(!f.passes(&out[0]) && f.passes(&out[1]) && f.passes(&out[3]));
        let f = Filter {
            queue: Some("q2".into()),
            ..Filter::default()
        };
        assert!(out.iter().all(|e| !f.passes(e)));
        let f = Filter {
            types: vec!["call_ended".into()],
            ..Filter::default()
        };
        assert_eq!(out.iter().filter(|e| f.passes(e)).count(), 1);
    }
}
