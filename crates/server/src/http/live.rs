//! Live figures: queues, agents, calls in progress, agents' status
//! changes, and the wallboard (live snapshot + today's figures from the
//! database, pushed over SSE at the interval the supervisor sets).

use super::auth::{AgentRole, Viewer};
use super::error::{ApiError, ApiResult};
use super::{check_id, Api, ConfigView};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use centralino_acd::{AgentState, AgentStatus, BreakReason, QueueStats};
use centralino_cdr::{Outcome, Report, ReportQuery, SlaEngine};
use centralino_engine::{AgentSnapshot, CallSnapshot, Snapshot};
use centralino_model::AgentId;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

/// Seconds with millisecond precision.
fn secs(d: Duration) -> f64 {
    (d.as_millis() as f64) / 1000.0
}

/// A queue right now (the ACD's figures; counters since the engine started).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueLive {
    /// Queue id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `longest_idle`, `round_robin`, `fewest_calls`, `ring_all`.
    pub strategy: String,
    /// Calls waiting for an agent.
    pub waiting: u64,
    /// Calls ringing an agent.
    pub ringing: u64,
    /// Callback requests waiting.
    pub callbacks: u64,
    /// Wait of the oldest waiting or ringing call, seconds.
    pub oldest_wait_s: Option<f64>,
    /// Members (terminals).
    pub agents: u64,
    /// Members logged in.
    pub agents_logged_in: u64,
    /// Members free now.
    pub agents_free: u64,
    /// Members ringing.
    pub agents_ringing: u64,
    /// Members talking.
    pub agents_talking: u64,
    /// Members in wrap-up.
    pub agents_wrap_up: u64,
    /// Members on break.
    pub agents_on_break: u64,
    /// Calls that joined since start.
    pub enqueued: u64,
    /// Answered since start.
    pub answered: u64,
    /// Abandoned since start.
    pub abandoned: u64,
    /// Left by an exit action since start.
    pub exited: u64,
    /// Turned into callback requests since start.
    pub called_back: u64,
    /// Mean wait of answered calls since start, seconds.
    pub average_wait_s: Option<f64>,
    /// Mean handling time since start, seconds.
    pub average_handling_s: Option<f64>,
}

impl From<&QueueStats> for QueueLive {
    fn from(q: &QueueStats) -> Self {
        let n = |x: usize| x as u64;
        QueueLive {
            id: q.id.to_string(),
            name: q.name.clone(),
            strategy: serde_json::to_value(q.strategy)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            waiting: n(q.waiting),
            ringing: n(q.ringing),
            callbacks: n(q.callbacks),
            oldest_wait_s: q.oldest_wait.map(secs),
            agents: n(q.agents),
            agents_logged_in: n(q.agents_logged_in),
            agents_free: n(q.agents_free),
            agents_ringing: n(q.agents_ringing),
            agents_talking: n(q.agents_talking),
            agents_wrap_up: n(q.agents_wrap_up),
            agents_on_break: n(q.agents_on_break),
            enqueued: q.enqueued,
            answered: q.answered,
            abandoned: q.abandoned,
            exited: q.exited,
            called_back: q.called_back,
            average_wait_s: q.average_wait.map(secs),
            average_handling_s: q.average_handling.map(secs),
        }
    }
}

/// `(status, break reason)` as the API writes them.
pub fn status_parts(s: &AgentStatus) -> (&'static str, Option<String>) {
    match s {
        AgentStatus::LoggedOut => ("logged_out", None),
        AgentStatus::Available => ("available", None),
        AgentStatus::OnBreak(r) => (
            "on_break",
            Some(match r {
                BreakReason::Requested => "requested".to_string(),
                BreakReason::MaxNoAnswer => "max_no_answer".to_string(),
                BreakReason::Other(t) => t.to_string(),
            }),
        ),
    }
}

/// The API's name of an agent state.
pub fn state_name(s: AgentState) -> &'static str {
    match s {
        AgentState::Idle => "idle",
        AgentState::Offered => "offered",
        AgentState::InCall => "in_call",
        AgentState::WrapUp => "wrap_up",
    }
}

