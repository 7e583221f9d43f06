//! The I/O loop around the sans-IO engine: one tokio current-thread runtime
//! owns the SIP socket, one RTP socket per call leg, the timer and the
//! signals; every input goes through `Engine::handle_*` and every output is
//! drained with `poll_*` right after (see docs/architecture.md).

use crate::media_ports::{MediaPorts, PortRange, RtpSocket};
use crate::sink::{Sink, SinkMsg};
use centralino_engine::{Command, Engine, EngineEvent, LegKey};
use nix::sys::socket::{send, sendto, MsgFlags, SockaddrStorage};
use std::cell::RefCell;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// What the driver tells the outside (the HTTP server, tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct DriverStats {
    /// Datagrams we could not send (socket full or gone).
    pub send_errors: u64,
}

struct LegSocket {
    key: LegKey,
    /// The descriptor of `socket`, kept inline: the per-packet send reads
    /// it straight from this table instead of following `socket`'s pointer
    /// (a cache miss per packet with thousands of legs).
    fd: RawFd,
    socket: Rc<RtpSocket>,
    /// The remote the socket is connected to (see [`LegSocket::send`]).
    connected: Option<std::net::SocketAddr>,
    task: JoinHandle<()>,
}

impl LegSocket {
    /// Send one RTP packet: one plain syscall, no readiness bookkeeping
    /// (the runtime watches the socket for reading only). With `connect`,
    /// the socket is connected to the remote (re-connected when it
    /// changes): the kernel then skips the route lookup of every packet,
    /// and only that remote's packets are received — exactly the engine's
    /// rule when RTP latching is off.
    fn send(&mut self, buf: &[u8], to: std::net::SocketAddr, connect: bool) -> io::Result<usize> {
        // `fd` is `socket`'s descriptor, open for as long as `self` holds
        // `socket`.
        if !connect {
            return sendto(self.fd, buf, &SockaddrStorage::from(to), MsgFlags::empty())
                .map_err(io::Error::from);
        }
        if self.connected != Some(to) {
            self.socket.get_ref().connect(to)?;
            self.connected = Some(to);
        }
        send(self.fd, buf, MsgFlags::empty()).map_err(io::Error::from)
    }
}

/// The legs' sockets, indexed by the leg's slot index (no hashing on the
/// per-packet path).
#[derive(Default)]
struct LegSockets(Vec<Option<LegSocket>>);

impl LegSockets {
    fn get_mut(&mut self, key: LegKey) -> Option<&mut LegSocket> {
        self.0
            .get_mut(key.index())?
            .as_mut()
            .filter(|l| l.key == key)
    }

    /// Put a leg's socket in its slot; gives back a stale leg's socket
    /// left in it (its leg ended without closing its media).
    fn insert(&mut self, leg: LegSocket) -> Option<LegSocket> {
        let i = leg.key.index();
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i].replace(leg)
    }

    fn remove(&mut self, key: LegKey) -> Option<LegSocket> {
        let slot = self.0.get_mut(key.index())?;
        if slot.as_ref().is_some_and(|l| l.key == key) {
            slot.take()
        } else {
            None
        }
    }
}

/// Everything the tasks share. Single-threaded: `Rc<RefCell<…>>`, borrowed
/// only between awaits.
pub struct Driver {
    engine: Engine,
    sip: Rc<UdpSocket>,
    legs: LegSockets,
    ports: MediaPorts,
    sink: Sink,
    wake_timer: Rc<Notify>,
    armed: Option<Instant>,
    stats: DriverStats,
    rtp_buf: Box<[u8; 2048]>,
    shutdown_started: bool,
    publish: Publish,
    /// Connect each RTP socket to its remote (RTP latching off).
    connect_rtp: bool,
    /// The media clock thread runs (else tokio's timer paces RTP).
    media_clock: bool,
}

type Shared = Rc<RefCell<Driver>>;

impl Driver {
    /// Drain every output of the engine, then re-arm the timer if the next
    /// deadline moved earlier.
    fn flush(&mut self, shared: &Shared) {
        loop {
            let mut progressed = false;
            while let Some(t) = self.engine.poll_transmit() {
                progressed = true;
                if let Err(e) = self.sip.try_send_to(&t.payload, t.destination) {
                    self.stats.send_errors += 1;
                    tracing::debug!(destination = %t.destination, error = %e, "SIP send failed");
                }
            }
            while let Some(t) = self.engine.poll_rtp(&mut self.rtp_buf[..]) {
                progressed = true;
                if let Some(leg) = self.legs.get_mut(t.leg) {
                    if leg
                        .send(&self.rtp_buf[..t.len], t.destination, self.connect_rtp)
                        .is_err()
                    {
                        self.stats.send_errors += 1;
                    }
                }
            }
            while let Some(ev) = self.engine.poll_event() {
                progressed = true;
                self.on_event(ev, shared);
            }
            if !progressed {
                break;
            }
        }
        // Media ticks come from the media clock thread; tokio's timer only
        // serves the other deadlines.
        let next = if self.media_clock {
            self.engine.poll_timeout_except_media()
        } else {
            self.engine.poll_timeout()
        };
        if next != self.armed {
            self.armed = next;
            self.wake_timer.notify_one();
        }
    }

