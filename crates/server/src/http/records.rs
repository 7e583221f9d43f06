//! What the database holds: CDR search and export, the SLA report, call
//! dispositions, voicemail, callbacks.

use super::auth::{AgentRole, Supervisor, Viewer};
use super::error::{ApiError, ApiResult};
use super::{check_id, page_limit, Api};
use crate::reports::ExportFormat;
use crate::sink::SinkMsg;
use crate::store::{CallbackQuery, CdrQuery, OutcomeFilter, VoicemailQuery, VoicemailState};
use axum::body::{Body, Bytes};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use centralino_cdr::stamp::{self, Stamp};
use centralino_cdr::{
    render, CallEvent, CallId, Cdr, EventKind, Outcome, ReportQuery, Resolution, SlaEngine,
};
use centralino_engine::EngineEvent;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// The longest period of an export or a report, in days.
const MAX_DAYS: i64 = 7_400;

fn parse_date(what: &str, s: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::bad_request(format!("{what}: not a date {s:?} (use YYYY-MM-DD)")))
}

/// An instant given as RFC 3339, or a date (local midnight in `tz`; with
/// `end`, the midnight after it).
/// An optional `from`/`to` query bound (see [`parse_instant`]).
fn parse_bound(
    what: &str,
    s: Option<&str>,
    tz: chrono_tz::Tz,
    end: bool,
) -> ApiResult<Option<DateTime<Utc>>> {
    s.map(|s| parse_instant(what, s, tz, end)).transpose()
}

fn parse_instant(what: &str, s: &str, tz: chrono_tz::Tz, end: bool) -> ApiResult<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = parse_date(what, s).map_err(|_| {
        ApiError::bad_request(format!(
            "{what}: not an instant or a date {s:?} (use 2026-11-23 or 2026-11-23T09:00:00+01:00)"
        ))
    })?;
    let d = if end {
        d.succ_opt()
            .ok_or_else(|| ApiError::bad_request(format!("{what}: date out of range")))?
    } else {
        d
    };
    let naive = d.and_time(chrono::NaiveTime::MIN);
    Ok(tz
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| naive.and_utc()))
}

fn period(from: &str, to: &str) -> ApiResult<(NaiveDate, NaiveDate)> {
    let (f, t) = (parse_date("from", from)?, parse_date("to", to)?);
    if t < f {
        return Err(ApiError::bad_request(format!("to {t} is before from {f}")));
    }
    if (t - f).num_days() >= MAX_DAYS {
        return Err(ApiError::bad_request(format!(
            "the period is longer than {MAX_DAYS} days"
        )));
    }
    Ok((f, t))
}

fn parse_outcome(s: &str) -> ApiResult<OutcomeFilter> {
    if s == "in_progress" {
        return Ok(OutcomeFilter::InProgress);
    }
    Outcome::ALL
        .iter()
        .find(|o| o.as_str() == s)
        .map(|o| OutcomeFilter::Is(*o))
        .ok_or_else(|| {
            let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
            ApiError::bad_request(format!(
                "outcome {s:?}: one of in_progress, {}",
                names.join(", ")
            ))
        })
}

/// `GET /api/cdrs` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdrSearch {
    from: Option<String>,
    to: Option<String>,
    service: Option<String>,
    outcome: Option<String>,
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

/// `GET /api/cdrs`: CDRs by arrival, oldest first, paged.
pub async fn cdrs(
    _: Supervisor,
    State(api): State<Api>,
    q: Result<Query<CdrSearch>, QueryRejection>,
) -> ApiResult<Json<Vec<Cdr>>> {
    let Query(q) = q?;
    let tz = api.view().time_zone;
    let query = CdrQuery {
        from: parse_bound("from", q.from.as_deref(), tz, false)?,
        to: parse_bound("to", q.to.as_deref(), tz, true)?,
        service: q.service,
        outcome: q.outcome.as_deref().map(parse_outcome).transpose()?,
        limit: Some(page_limit(q.limit)?),
        offset: q.offset,
    };
    Ok(Json(
        api.with_store(move |s| Ok(s.search_cdrs(&query)?)).await?,
    ))
}

