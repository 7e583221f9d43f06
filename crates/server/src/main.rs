//! `centralino`: the SIP/VoIP engine for public-administration contact
//! centres. See README.md for the quick start and docs/ for the rest.

mod catalog;
mod config;
mod driver;
mod http;
mod live;
mod media_ports;
mod metrics;
mod reports;
mod sink;
mod sla_calendar;
mod store;
mod writer;

use clap::{Parser, Subcommand};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(
    name = "centralino",
    version,
    about = "SIP trunk endpoint, IVR, ACD and SLA reports for contact centres"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the engine.
    Run(RunArgs),
    /// Check a configuration file (and every prompt it references) and exit.
    CheckConfig {
        /// The file (default config/centralino.yaml).
        path: Option<PathBuf>,
    },
    /// Compute the SLA report of a period (tenders' formulas; docs/sla.md).
    Sla(reports::SlaArgs),
    /// CDR tools (export).
    Cdr {
        #[command(subcommand)]
        command: reports::CdrCmd,
    },
    /// Ask a running engine to reload its configuration (SIGHUP to the pid
    /// in DATA_DIR/centralino.pid).
    Reload {
        /// The running engine's data directory.
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Configuration file.
    #[arg(long, default_value = "config/centralino.yaml")]
    config: PathBuf,
    /// SIP UDP address (overrides sip.listen).
    #[arg(long)]
    sip_listen: Option<SocketAddr>,
    /// RTP port range LOW-HIGH (overrides rtp.ports).
    #[arg(long)]
    rtp_ports: Option<config::PortRange>,
    /// Where the database, voicemail and pid file live.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// Testing: the wall clock starts at this RFC 3339 instant and runs on
    /// (e.g. 2026-11-23T09:00:00+01:00). Opening hours and CDR times follow it.
    #[arg(long)]
    now: Option<String>,
    /// Seed for tags, Call-IDs and SSRCs (default: random).
    #[arg(long)]
    seed: Option<u64>,
    /// HTTP address of the API, wallboard, CTI stream and metrics
    /// (loopback by default; `off` disables it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    http_listen: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Run(args) => run(args),
        Cmd::CheckConfig { path } => {
            check_config(&path.unwrap_or_else(|| PathBuf::from("config/centralino.yaml")))
        }
        Cmd::Reload { data_dir } => reload(&data_dir),
        Cmd::Sla(args) => reports::sla(args),
        Cmd::Cdr { command } => reports::cdr(command),
    }
}

fn print_errors(errors: &[config::ConfigError]) {
    for e in errors {
        eprintln!("error: {e}");
    }
}

/// Load config and catalog, or the list of errors.
fn load_all(
    path: &Path,
    g729: Option<&dyn centralino_media::G729Provider>,
) -> Result<(config::FileConfig, centralino_engine::Catalog), Vec<config::ConfigError>> {
    let (cfg, source) = config::load(path).map_err(|e| vec![e])?;
    let catalog = catalog::build(path, &source, &cfg, g729)?;
    Ok((cfg, catalog))
}

fn check_config(path: &Path) -> ExitCode {
    let g729 = g729_provider();
    match load_all(path, g729.as_deref()) {
        Ok((_, catalog)) => {
            println!(
                "{}: OK ({} services, {} prompts)",
                path.display(),
                catalog.services.services().len(),
                catalog.prompts.len()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            print_errors(&errors);
            ExitCode::from(2)
        }
    }
}

fn reload(data_dir: &Path) -> ExitCode {
    let pid_file = data_dir.join("centralino.pid");
    let pid = match std::fs::read_to_string(&pid_file) {
        Ok(p) => p.trim().to_string(),
        Err(e) => {
            eprintln!(
                "error: {}: {e} (is centralino running with --data-dir {}?)",
                pid_file.display(),
                data_dir.display()
            );
            return ExitCode::from(2);
        }
    };
    match std::process::Command::new("kill")
        .arg("-HUP")
        .arg(&pid)
        .status()
    {
        Ok(s) if s.success() => {
            println!("reload requested (pid {pid})");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("error: could not signal pid {pid}");
            ExitCode::from(1)
        }
    }
}

#[cfg(feature = "g729")]
fn g729_provider() -> Option<Arc<dyn centralino_media::G729Provider>> {
    Some(Arc::new(centralino_g729::Bcg729))
}

#[cfg(not(feature = "g729"))]
fn g729_provider() -> Option<Arc<dyn centralino_media::G729Provider>> {
    None
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let ansi = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}

fn raise_fd_limit() {
    // Each call leg holds one RTP socket: thousands of calls need more than
    // the usual soft limit of 1024 descriptors.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(limit = n, "file descriptor limit"),
        Err(e) => tracing::warn!(error = %e, "could not raise the file descriptor limit"),
    }
}

fn wall_clock_from(
    now_arg: Option<&str>,
) -> Result<Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>, String> {
    match now_arg {
        None => Ok(Arc::new(chrono::Utc::now)),
        Some(text) => {
            let start = chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|e| {
                    format!("--now {text:?}: {e} (use RFC 3339, e.g. 2026-11-23T09:00:00+01:00)")
                })?
                .with_timezone(&chrono::Utc);
            let origin = Instant::now();
            Ok(Arc::new(move || {
                start + chrono::Duration::from_std(origin.elapsed()).unwrap_or_default()
            }))
        }
    }
}

