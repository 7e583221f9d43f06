//! The HTTP server: REST API, wallboard, CTI stream, metrics (issue 6;
//! every endpoint is in docs/api.md and `/api/openapi.json`).
//!
//! ```text
//!  engine loop ──watch<Snapshot>──────────────┐
//!             ──broadcast<LiveEvent>──► cti::Hub ──broadcast<CtiEvent>──► SSE / WebSocket / webhooks
//!             ◄──mpsc<Control>── handlers (status changes, reloads, callbacks: closures on the engine)
//!  SQLite (WAL) ◄── read connections on blocking threads (CDRs, SLA, voicemail)
//!  writer thread ◄── Sink (dispositions become `resolution_set` call events)
//! ```
//!
//! Nothing here touches the engine directly, and nothing blocks the loop:
//! database and file work runs on `spawn_blocking`, engine work in
//! `Control::Call` closures that answer through a oneshot channel.

mod auth;
pub mod config;
mod cti;
mod error;
mod live;
mod openapi;
mod prompts;
mod records;
mod tar;
mod wallboard;
mod webhooks;

#[cfg(test)]
mod tests;

use crate::driver::Control;
use crate::live::LiveEvent;
use crate::store::Store;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use centralino_engine::{Command, Engine};
use centralino_ivr::ServiceDirectory;
use chrono_tz::Tz;
use error::{blocking, ApiError, ApiResult};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub use webhooks::WebhookStats;

/// The API's name of an agent status (`logged_out`, `available`, `on_break`).
pub fn status_name(s: &centralino_acd::AgentStatus) -> &'static str {
    live::status_parts(s).0
}

/// The API's name of an agent state (`idle`, `offered`, `in_call`, `wrap_up`).
pub fn state_label(s: centralino_acd::AgentState) -> &'static str {
    live::state_name(s)
}

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The latest engine snapshot.
    pub snapshots: tokio::sync::watch::Receiver<Arc<centralino_engine::Snapshot>>,
    /// Live events (subscribe for CTI).
    pub live: tokio::sync::broadcast::Sender<LiveEvent>,
    /// Orders to the engine loop.
    pub control: tokio::sync::mpsc::UnboundedSender<Control>,
    /// The data directory (database, voicemail).
    pub data_dir: PathBuf,
    /// The config file (reload, prompts).
    pub config_path: PathBuf,
    /// The engine's wall clock (`--now` moves it).
    pub wall_clock: crate::writer::WallClock,
    /// The background writer: dispositions go to the database as call
    /// events through it. `None`: dispositions are refused (503).
    pub sink: Option<crate::sink::Sink>,
    /// The `http:` section of the config.
    pub http: config::HttpSection,
}

/// How long a handler waits for the engine loop.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long today's figures (CDR scan + SLA) are reused.
const TODAY_TTL: Duration = Duration::from_secs(2);
/// The file holding the generated admin token when `http.tokens` is empty.
pub const TOKEN_FILE: &str = "api-token";

/// What the handlers know of the config file (refreshed at each reload).
#[derive(Debug, Clone)]
pub struct ConfigView {
    /// Services (calendars, referenced prompts and queues).
    pub services: ServiceDirectory,
    /// Contracts and thresholds.
    pub contracts: centralino_cdr::ContractsConfig,
    /// `prompts.dir`, resolved.
    pub prompts_dir: PathBuf,
    /// `prompts.default_language`.
    pub default_language: String,
    /// Queues (id, name), in config order.
    pub queues: Vec<(String, String)>,
    /// Agent → its queues.
    pub agent_queues: HashMap<String, Vec<String>>,
    /// Queue → its agents.
    pub queue_agents: HashMap<String, Vec<String>>,
    /// Queue → the services that send calls to it.
    pub queue_services: HashMap<String, Vec<String>>,
    /// The wallboard's day: the first service's time zone.
    pub time_zone: Tz,
}

