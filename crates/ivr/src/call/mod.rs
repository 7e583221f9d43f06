//! The per-call IVR state machine, sans-IO.
//!
//! The engine creates an [`IvrCall`] when a call for a service is answered,
//! feeds it inputs (`handle_*`, with `now` passed in), drains
//! [`IvrCall::poll_action`] after every input until `None`, and calls
//! [`IvrCall::handle_timeout`] when [`IvrCall::poll_timeout`] passes
//! (early calls are harmless). Nothing here reads a clock: wall-clock time
//! is given once at start and advanced by the `Instant`s of the inputs.

mod flow;

use crate::action::Action;
use crate::ids::{MenuId, PromptName, PromptRef};
use crate::output::{IvrAction, IvrOutcome, PlayToken};
use crate::service::Service;
use centralino_calendar::{FIRST_YEAR, LAST_YEAR};
use centralino_model::{DtmfDigit, Language};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A call enters at most this many menus (replays included) before the IVR
/// says goodbye: a bound on loops through menus.
pub const MAX_MENU_ENTRIES: u32 = 32;

/// `now + d`, saturating at `now` for a duration no clock could reach.
fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).unwrap_or(now)
}

/// Who called whom: kept with the call for the CDR and the operator's
/// screen-pop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContext {
    caller: String,
    called: String,
    diverted_from: Option<String>,
}

impl CallContext {
    /// A direct call from `caller` to `called`, as the trunk gave them.
    pub fn new(caller: impl Into<String>, called: impl Into<String>) -> CallContext {
        CallContext {
            caller: caller.into(),
            called: called.into(),
            diverted_from: None,
        }
    }

    /// The same call, forwarded: `original` is the first called party of a
    /// `Diversion` or `History-Info` header (an internal extension that did
    /// not answer, "ricaduta").
    pub fn with_diverted_from(mut self, original: impl Into<String>) -> CallContext {
        self.diverted_from = Some(original.into());
        self
    }

    /// The calling number.
    pub fn caller(&self) -> &str {
        &self.caller
    }

    /// The called number (DNIS) that selected the service.
    pub fn called(&self) -> &str {
        &self.called
    }

    /// The original called party of a forwarded call.
    pub fn diverted_from(&self) -> Option<&str> {
        self.diverted_from.as_deref()
    }

    /// The number the caller first dialled: the diverting party when
    /// forwarded, else the called number.
    pub fn original_called(&self) -> &str {
        self.diverted_from.as_deref().unwrap_or(&self.called)
    }
}

/// Where a call is in its IVR.
///
/// ```text
///  start ─ in window (or run_ivr) ─► Playing(Greeting) ─────────────► service action
///    │  ╰ forwarded, in window ───────────────────────────────────────► forwarded action
///    ╰ out of window ─► Playing(OutOfHours) ─end─► AwaitingOffer ─timeout─► Playing(Hangup)
///                          │ offer key              │ offer key
///                          ╰──────────┬─────────────╯
///                                     ▼
///  action `voicemail` ─────► Playing(VoicemailIntro) ─end─► Recording ─ key/silence/max/
///                                                              │       finished/hang-up
///                                                              ▼
///                                                  Playing(Hangup) ─end─► Done
///
///  action `menu` ─► Playing(MenuPrompt) ─end─► Collecting ─ option ─► [Playing(Announced)] ─► action
///                    ▲  │ key (barge-in)         │ │ ▲ more keys
///                    │  ╰────────────────────────┤ ╰─╯ (inter-digit timeout, `#`)
///                    ╰── invalid / timeout ◄─────┤
///                              max reached ──────╯─► [Playing(NoChoice)] ─► no_choice action
///
///  action `queue` ─► Enqueue ─► Done  (outside the window ─► out-of-hours path)
///  action `transfer` ─► Transfer ─► Done      `play_then_hangup` / `hangup` ─► Playing(Hangup)
///  action `play_then_menu` ─► Playing(Menu) ─► MenuPrompt      `language` ─► MenuPrompt again
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IvrState {
    /// Prompts are playing; `then` says what follows their end.
    Playing {
        /// The playback.
        token: PlayToken,
        /// Whether a key interrupts it.
        interruptible: bool,
        /// What follows.
        then: AfterPlay,
    },
    /// Waiting for (more) keys of a menu entry.
    Collecting {
        /// The menu.
        menu: MenuId,
        /// Keys typed so far.
        digits: String,
        /// First-digit or inter-digit deadline.
        deadline: Instant,
    },
    /// Out of hours: waiting for the key that accepts voicemail.
    AwaitingOffer {
        /// When to give up and say goodbye.
        deadline: Instant,
    },
    /// Recording a voicemail.
    Recording {
        /// When recording started.
        started: Instant,
        /// When the maximum length is reached.
        deadline: Instant,
    },
    /// The IVR has handed the call on or hung up (or the caller left).
    Done,
}

