//! The background writer: call events, CDRs, voicemails and availability
//! into the database (`store`), off the real-time loop.
//!
//! ```text
//!  engine loop ──Sink──► sink thread ──channel──► store thread
//!                                                  │ recv, then drain what is queued (≤ MAX_BATCH)
//!                                                  │ one transaction per batch:
//!                                                  │   events → call_events, fold per open call,
//!                                                  │   CDR rows of the calls touched, voicemail rows
//!                                                  │   (WAV written first: tmp, fsync, rename),
//!                                                  │   heartbeat each minute, stop at SinkMsg::Stopped
//!                                                  └ on failure: roll back, keep the batch, retry
//! ```
//!
//! At start (before the engine takes calls): every CDR left in progress by
//! the previous run is closed as `failed` (`Store::close_unfinished`), then
//! a `start` availability record is written.
//!
//! Call ids come from the engine and are unique across runs unless it is
//! given the same `--seed` twice; a call whose id is already in the
//! database is stored as `<id>~1` (`~2`, …) and a warning logged, so two
//! calls never merge. Voicemail ids likewise.

use crate::sink::{self, Sink, SinkMsg};
use crate::store::calls::Source;
use crate::store::{AvailabilityKind, Batch, Store, StoreError, Voicemail};
use centralino_cdr::{
    CallEvent, CallId, CdrFold, ContractsConfig, EventKind, FoldOptions, Outcome,
};
use centralino_engine::{EngineEvent, RecordedVoicemail};
use chrono::{DateTime, FixedOffset, Offset, Utc};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The wall clock the writer stamps availability records with.
pub type WallClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A heartbeat record this often.
pub const HEARTBEAT: Duration = Duration::from_secs(60);
/// At most this many messages per transaction.
const MAX_BATCH: usize = 10_000;
/// First retry delay after a failed transaction (doubles up to `MAX_RETRY`).
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(30);
/// After `SinkMsg::Stopped`, give up after this many failed attempts and
/// dump what is left to a file.
const STOP_ATTEMPTS: u32 = 5;

/// Start the writer for `data_dir` without contracts (answered calls get no
/// default resolution). See [`start_with`].
#[cfg_attr(not(test), allow(dead_code))]
pub fn start(data_dir: &Path, wall_clock: WallClock) -> io::Result<(Sink, JoinHandle<()>)> {
    start_with(data_dir, wall_clock, ContractsConfig::default())
}

/// Open `data_dir/centralino.db`, close the previous run's unfinished
/// calls, record the start, and run the writer thread. `contracts` gives
/// each service's `default_resolution` for answered calls.
pub fn start_with(
    data_dir: &Path,
    wall_clock: WallClock,
    contracts: ContractsConfig,
) -> io::Result<(Sink, JoinHandle<()>)> {
    std::fs::create_dir_all(data_dir.join("voicemail"))?;
    let db = Store::path_in(data_dir);
    let mut store = Store::open(&db).map_err(io::Error::other)?;
    let now = wall_clock();
    let closed = store.close_unfinished(now).map_err(io::Error::other)?;
    if !closed.is_empty() {
        tracing::warn!(
            calls = closed.len(),
            first = %closed[0],
            "calls left unfinished by the previous run closed as failed"
        );
    }
    store
        .record_availability(now.fixed_offset(), AvailabilityKind::Start)
        .map_err(io::Error::other)?;
    tracing::info!(db = %db.display(), "CDR store open");

    let writer = Writer {
        store,
        state: State {
            data_dir: data_dir.to_path_buf(),
            contracts,
            open: HashMap::new(),
            alias: HashMap::new(),
            vm_alias: HashMap::new(),
        },
        clock: wall_clock,
        pending: Vec::new(),
        next_heartbeat: Instant::now() + HEARTBEAT,
        retry: None,
        failures: 0,
    };
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("centralino-store".into())
        .spawn(move || writer.run(rx))?;
    let mut forward = Forward {
        tx: Some(tx),
        thread: Some(thread),
    };
    // The sink thread only forwards: the store thread needs the receiver
    // to take whatever is queued as one batch, and a timeout for the
    // heartbeat. Dropping the handler (after `Stopped`) joins it.
    let handler = move |msg: SinkMsg| -> bool { forward.send(msg) };
    Ok(sink::spawn(handler))
}