impl ConfigView {
    /// From a parsed config file.
    pub fn from_config(path: &Path, cfg: &crate::config::FileConfig) -> Result<Self, String> {
        let services = ServiceDirectory::from_config(cfg.services.clone()).map_err(|errs| {
            errs.0
                .iter()
                .map(|e| format!("{}: {}", e.path, e.kind))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let mut agent_queues: HashMap<String, Vec<String>> = HashMap::new();
        let mut queue_agents: HashMap<String, Vec<String>> = HashMap::new();
        for a in &cfg.agents {
            for m in &a.queues {
                agent_queues
                    .entry(a.id.to_string())
                    .or_default()
                    .push(m.queue.to_string());
                queue_agents
                    .entry(m.queue.to_string())
                    .or_default()
                    .push(a.id.to_string());
            }
        }
        let mut queue_services: HashMap<String, Vec<String>> = HashMap::new();
        for s in services.services() {
            for q in s.referenced_queues() {
                queue_services
                    .entry(q.to_string())
                    .or_default()
                    .push(s.id().to_string());
            }
        }
        let time_zone = services
            .services()
            .first()
            .map(|s| s.calendar().time_zone())
            .unwrap_or(chrono_tz::Europe::Rome);
        Ok(ConfigView {
            contracts: cfg.contracts.clone().unwrap_or_default(),
            prompts_dir: crate::catalog::prompts_dir(path, cfg),
            default_language: cfg.prompts.default_language.to_string(),
            queues: cfg
                .queues
                .iter()
                .map(|q| (q.id.to_string(), q.name.clone()))
                .collect(),
            agent_queues,
            queue_agents,
            queue_services,
            time_zone,
            services,
        })
    }

    /// Read the file again.
    pub fn load(path: &Path) -> Result<Self, String> {
        let (cfg, _) = crate::config::load(path).map_err(|e| e.to_string())?;
        Self::from_config(path, &cfg)
    }
}

/// The shared state behind every handler.
pub struct Inner {
    state: AppState,
    tokens: auth::Tokens,
    view: RwLock<Arc<ConfigView>>,
    hub: cti::Hub,
    today: Mutex<Option<(Instant, Arc<live::TodayStats>)>>,
    /// Serialises prompt writes and reloads.
    prompt_lock: tokio::sync::Mutex<()>,
}

/// The router's state.
pub type Api = Arc<Inner>;

impl Inner {
    /// The config as last loaded.
    pub fn view(&self) -> Arc<ConfigView> {
        self.view
            .read()
            .map(|v| v.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    fn set_view(&self, v: ConfigView) {
        match self.view.write() {
            Ok(mut g) => *g = Arc::new(v),
            Err(e) => *e.into_inner() = Arc::new(v),
        }
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> Arc<centralino_engine::Snapshot> {
        self.state.snapshots.borrow().clone()
    }

    /// The wall clock now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        (self.state.wall_clock)()
    }

    /// Run `f` on the engine in its loop and wait for its answer.
    pub async fn on_engine<R, F>(&self, f: F) -> ApiResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Engine, Instant) -> R + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let call = Control::Call(Box::new(move |engine: &mut Engine, now: Instant| {
            let _ = tx.send(f(engine, now));
        }));
        self.state
            .control
            .send(call)
            .map_err(|_| ApiError::unavailable("the engine is not running"))?;
        match tokio::time::timeout(ENGINE_TIMEOUT, rx).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(ApiError::unavailable("the engine is stopping")),
            Err(_) => Err(ApiError::unavailable("the engine did not answer in time")),
        }
    }

    /// Load the config and prompts again and hand them to the engine: new
    /// calls use them, calls in progress keep theirs. The errors when the
    /// new config is refused (the running one stays).
    pub async fn reload(&self) -> Result<(), Vec<String>> {
        let path = self.state.config_path.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let g729 = crate::g729_provider();
            let view = ConfigView::load(&path);
            crate::load_all(&path, g729.as_deref()).map(|(_, catalog)| (catalog, view))
        })
        .await
        .map_err(|e| vec![format!("reload failed: {e}")])?;
        let (catalog, view) =
            loaded.map_err(|errs| errs.iter().map(|e| e.to_string()).collect::<Vec<String>>())?;
        let catalog = Arc::new(catalog);
        self.on_engine(move |engine, now| engine.handle_command(now, Command::Reload(catalog)))
            .await
            .map_err(|e| vec![e.message])?;
        if let Ok(v) = view {
            self.set_view(v);
        }
        *self.today.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }

    /// Today's figures, computed at most every [`TODAY_TTL`].
    pub async fn today(self: &Arc<Self>) -> ApiResult<Arc<live::TodayStats>> {
        if let Some((at, t)) = &*self.today.lock().unwrap_or_else(|e| e.into_inner()) {
            if at.elapsed() < TODAY_TTL {
                return Ok(t.clone());
            }
        }
        let view = self.view();
        let data_dir = self.state.data_dir.clone();
        let now = self.now();
        let t = Arc::new(blocking(move || live::TodayStats::compute(&view, &data_dir, now)).await?);
        *self.today.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), t.clone()));
        Ok(t)
    }

    /// Run `f` with a read connection to the database (one per blocking
    /// thread, kept).
    pub async fn with_store<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut Store) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let dir = self.state.data_dir.clone();
        blocking(move || with_store_in(&dir, f)).await
    }
}

thread_local! {
    static STORE: RefCell<Option<(PathBuf, Store)>> = const { RefCell::new(None) };
}