/// One call: its CDR and its events.
#[derive(Debug, Serialize)]
pub struct CallRecord {
    /// The CDR.
    pub cdr: Cdr,
    /// The events it is folded from.
    pub events: Vec<CallEvent>,
}

/// `GET /api/cdrs/{id}`.
pub async fn cdr(
    _: Supervisor,
    State(api): State<Api>,
    Path(id): Path<String>,
) -> ApiResult<Json<CallRecord>> {
    check_id("call", &id)?;
    let key = id.clone();
    let found = api
        .with_store(move |s| {
            let cdr = s.cdr(&key)?;
            Ok(match cdr {
                Some(cdr) => Some(CallRecord {
                    events: s.call_events(&key)?,
                    cdr,
                }),
                None => None,
            })
        })
        .await?;
    found
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no call {id:?}")))
}

/// `GET /api/cdrs/export` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    from: String,
    to: String,
    service: Option<String>,
    format: Option<String>,
}

/// A `Write` feeding a response body, 64 KiB at a time.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

fn attachment(content_type: &'static str, file: &str) -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
        ),
    ]
}

/// `GET /api/cdrs/export?from=DATE&to=DATE[&service][&format=jsonl|csv]`:
/// the same file as `centralino cdr export`, streamed.
pub async fn export(
    _: Supervisor,
    State(api): State<Api>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q?;
    let (from, to) = period(&q.from, &q.to)?;
    let (format, ctype, ext) = match q.format.as_deref().unwrap_or("jsonl") {
        "jsonl" => (ExportFormat::Jsonl, "application/x-ndjson", "jsonl"),
        "csv" => (ExportFormat::Csv, "text/csv; charset=utf-8", "csv"),
        other => {
            return Err(ApiError::bad_request(format!(
                "format {other:?}: jsonl or csv"
            )))
        }
    };
    // Open the database before answering, so a failure is still a status.
    api.with_store(|_| Ok(())).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let data_dir = api.state.data_dir.clone();
    let service = q.service.clone();
    tokio::task::spawn_blocking(move || {
        let mut w = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::new(),
        };
        let r = super::with_store_in(&data_dir, |store| {
            crate::reports::export(store, from, to, service.as_deref(), format, &mut w)
                .map_err(|e| ApiError::internal(format!("{e:?}")))
        });
        match r.and_then(|_| w.flush().map_err(|e| ApiError::internal(e.to_string()))) {
            Ok(()) => {}
            Err(e) => {
                tracing::warn!(error = %e.message, "CDR export stopped");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.message)));
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let file = format!("cdr-{from}-{to}.{ext}");
    Ok((attachment(ctype, &file), Body::from_stream(stream)).into_response())
}

/// `GET /api/reports/sla` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaQuery {
    from: String,
    to: String,
    service: Option<String>,
    group_by: Option<String>,
    format: Option<String>,
    part: Option<String>,
    as_of: Option<String>,
}