/// What follows a playback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AfterPlay {
    /// Welcome and announcements: then the service's action.
    Greeting,
    /// A menu prompt (maybe after "invalid choice"): then wait for keys.
    MenuPrompt(MenuId),
    /// The last "invalid choice": then the menu's no-choice action.
    NoChoice(MenuId),
    /// An option's announcements: then its action (chosen in this menu).
    Announced(Action, Option<MenuId>),
    /// A `play_then_menu` prompt: then the menu.
    Menu(MenuId),
    /// Out-of-hours message and voicemail offer: then wait for the key.
    OutOfHours,
    /// Voicemail instructions and beep: then record.
    VoicemailIntro,
    /// A closing message or the goodbye: then hang up.
    Hangup(IvrOutcome),
}

/// One call's IVR. See [`IvrState`] for the flow and the module docs for
/// the run-loop contract.
#[derive(Debug)]
pub struct IvrCall {
    service: Arc<Service>,
    ctx: CallContext,
    wall0: DateTime<Utc>,
    t0: Instant,
    language: Language,
    in_window: bool,
    took_out_of_hours: bool,
    caller_gone: bool,
    state: IvrState,
    actions: VecDeque<IvrAction>,
    next_token: u64,
    menu_entries: u32,
    invalid: u32,
    timeouts: u32,
    chosen_digits: String,
}

impl IvrCall {
    /// Start the IVR of a call that has just been answered. `wall` is the
    /// wall-clock time at `now` (the window, the welcome band and the
    /// announcements are decided from it). The call keeps `service` for
    /// its whole life.
    pub fn start(
        service: Arc<Service>,
        ctx: CallContext,
        wall: DateTime<Utc>,
        now: Instant,
    ) -> IvrCall {
        let language = service.default_language().clone();
        let mut call = IvrCall::new(service, ctx, language, wall, now);
        call.begin(now);
        call
    }

    /// Start a call straight at the voicemail (instructions, beep,
    /// recording, goodbye) in `language`: for a queue that sends waiting
    /// callers to voicemail (the ACD's `on_max_wait` / `on_no_agents`).
    pub fn start_voicemail(
        service: Arc<Service>,
        ctx: CallContext,
        language: Language,
        wall: DateTime<Utc>,
        now: Instant,
    ) -> IvrCall {
        let mut call = IvrCall::new(service, ctx, language, wall, now);
        call.voicemail_intro();
        call
    }

    fn new(
        service: Arc<Service>,
        ctx: CallContext,
        language: Language,
        wall: DateTime<Utc>,
        now: Instant,
    ) -> IvrCall {
        let in_window = service.calendar().is_open(wall);
        IvrCall {
            service,
            ctx,
            wall0: wall,
            t0: now,
            language,
            in_window,
            took_out_of_hours: false,
            caller_gone: false,
            state: IvrState::Done,
            actions: VecDeque::new(),
            next_token: 0,
            menu_entries: 0,
            invalid: 0,
            timeouts: 0,
            chosen_digits: String::new(),
        }
    }

    /// A key from the caller (RFC 4733 or in-band, as the engine detects it).
    pub fn handle_dtmf(&mut self, now: Instant, key: DtmfDigit) {
        self.on_key(now, key);
    }

    /// A `Play` ended by itself. Stale tokens are ignored.
    pub fn handle_playback_finished(&mut self, now: Instant, token: PlayToken) {
        match &self.state {
            IvrState::Playing { token: t, then, .. } if *t == token => {
                let then = then.clone();
                self.after_play(now, then);
            }
            _ => {}
        }
    }