    /// Send a relayed packet from its leg's socket.
    fn send_rtp(&mut self, t: centralino_engine::RtpTransmit, buf: &[u8]) {
        if let Some(leg) = self.legs.get_mut(t.leg) {
            if leg
                .send(&buf[..t.len], t.destination, self.connect_rtp)
                .is_err()
            {
                self.stats.send_errors += 1;
            }
        }
    }

    /// Stop a leg's receive task and give its port back.
    fn close_leg_socket(&mut self, l: LegSocket) {
        l.task.abort();
        if let Ok(addr) = l.socket.get_ref().local_addr() {
            self.ports.release(addr.port());
        }
    }

    fn on_event(&mut self, ev: EngineEvent, shared: &Shared) {
        match ev {
            EngineEvent::OpenMedia { leg } => {
                let now = Instant::now();
                match self.ports.bind() {
                    Ok(socket) => {
                        let local = socket.get_ref().local_addr().ok();
                        let socket = Rc::new(socket);
                        let task =
                            tokio::task::spawn_local(rtp_task(shared.clone(), leg, socket.clone()));
                        let stale = self.legs.insert(LegSocket {
                            key: leg,
                            fd: socket.get_ref().as_raw_fd(),
                            socket,
                            connected: None,
                            task,
                        });
                        if let Some(stale) = stale {
                            self.close_leg_socket(stale);
                        }
                        match local {
                            Some(local) => self.engine.handle_media_opened(now, leg, local),
                            None => self.engine.handle_media_failed(now, leg),
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "no RTP port available");
                        self.engine.handle_media_failed(now, leg);
                    }
                }
            }
            EngineEvent::CloseMedia { leg } => {
                if let Some(l) = self.legs.remove(leg) {
                    self.close_leg_socket(l);
                }
            }
            other => {
                if let Some(live) = crate::live::LiveEvent::of(&other) {
                    let _ = self.publish.live.send(live);
                }
                self.sink.send(SinkMsg::Engine(other))
            }
        }
    }
}

async fn sip_task(shared: Shared, socket: Rc<UdpSocket>) {
    let mut buf = vec![0u8; 65535];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((n, source)) => {
                let mut d = shared.borrow_mut();
                let now = Instant::now();
                d.engine.handle_sip(now, source, &buf[..n]);
                // Take whatever else is already queued before flushing.
                for _ in 0..64 {
                    match socket.try_recv_from(&mut buf) {
                        Ok((n, source)) => d.engine.handle_sip(now, source, &buf[..n]),
                        Err(_) => break,
                    }
                }
                d.flush(&shared);
            }
            Err(e) if is_transient(&e) => continue,
            Err(e) => {
                tracing::error!(error = %e, "SIP socket failed");
                return;
            }
        }
    }
}

async fn rtp_task(shared: Shared, leg: LegKey, socket: Rc<RtpSocket>) {
    let mut buf = [0u8; 2048];
    let mut out = [0u8; 2048];
    loop {
        let mut ready = match socket.readable().await {
            Ok(ready) => ready,
            Err(_) => return,
        };
        let mut d = shared.borrow_mut();
        let now = Instant::now();
        // Take up to 17 queued datagrams, then hand the loop back.
        for _ in 0..17 {
            match socket.get_ref().recv_from(&mut buf) {
                Ok((n, source)) => {
                    if let Some(t) = d.engine.handle_rtp(now, leg, source, &buf[..n], &mut out) {
                        d.send_rtp(t, &out);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready.clear_ready();
                    break;
                }
                Err(e) if is_transient(&e) => continue,
                Err(_) => {
                    d.flush(&shared);
                    return;
                }
            }
        }
        d.flush(&shared);
    }
}

fn is_transient(e: &io::Error) -> bool {
    // ICMP port unreachable from an earlier send surfaces as ConnectionRefused on Linux.
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

async fn timer_task(shared: Shared, wake: Rc<Notify>, tick: Arc<Notify>) {
    loop {
        let deadline = shared.borrow().armed;
        match deadline {
            Some(at) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(at.into()) => {}
                    _ = tick.notified() => {}
                    _ = wake.notified() => continue,
                }
            }
            None => {
                tokio::select! {
                    _ = tick.notified() => {}
                    _ = wake.notified() => continue,
                }
            }
        }
        let mut d = shared.borrow_mut();
        let now = Instant::now();
        d.engine.handle_timeout(now);
        d.armed = None;
        d.flush(&shared);
    }
}

/// The media clock: a plain thread that sleeps to each 20 ms boundary of
/// the engine's pacing grid and wakes the loop. tokio's timer has a 1 ms
/// resolution and wakes 1–2 ms late with varying lateness; a thread sleep
/// is within ~0.2 ms, so RTP leaves on time (lower jitter at the receiver).
/// Other deadlines (SIP timers, IVR) stay on tokio's timer.
fn spawn_media_clock(
    grid: centralino_media::PacingGrid,
    tick: Arc<Notify>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> bool {
    let spawned = std::thread::Builder::new()
        .name("centralino-media-clock".into())
        .spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let now = Instant::now();
                let next = grid.next_tick_after(now);
                std::thread::sleep(next.saturating_duration_since(now));
                tick.notify_one();
            }
        });
    match spawned {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "no media clock thread: RTP paced by the runtime's timer");
            false
        }
    }
}