/// `GET /api/reports/sla`: the report of `centralino sla` (JSON, CSV or
/// XLSX), from the database and the running config.
pub async fn sla_report(
    _: Viewer,
    State(api): State<Api>,
    q: Result<Query<SlaQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q?;
    let (from, to) = period(&q.from, &q.to)?;
    let group_by = match q.group_by.as_deref() {
        None => None,
        Some("day") => Some(centralino_cdr::Grouping::Day),
        Some("week") => Some(centralino_cdr::Grouping::Week),
        Some("month") => Some(centralino_cdr::Grouping::Month),
        Some("year") => Some(centralino_cdr::Grouping::Year),
        Some(o) => {
            return Err(ApiError::bad_request(format!(
                "group_by {o:?}: day, week, month or year"
            )))
        }
    };
    let format = q.format.unwrap_or_else(|| "json".into());
    if !["json", "csv", "xlsx"].contains(&format.as_str()) {
        return Err(ApiError::bad_request(format!(
            "format {format:?}: json, csv or xlsx"
        )));
    }
    let part = q.part.unwrap_or_else(|| "summary".into());
    if !["summary", "checks", "intervals"].contains(&part.as_str()) {
        return Err(ApiError::bad_request(format!(
            "part {part:?}: summary, checks or intervals"
        )));
    }
    let as_of = match q.as_of.as_deref() {
        Some(s) => DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::bad_request(format!("as_of: not an RFC 3339 instant {s:?}")))?,
        None => api.now(),
    };
    let view = api.view();
    if let Some(s) = &q.service {
        if view.services.by_id(s).is_none()
            && view.contracts.contract_for(&s.as_str().into()).is_none()
        {
            return Err(ApiError::bad_request(format!("unknown service {s:?}")));
        }
    }
    let service = q.service.clone();
    let report = api
        .with_store(move |store| {
            let calendar = crate::sla_calendar::SlaCalendar::new(&view.services);
            let mut query = ReportQuery::new(from, to, as_of);
            query.service = service.as_deref().map(Into::into);
            query.group_by = group_by;
            let mut engine = SlaEngine::new(&view.contracts, &calendar, query)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            crate::reports::feed_from_store(store, &mut engine, from, to)?;
            Ok(engine.finish())
        })
        .await?;
    let render_err = |e: centralino_cdr::Error| ApiError::internal(e.to_string());
    let name = format!("sla-{from}-{to}");
    Ok(match format.as_str() {
        "csv" => {
            let text = match part.as_str() {
                "checks" => render::checks_csv(&report),
                "intervals" => render::intervals_csv(&report),
                _ => render::summary_csv(&report),
            }
            .map_err(render_err)?;
            (
                attachment("text/csv; charset=utf-8", &format!("{name}-{part}.csv")),
                text,
            )
                .into_response()
        }
        "xlsx" => (
            attachment(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{name}.xlsx"),
            ),
            render::xlsx(&report).map_err(render_err)?,
        )
            .into_response(),
        _ => {
            let mut text = render::json(&report);
            text.push('\n');
            (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                text,
            )
                .into_response()
        }
    })
}

/// The body of `POST /api/calls/{id}/disposition`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposition {
    /// `resolved` or `escalated`.
    resolution: String,
    /// The CRM ticket.
    #[serde(default)]
    ticket: Option<String>,
}

/// `POST /api/calls/{id}/disposition`: the agent marks the call resolved
/// at first level or escalated (Q, SLA.C.4); written as a
/// `resolution_set` call event through the writer, which folds the CDR
/// again. 202: queued for the database.
pub async fn disposition(
    AgentRole(caller): AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
    body: Result<Json<Disposition>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    check_id("call", &id)?;
    let Json(d) = body?;
    let resolution = match d.resolution.as_str() {
        "resolved" => Resolution::Resolved,
        "escalated" => Resolution::Escalated,
        o => {
            return Err(ApiError::unprocessable(format!(
                "resolution {o:?}: resolved or escalated"
            )))
        }
    };
    if let Some(t) = &d.ticket {
        if t.is_empty() || t.chars().count() > 128 || t.chars().any(char::is_control) {
            return Err(ApiError::unprocessable(
                "ticket: 1 to 128 printable characters",
            ));
        }
    }
    // Where the call is: in progress (the CTI tracker) or in the database.
    let (arrived_at, agent): (Stamp, Option<String>) = match api.hub.call_info(&id) {
        Some(info) => {
            let agent = info.agent.ok_or_else(|| {
                ApiError::conflict(format!("call {id:?} has not been answered by an operator"))
            })?;
            (info.arrived_at, Some(agent))
        }
        None => {
            let key = id.clone();
            let cdr = api.with_store(move |s| Ok(s.cdr(&key)?)).await?;
            let cdr = cdr.ok_or_else(|| ApiError::not_found(format!("no call {id:?}")))?;
            if cdr.answered_at.is_none() {
                return Err(ApiError::conflict(format!(
                    "call {id:?} was not answered by an operator"
                )));
            }
            (cdr.arrived_at, cdr.agent.map(|a| a.to_string()))
        }
    };
    if let (Some(bound), Some(a)) = (&caller.agent, &agent) {
        if bound != a {
            return Err(ApiError::forbidden(format!(
                "call {id:?} was answered by another agent"
            )));
        }
    }
    let sink = api
        .state
        .sink
        .clone()
        .ok_or_else(|| ApiError::unavailable("no database writer"))?;
    let now = api.now().with_timezone(arrived_at.offset());
    let mono_ms = u64::try_from((now - arrived_at).num_milliseconds().max(0)).unwrap_or(0);
    let ev = CallEvent::new(
        CallId::new(id.clone()),
        now,
        mono_ms,
        EventKind::ResolutionSet {
            resolution,
            ticket: d.ticket.clone(),
        },
    );
    sink.send(SinkMsg::Engine(EngineEvent::Call(ev.clone())));
    let _ = api
        .state
        .live
        .send(crate::live::LiveEvent::Call(ev.clone()));
    tracing::info!(call = %id, resolution = resolution.as_str(), by = %caller.name, "disposition set through the API");
    let event: serde_json::Value = serde_json::from_str(&ev.to_json()).unwrap_or_default();
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({
            "call_id": id,
            "resolution": resolution.as_str(),
            "ticket": d.ticket,
            "event": event,
        })),
    ))
}

