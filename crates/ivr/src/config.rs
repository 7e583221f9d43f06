//! The `services:` section as written: one [`ServiceConfig`] per list
//! entry. Typed at load (durations, dates, digits, prompt names, calendars);
//! cross-references are checked by [`crate::ServiceDirectory::from_config`].
//! The user-facing reference is `docs/config-services.md`.

use crate::action::Action;
use crate::ids::{de_digit, AnnouncementId, Digits, MenuId, PromptName};
use centralino_calendar::{Calendar, DaySet, TimeRange};
use centralino_model::{duration, DtmfDigit, Language, ServiceId};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// One service: a line of business reached by one or more called numbers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Unique id (`trentino-digitale`); recorded in CDRs.
    pub id: ServiceId,
    /// Human name.
    pub name: String,
    /// Called numbers (DNIS) that select the service; `+39 800 264760`,
    /// `0039800264760` and `800264760` are the same number.
    pub numbers: Vec<String>,
    /// The service window (operators present), holidays, closures.
    pub calendar: Calendar,
    /// The language calls start in.
    #[serde(default = "default_language")]
    pub language: Language,
    /// Languages a caller may switch to (the default one is implied).
    #[serde(default)]
    pub languages: Vec<Language>,
    /// The service's prompts.
    pub prompts: PromptsConfig,
    /// Announcements (avvisi).
    #[serde(default)]
    pub announcements: Vec<AnnouncementConfig>,
    /// Menus by id.
    #[serde(default)]
    pub menus: BTreeMap<MenuId, MenuConfig>,
    /// What follows the welcome and the announcements.
    pub action: Action,
    /// For calls forwarded to the service ("ricaduta": a Diversion or
    /// History-Info header): inside the window, do this at once instead of
    /// welcome, announcements and `action`.
    #[serde(default)]
    pub forwarded: Option<Action>,
    /// Behaviour outside the service window.
    #[serde(default)]
    pub out_of_hours: OutOfHoursConfig,
    /// Voicemail recording settings.
    #[serde(default)]
    pub voicemail: VoicemailConfig,
}

fn default_language() -> Language {
    Language::new("it")
}

macro_rules! default_prompt {
    ($f:ident, $name:literal) => {
        fn $f() -> PromptName {
            PromptName::new($name).expect(concat!("built-in prompt name ", $name, " is valid"))
        }
    };
}
default_prompt!(default_queue, "in-coda");
default_prompt!(default_moh, "musica-attesa");
default_prompt!(default_invalid, "scelta-non-valida");
default_prompt!(default_goodbye, "arrivederci");
default_prompt!(default_offer, "segreteria-offerta");
default_prompt!(default_instructions, "segreteria-istruzioni");
default_prompt!(default_beep, "beep");

/// The prompts of a service. The shared ones have default names, so a
/// service names only its own; replace the WAV to change a shared one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptsConfig {
    /// Welcome, when no band matches.
    pub welcome: PromptName,
    /// Welcome variants by time band; the first match wins.
    #[serde(default)]
    pub welcome_bands: Vec<WelcomeBand>,
    /// Out-of-hours message; it states the service hours.
    pub out_of_hours: PromptName,
    /// "All our operators are busy, please hold" (played by the queue).
    #[serde(default = "default_queue")]
    pub queue: PromptName,
    /// Music on hold (played by the queue).
    #[serde(default = "default_moh")]
    pub music_on_hold: PromptName,
    /// "The choice is not valid".
    #[serde(default = "default_invalid")]
    pub invalid_choice: PromptName,
    /// Goodbye, before the IVR hangs up.
    #[serde(default = "default_goodbye")]
    pub goodbye: PromptName,
    /// "To leave a message press 1" (out of hours, `voicemail: offer`).
    #[serde(default = "default_offer")]
    pub voicemail_offer: PromptName,
    /// "Leave your message after the tone, press # to end".
    #[serde(default = "default_instructions")]
    pub voicemail_instructions: PromptName,
    /// The tone before recording.
    #[serde(default = "default_beep")]
    pub beep: PromptName,
}

/// A welcome variant for a time band ("welcome differentiated by
/// programmable hours").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WelcomeBand {
    /// Days the band applies to (the current local day); every day when absent.
    #[serde(default = "all_days")]
    pub days: DaySet,
    /// Local wall-clock range; may wrap midnight (`19:00-08:00`).
    pub hours: TimeRange,
    /// The welcome played in the band.
    pub prompt: PromptName,
}