fn run(args: RunArgs) -> ExitCode {
    let g729 = g729_provider();
    let loaded = load_all(&args.config, g729.as_deref());
    let (cfg, catalog) = match loaded {
        Ok(x) => x,
        Err(errors) => {
            init_logging("info");
            print_errors(&errors);
            return ExitCode::from(2);
        }
    };
    init_logging(&cfg.logging.level);
    raise_fd_limit();
    let wall_clock = match wall_clock_from(args.now.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::create_dir_all(&args.data_dir) {
        eprintln!("error: data directory {}: {e}", args.data_dir.display());
        return ExitCode::from(2);
    }
    let listen = args.sip_listen.unwrap_or(cfg.sip.listen);
    let rtp_ports = args.rtp_ports.unwrap_or(cfg.rtp.ports);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: tokio runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let local = tokio::task::LocalSet::new();
    let code = local.block_on(&rt, async move {
        let socket = match tokio::net::UdpSocket::bind(listen).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(%listen, error = %e, "cannot bind the SIP socket");
                return ExitCode::from(1);
            }
        };
        let bound = socket.local_addr().unwrap_or(listen);
        let advertised_ip: IpAddr = match (cfg.sip.public_address, bound.ip()) {
            (Some(ip), _) => ip,
            (None, ip) if ip.is_unspecified() => detect_local_ip().unwrap_or(ip),
            (None, ip) => ip,
        };
        let media_ip = cfg.rtp.address.unwrap_or(advertised_ip);
        let mut ec =
            centralino_engine::EngineConfig::new(SocketAddr::new(advertised_ip, bound.port()));
        ec.media_address = media_ip;
        ec.user_agent = cfg.sip.user_agent.clone();
        ec.max_calls = cfg.sip.max_calls;
        ec.retry_after = cfg.sip.retry_after;
        ec.answer_delay = cfg.sip.answer_delay;
        ec.t1 = cfg.sip.t1;
        ec.t2 = cfg.sip.t2;
        ec.t4 = cfg.sip.t4;
        ec.codecs = cfg.rtp.codecs.clone();
        ec.telephone_event_pt = cfg.rtp.telephone_event_pt;
        ec.inactivity_timeout = cfg.rtp.inactivity_timeout;
        ec.latch = cfg.rtp.latch;
        ec.shutdown_grace = cfg.sip.shutdown_grace;
        ec.g729 = g729.clone();
        ec.realm = cfg.sip.realm.clone();
        ec.digest_algorithms = cfg
            .sip
            .digest_algorithms
            .iter()
            .map(|a| a.to_sip())
            .collect();
        ec.registrar = centralino_sip::registrar::RegistrarConfig {
            min_expires: cfg.sip.registration.min_expires,
            max_expires: cfg.sip.registration.max_expires,
            default_expires: cfg.sip.registration.default_expires,
        };
        ec.agent_auto_answer = cfg.sip.agent_auto_answer.clone();
        ec.trunk = cfg.trunk.as_ref().map(|t| centralino_engine::TrunkConfig {
            address: t.address,
            from_user: t.from_user.clone(),
            asserted_identity: t.asserted_identity.clone(),
        });
        let seed = args.seed.unwrap_or_else(rand_seed);
        let now = Instant::now();
        let engine =
            match centralino_engine::Engine::new(ec, Arc::new(catalog), seed, now, wall_clock()) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!("queues and agents: {e}");
                    return ExitCode::from(2);
                }
            };
        let mut engine = engine;
        restore_callbacks(&mut engine, &args.data_dir, &cfg);
        let contracts = cfg.contracts.clone().unwrap_or_default();
        let (sink, writer) = match writer::start_with(&args.data_dir, wall_clock.clone(), contracts)
        {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(error = %e, "cannot open the data directory");
                return ExitCode::from(1);
            }
        };
        let pid_file = args.data_dir.join("centralino.pid");
        let _ = std::fs::write(&pid_file, std::process::id().to_string());
        let (control_tx, control_rx) = tokio::sync::mpsc::unbounded_channel();
        spawn_signal_handlers(control_tx.clone(), args.config.clone(), g729.clone());
        let (snap_tx, snap_rx) = tokio::sync::watch::channel(Arc::new(engine.snapshot(Instant::now())));
        let (live_tx, _) = tokio::sync::broadcast::channel(4096);
        let publish = driver::Publish {
            snapshots: snap_tx,
            live: live_tx.clone(),
            snapshot_every: std::time::Duration::from_millis(500),
        };
        if args.http_listen != "off" {
            let listener = match tokio::net::TcpListener::bind(&args.http_listen).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::error!(listen = %args.http_listen, error = %e, "cannot bind the HTTP socket");
                    return ExitCode::from(1);
                }
            };
            let http_addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
            let state = http::AppState {
                snapshots: snap_rx,
                live: live_tx,
                control: control_tx.clone(),
                data_dir: args.data_dir.clone(),
                config_path: args.config.clone(),
                wall_clock: wall_clock.clone(),
                sink: Some(sink.clone()),
                http: cfg.http.clone(),
            };
            tokio::task::spawn_local(async move {
                if let Err(e) = http::serve(listener, state).await {
                    tracing::error!(error = %e, "HTTP server stopped");
                }
            });
            tracing::info!("HTTP listening on http://{http_addr}");
        }
        tracing::info!(
            sip = %bound,
            rtp = %format!("{}-{}", rtp_ports.low, rtp_ports.high),
            advertised = %advertised_ip,
            "SIP listening on udp:{bound}"
        );
        let exit = driver::run(driver::Parts {
            engine,
            sip: socket,
            rtp_ports,
            rtp_ip: media_ip_bind(bound.ip(), media_ip),
            sink,
            control: control_rx,
            wall_clock,
            publish,
            connect_rtp: !cfg.rtp.latch,
        })
        .await;
        let _ = writer.join();
        let _ = std::fs::remove_file(&pid_file);
        tracing::info!(?exit, "stopped");
        ExitCode::SUCCESS
    });
    code
}

