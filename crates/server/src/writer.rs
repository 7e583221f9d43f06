//! The background writer: CDR events and voicemail files, off the real-time
//! loop.

use crate::sink::{self, Sink, SinkMsg};
use centralino_engine::EngineEvent;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

/// Start the writer for `data_dir`.
pub fn start(
    data_dir: &Path,
    _wall_clock: std::sync::Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>,
) -> io::Result<(Sink, JoinHandle<()>)> {
    let vm_dir = data_dir.join("voicemail");
    std::fs::create_dir_all(&vm_dir)?;
    let mut events = OpenOptions::new().create(true).append(true).open(data_dir.join("events.jsonl"))?;
    let handler = move |msg: SinkMsg| -> bool {
        match msg {
            SinkMsg::Engine(EngineEvent::Call(ev)) => {
                let _ = writeln!(events, "{}", ev.to_json());
            }
            SinkMsg::Engine(EngineEvent::Voicemail(vm)) => {
                let path: PathBuf = vm_dir.join(format!("{}.wav", vm.id));
                let bytes = centralino_media::wav::write_pcm(&vm.pcm);
                match File::create(&path).and_then(|mut f| f.write_all(&bytes).and_then(|_| f.sync_all())) {
                    Ok(()) => tracing::info!(file = %path.display(), "voicemail written"),
                    Err(e) => tracing::error!(file = %path.display(), error = %e, "voicemail not written"),
                }
            }
            SinkMsg::Engine(_) => {}
            SinkMsg::Stopped => {
                let _ = events.flush();
            }
        }
        true
    };
    Ok(sink::spawn(handler))
}