struct Forward {
    tx: Option<mpsc::Sender<SinkMsg>>,
    thread: Option<JoinHandle<()>>,
}

impl Forward {
    fn send(&mut self, msg: SinkMsg) -> bool {
        self.tx.as_ref().is_some_and(|tx| tx.send(msg).is_ok())
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                tracing::error!("the store thread panicked");
            }
        }
    }
}

/// What a batch holds.
enum Op {
    Msg(SinkMsg),
    Heartbeat(DateTime<FixedOffset>),
}

#[derive(Debug, thiserror::Error)]
enum WriteError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{}: {source}", path.display())]
    File { path: PathBuf, source: io::Error },
}

struct Writer {
    store: Store,
    state: State,
    clock: WallClock,
    pending: Vec<Op>,
    next_heartbeat: Instant,
    /// When to retry a failed batch.
    retry: Option<(Instant, Duration)>,
    failures: u32,
}

/// A call whose CDR is not finished yet (or that got a late event).
struct OpenCall {
    fold: CdrFold,
    next_seq: i64,
    source: Source,
    /// Closed as failed by a restart at this instant: a late event must
    /// not reopen it.
    closed_at_restart: Option<DateTime<FixedOffset>>,
}

/// Everything but the store, so a batch can borrow both.
struct State {
    data_dir: PathBuf,
    contracts: ContractsConfig,
    /// By stored call id.
    open: HashMap<String, OpenCall>,
    /// Engine call id → stored id, for ids already taken (rare; kept).
    alias: HashMap<String, String>,
    /// Engine voicemail id → stored id, likewise.
    vm_alias: HashMap<String, String>,
}

impl Writer {
    fn run(mut self, rx: Receiver<SinkMsg>) {
        loop {
            let now = Instant::now();
            let mut wake = self.next_heartbeat;
            if let Some((at, _)) = self.retry {
                wake = wake.min(at);
            }
            match rx.recv_timeout(wake.saturating_duration_since(now)) {
                Ok(msg) => {
                    self.pending.push(Op::Msg(msg));
                    while self.pending.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(m) => self.pending.push(Op::Msg(m)),
                            Err(_) => break,
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    // The loop ended without `Stopped`: save what we have.
                    self.flush_before_exit();
                    return;
                }
            }
            let now = Instant::now();
            if now >= self.next_heartbeat {
                self.pending
                    .push(Op::Heartbeat((self.clock)().fixed_offset()));
                // Late (the thread was held up): the next one a full period on.
                let next = self.next_heartbeat + HEARTBEAT;
                self.next_heartbeat = if next > now { next } else { now + HEARTBEAT };
            }
            if self.retry.is_some_and(|(at, _)| now < at) {
                continue;
            }
            if self.write() {
                return;
            }
        }
    }

    /// Write the pending batch; whether the writer should stop.
    fn write(&mut self) -> bool {
        if self.pending.is_empty() {
            return false;
        }
        let stopping = self
            .pending
            .iter()
            .any(|op| matches!(op, Op::Msg(SinkMsg::Stopped)));
        match self.apply() {
            Ok(()) => {
                if self.failures > 0 {
                    tracing::info!(after_failures = self.failures, "database writes resumed");
                }
                self.pending.clear();
                self.retry = None;
                self.failures = 0;
                stopping
            }
            Err(e) => {
                self.state.open.clear();
                self.failures += 1;
                let delay = self
                    .retry
                    .map_or(FIRST_RETRY, |(_, d)| (d * 2).min(MAX_RETRY));
                tracing::error!(error = %e, queued = self.pending.len(), retry_in = ?delay, "database write failed; will retry");
                self.retry = Some((Instant::now() + delay, delay));
                if stopping && self.failures >= STOP_ATTEMPTS {
                    self.dump_unsaved();
                    return true;
                }
                false
            }
        }
    }