/// An agent right now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentLive {
    /// Agent id.
    pub id: String,
    /// Name.
    pub name: String,
    /// SIP username.
    pub username: String,
    /// `logged_out`, `available`, `on_break`.
    pub status: &'static str,
    /// Why on break (`requested`, `max_no_answer`, or the reason given).
    pub break_reason: Option<String>,
    /// Seconds in that status.
    pub status_for_s: u64,
    /// `idle`, `offered`, `in_call`, `wrap_up`.
    pub state: &'static str,
    /// Seconds in that state.
    pub state_for_s: u64,
    /// Registered.
    pub reachable: bool,
    /// Could take a call now.
    pub free: bool,
    /// Calls answered since the engine started.
    pub calls_answered: u64,
    /// The call handled or ringing (CDR id).
    pub current_call: Option<String>,
    /// How long that caller waited in the queue, seconds.
    pub current_caller_waited_s: Option<u64>,
    /// The agent's queues.
    pub queues: Vec<String>,
}

/// The API's view of a snapshot's agent.
pub fn agent_live(a: &AgentSnapshot, view: &ConfigView) -> AgentLive {
    let (status, break_reason) = status_parts(&a.status);
    AgentLive {
        id: a.id.clone(),
        name: a.name.clone(),
        username: a.username.clone(),
        status,
        break_reason,
        status_for_s: a.status_for_s,
        state: state_name(a.state),
        state_for_s: a.state_for_s,
        reachable: a.reachable,
        free: a.free,
        calls_answered: a.calls_answered,
        current_call: a.current_call.clone(),
        current_caller_waited_s: a.current_caller_waited_s,
        queues: view.agent_queues.get(&a.id).cloned().unwrap_or_default(),
    }
}

/// `GET /api/queues`.
pub async fn queues(_: Viewer, State(api): State<Api>) -> Json<Vec<QueueLive>> {
    Json(api.snapshot().queues.iter().map(QueueLive::from).collect())
}

/// `GET /api/queues/{id}`.
pub async fn queue(
    _: Viewer,
    State(api): State<Api>,
    Path(id): Path<String>,
) -> ApiResult<Json<QueueLive>> {
    api.snapshot()
        .queues
        .iter()
        .find(|q| q.id.as_str() == id)
        .map(|q| Json(QueueLive::from(q)))
        .ok_or_else(|| ApiError::not_found(format!("no queue {id:?}")))
}

/// `GET /api/agents`.
pub async fn agents(_: Viewer, State(api): State<Api>) -> Json<Vec<AgentLive>> {
    let view = api.view();
    Json(
        api.snapshot()
            .agents
            .iter()
            .map(|a| agent_live(a, &view))
            .collect(),
    )
}

/// `GET /api/agents/{id}`.
pub async fn agent(
    _: Viewer,
    State(api): State<Api>,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentLive>> {
    let view = api.view();
    api.snapshot()
        .agents
        .iter()
        .find(|a| a.id == id)
        .map(|a| Json(agent_live(a, &view)))
        .ok_or_else(|| ApiError::not_found(format!("no agent {id:?}")))
}

/// `GET /api/calls`: calls in progress, oldest first.
pub async fn calls(_: Viewer, State(api): State<Api>) -> Json<Vec<CallSnapshot>> {
    Json(api.snapshot().calls.clone())
}

/// The body of `PUT /api/agents/{id}/status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `available`, `logged_out`, `on_break`.
    pub status: String,
    /// For `on_break`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The body of `POST /api/agents/{id}/break`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakBody {
    #[serde(default)]
    reason: Option<String>,
}

fn break_status(reason: Option<String>) -> ApiResult<AgentStatus> {
    match reason {
        None => Ok(AgentStatus::OnBreak(BreakReason::Requested)),
        Some(r) => {
            let r = r.trim().to_string();
            if r.is_empty() || r.chars().count() > 64 || r.chars().any(char::is_control) {
                return Err(ApiError::unprocessable(
                    "reason: 1 to 64 printable characters",
                ));
            }
            Ok(AgentStatus::OnBreak(BreakReason::Other(Arc::from(
                r.as_str(),
            ))))
        }
    }
}