/// `GET /api/voicemails` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoicemailSearch {
    state: Option<String>,
    service: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

/// `GET /api/voicemails`: oldest first.
pub async fn voicemails(
    _: AgentRole,
    State(api): State<Api>,
    q: Result<Query<VoicemailSearch>, QueryRejection>,
) -> ApiResult<Json<Vec<crate::store::Voicemail>>> {
    let Query(q) = q?;
    let tz = api.view().time_zone;
    let state = match q.state.as_deref() {
        None => None,
        Some("new") => Some(VoicemailState::New),
        Some("taken") => Some(VoicemailState::Taken),
        Some("closed") => Some(VoicemailState::Closed),
        Some(o) => {
            return Err(ApiError::bad_request(format!(
                "state {o:?}: new, taken or closed"
            )))
        }
    };
    let query = VoicemailQuery {
        state,
        service: q.service,
        from: parse_bound("from", q.from.as_deref(), tz, false)?,
        to: parse_bound("to", q.to.as_deref(), tz, true)?,
        limit: Some(page_limit(q.limit)?),
        offset: q.offset,
    };
    Ok(Json(
        api.with_store(move |s| Ok(s.voicemails(&query)?)).await?,
    ))
}

async fn find_voicemail(api: &Api, id: &str) -> ApiResult<crate::store::Voicemail> {
    check_id("voicemail", id)?;
    let key = id.to_string();
    api.with_store(move |s| Ok(s.voicemail(&key)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no voicemail {id:?}")))
}

/// `GET /api/voicemails/{id}`.
pub async fn voicemail(
    _: AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
) -> ApiResult<Json<crate::store::Voicemail>> {
    Ok(Json(find_voicemail(&api, &id).await?))
}

/// `GET /api/voicemails/{id}/audio`: the WAV.
pub async fn voicemail_audio(
    _: AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let vm = find_voicemail(&api, &id).await?;
    let rel = std::path::Path::new(&vm.file);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(ApiError::internal(format!("voicemail {id}: bad file path")));
    }
    let path = api.state.data_dir.join(rel);
    let bytes = super::error::blocking(move || {
        std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                ApiError::not_found("the message's audio file is missing")
            }
            _ => ApiError::internal(format!("{}: {e}", path.display())),
        })
    })
    .await?;
    Ok((attachment("audio/wav", &format!("{id}.wav")), bytes).into_response())
}

/// The body of `take` and `close`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoicemailAction {
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
}

fn text_field(what: &str, v: &str, max: usize) -> ApiResult<()> {
    if v.trim().is_empty()
        || v.chars().count() > max
        || v.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(ApiError::unprocessable(format!(
            "{what}: 1 to {max} printable characters"
        )));
    }
    Ok(())
}

fn voicemail_action(body: &Bytes) -> ApiResult<VoicemailAction> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(VoicemailAction::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::unprocessable(format!("bad JSON body: {e}")))
}