/// Run `f` with this thread's connection to the database of `data_dir`.
pub fn with_store_in<T>(
    data_dir: &Path,
    f: impl FnOnce(&mut Store) -> ApiResult<T>,
) -> ApiResult<T> {
    let path = Store::path_in(data_dir);
    STORE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(p, _)| *p != path) {
            *slot = Some((path.clone(), Store::open(&path)?));
        }
        match slot.as_mut() {
            Some((_, store)) => f(store),
            None => Err(ApiError::internal("no database connection")),
        }
    })
}

/// Build the shared state: tokens, the config view, the CTI hub (its task
/// starts here, so call within a tokio runtime).
pub fn api(state: AppState) -> Api {
    let view = ConfigView::load(&state.config_path).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "HTTP API: config not readable; an empty view is used");
        ConfigView {
            services: ServiceDirectory::default(),
            contracts: Default::default(),
            prompts_dir: PathBuf::from("prompts"),
            default_language: "it".into(),
            queues: Vec::new(),
            agent_queues: HashMap::new(),
            queue_agents: HashMap::new(),
            queue_services: HashMap::new(),
            time_zone: chrono_tz::Europe::Rome,
        }
    });
    let tokens = auth::Tokens::new(&state.http.tokens);
    let hub = cti::Hub::new();
    let api = Arc::new(Inner {
        tokens,
        view: RwLock::new(Arc::new(view)),
        hub,
        today: Mutex::new(None),
        prompt_lock: tokio::sync::Mutex::new(()),
        state,
    });
    cti::spawn(api.clone());
    api
}

/// The whole HTTP surface (testable with `tower::ServiceExt::oneshot`).
#[cfg_attr(not(test), allow(dead_code))]
pub fn app(state: AppState) -> Router {
    router(api(state))
}

/// The routes over a built state.
pub fn router(api: Api) -> Router {
    const PROMPT_LIMIT: usize = 16 * 1024 * 1024;
    const ARCHIVE_LIMIT: usize = 256 * 1024 * 1024;
    Router::new()
        .route("/", get(wallboard::root))
        .route("/wallboard", get(wallboard::root))
        .route("/wallboard/", get(wallboard::index))
        .route("/wallboard/report.html", get(wallboard::report))
        .route("/wallboard/app.js", get(wallboard::app_js))
        .route("/wallboard/report.js", get(wallboard::report_js))
        .route("/wallboard/common.js", get(wallboard::common_js))
        .route("/wallboard/style.css", get(wallboard::style))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/health", get(health))
        .route("/metrics", get(metrics))
        .route("/api/queues", get(live::queues))
        .route("/api/queues/{id}", get(live::queue))
        .route("/api/agents", get(live::agents))
        .route("/api/agents/{id}", get(live::agent))
        .route("/api/agents/{id}/status", put(live::set_status))
        .route("/api/agents/{id}/login", post(live::login))
        .route("/api/agents/{id}/logout", post(live::logout))
        .route("/api/agents/{id}/break", post(live::take_break))
        .route("/api/agents/{id}/back", post(live::back))
        .route("/api/calls", get(live::calls))
        .route("/api/calls/{id}/disposition", post(records::disposition))
        .route("/api/wallboard", get(live::wallboard))
        .route("/api/wallboard/stream", get(live::wallboard_stream))
        .route("/api/stats/today", get(live::today))
        .route("/api/reports/sla", get(records::sla_report))
        .route("/api/cdrs", get(records::cdrs))
        .route("/api/cdrs/export", get(records::export))
        .route("/api/cdrs/{id}", get(records::cdr))
        .route("/api/voicemails", get(records::voicemails))
        .route("/api/voicemails/{id}", get(records::voicemail))
        .route("/api/voicemails/{id}/audio", get(records::voicemail_audio))
        .route("/api/voicemails/{id}/take", post(records::take_voicemail))
        .route("/api/voicemails/{id}/close", post(records::close_voicemail))
        .route("/api/callbacks", get(records::callbacks))
        .route("/api/callbacks/{id}/cancel", post(records::cancel_callback))
        .route("/api/prompts", get(prompts::list))
        .route("/api/prompts/backup", get(prompts::backup))
        .route(
            "/api/prompts/restore",
            post(prompts::restore).layer(DefaultBodyLimit::max(ARCHIVE_LIMIT)),
        )
        .route(
            "/api/prompts/{lang}/{name}",
            get(prompts::download)
                .put(prompts::upload)
                .delete(prompts::delete)
                .layer(DefaultBodyLimit::max(PROMPT_LIMIT)),
        )
        .route("/api/config/reload", post(reload_config))
        .route("/api/events", get(cti::sse))
        .route("/api/events/ws", get(cti::websocket))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(common_headers))
        .with_state(api)
}