/// A status change: what to set, and whether the agent must be on break.
async fn change_status(
    api: &Api,
    caller: &super::auth::Caller,
    id: String,
    status: AgentStatus,
    only_from_break: bool,
) -> ApiResult<Json<AgentLive>> {
    check_id("agent", &id)?;
    if !caller.may_act_for(&id) {
        return Err(ApiError::forbidden(format!(
            "this token acts for agent {:?} only",
            caller.agent.as_deref().unwrap_or("")
        )));
    }
    let who = caller.name.clone();
    let agent_id = id.clone();
    let (label, _) = status_parts(&status);
    let result = api
        .on_engine(move |engine, now| {
            let aid = AgentId::new(&agent_id);
            let Some(current) = engine.acd().agent(&aid) else {
                return Err(ApiError::not_found(format!("no agent {agent_id:?}")));
            };
            if only_from_break && !matches!(current.status, AgentStatus::OnBreak(_)) {
                return Err(ApiError::conflict(format!(
                    "agent {agent_id:?} is not on break"
                )));
            }
            engine
                .set_agent_status(now, &aid, status)
                .map_err(|e| ApiError::conflict(e.to_string()))?;
            engine
                .snapshot(now)
                .agents
                .into_iter()
                .find(|a| a.id == agent_id)
                .ok_or_else(|| ApiError::not_found(format!("no agent {agent_id:?}")))
        })
        .await??;
    tracing::info!(agent = %id, status = label, by = %who, "agent status set through the API");
    Ok(Json(agent_live(&result, &api.view())))
}

fn parse_optional<T: serde::de::DeserializeOwned + Default>(body: &Bytes) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::unprocessable(format!("bad JSON body: {e}")))
}

