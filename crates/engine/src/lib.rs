//! Centralino's call engine, sans-IO: it composes the SIP transaction layer,
//! SDP offer/answer, media sessions, the IVR, the ACD and the CDR events
//! behind one `handle_*` / `poll_*` interface (docs/architecture.md).
//!
//! ## Run loop
//! - Inputs: [`Engine::handle_sip`] (a UDP datagram on the SIP socket),
//!   [`Engine::handle_rtp`] (a datagram on a leg's RTP socket),
//!   [`Engine::handle_media_opened`] / [`Engine::handle_media_failed`] (the
//!   answer to [`EngineEvent::OpenMedia`]), [`Engine::handle_timeout`],
//!   [`Engine::handle_wall_clock`], [`Engine::handle_command`].
//! - After any input, drain [`Engine::poll_transmit`] (SIP datagrams),
//!   [`Engine::poll_rtp`] (RTP packets, written into the caller's buffer)
//!   and [`Engine::poll_event`] until all three return `None`; the driver
//!   must answer `OpenMedia` at once (it is part of answering a call).
//! - Then sleep until [`Engine::poll_timeout`]. Media is paced on one shared
//!   20 ms grid: the engine's deadline includes the next tick whenever a leg
//!   sends audio, and one `handle_timeout` produces that tick's packets for
//!   every call.
//!
//! Nothing here reads the clock, touches a socket or a file: `now` is passed
//! in, wall-clock time is derived from [`Engine::handle_wall_clock`], and
//! randomness comes from the seed.

mod acd_glue;
mod agents;
mod call;
mod callbacks;
mod catalog;
mod clock;
mod config;
mod dispatch;
mod inbound;
mod media_plane;
mod outbound;
mod script;
mod slab;
mod snapshot;
mod timers;
mod transfer;

#[cfg(test)]
mod tests;

pub use acd_glue::system_prompt_names;
pub use callbacks::CallbackRecord;
pub use catalog::{Catalog, PromptLibrary};
pub use clock::WallClock;
pub use config::{EngineConfig, TrunkConfig};
pub use slab::LegKey;
pub use snapshot::{AgentSnapshot, CallSnapshot, Snapshot};

use call::Call;
use centralino_cdr::CallEvent;
use centralino_media::PacingGrid;
use centralino_model::CallKey;
use centralino_sip::txn::{ClientTxKey, ServerTxKey, TransactionLayer, TxConfig};
use centralino_sip::IdGen;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use centralino_sip::txn::Transmit;

/// An RTP packet to send: the first `len` bytes of the buffer given to
/// [`Engine::poll_rtp`], from `leg`'s socket to `destination`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpTransmit {
    /// The leg whose socket sends it.
    pub leg: LegKey,
    /// Where to.
    pub destination: SocketAddr,
    /// Packet length.
    pub len: usize,
}

/// A voicemail message, recorded and kept: the driver writes the WAV file
/// and the database row.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedVoicemail {
    /// Unique id (also the file name).
    pub id: String,
    /// The call's CDR id.
    pub call_id: String,
    /// The service whose mailbox it is.
    pub service: String,
    /// Calling number.
    pub caller: String,
    /// Called number (the original one for a forwarded call).
    pub called: String,
    /// When the recording started.
    pub received_at: DateTime<Utc>,
    /// Length.
    pub duration: Duration,
    /// 8 kHz mono 16-bit PCM.
    pub pcm: Vec<i16>,
}

/// What the engine tells the driver.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EngineEvent {
    /// Bind an RTP socket for `leg` now and answer with
    /// [`Engine::handle_media_opened`] or [`Engine::handle_media_failed`].
    OpenMedia {
        /// The leg.
        leg: LegKey,
    },
    /// The leg is gone: close its socket.
    CloseMedia {
        /// The leg.
        leg: LegKey,
    },
    /// A call event for the CDR (the CDR is a fold of them).
    Call(CallEvent),
    /// A voicemail was recorded.
    Voicemail(RecordedVoicemail),
    /// An agent's status, state or reachability changed.
    Agent(AgentUpdate),
    /// A callback request was made or changed state (persist it).
    Callback(CallbackRecord),
}