    fn flush_before_exit(&mut self) {
        for _ in 0..STOP_ATTEMPTS {
            if self.pending.is_empty() || self.apply().is_ok() {
                self.pending.clear();
                return;
            }
            self.state.open.clear();
            std::thread::sleep(FIRST_RETRY);
        }
        self.dump_unsaved();
    }

    /// Last resort when the database refuses every write at shutdown: the
    /// events go to `DATA_DIR/unsaved-<time>.jsonl`, one JSON a line (the
    /// WAVs are already in `voicemail/`).
    fn dump_unsaved(&mut self) {
        let path = self.state.data_dir.join(format!(
            "unsaved-{}.jsonl",
            (self.clock)().format("%Y%m%dT%H%M%S%.3fZ")
        ));
        let mut text = String::new();
        for op in &self.pending {
            match op {
                Op::Msg(SinkMsg::Engine(EngineEvent::Call(ev))) => text.push_str(&ev.to_json()),
                Op::Msg(SinkMsg::Engine(EngineEvent::Voicemail(vm))) => text.push_str(
                    &serde_json::json!({
                        "voicemail": vm.id, "call_id": vm.call_id, "service": vm.service,
                        "caller": vm.caller, "called": vm.called,
                        "received_at": vm.received_at.to_rfc3339(),
                        "duration_ms": u64::try_from(vm.duration.as_millis()).unwrap_or(u64::MAX),
                    })
                    .to_string(),
                ),
                _ => continue,
            }
            text.push('\n');
        }
        match std::fs::write(&path, text) {
            Ok(()) => {
                tracing::error!(file = %path.display(), "database unavailable at shutdown: events saved to a file")
            }
            Err(e) => {
                tracing::error!(error = %e, lost = self.pending.len(), "database unavailable at shutdown and events could not be saved")
            }
        }
        self.pending.clear();
    }

    /// One transaction for the whole pending batch.
    fn apply(&mut self) -> Result<(), WriteError> {
        let batch = self.store.batch()?;
        let mut dirty: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for op in &self.pending {
            match op {
                Op::Heartbeat(at) => batch.record_availability(*at, AvailabilityKind::Heartbeat)?,
                Op::Msg(SinkMsg::Engine(EngineEvent::Call(ev))) => {
                    let id = self.state.on_event(&batch, ev)?;
                    if seen.insert(id.clone()) {
                        dirty.push(id);
                    }
                }
                Op::Msg(SinkMsg::Engine(EngineEvent::Voicemail(vm))) => {
                    self.state.on_voicemail(&batch, vm)?
                }
                Op::Msg(SinkMsg::Engine(EngineEvent::Callback(cb))) => batch.put_callback(
                    &crate::store::Callback::from_record(cb, (self.clock)().fixed_offset()),
                )?,
                Op::Msg(SinkMsg::Engine(_)) => {}
                Op::Msg(SinkMsg::Stopped) => batch
                    .record_availability((self.clock)().fixed_offset(), AvailabilityKind::Stop)?,
            }
        }
        let mut done = Vec::new();
        for id in dirty {
            if self.state.write_cdr(&batch, &id)? {
                done.push(id);
            }
        }
        batch.commit()?;
        for id in done {
            self.state.open.remove(&id);
        }
        Ok(())
    }
}

