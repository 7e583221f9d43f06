//! Where engine events go when they leave the real-time loop: a background
//! thread that writes the database and files, so the loop never blocks on
//! disk.

use centralino_engine::EngineEvent;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// A message for the background writer.
pub enum SinkMsg {
    /// An event of the engine.
    Engine(EngineEvent),
    /// The loop ended: flush and stop.
    Stopped,
}

/// The sending side; cheap to clone.
#[derive(Clone)]
pub struct Sink {
    tx: mpsc::Sender<SinkMsg>,
}

impl Sink {
    /// Send without blocking (an unbounded channel; the writer keeps up
    /// with thousands of events a second).
    pub fn send(&self, msg: SinkMsg) {
        let _ = self.tx.send(msg);
    }
}

/// A writer thread consuming events with `handler`.
pub fn spawn<H>(mut handler: H) -> (Sink, JoinHandle<()>)
where
    H: FnMut(SinkMsg) -> bool + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("centralino-writer".into())
        .spawn(move || {
            while let Ok(msg) = rx.recv() {
                let stop = matches!(msg, SinkMsg::Stopped);
                if !handler(msg) || stop {
                    break;
                }
            }
        })
        .expect("spawn writer thread");
    (Sink { tx }, handle)
}