/// How the run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// SIGTERM/SIGINT and every call ended.
    Clean,
}

/// A closure run on the engine inside the loop.
pub type EngineTask = Box<dyn FnOnce(&mut Engine, Instant) + Send>;

/// Inputs from outside the loop (signals, HTTP API).
pub enum Control {
    /// Give the engine a command.
    Engine(Command),
    /// Run a closure on the engine (the HTTP API answers through a oneshot
    /// channel captured in it).
    Call(EngineTask),
    /// Stop taking calls, end the rest, then exit.
    Shutdown,
}

/// What the loop publishes for readers outside it (HTTP API, wallboard,
/// metrics, CTI).
#[derive(Clone)]
pub struct Publish {
    /// The latest snapshot, refreshed every `snapshot_every`.
    pub snapshots: tokio::sync::watch::Sender<Arc<centralino_engine::Snapshot>>,
    /// Live events (call events, agent changes, voicemails, callbacks).
    pub live: tokio::sync::broadcast::Sender<crate::live::LiveEvent>,
    /// How often to refresh the snapshot.
    pub snapshot_every: Duration,
}

/// Everything the loop owns.
pub struct Parts {
    /// The engine.
    pub engine: Engine,
    /// The bound SIP socket.
    pub sip: UdpSocket,
    /// RTP port range.
    pub rtp_ports: PortRange,
    /// The IP RTP sockets bind to.
    pub rtp_ip: std::net::IpAddr,
    /// The background writer.
    pub sink: Sink,
    /// Orders from signals and the HTTP API.
    pub control: tokio::sync::mpsc::UnboundedReceiver<Control>,
    /// Wall-clock time (the system clock, or `--now`'s).
    pub wall_clock: Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>,
    /// Snapshots and live events for readers.
    pub publish: Publish,
    /// Connect RTP sockets to their remote (true unless `rtp.latch`).
    pub connect_rtp: bool,
}

/// Run until shutdown completes.
pub async fn run(parts: Parts) -> Exit {
    let Parts {
        engine,
        sip,
        rtp_ports,
        rtp_ip,
        sink,
        mut control,
        wall_clock,
        publish,
        connect_rtp,
    } = parts;
    let sip = Rc::new(sip);
    let wake = Rc::new(Notify::new());
    let shared: Shared = Rc::new(RefCell::new(Driver {
        engine,
        sip: sip.clone(),
        legs: LegSockets::default(),
        ports: MediaPorts::new(rtp_ip, rtp_ports),
        sink,
        wake_timer: wake.clone(),
        armed: None,
        stats: DriverStats::default(),
        rtp_buf: Box::new([0u8; 2048]),
        shutdown_started: false,
        publish: publish.clone(),
        connect_rtp,
        media_clock: false,
    }));
    {
        let mut d = shared.borrow_mut();
        d.flush(&shared);
    }
    let sip_handle = tokio::task::spawn_local(sip_task(shared.clone(), sip));
    let tick = Arc::new(Notify::new());
    let stop_clock = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let grid = shared.borrow().engine.pacing_grid();
    let clock_runs = spawn_media_clock(grid, tick.clone(), stop_clock.clone());
    shared.borrow_mut().media_clock = clock_runs;
    let timer_handle = tokio::task::spawn_local(timer_task(shared.clone(), wake, tick));
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut snap = tokio::time::interval(publish.snapshot_every);
    snap.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            msg = control.recv() => {
                let mut d = shared.borrow_mut();
                let now = Instant::now();
                match msg {
                    Some(Control::Engine(cmd)) => d.engine.handle_command(now, cmd),
                    Some(Control::Call(f)) => f(&mut d.engine, now),
                    Some(Control::Shutdown) | None => {
                        if !d.shutdown_started {
                            d.shutdown_started = true;
                            tracing::info!("shutting down: new calls get 503, calls in progress are ended");
                            d.engine.handle_command(now, Command::Shutdown);
                        }
                    }
                }
                d.flush(&shared);
            }
            _ = snap.tick() => {
                let d = shared.borrow();
                let s = d.engine.snapshot(Instant::now());
                let _ = publish.snapshots.send(Arc::new(s));
            }
            _ = clock.tick() => {
                let mut d = shared.borrow_mut();
                let now = Instant::now();
                d.engine.handle_wall_clock(now, wall_clock());
                d.flush(&shared);
                if d.shutdown_started && d.engine.is_idle() {
                    break;
                }
            }
        }
    }
    sip_handle.abort();
    timer_handle.abort();
    stop_clock.store(true, std::sync::atomic::Ordering::Relaxed);
    let d = shared.borrow();
    if d.stats.send_errors > 0 {
        tracing::info!(send_errors = d.stats.send_errors, "datagrams not sent");
    }
    d.sink.send(SinkMsg::Stopped);
    Exit::Clean
}