impl State {
    /// Store one event and fold it into its call; the stored call id.
    fn on_event(&mut self, batch: &Batch<'_>, ev: &CallEvent) -> Result<String, StoreError> {
        let engine_id = ev.call_id.as_str();
        let mut id = self
            .alias
            .get(engine_id)
            .cloned()
            .unwrap_or_else(|| engine_id.to_string());
        if matches!(ev.kind, EventKind::Arrived { .. })
            && !self.open.contains_key(&id)
            && batch.call_exists(&id)?
        {
            let mut n = 1u32;
            let fresh = loop {
                let candidate = format!("{engine_id}~{n}");
                if !self.open.contains_key(&candidate) && !batch.call_exists(&candidate)? {
                    break candidate;
                }
                n += 1;
            };
            tracing::warn!(call = %engine_id, stored_as = %fresh, "a call with this id is already stored (same --seed twice?): renamed");
            self.alias.insert(engine_id.to_string(), fresh.clone());
            id = fresh;
        }
        if !self.open.contains_key(&id) {
            let call = Self::load(batch, &id)?;
            self.open.insert(id.clone(), call);
        }
        let mut ev = ev.clone();
        if ev.call_id.as_str() != id {
            ev.call_id = CallId::new(id.clone());
        }
        if let EventKind::Voicemail { voicemail_id } = &mut ev.kind {
            if let Some(stored) = self.vm_alias.get(voicemail_id.as_str()) {
                *voicemail_id = stored.clone();
            }
        }
        let Some(call) = self.open.get_mut(&id) else {
            return Ok(id);
        };
        batch.insert_event(&id, call.next_seq, &ev)?;
        call.next_seq += 1;
        call.fold.apply(&ev);
        Ok(id)
    }

    /// Rebuild a call's fold from the database (a call not in memory: a
    /// late event, or the first event of a new call).
    fn load(batch: &Batch<'_>, id: &str) -> Result<OpenCall, StoreError> {
        let mut fold = CdrFold::new(FoldOptions::default());
        for e in batch.call_events(id)? {
            fold.apply(&e);
        }
        let stored = batch.cdr(id)?;
        Ok(OpenCall {
            fold,
            next_seq: batch.next_seq(id)?,
            source: stored.as_ref().map_or(Source::Engine, |s| s.source),
            closed_at_restart: stored
                .filter(|s| s.closed_at_restart)
                .and_then(|s| s.cdr.ended_at),
        })
    }

    /// Write a touched call's CDR row; whether the call can leave memory
    /// (finished, or no arrival to build a CDR from).
    fn write_cdr(&self, batch: &Batch<'_>, id: &str) -> Result<bool, StoreError> {
        let Some(call) = self.open.get(id) else {
            return Ok(true);
        };
        let Ok(mut cdr) = call.fold.cdr() else {
            tracing::warn!(call = %id, "events without an `arrived` event: kept, no CDR yet");
            return Ok(true);
        };
        let mut closed_at_restart = false;
        if let Some(end) = call.closed_at_restart {
            closed_at_restart = cdr.close_as_failed(end) || cdr.outcome == Some(Outcome::Failed);
        }
        if cdr.outcome == Some(Outcome::Answered) && cdr.resolution.is_none() {
            cdr.resolution = self.contracts.fold_options(&cdr.service).default_resolution;
        }
        batch.upsert_cdr(&cdr, call.source, closed_at_restart)?;
        Ok(cdr.is_finished())
    }

    /// Write the WAV (atomically), then the row.
    fn on_voicemail(
        &mut self,
        batch: &Batch<'_>,
        vm: &RecordedVoicemail,
    ) -> Result<(), WriteError> {
        let call_id = self
            .alias
            .get(&vm.call_id)
            .cloned()
            .unwrap_or_else(|| vm.call_id.clone());
        let mut id = self
            .vm_alias
            .get(&vm.id)
            .cloned()
            .unwrap_or_else(|| vm.id.clone());
        if batch.voicemail_exists(&id)? {
            let mut n = 1u32;
            let fresh = loop {
                let candidate = format!("{}~{n}", vm.id);
                if !batch.voicemail_exists(&candidate)? {
                    break candidate;
                }
                n += 1;
            };
            tracing::warn!(voicemail = %vm.id, stored_as = %fresh, "a voicemail with this id is already stored: renamed");
            self.vm_alias.insert(vm.id.clone(), fresh.clone());
            id = fresh;
        }
        let file = format!("voicemail/{}.wav", file_safe(&id));
        let path = self.data_dir.join(&file);
        write_atomic(&path, &centralino_media::wav::write_pcm(&vm.pcm)).map_err(|source| {
            WriteError::File {
                path: path.clone(),
                source,
            }
        })?;
        // Stamp it in the call's local offset, like the CDR.
        let offset = self
            .open
            .get(&call_id)
            .and_then(|c| c.fold.cdr().ok())
            .map_or_else(|| Utc.fix(), |c| *c.arrived_at.offset());
        let received_at = vm.received_at.with_timezone(&offset);
        let duration_ms = u64::try_from(vm.duration.as_millis()).unwrap_or(u64::MAX);
        let caller = Some(vm.caller.clone()).filter(|c| !c.is_empty());
        let row = Voicemail::new(
            id.clone(),
            call_id,
            vm.service.clone(),
            caller,
            vm.called.clone(),
            centralino_cdr::stamp::truncate_ms(received_at),
            duration_ms,
            file.clone(),
        );
        batch.insert_voicemail(&row)?;
        tracing::info!(id = %id, file = %path.display(), duration_ms, "voicemail stored");
        Ok(())
    }
}