/// An agent's new situation (for the wallboard and CTI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentUpdate {
    /// The agent.
    pub agent: centralino_model::AgentId,
    /// Set by people: logged out, available, on break.
    pub status: centralino_acd::AgentStatus,
    /// Set by the engine: idle, offered, in call, wrap-up.
    pub state: centralino_acd::AgentState,
    /// Registered (a binding exists).
    pub reachable: bool,
}

/// Orders from outside (signals, the HTTP API).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Command {
    /// Stop taking calls (503), end the calls in progress, then report idle.
    Shutdown,
    /// New calls use this catalog (services, prompts); calls in progress
    /// keep the one they started with. Queues and agents keep the
    /// configuration they started with (a restart applies changes).
    Reload(Arc<Catalog>),
    /// Pending callbacks from the database (after a restart).
    RestoreCallbacks(Vec<CallbackRecord>),
    /// Change an agent's status (HTTP API).
    AgentStatus(centralino_model::AgentId, centralino_acd::AgentStatus),
}

/// Counters for logs, metrics and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct EngineStats {
    /// Calls accepted since start.
    pub calls_started: u64,
    /// Calls ended since start.
    pub calls_ended: u64,
    /// Calls refused with 503 because of `max_calls` or shutdown.
    pub calls_refused: u64,
    /// Calls refused with 488 (no common codec).
    pub calls_no_codec: u64,
    /// Calls refused with 404 (unknown number).
    pub calls_unknown_number: u64,
    /// Calls in progress.
    pub active_calls: u64,
    /// RTP packets sent.
    pub rtp_sent: u64,
    /// RTP packets received and accepted.
    pub rtp_received: u64,
    /// RTP datagrams dropped (malformed, wrong source, unexpected type).
    pub rtp_dropped: u64,
    /// RTP packets lost (sequence gaps at the receiver), over ended and live legs.
    pub rtp_lost: u64,
    /// DTMF digits received (RTP events and SIP INFO).
    pub dtmf_received: u64,
    /// Voicemails kept.
    pub voicemails: u64,
}

/// What a client transaction of ours is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientPurpose {
    /// A BYE ending a leg.
    Bye(LegKey),
    /// The INVITE of an outgoing leg.
    Invite(LegKey),
    /// A NOTIFY (transfer progress): the answer does not matter.
    Notify,
}