/// `PUT /api/agents/{id}/status`.
pub async fn set_status(
    AgentRole(caller): AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
    body: Result<Json<StatusBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<AgentLive>> {
    let Json(body) = body?;
    let status = match body.status.as_str() {
        "available" => AgentStatus::Available,
        "logged_out" => AgentStatus::LoggedOut,
        "on_break" => break_status(body.reason)?,
        other => {
            return Err(ApiError::unprocessable(format!(
                "status {other:?}: use available, logged_out or on_break"
            )))
        }
    };
    change_status(&api, &caller, id, status, false).await
}

/// `POST /api/agents/{id}/login`.
pub async fn login(
    AgentRole(caller): AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentLive>> {
    change_status(&api, &caller, id, AgentStatus::Available, false).await
}

/// `POST /api/agents/{id}/logout`.
pub async fn logout(
    AgentRole(caller): AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentLive>> {
    change_status(&api, &caller, id, AgentStatus::LoggedOut, false).await
}

/// `POST /api/agents/{id}/break` with an optional `{"reason": "…"}`.
pub async fn take_break(
    AgentRole(caller): AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<AgentLive>> {
    let b: BreakBody = parse_optional(&body)?;
    let status = break_status(b.reason)?;
    change_status(&api, &caller, id, status, false).await
}

/// `POST /api/agents/{id}/back`.
pub async fn back(
    AgentRole(caller): AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentLive>> {
    change_status(&api, &caller, id, AgentStatus::Available, true).await
}

/// One queue's calls today (from the CDRs, local day of the wallboard).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueToday {
    /// Calls that entered the queue.
    pub offered: u64,
    /// Answered.
    pub answered: u64,
    /// Abandoned (any length; the SLA counts only those over its threshold).
    pub abandoned: u64,
    /// Still in progress.
    pub in_progress: u64,
    /// Mean wait of answered calls, seconds.
    pub avg_wait_s: Option<f64>,
    /// Longest wait of answered calls, seconds.
    pub max_wait_s: Option<f64>,
    /// Answered ÷ agents who answered: the average load per operator.
    pub calls_per_agent: Option<f64>,
    #[serde(skip)]
    wait_sum_ms: i64,
    #[serde(skip)]
    agents: BTreeSet<String>,
}

/// Today's figures: per queue and agent from the CDRs, per service from the
/// SLA engine (the same as `centralino sla` for today).
#[derive(Debug, Clone)]
pub struct TodayStats {
    /// The local day.
    pub date: NaiveDate,
    /// Its time zone.
    pub time_zone: Tz,
    /// Per queue.
    pub queues: BTreeMap<String, QueueToday>,
    /// Calls answered per agent.
    pub agents: BTreeMap<String, u64>,
    /// The SLA report of today, so far.
    pub report: Report,
}

impl TodayStats {
    /// Scan today's CDRs and run the SLA engine on them.
    pub fn compute(view: &ConfigView, data_dir: &FsPath, now: DateTime<Utc>) -> ApiResult<Self> {
        let tz = view.time_zone;
        let date = now.with_timezone(&tz).date_naive();
        let midnight = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                .earliest()
                .map(|t| t.timestamp_millis())
                .unwrap_or_else(|| {
                    d.and_time(chrono::NaiveTime::MIN)
                        .and_utc()
                        .timestamp_millis()
                })
        };
        let from_ms = midnight(date);
        let to_ms = date
            .succ_opt()
            .map(midnight)
            .unwrap_or(from_ms + 86_400_000);
        super::with_store_in(data_dir, |store| {
            let mut queues: BTreeMap<String, QueueToday> = view
                .queues
                .iter()
                .map(|(id, _)| (id.clone(), QueueToday::default()))
                .collect();
            let mut agents: BTreeMap<String, u64> = BTreeMap::new();
            store
                .scan_cdrs(from_ms, to_ms, None, |cdr| {
                    if let (Some(Outcome::Answered), Some(a)) = (cdr.outcome, &cdr.agent) {
                        *agents.entry(a.to_string()).or_default() += 1;
                    }
                    let Some(q) = &cdr.queue else {
                        return Ok::<(), Infallible>(());
                    };
                    let t = queues.entry(q.to_string()).or_default();
                    t.offered += 1;
                    match cdr.outcome {
                        None => t.in_progress += 1,
                        Some(Outcome::Answered) => {
                            t.answered += 1;
                            if let Some(a) = &cdr.agent {
                                t.agents.insert(a.to_string());
                            }
                            if let (Some(qa), Some(aa)) = (cdr.queued_at, cdr.answered_at) {
                                let w = (aa - qa).num_milliseconds().max(0);
                                t.wait_sum_ms += w;
                                let ws = w as f64 / 1000.0;
                                t.max_wait_s = Some(t.max_wait_s.map_or(ws, |m: f64| m.max(ws)));
                            }
                        }
                        Some(Outcome::Abandoned) => t.abandoned += 1,
                        Some(_) => {}
                    }
                    Ok(())
                })
                .map_err(|e| match e {
                    crate::store::calls::ScanError::Store(e) => ApiError::from(e),
                    crate::store::calls::ScanError::Sink(never) => match never {},
                })?;
            for t in queues.values_mut() {
                if t.answered > 0 {
                    t.avg_wait_s = Some(t.wait_sum_ms as f64 / (t.answered as f64 * 1000.0));
                }
                if !t.agents.is_empty() {
                    t.calls_per_agent = Some(t.answered as f64 / t.agents.len() as f64);
                }
            }
            let calendar = crate::sla_calendar::SlaCalendar::new(&view.services);
            let query = ReportQuery::new(date, date, now);
            let mut engine = SlaEngine::new(&view.contracts, &calendar, query)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            crate::reports::feed_from_store(store, &mut engine, date, date)?;
            Ok(TodayStats {
                date,
                time_zone: tz,
                queues,
                agents,
                report: engine.finish(),
            })
        })
    }
}

/// One service's SLA today, as the wallboard shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceToday {
    /// Service id.
    pub service: String,
    /// Its name.
    pub name: String,
    /// Its contract.
    pub contract: Option<String>,
    /// Figures of today (finished in-window calls).
    #[serde(flatten)]
    pub figures: centralino_cdr::Figures,
    /// Each SLA against its threshold.
    pub checks: Vec<centralino_cdr::Check>,
    /// Any check not met.
    pub breached: bool,
}

/// A wallboard queue row.
#[derive(Debug, Clone, Serialize)]
pub struct WallboardQueue {
    /// Live figures.
    #[serde(flatten)]
    pub live: QueueLive,
    /// Today's calls.
    pub today: QueueToday,
    /// Talking ÷ logged in × 100.
    pub occupancy_pct: Option<f64>,
    /// The services feeding the queue: their SLA checks today.
    pub sla: Vec<QueueSla>,
    /// Any of them breached.
    pub breached: bool,
}

/// A service's checks, in a queue row.
#[derive(Debug, Clone, Serialize)]
pub struct QueueSla {
    /// Service id.
    pub service: String,
    /// Its checks today.
    pub checks: Vec<centralino_cdr::Check>,
}

/// A wallboard agent row.
#[derive(Debug, Clone, Serialize)]
pub struct WallboardAgent {
    /// Live figures.
    #[serde(flatten)]
    pub live: AgentLive,
    /// Calls answered today.
    pub calls_today: u64,
}

/// The whole wallboard.
#[derive(Debug, Clone, Serialize)]
pub struct Wallboard {
    /// When the live part was taken.
    pub at: String,
    /// Today (local).
    pub date: String,
    /// Its time zone.
    pub time_zone: String,
    /// Queues.
    pub queues: Vec<WallboardQueue>,
    /// Agents.
    pub agents: Vec<WallboardAgent>,
    /// Services.
    pub services: Vec<ServiceToday>,
    /// Calls in progress.
    pub active_calls: u64,
    /// Callback requests pending.
    pub callbacks_pending: u64,
}

/// Build the wallboard from a snapshot and today's figures.
pub fn wallboard_of(snap: &Snapshot, today: &TodayStats, view: &ConfigView) -> Wallboard {
    let services: Vec<ServiceToday> = today
        .report
        .services
        .iter()
        .map(|s| ServiceToday {
            service: s.service.to_string(),
            name: view
                .services
                .by_id(s.service.as_str())
                .map(|x| x.name().to_string())
                .unwrap_or_else(|| s.service.to_string()),
            contract: s.contract.clone(),
            figures: s.figures.clone(),
            breached: s.checks.iter().any(|c| !c.met),
            checks: s.checks.clone(),
        })
        .collect();
    let queues = snap
        .queues
        .iter()
        .map(|q| {
            let live = QueueLive::from(q);
            let id = live.id.clone();
            let sla: Vec<QueueSla> = view
                .queue_services
                .get(&id)
                .into_iter()
                .flatten()
                .filter_map(|svc| {
                    services
                        .iter()
                        .find(|s| &s.service == svc)
                        .map(|s| QueueSla {
                            service: svc.clone(),
                            checks: s.checks.clone(),
                        })
                })
                .collect();
            WallboardQueue {
                occupancy_pct: (live.agents_logged_in > 0)
                    .then(|| live.agents_talking as f64 * 100.0 / live.agents_logged_in as f64),
                breached: sla.iter().any(|s| s.checks.iter().any(|c| !c.met)),
                today: today.queues.get(&id).cloned().unwrap_or_default(),
                sla,
                live,
            }
        })
        .collect();
    let agents = snap
        .agents
        .iter()
        .map(|a| WallboardAgent {
            calls_today: today.agents.get(&a.id).copied().unwrap_or(0),
            live: agent_live(a, view),
        })
        .collect();
    Wallboard {
        at: centralino_cdr::stamp::format(&snap.at.with_timezone(&today.time_zone).fixed_offset()),
        date: today.date.to_string(),
        time_zone: today.time_zone.name().to_string(),
        queues,
        agents,
        services,
        active_calls: snap.calls.len() as u64,
        callbacks_pending: snap.callbacks_pending as u64,
    }
}

/// `GET /api/wallboard`.
pub async fn wallboard(_: Viewer, State(api): State<Api>) -> ApiResult<Json<Wallboard>> {
    let today = api.today().await?;
    Ok(Json(wallboard_of(&api.snapshot(), &today, &api.view())))
}

/// The query of `GET /api/wallboard/stream`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Seconds between two frames (1–3600, default 5).
    #[serde(default)]
    pub interval: Option<u32>,
    /// The token, for browsers' EventSource (read from the raw query by
    /// the auth check).
    #[serde(default)]
    #[allow(dead_code)]
    pub access_token: Option<String>,
}

/// `GET /api/wallboard/stream?interval=S`: the wallboard every S seconds
/// (Server-Sent Events, event `wallboard`).
pub async fn wallboard_stream(
    State(api): State<Api>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>> {
    let token = super::auth::query_token(uri.query());
    api.tokens
        .check(&headers, token.as_deref(), super::config::Role::Viewer)?;
    let Query(q) = query?;
    let interval = q.interval.unwrap_or(5);
    if !(1..=3600).contains(&interval) {
        return Err(ApiError::bad_request("interval: 1 to 3600 seconds"));
    }
    let period = Duration::from_secs(u64::from(interval));
    let stream = futures_util::stream::unfold(
        (api, None::<tokio::time::Interval>),
        move |(api, tick)| async move {
            let mut tick = tick.unwrap_or_else(|| {
                let mut t = tokio::time::interval(period);
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                t
            });
            tick.tick().await;
            let event = match api.today().await {
                Ok(today) => {
                    let wb = wallboard_of(&api.snapshot(), &today, &api.view());
                    Event::default()
                        .event("wallboard")
                        .json_data(&wb)
                        .unwrap_or_else(|_| Event::default().event("error").data("{}"))
                }
                Err(e) => Event::default()
                    .event("error")
                    .data(serde_json::json!({ "error": e.message }).to_string()),
            };
            Some((Ok(event), (api, Some(tick))))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// One half-hour of today's curve.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CurveSlot {
    /// Local start, `HH:MM`.
    pub time: String,
    /// Offered (finished in-window calls).
    pub offered: u64,
    /// Answered.
    pub answered: u64,
    /// Abandoned beyond the SLA threshold.
    pub abandoned: u64,
    /// Abandoned at or under it.
    pub short_abandoned: u64,
    /// Mean wait of answered calls, seconds.
    pub avg_wait_s: Option<f64>,
}

/// A service's curve.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceCurve {
    /// Service id.
    pub service: String,
    /// 48 half-hours.
    pub curve: Vec<CurveSlot>,
}

/// `GET /api/stats/today`.
#[derive(Debug, Clone, Serialize)]
pub struct TodayCurves {
    /// Local day.
    pub date: String,
    /// Time zone.
    pub time_zone: String,
    /// All services summed.
    pub total: Vec<CurveSlot>,
    /// Per service.
    pub services: Vec<ServiceCurve>,
}

/// Today's half-hour curve (offered / answered / abandoned, average wait).
pub fn curves_of(today: &TodayStats) -> TodayCurves {
    let mut total: Vec<(CurveSlot, f64)> = (0..48)
        .map(|i| {
            (
                CurveSlot {
                    time: format!("{:02}:{:02}", i / 2, (i % 2) * 30),
                    ..CurveSlot::default()
                },
                0.0,
            )
        })
        .collect();
    let mut services = Vec::new();
    for s in &today.report.services {
        let curve: Vec<CurveSlot> = s
            .daily_curve()
            .into_iter()
            .map(|p| CurveSlot {
                time: p.time,
                offered: p.offered,
                answered: p.answered,
                abandoned: p.abandoned,
                short_abandoned: p.short_abandoned,
                avg_wait_s: p.avg_wait_s,
            })
            .collect();
        for (slot, (t, wait_sum)) in curve.iter().zip(total.iter_mut()) {
            t.offered += slot.offered;
            t.answered += slot.answered;
            t.abandoned += slot.abandoned;
            t.short_abandoned += slot.short_abandoned;
            *wait_sum += slot.avg_wait_s.unwrap_or(0.0) * slot.answered as f64;
        }
        services.push(ServiceCurve {
            service: s.service.to_string(),
            curve,
        });
    }
    TodayCurves {
        date: today.date.to_string(),
        time_zone: today.time_zone.name().to_string(),
        total: total
            .into_iter()
            .map(|(mut t, sum)| {
                t.avg_wait_s = (t.answered > 0).then(|| sum / t.answered as f64);
                t
            })
            .collect(),
        services,
    }
}

/// `GET /api/stats/today`.
pub async fn today(_: Viewer, State(api): State<Api>) -> ApiResult<Json<TodayCurves>> {
    Ok(Json(curves_of(&*api.today().await?)))
}