/// A file name from an id: anything but `[A-Za-z0-9._~-]` becomes `_`
/// (the engine's ids are already safe; this guards the path).
fn file_safe(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

/// Write `bytes` to `path` so that a crash leaves either the whole file or
/// none: a temporary file, fsync, rename, fsync of the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use centralino_cdr::{EndedBy, IvrOutcome};
    use centralino_model::{Codec, QueueId, ServiceId};
    use std::sync::Mutex;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn ev(id: &str, t: &str, mono: u64, kind: EventKind) -> SinkMsg {
        SinkMsg::Engine(EngineEvent::Call(CallEvent::new(
            CallId::new(id),
            at(t),
            mono,
            kind,
        )))
    }

    fn arrived(id: &str, t: &str) -> SinkMsg {
        ev(
            id,
            t,
            0,
            EventKind::Arrived {
                service: ServiceId::new("apiae"),
                called: "0461497300".into(),
                caller: Some("3331234567".into()),
                diverted_from: None,
                codec: Some(Codec::Pcma),
            },
        )
    }

    fn fixed_clock(t: &str) -> WallClock {
        let t = at(t).with_timezone(&Utc);
        Arc::new(move || t)
    }

    /// A clock the test moves.
    fn movable_clock(t: &str) -> (WallClock, Arc<Mutex<DateTime<Utc>>>) {
        let now = Arc::new(Mutex::new(at(t).with_timezone(&Utc)));
        let n = now.clone();
        (Arc::new(move || *n.lock().unwrap()), now)
    }

    #[test]
    fn events_become_cdrs_and_a_clean_stop_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let (sink, handle) = start(dir.path(), fixed_clock("2026-10-05T09:00:00+02:00")).unwrap();
        sink.send(arrived("c-1", "2026-10-05T09:00:00.000+02:00"));
        sink.send(ev(
            "c-1",
            "2026-10-05T09:00:08.000+02:00",
            8000,
            EventKind::Queued {
                queue: QueueId::new("q"),
            },
        ));
        sink.send(ev(
            "c-1",
            "2026-10-05T09:00:20.000+02:00",
            20_000,
            EventKind::Abandoned,
        ));
        sink.send(ev(
            "c-1",
            "2026-10-05T09:00:20.000+02:00",
            20_000,
            EventKind::Ended {
                ended_by: EndedBy::Caller,
                ivr_outcome: None,
            },
        ));
        sink.send(arrived("c-2", "2026-10-05T09:01:00.000+02:00"));
        sink.send(SinkMsg::Stopped);
        handle.join().unwrap();

        let store = Store::open_existing(&Store::path_in(dir.path())).unwrap();
        let c1 = store.cdr("c-1").unwrap().unwrap();
        assert_eq!(c1.outcome, Some(Outcome::Abandoned));
        assert_eq!(c1.queued_at, Some(at("2026-10-05T09:00:08.000+02:00")));
        assert_eq!(store.call_events("c-1").unwrap().len(), 4);
        let c2 = store.cdr("c-2").unwrap().unwrap();
        assert_eq!(c2.outcome, None, "in progress");
        let kinds: Vec<_> = store
            .availability_between(0, i64::MAX)
            .unwrap()
            .into_iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, vec![AvailabilityKind::Start, AvailabilityKind::Stop]);
    }

    #[test]
    fn restart_closes_the_previous_runs_calls_and_late_events_do_not_reopen_them() {
        let dir = tempfile::tempdir().unwrap();
        let (sink, handle) = start(dir.path(), fixed_clock("2026-10-05T09:00:00+02:00")).unwrap();
        sink.send(arrived("c-1", "2026-10-05T09:00:00.000+02:00"));
        sink.send(ev(
            "c-1",
            "2026-10-05T09:00:08.000+02:00",
            8000,
            EventKind::Queued {
                queue: QueueId::new("q"),
            },
        ));
        // No `Stopped`: the process "dies" (the sink is dropped).
        drop(sink);
        handle.join().unwrap();

        let (sink, handle) = start(dir.path(), fixed_clock("2026-10-05T09:30:00+02:00")).unwrap();
        let store = Store::open_existing(&Store::path_in(dir.path())).unwrap();
        let c1 = store.stored_cdr("c-1").unwrap().unwrap();
        assert!(c1.closed_at_restart);
        assert_eq!(c1.cdr.outcome, Some(Outcome::Failed));
        assert_eq!(c1.cdr.ended_by, Some(EndedBy::System));
        assert_eq!(c1.cdr.ended_at, Some(at("2026-10-05T09:30:00.000+02:00")));
        assert_eq!(store.call_events("c-1").unwrap().len(), 2, "events kept");

        // A late resolution for the failed call: stored, still failed.
        sink.send(ev(
            "c-1",
            "2026-10-05T09:40:00.000+02:00",
            2_400_000,
            EventKind::ResolutionSet {
                resolution: centralino_cdr::Resolution::Resolved,
                ticket: None,
            },
        ));
        sink.send(SinkMsg::Stopped);
        handle.join().unwrap();
        let c1 = store.stored_cdr("c-1").unwrap().unwrap();
        assert_eq!(c1.cdr.outcome, Some(Outcome::Failed));
        assert_eq!(c1.cdr.ended_at, Some(at("2026-10-05T09:30:00.000+02:00")));
        assert_eq!(store.call_events("c-1").unwrap().len(), 3);
    }

    #[test]
    fn a_reused_call_id_is_stored_apart() {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..2 {
            let (sink, handle) =
                start(dir.path(), fixed_clock("2026-10-05T09:00:00+02:00")).unwrap();
            sink.send(arrived("same", "2026-10-05T09:00:00.000+02:00"));
            sink.send(ev(
                "same",
                "2026-10-05T09:00:05.000+02:00",
                5000,
                EventKind::Ended {
                    ended_by: EndedBy::System,
                    ivr_outcome: Some(IvrOutcome::SelfService),
                },
            ));
            sink.send(SinkMsg::Stopped);
            handle.join().unwrap();
        }
        let store = Store::open_existing(&Store::path_in(dir.path())).unwrap();
        assert_eq!(
            store.cdr("same").unwrap().unwrap().outcome,
            Some(Outcome::SelfService)
        );
        let twin = store.cdr("same~1").unwrap().unwrap();
        assert_eq!(twin.outcome, Some(Outcome::SelfService));
        assert_eq!(store.call_events("same").unwrap().len(), 2);
        assert_eq!(store.call_events("same~1").unwrap().len(), 2);
    }

    #[test]
    fn a_voicemail_is_a_wav_and_a_row_and_answered_calls_get_the_default_resolution() {
        let dir = tempfile::tempdir().unwrap();
        let contracts: ContractsConfig = serde_json::from_str(
            r#"{"t": {"services": ["apiae"], "default_resolution": "resolved"}}"#,
        )
        .unwrap();
        let (clock, _) = movable_clock("2026-10-04T10:00:00+02:00");
        let (sink, handle) = start_with(dir.path(), clock, contracts).unwrap();
        sink.send(arrived("c-vm", "2026-10-04T10:00:00.000+02:00"));
        let pcm: Vec<i16> = (0..8000 * 3).map(|i| ((i % 100) * 100) as i16).collect();
        sink.send(SinkMsg::Engine(EngineEvent::Voicemail(RecordedVoicemail {
            id: "vm-c-vm".into(),
            call_id: "c-vm".into(),
            service: "apiae".into(),
            caller: "3331234567".into(),
            called: "0461497300".into(),
            received_at: at("2026-10-04T10:00:20+02:00").with_timezone(&Utc),
            duration: Duration::from_secs(3),
            pcm,
        })));
        sink.send(ev(
            "c-vm",
            "2026-10-04T10:00:23.000+02:00",
            23_000,
            EventKind::Voicemail {
                voicemail_id: "vm-c-vm".into(),
            },
        ));
        sink.send(ev(
            "c-vm",
            "2026-10-04T10:00:24.000+02:00",
            24_000,
            EventKind::Ended {
                ended_by: EndedBy::Caller,
                ivr_outcome: Some(IvrOutcome::Voicemail),
            },
        ));
        sink.send(arrived("c-ans", "2026-10-05T10:00:00.000+02:00"));
        sink.send(ev(
            "c-ans",
            "2026-10-05T10:00:05.000+02:00",
            5000,
            EventKind::Queued {
                queue: QueueId::new("q"),
            },
        ));
        sink.send(ev(
            "c-ans",
            "2026-10-05T10:00:09.000+02:00",
            9000,
            EventKind::Answered {
                agent: centralino_model::AgentId::new("op1"),
            },
        ));
        sink.send(ev(
            "c-ans",
            "2026-10-05T10:02:00.000+02:00",
            120_000,
            EventKind::Ended {
                ended_by: EndedBy::Agent,
                ivr_outcome: None,
            },
        ));
        sink.send(SinkMsg::Stopped);
        handle.join().unwrap();

        let store = Store::open_existing(&Store::path_in(dir.path())).unwrap();
        let vm = store.voicemail("vm-c-vm").unwrap().unwrap();
        assert_eq!(vm.file, "voicemail/vm-c-vm.wav");
        assert_eq!(vm.duration_ms, 3000);
        assert_eq!(vm.received_at, at("2026-10-04T10:00:20.000+02:00"));
        assert_eq!(
            vm.received_at.offset().local_minus_utc(),
            7200,
            "the call's offset"
        );
        let bytes = std::fs::read(dir.path().join(&vm.file)).unwrap();
        assert_eq!(bytes.len(), 44 + 8000 * 3 * 2);
        assert!(!dir.path().join("voicemail/vm-c-vm.wav.tmp").exists());
        let cdr = store.cdr("c-vm").unwrap().unwrap();
        assert_eq!(cdr.outcome, Some(Outcome::Voicemail));
        assert_eq!(cdr.voicemail_id.as_deref(), Some("vm-c-vm"));
        let ans = store.cdr("c-ans").unwrap().unwrap();
        assert_eq!(
            ans.resolution,
            Some(centralino_cdr::Resolution::Resolved),
            "the contract's default"
        );
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_safe("vm-0a1b-000001"), "vm-0a1b-000001");
        assert_eq!(file_safe("../../etc/passwd"), "_.._.._etc_passwd");
        assert_eq!(file_safe(""), "_");
    }

    #[test]
    fn a_burst_is_written_in_few_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let (sink, handle) = start(dir.path(), fixed_clock("2026-10-05T09:00:00+02:00")).unwrap();
        let t0 = Instant::now();
        for i in 0..2000 {
            let id = format!("b-{i}");
            sink.send(arrived(&id, "2026-10-05T09:00:00.000+02:00"));
            sink.send(ev(
                &id,
                "2026-10-05T09:00:08.000+02:00",
                8000,
                EventKind::Queued {
                    queue: QueueId::new("q"),
                },
            ));
            sink.send(ev(
                &id,
                "2026-10-05T09:00:09.000+02:00",
                9000,
                EventKind::Ended {
                    ended_by: EndedBy::Caller,
                    ivr_outcome: None,
                },
            ));
        }
        sink.send(SinkMsg::Stopped);
        handle.join().unwrap();
        let store = Store::open_existing(&Store::path_in(dir.path())).unwrap();
        assert_eq!(store.cdr_count().unwrap(), 2000);
        // 6,000 events with one fsync'd transaction each would take far longer.
        assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    }
}