/// The engine. See the crate documentation for the run loop.
pub struct Engine {
    config: EngineConfig,
    catalog: Arc<Catalog>,
    sip: TransactionLayer,
    ids: IdGen,
    run_id: u32,
    next_call: u64,
    clock: WallClock,
    grid: PacingGrid,
    calls: HashMap<CallKey, Call>,
    legs: slab::Slab<call::Leg>,
    by_dialog: HashMap<centralino_sip::dialog::DialogId, LegKey>,
    by_invite: HashMap<ServerTxKey, LegKey>,
    by_client_tx: HashMap<ClientTxKey, ClientPurpose>,
    timers: timers::TimerQueue,
    events: VecDeque<EngineEvent>,
    /// Legs whose media session sends on the grid.
    media: media_plane::MediaPlane,
    registrar: centralino_sip::registrar::Registrar,
    digest: centralino_sip::auth::DigestServer,
    logins: agents::AgentLogins,
    acd: centralino_acd::Acd,
    acd_deadline: Option<Instant>,
    callbacks: HashMap<centralino_acd::CallbackId, callbacks::PendingCallback>,
    /// Offers waiting for the agent's previous, cancelled INVITE to end.
    deferred_offers: HashMap<centralino_model::AgentId, acd_glue::DeferredOffer>,
    shutting_down: Option<Instant>,
    stats: EngineStats,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("calls", &self.calls.len())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Engine {
    /// A new engine. `wall` is the wall-clock time at `now`; `seed` makes
    /// tags, Call-IDs, branches and SSRCs reproducible.
    ///
    /// Fails when the queues and agents of the catalog do not make a valid ACD.
    pub fn new(
        config: EngineConfig,
        catalog: Arc<Catalog>,
        seed: u64,
        now: Instant,
        wall: DateTime<Utc>,
    ) -> Result<Engine, centralino_acd::ConfigError> {
        let mut tx = TxConfig::new(config.sip_address);
        tx.t1 = config.t1;
        tx.t2 = config.t2;
        tx.t4 = config.t4;
        tx.user_agent = config.user_agent.clone();
        tx.wire.server = Some(config.user_agent.clone());
        tx.wire.allow = config::ALLOW.to_string();
        let mut ids = IdGen::new(seed ^ 0x5eed_0001);
        let run_id = ids.next_u64() as u32;
        let acd = centralino_acd::Acd::new(now, &catalog.acd)?;
        let logins = agents::AgentLogins::from_config(&catalog.acd);
        let secret = ids.token(32);
        let mut digest_cfg =
            centralino_sip::auth::DigestConfig::new(&config.realm, secret.as_bytes());
        digest_cfg.algorithms = config.digest_algorithms.clone();
        let digest = centralino_sip::auth::DigestServer::new(digest_cfg, now, seed ^ 0xd1_6e57);
        let registrar = centralino_sip::registrar::Registrar::new(config.registrar);
        Ok(Engine {
            sip: TransactionLayer::new(tx, seed),
            ids,
            run_id,
            next_call: 0,
            clock: WallClock::new(now, wall),
            grid: PacingGrid::new(now, media_plane::SLOT),
            calls: HashMap::new(),
            legs: slab::Slab::default(),
            by_dialog: HashMap::new(),
            by_invite: HashMap::new(),
            by_client_tx: HashMap::new(),
            timers: timers::TimerQueue::default(),
            events: VecDeque::new(),
            media: media_plane::MediaPlane::default(),
            shutting_down: None,
            stats: EngineStats::default(),
            registrar,
            digest,
            logins,
            acd,
            acd_deadline: None,
            callbacks: HashMap::new(),
            deferred_offers: HashMap::new(),
            config,
            catalog,
        })
    }

    /// A datagram arrived on the SIP socket.
    pub fn handle_sip(&mut self, now: Instant, source: SocketAddr, datagram: &[u8]) {
        self.sip.handle_datagram(now, source, datagram);
        self.process_sip_events(now);
    }

    /// A datagram arrived on `leg`'s RTP socket. When the leg is bridged,
    /// the packet for the other leg is written into `out` and returned:
    /// send it at once (relaying allocates nothing and waits for nothing).
    #[must_use]
    pub fn handle_rtp(
        &mut self,
        now: Instant,
        leg: LegKey,
        source: SocketAddr,
        datagram: &[u8],
        out: &mut [u8],
    ) -> Option<RtpTransmit> {
        self.on_rtp(now, leg, source, datagram, out)
    }

    /// The driver bound `leg`'s RTP socket at `local`.
    pub fn handle_media_opened(&mut self, now: Instant, leg: LegKey, local: SocketAddr) {
        self.on_media_opened(now, leg, local);
    }

    /// The driver could not bind an RTP socket for `leg`.
    pub fn handle_media_failed(&mut self, now: Instant, leg: LegKey) {
        self.on_media_failed(now, leg);
    }

    /// Time passed; call when [`poll_timeout`](Self::poll_timeout) is due
    /// (early calls are harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.sip.handle_timeout(now);
        self.process_sip_events(now);
        if self.registrar.poll_timeout().is_some_and(|t| t <= now) {
            self.registrar.handle_timeout(now);
            self.process_registrar_events(now);
        }
        if self.acd_deadline.is_some_and(|t| t <= now) {
            self.acd.handle_timeout(now);
            self.drive_acd(now);
        }
        self.media_tick(now);
        self.run_timers(now);
        self.check_shutdown(now);
    }