/// Security headers on every answer, and every error as JSON: axum's own
/// rejections (a path that does not decode, a body over the limit) come as
/// plain text and are wrapped here.
async fn common_headers(r: Response) -> Response {
    let status = r.status();
    let is_json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let mut r = if (status.is_client_error() || status.is_server_error()) && !is_json {
        let (parts, body) = r.into_parts();
        let text = axum::body::to_bytes(body, 64 * 1024)
            .await
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
            .unwrap_or_default();
        let message = if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("request failed")
                .to_string()
        } else {
            text
        };
        let mut wrapped = ApiError::new(status, message).into_response();
        for (k, v) in parts.headers.iter() {
            if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
                wrapped.headers_mut().insert(k.clone(), v.clone());
            }
        }
        wrapped
    } else {
        r
    };
    let h = r.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    r
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint (see /api/openapi.json)")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this endpoint",
    )
}

async fn health(State(api): State<Api>) -> Json<serde_json::Value> {
    let snap = api.snapshot();
    Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "at": centralino_cdr::stamp::format(&api.now().fixed_offset()),
        "active_calls": snap.calls.len(),
    }))
}

async fn metrics(State(api): State<Api>, headers: axum::http::HeaderMap) -> ApiResult<Response> {
    if !api.state.http.metrics_public {
        api.tokens.check(&headers, None, config::Role::Viewer)?;
    }
    let snap = api.snapshot();
    let engine = api
        .on_engine(|e, _| (e.sip_stats().clone(), e.stats()))
        .await
        .ok();
    let today = api.today().await.ok();
    let pending = api
        .with_store(|s| Ok(s.voicemail_counts()?))
        .await
        .unwrap_or_default();
    let outcomes = api.hub.outcome_counts();
    let webhooks = webhooks::stats();
    let text = crate::metrics::render(&crate::metrics::Inputs {
        snapshot: &snap,
        engine: engine.as_ref().map(|(s, e)| (s, e)),
        today: today.as_deref().map(|t| &t.report),
        voicemails: &pending,
        outcomes: &outcomes,
        webhooks: &webhooks,
    })
    .map_err(|e| ApiError::internal(format!("metrics: {e}")))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response())
}

async fn reload_config(
    State(api): State<Api>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Json<serde_json::Value>> {
    let who = api.tokens.check(&headers, None, config::Role::Admin)?;
    let _guard = api.prompt_lock.lock().await;
    match api.reload().await {
        Ok(()) => {
            tracing::info!(by = %who.name, "configuration reloaded through the API");
            Ok(Json(serde_json::json!({ "reloaded": true })))
        }
        Err(errors) => Err(ApiError::unprocessable(
            "the configuration was refused; the running one stays",
        )
        .with_details(errors)),
    }
}

/// The admin token to use when the config names none: read from
/// `DATA_DIR/api-token`, or made and written there (mode 0600). Never logged.
fn default_token(data_dir: &Path) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let path = data_dir.join(TOKEN_FILE);
    if let Ok(t) = std::fs::read_to_string(&path) {
        let t = t.trim().to_string();
        if t.len() >= config::MIN_TOKEN_LEN {
            return Ok(t);
        }
    }
    let mut raw = [0u8; 24];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut raw)?;
    let token = hex::encode(raw);
    let mut f = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)?
    };
    f.write_all(token.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    Ok(token)
}

/// Serve until the process ends. Without `http.tokens`, an admin token
/// is generated into `DATA_DIR/api-token`; webhooks start on their own
/// thread.
pub async fn serve(listener: tokio::net::TcpListener, mut state: AppState) -> std::io::Result<()> {
    if state.http.tokens.is_empty() {
        let token = default_token(&state.data_dir)?;
        tracing::warn!(
            file = %state.data_dir.join(TOKEN_FILE).display(),
            "no http.tokens configured: an admin token for the API is in this file"
        );
        state.http.tokens.push(config::TokenConfig {
            name: "admin (api-token file)".into(),
            role: config::Role::Admin,
            sha256: config::digest(&token),
            agent: None,
        });
    }
    let webhooks = state.http.webhooks.clone();
    let api = api(state);
    if !webhooks.is_empty() {
        webhooks::start(webhooks, api.hub.subscribe())?;
    }
    axum::serve(listener, router(api)).await
}

/// Bound a list's `limit` (default and maximum).
pub(crate) fn page_limit(limit: Option<u32>) -> ApiResult<u32> {
    match limit {
        None => Ok(100),
        Some(0) => Err(ApiError::bad_request("limit must be at least 1")),
        Some(n) if n > 1000 => Err(ApiError::bad_request("limit is at most 1000")),
        Some(n) => Ok(n),
    }
}

/// An id in a path: printable, no slash, at most 128 bytes.
pub(crate) fn check_id(what: &str, id: &str) -> ApiResult<()> {
    if id.is_empty() || id.chars().count() > 128 || id.chars().any(|c| c.is_control() || c == '/') {
        return Err(ApiError::bad_request(format!("bad {what} id")));
    }
    Ok(())
}