/// `POST /api/voicemails/{id}/take` (`{"by": "…"}` optional: the token's
/// name by default).
pub async fn take_voicemail(
    AgentRole(caller): AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<crate::store::Voicemail>> {
    let a = voicemail_action(&body)?;
    if a.outcome.is_some() {
        return Err(ApiError::unprocessable(
            "outcome belongs to close, not take",
        ));
    }
    let by = a.by.unwrap_or_else(|| caller.name.clone());
    text_field("by", &by, 128)?;
    let vm = find_voicemail(&api, &id).await?;
    let at = stamp::truncate_ms(api.now().with_timezone(vm.received_at.offset()));
    let key = id.clone();
    Ok(Json(
        api.with_store(move |s| Ok(s.take_voicemail(&key, &by, at)?))
            .await?,
    ))
}

/// `POST /api/voicemails/{id}/close` with `{"outcome": "…"}`.
pub async fn close_voicemail(
    AgentRole(caller): AgentRole,
    State(api): State<Api>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<crate::store::Voicemail>> {
    let a = voicemail_action(&body)?;
    let outcome = a
        .outcome
        .ok_or_else(|| ApiError::unprocessable("outcome is required (what was done)"))?;
    text_field("outcome", &outcome, 1000)?;
    let by = a.by.unwrap_or_else(|| caller.name.clone());
    text_field("by", &by, 128)?;
    let vm = find_voicemail(&api, &id).await?;
    let at = stamp::truncate_ms(api.now().with_timezone(vm.received_at.offset()));
    let key = id.clone();
    Ok(Json(
        api.with_store(move |s| Ok(s.close_voicemail(&key, &by, at, Some(&outcome))?))
            .await?,
    ))
}

/// A callback request, from the database or the engine's live record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallbackView {
    /// `cb-N`.
    pub id: String,
    /// The call that asked for it.
    pub call_id: Option<String>,
    /// Service.
    pub service: String,
    /// Queue.
    pub queue: String,
    /// The number to call back.
    pub number: String,
    /// `pending`, `waiting`, `ringing`, `serving`, `parked`, `completed`,
    /// `failed`, `expired`, `cancelled`.
    pub state: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was asked for.
    pub requested_at: String,
    /// When it lapses.
    pub expires_at: Option<String>,
    /// The next attempt, when parked.
    pub next_attempt_at: Option<String>,
    /// When it reached a final state.
    pub completed_at: Option<String>,
    /// The language the caller chose (null for requests stored by a
    /// version whose database did not keep it).
    pub language: Option<String>,
    /// Seconds the caller had waited in the queue when they asked; the
    /// request keeps that place in the queue.
    pub waited_s: Option<f64>,
}

impl CallbackView {
    fn from_store(c: &crate::store::Callback) -> Self {
        CallbackView {
            id: c.id.clone(),
            call_id: c.call_id.clone(),
            service: c.service.clone(),
            queue: c.queue.clone(),
            number: c.number.clone(),
            state: c.state.clone(),
            attempts: c.attempts,
            requested_at: stamp::format(&c.requested_at),
            expires_at: c.expires_at.as_ref().map(stamp::format),
            next_attempt_at: c.next_attempt_at.as_ref().map(stamp::format),
            completed_at: c.completed_at.as_ref().map(stamp::format),
            language: c.language.clone(),
            waited_s: c.waited_ms.map(|ms| ms as f64 / 1000.0),
        }
    }

    /// From the engine's record.
    pub fn from_record(r: &centralino_engine::CallbackRecord) -> Self {
        let f = |t: &DateTime<Utc>| stamp::format(&stamp::truncate_ms(t.fixed_offset()));
        CallbackView {
            id: r.id.clone(),
            call_id: Some(r.call_id.clone()),
            service: r.service.to_string(),
            queue: r.queue.to_string(),
            number: r.number.clone(),
            state: r.state.clone(),
            attempts: r.attempts,
            requested_at: f(&r.requested_at),
            expires_at: Some(f(&r.expires_at)),
            next_attempt_at: None,
            completed_at: None,
            language: Some(r.language.to_string()),
            waited_s: Some(r.waited.as_millis() as f64 / 1000.0),
        }
    }

    fn is_final(&self) -> bool {
        crate::store::callbacks::FINAL_STATES.contains(&self.state.as_str())
    }
}

/// `GET /api/callbacks` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackSearch {
    state: Option<String>,
    service: Option<String>,
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

async fn all_callbacks(
    api: &Api,
    state: Option<String>,
    service: Option<String>,
) -> ApiResult<Vec<CallbackView>> {
    let q = CallbackQuery {
        state: None,
        service: None,
        limit: None,
        offset: 0,
    };
    let stored = api.with_store(move |s| Ok(s.callbacks(&q)?)).await?;
    let mut by_id: std::collections::BTreeMap<String, CallbackView> = stored
        .iter()
        .map(|c| (c.id.clone(), CallbackView::from_store(c)))
        .collect();
    for r in api.hub.callbacks() {
        let live = CallbackView::from_record(&r);
        match by_id.get_mut(&live.id) {
            // The database may know more (next attempt, completion).
            Some(existing) => {
                existing.state = live.state;
                existing.attempts = existing.attempts.max(live.attempts);
            }
            None => {
                by_id.insert(live.id.clone(), live);
            }
        }
    }
    let mut v: Vec<CallbackView> = by_id
        .into_values()
        .filter(|c| state.as_ref().is_none_or(|s| &c.state == s))
        .filter(|c| service.as_ref().is_none_or(|s| &c.service == s))
        .collect();
    v.sort_by(|a, b| a.requested_at.cmp(&b.requested_at).then(a.id.cmp(&b.id)));
    Ok(v)
}

/// `GET /api/callbacks`: oldest first.
pub async fn callbacks(
    _: AgentRole,
    State(api): State<Api>,
    q: Result<Query<CallbackSearch>, QueryRejection>,
) -> ApiResult<Json<Vec<CallbackView>>> {
    let Query(q) = q?;
    let limit = page_limit(q.limit)? as usize;
    let v = all_callbacks(&api, q.state, q.service).await?;
    Ok(Json(
        v.into_iter().skip(q.offset as usize).take(limit).collect(),
    ))
}

/// `POST /api/callbacks/{id}/cancel`.
pub async fn cancel_callback(
    Supervisor(caller): Supervisor,
    State(api): State<Api>,
    Path(id): Path<String>,
) -> ApiResult<Json<CallbackView>> {
    check_id("callback", &id)?;
    let known = all_callbacks(&api, None, None)
        .await?
        .into_iter()
        .find(|c| c.id == id);
    if let Some(c) = &known {
        if c.is_final() {
            return Err(ApiError::conflict(format!(
                "callback {id} is already {}: cannot cancel it",
                c.state
            )));
        }
    }
    let key = id.clone();
    let cancelled = api
        .on_engine(move |engine, now| engine.cancel_callback_request(now, &key))
        .await?;
    let key = id.clone();
    let at = api.now().fixed_offset();
    let stored = api
        .with_store(
            move |s| match s.cancel_callback(&key, stamp::truncate_ms(at)) {
                Ok(c) => Ok(Some(c)),
                Err(crate::store::StoreError::NoSuchCallback { .. }) => Ok(None),
                Err(e) => Err(e.into()),
            },
        )
        .await;
    let stored = match stored {
        Ok(s) => s,
        Err(e) if cancelled => {
            tracing::warn!(error = %e.message, "callback cancelled in the engine, not in the database");
            None
        }
        Err(e) => return Err(e),
    };
    let view = match (stored, known) {
        (Some(s), _) => CallbackView::from_store(&s),
        (None, Some(mut k)) if cancelled => {
            k.state = "cancelled".into();
            k.completed_at = Some(stamp::format(&stamp::truncate_ms(at)));
            k
        }
        _ => return Err(ApiError::not_found(format!("no pending callback {id:?}"))),
    };
    tracing::info!(callback = %id, by = %caller.name, "callback cancelled through the API");
    Ok(Json(view))
}