fn all_days() -> DaySet {
    DaySet::ALL
}

/// An announcement (avviso): played while valid, after the welcome (no
/// `menu`/`option`) or when the caller chooses one option.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementConfig {
    /// Id recorded in the CDR.
    pub id: AnnouncementId,
    /// What to play.
    pub prompt: PromptName,
    /// First local date it plays (inclusive); always when absent.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Last local date it plays (inclusive); forever when absent.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// Weekdays it plays on; every day when absent.
    #[serde(default)]
    pub days: Option<DaySet>,
    /// With `option`: play only when this menu's option is chosen.
    #[serde(default)]
    pub menu: Option<MenuId>,
    /// With `menu`: the option's digits.
    #[serde(default)]
    pub option: Option<Digits>,
}

/// A menu: a prompt, options, timeouts and the action when nothing valid
/// is chosen.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuConfig {
    /// The menu prompt; the caller may type during it (barge-in).
    pub prompt: PromptName,
    /// Options: digits → action.
    pub options: BTreeMap<Digits, Action>,
    /// Wait for the first key after the prompt ends.
    #[serde(default = "default_first_digit", with = "duration")]
    pub first_digit_timeout: Duration,
    /// Wait between keys of a multi-digit entry.
    #[serde(default = "default_inter_digit", with = "duration")]
    pub inter_digit_timeout: Duration,
    /// Invalid entries before `no_choice` (the last one hears the
    /// invalid-choice prompt, then `no_choice` runs).
    #[serde(default = "default_max_invalid")]
    pub max_invalid: u32,
    /// Timeouts before `no_choice` (the menu is replayed in between).
    #[serde(default = "default_max_timeouts")]
    pub max_timeouts: u32,
    /// What happens when the caller chooses nothing valid.
    pub no_choice: Action,
}

fn default_first_digit() -> Duration {
    Duration::from_secs(5)
}
fn default_inter_digit() -> Duration {
    Duration::from_secs(3)
}
fn default_max_invalid() -> u32 {
    3
}
fn default_max_timeouts() -> u32 {
    2
}

/// Behaviour outside the service window.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutOfHoursConfig {
    /// After the out-of-hours message: offer voicemail, go straight to it,
    /// or say goodbye.
    pub voicemail: VoicemailMode,
    /// The key that accepts the offer.
    #[serde(deserialize_with = "de_digit")]
    pub offer_digit: DtmfDigit,
    /// Wait for that key after the offer ends.
    #[serde(with = "duration")]
    pub offer_timeout: Duration,
    /// The IVR (welcome, announcements, menus) also runs outside the
    /// window; only a `queue` action leads to the out-of-hours message and
    /// voicemail (Regione Molise: operators 08–19, IVR and voicemail 24×7).
    pub run_ivr: bool,
}

impl Default for OutOfHoursConfig {
    fn default() -> Self {
        OutOfHoursConfig {
            voicemail: VoicemailMode::Offer,
            offer_digit: DtmfDigit::from_char('1').expect("'1' is a DTMF key"),
            offer_timeout: Duration::from_secs(6),
            run_ivr: false,
        }
    }
}

/// Voicemail after the out-of-hours message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoicemailMode {
    /// "Press 1 to leave a message", then record on that key.
    Offer,
    /// Go straight to the voicemail instructions.
    Direct,
    /// No voicemail: message, goodbye, hang up.
    None,
}

/// Voicemail recording settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoicemailConfig {
    /// The recording stops after this long.
    #[serde(with = "duration")]
    pub max_length: Duration,
    /// The recording stops after this much silence (detected by media).
    #[serde(with = "duration")]
    pub silence_timeout: Duration,
    /// Shorter messages are discarded.
    #[serde(with = "duration")]
    pub min_length: Duration,
    /// The key that ends the message.
    #[serde(deserialize_with = "de_digit")]
    pub finish_key: DtmfDigit,
}

impl Default for VoicemailConfig {
    fn default() -> Self {
        VoicemailConfig {
            max_length: Duration::from_secs(180),
            silence_timeout: Duration::from_secs(10),
            min_length: Duration::from_secs(2),
            finish_key: DtmfDigit::from_char('#').expect("'#' is a DTMF key"),
        }
    }
}