/// Give the engine the callback requests still pending in the database (they
/// survive a restart and keep their place: the oldest request first).
fn restore_callbacks(
    engine: &mut centralino_engine::Engine,
    data_dir: &Path,
    cfg: &config::FileConfig,
) {
    if !store::Store::path_in(data_dir).exists() {
        return;
    }
    let store = match store::Store::open(&store::Store::path_in(data_dir)) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "callbacks not restored");
            return;
        }
    };
    let q = store::CallbackQuery {
        state: Some("pending".into()),
        ..Default::default()
    };
    let pending = match store.callbacks(&q) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "callbacks not restored");
            return;
        }
    };
    let records: Vec<centralino_engine::CallbackRecord> = pending
        .into_iter()
        .filter_map(|cb| {
            let service = cfg.services.iter().find(|s| s.id.as_str() == cb.service)?;
            let requested = cb.requested_at.with_timezone(&chrono::Utc);
            let expires = cb
                .expires_at
                .map(|e| e.with_timezone(&chrono::Utc))
                .unwrap_or(requested + chrono::Duration::hours(8));
            // The caller's language, if the service still offers it.
            let language = cb
                .language
                .as_deref()
                .and_then(|l| {
                    std::iter::once(&service.language)
                        .chain(&service.languages)
                        .find(|s| s.as_str() == l)
                })
                .unwrap_or(&service.language)
                .clone();
            // The wait before the request (rows of schema version 1 lack it:
            // the request then counts from when it was made). The engine
            // adds the time since the request.
            let waited = Duration::from_millis(cb.waited_ms.unwrap_or(0));
            let arrived =
                requested - chrono::Duration::from_std(waited).unwrap_or(chrono::Duration::zero());
            Some(centralino_engine::CallbackRecord {
                id: cb.id,
                call_id: cb.call_id.unwrap_or_default(),
                service: service.id.clone(),
                queue: centralino_model::QueueId::new(&cb.queue),
                language,
                number: cb.number,
                arrived_at: arrived,
                requested_at: requested,
                expires_at: expires,
                waited,
                attempts: cb.attempts,
                state: cb.state,
            })
        })
        .collect();
    if !records.is_empty() {
        tracing::info!(count = records.len(), "restoring pending callbacks");
        engine.handle_command(
            Instant::now(),
            centralino_engine::Command::RestoreCallbacks(records),
        );
    }
}

/// RTP sockets bind where SIP does (a wildcard stays a wildcard).
fn media_ip_bind(sip_ip: IpAddr, _advertised: IpAddr) -> IpAddr {
    sip_ip
}

/// The address of the interface that routes outwards (no packet is sent).
fn detect_local_ip() -> Option<IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    s.local_addr()
        .ok()
        .map(|a| a.ip())
        .filter(|ip| !ip.is_unspecified())
}

fn rand_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

fn spawn_signal_handlers(
    control: tokio::sync::mpsc::UnboundedSender<driver::Control>,
    config_path: PathBuf,
    g729: Option<Arc<dyn centralino_media::G729Provider>>,
) {
    use tokio::signal::unix::{signal, SignalKind};
    let c = control.clone();
    tokio::task::spawn_local(async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        let _ = c.send(driver::Control::Shutdown);
    });
    tokio::task::spawn_local(async move {
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        while hup.recv().await.is_some() {
            let path = config_path.clone();
            let g729 = g729.clone();
            // Load off the loop: prompts are read and encoded.
            let loaded =
                tokio::task::spawn_blocking(move || load_all(&path, g729.as_deref())).await;
            match loaded {
                Ok(Ok((_, catalog))) => {
                    let _ = control.send(driver::Control::Engine(
                        centralino_engine::Command::Reload(Arc::new(catalog)),
                    ));
                }
                Ok(Err(errors)) => {
                    for e in &errors {
                        tracing::error!("reload refused, the running configuration stays: {e}");
                    }
                }
                Err(e) => tracing::error!(error = %e, "reload failed"),
            }
        }
    });
}
