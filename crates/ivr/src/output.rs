//! What an [`crate::IvrCall`] asks the engine to do, and what it reports
//! for the CDR.

use crate::ids::{AnnouncementId, Digits, MenuId, PromptRef};
use centralino_model::{DtmfDigit, Language, QueueId};
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// Names one `Play`: the engine reports its end with this token, and a
/// stale token (a playback already stopped or replaced) is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayToken(pub u64);

impl fmt::Display for PlayToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "play#{}", self.0)
    }
}

/// How the IVR itself ended a call (a caller hanging up is the engine's to
/// record, not an IVR outcome).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IvrOutcome {
    /// Served by the IVR alone (a message such as APIAE's office hours, a
    /// `hangup` action, a voicemail too short to keep inside the window).
    SelfService,
    /// Outside the service window, no message left.
    OutOfHours,
    /// A voicemail was left and kept.
    Voicemail,
}

/// A call handed to the ACD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnqueueRequest {
    /// The queue.
    pub queue: QueueId,
    /// The call's language (the ACD may route on it; the CDR records it).
    pub language: Language,
    /// Skills the option requires.
    pub required_skills: Vec<String>,
    /// Priority as configured (0 by default).
    pub priority: u8,
    /// Every menu key the caller chose, in order (`"92"`: English, then 2).
    pub digits: String,
    /// "Please hold" announcement, in the call's language.
    pub queue_prompt: PromptRef,
    /// Music on hold, in the call's language.
    pub music_on_hold: PromptRef,
}

/// One thing for the engine to do. Drain with
/// [`crate::IvrCall::poll_action`] after every input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IvrAction {
    /// Play these prompts in order, then report
    /// [`crate::IvrCall::handle_playback_finished`] with `token`. A new
    /// `Play` replaces any playback still running.
    Play {
        /// Names this playback.
        token: PlayToken,
        /// `prompts/<language>/<name>.wav`, in order.
        prompts: Vec<PromptRef>,
        /// Whether a DTMF key may interrupt it (the IVR then sends
        /// `StopPlayback` itself).
        interruptible: bool,
    },
    /// Stop the playback `token` at once (barge-in); do not report its end.
    StopPlayback {
        /// The playback to stop.
        token: PlayToken,
    },
    /// Start recording the caller (decode to 16-bit PCM). Report silence
    /// lasting `silence_timeout` with `handle_silence`, and a recording
    /// that stops by itself with `handle_recording_finished`.
    StartRecording {
        /// Hard cap; the IVR's own timer also stops at this length.
        max_length: Duration,
        /// Silence that ends the message.
        silence_timeout: Duration,
        /// The key that ends the message (the IVR watches for it).
        finish_key: DtmfDigit,
    },
    /// Stop and finalise the recording: keep the file, or delete it when it
    /// is shorter than the configured minimum. Sent exactly once per
    /// `StartRecording`, even when the caller has hung up.
    StopRecording {
        /// Keep (true) or discard (false).
        keep: bool,
    },
    /// Hand the call to the ACD; the IVR is done.
    Enqueue(EnqueueRequest),
    /// Transfer the call to a number; the IVR is done.
    Transfer {
        /// The normalised number.
        number: String,
    },
    /// Hang up; the IVR is done.
    Hangup {
        /// Why, for the CDR.
        outcome: IvrOutcome,
    },
    /// Something to record in the CDR.
    Event(IvrEvent),
}

/// What happened in the IVR, for the CDR and the operator's screen-pop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum IvrEvent {
    /// The call takes the out-of-hours path.
    OutOfHours,
    /// The welcome played (which variant).
    Welcome {
        /// The welcome prompt.
        prompt: PromptRef,
    },
    /// An announcement played.
    Announcement {
        /// Its id.
        id: AnnouncementId,
    },
    /// A valid menu choice.
    Choice {
        /// The menu.
        menu: MenuId,
        /// The option chosen.
        digits: Digits,
    },
    /// An entry that matches no option.
    InvalidChoice {
        /// The menu.
        menu: MenuId,
        /// What was typed.
        digits: String,
    },
    /// No key within the first-digit timeout.
    MenuTimeout {
        /// The menu.
        menu: MenuId,
    },
    /// Too many invalid entries or timeouts: the no-choice action runs.
    NoChoice {
        /// The menu.
        menu: MenuId,
    },
    /// The caller switched language.
    LanguageChosen {
        /// The new language.
        language: Language,
    },
    /// Recording started.
    VoicemailStarted,
    /// A message was kept.
    VoicemailLeft {
        /// Its length.
        #[serde(with = "centralino_model::duration")]
        duration: Duration,
    },
    /// A message shorter than the minimum was discarded.
    VoicemailDiscarded {
        /// Its length.
        #[serde(with = "centralino_model::duration")]
        duration: Duration,
    },
}
