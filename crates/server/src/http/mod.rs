//! The HTTP server: REST API, wallboard, CTI stream, metrics (issue 6).

use crate::driver::Control;
use crate::live::LiveEvent;
use std::path::PathBuf;
use std::sync::Arc;

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
}

/// Serve until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let _ = (listener, state);
    std::future::pending::<()>().await;
    Ok(())
}