    /// The recording stopped by itself (the media's own cap, an error, …)
    /// after `duration` of audio. The IVR answers with `StopRecording`.
    pub fn handle_recording_finished(&mut self, _now: Instant, duration: Duration) {
        if matches!(self.state, IvrState::Recording { .. }) {
            self.stop_recording(duration);
        }
    }

    /// The media saw `silence_timeout` of silence while recording. The
    /// message's length is the time recorded less that trailing silence.
    pub fn handle_silence(&mut self, now: Instant) {
        if let IvrState::Recording { started, .. } = self.state {
            let elapsed = self.clamp_recording(now.saturating_duration_since(started));
            let speech = elapsed.saturating_sub(self.service.voicemail().silence_timeout);
            self.stop_recording(speech);
        }
    }

    /// The caller hung up. A recording in progress is finalised (kept when
    /// long enough); nothing else is emitted.
    pub fn handle_caller_hangup(&mut self, now: Instant) {
        self.caller_gone = true;
        if let IvrState::Recording { started, .. } = self.state {
            let elapsed = self.clamp_recording(now.saturating_duration_since(started));
            self.stop_recording(elapsed);
        }
        self.state = IvrState::Done;
    }

    /// A deadline may have passed; calling it early does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.poll_timeout() {
            Some(deadline) if now >= deadline => self.on_deadline(now),
            _ => {}
        }
    }

    /// The next deadline, if the IVR is waiting for one.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.state {
            IvrState::Collecting { deadline, .. }
            | IvrState::AwaitingOffer { deadline }
            | IvrState::Recording { deadline, .. } => Some(*deadline),
            _ => None,
        }
    }

    /// The next thing for the engine to do; drain until `None` after every input.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<IvrAction> {
        self.actions.pop_front()
    }

    /// The service the call started with.
    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }

    /// Caller, called, original called party.
    pub fn context(&self) -> &CallContext {
        &self.ctx
    }

    /// The call's language now (the default until the caller switches).
    pub fn language(&self) -> &Language {
        &self.language
    }

    /// Whether the service window was open when the call arrived.
    pub fn in_window(&self) -> bool {
        self.in_window
    }

    /// Where the call is.
    pub fn state(&self) -> &IvrState {
        &self.state
    }

    /// Whether the IVR has nothing more to do.
    pub fn is_finished(&self) -> bool {
        self.state == IvrState::Done
    }

    /// Wall-clock time at `now`, in the service's time zone.
    fn local_at(&self, now: Instant) -> DateTime<Tz> {
        let elapsed =
            chrono::Duration::from_std(now.saturating_duration_since(self.t0)).unwrap_or_default();
        let wall = self.wall0.checked_add_signed(elapsed).unwrap_or(self.wall0);
        // Instants the calendar does not answer for (a broken clock) would
        // overflow the local time: take any fixed instant instead.
        let wall = if (FIRST_YEAR..=LAST_YEAR).contains(&wall.year()) {
            wall
        } else {
            DateTime::UNIX_EPOCH
        };
        wall.with_timezone(&self.service.calendar().time_zone())
    }

    fn prompt(&self, name: &PromptName) -> PromptRef {
        PromptRef {
            language: self.language.clone(),
            name: name.clone(),
        }
    }

    fn clamp_recording(&self, d: Duration) -> Duration {
        d.min(self.service.voicemail().max_length)
    }

    fn emit(&mut self, action: IvrAction) {
        self.actions.push_back(action);
    }

    /// Queue a `Play` and wait for its end.
    fn play(&mut self, names: &[&PromptName], interruptible: bool, then: AfterPlay) {
        let token = PlayToken(self.next_token);
        self.next_token += 1;
        let prompts = names.iter().map(|n| self.prompt(n)).collect();
        self.emit(IvrAction::Play {
            token,
            prompts,
            interruptible,
        });
        self.state = IvrState::Playing {
            token,
            interruptible,
            then,
        };
    }

    /// Stop the current playback (barge-in).
    fn stop_playback(&mut self) {
        if let IvrState::Playing { token, .. } = self.state {
            self.emit(IvrAction::StopPlayback { token });
        }
    }

    fn finish(&mut self, action: IvrAction) {
        self.emit(action);
        self.state = IvrState::Done;
    }
}