    /// Re-anchor wall-clock time (the driver does it every second).
    pub fn handle_wall_clock(&mut self, now: Instant, wall: DateTime<Utc>) {
        self.clock.set(now, wall);
        self.check_shutdown(now);
    }

    /// An order from outside.
    pub fn handle_command(&mut self, now: Instant, command: Command) {
        match command {
            Command::Shutdown => {
                if self.shutting_down.is_none() {
                    self.shutting_down = Some(now);
                    let grace = self.config.shutdown_grace;
                    self.timers
                        .schedule(now + grace, timers::Timer::ShutdownGrace);
                }
                self.check_shutdown(now);
            }
            Command::Reload(catalog) => {
                tracing::info!(
                    "configuration reloaded: new calls use it, calls in progress keep theirs"
                );
                if catalog.acd != self.catalog.acd {
                    tracing::warn!("queues and agents changed: they apply at the next restart");
                }
                self.catalog = catalog;
            }
            Command::RestoreCallbacks(records) => self.restore_callbacks(now, records),
            Command::AgentStatus(agent, status) => {
                if let Err(e) = self.set_agent_status(now, &agent, status) {
                    tracing::info!(agent = %agent, error = %e, "status change refused");
                }
            }
        }
    }

    /// The next SIP datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.sip.poll_transmit()
    }

    /// The next RTP packet to send, written into `buf` (≥ 1500 bytes).
    #[must_use]
    pub fn poll_rtp(&mut self, buf: &mut [u8]) -> Option<RtpTransmit> {
        self.next_rtp(buf)
    }

    /// The next event for the driver.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<EngineEvent> {
        self.events.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.sip.poll_timeout(),
            self.timers.next(),
            self.media.next_tick(),
            self.registrar.poll_timeout(),
            self.acd_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// [`poll_timeout`](Self::poll_timeout) without the media ticks, for a
    /// driver that calls `handle_timeout` on every tick of
    /// [`pacing_grid`](Self::pacing_grid) from a clock of its own.
    pub fn poll_timeout_except_media(&self) -> Option<Instant> {
        [
            self.sip.poll_timeout(),
            self.timers.next(),
            self.registrar.poll_timeout(),
            self.acd_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Counters.
    pub fn stats(&self) -> EngineStats {
        let active = self.calls.values().filter(|c| !c.service_call).count();
        EngineStats {
            active_calls: active as u64,
            ..self.stats
        }
    }

    /// SIP counters of the transaction layer.
    pub fn sip_stats(&self) -> &centralino_sip::txn::TxStats {
        self.sip.stats()
    }

    /// After [`Command::Shutdown`]: no call and no transaction left.
    pub fn is_idle(&self) -> bool {
        self.shutting_down.is_some() && self.calls.is_empty() && self.legs.len() == 0
    }

    /// The shared grid RTP is paced on: 20 ms split into four 5 ms slots,
    /// each call sending in its own slot (a driver may run a precise clock
    /// on it and call `handle_timeout` at each tick).
    pub fn pacing_grid(&self) -> PacingGrid {
        self.grid
    }

    /// The ACD, for queries (wallboard, API).
    pub fn acd(&self) -> &centralino_acd::Acd {
        &self.acd
    }

    /// Wall-clock time at `now`.
    pub fn wall(&self, now: Instant) -> DateTime<Utc> {
        self.clock.at(now)
    }

    fn new_call_key(&mut self) -> (CallKey, String) {
        self.next_call += 1;
        let key = CallKey(self.next_call);
        (key, format!("{:08x}-{:06x}", self.run_id, self.next_call))
    }

    fn check_shutdown(&mut self, now: Instant) {
        let Some(since) = self.shutting_down else {
            return;
        };
        if now.saturating_duration_since(since) >= self.config.shutdown_grace {
            let keys: Vec<CallKey> = self.calls.keys().copied().collect();
            for key in keys {
                self.end_call(now, key, call::EndCause::Shutdown);
            }
        }
    }
}
