//! IVR: services by called number, welcome, announcements, menus, voicemail, pure.
//!
//! Two halves:
//!
//! * **Config** ([`ServiceConfig`], the `services:` list of
//!   `config/centralino.yaml`, reference in `docs/config-services.md`),
//!   checked as a whole into a [`ServiceDirectory`]: lookup by called number
//!   (normalised) or id, and the lists of prompts and queues the server must
//!   find at load ([`ServiceDirectory::referenced_prompts`],
//!   [`ServiceDirectory::referenced_queues`]).
//! * **Calls**: an [`IvrCall`] per call, a sans-IO state machine
//!   ([`IvrState`] has the diagram). Inputs are `handle_*(now, …)`; outputs
//!   are [`IvrAction`]s drained with [`IvrCall::poll_action`]; deadlines come
//!   from [`IvrCall::poll_timeout`]. Wall-clock time is given once, at
//!   [`IvrCall::start`].
//!
//! ```no_run
//! # use centralino_ivr::*;
//! # use std::{sync::Arc, time::Instant};
//! # fn run(dir: &ServiceDirectory, wall: chrono::DateTime<chrono::Utc>) {
//! let service = dir.by_number("+39 800 228040").unwrap().clone();
//! let t0 = Instant::now();
//! let mut call = IvrCall::start(service, CallContext::new("0461000000", "800228040"), wall, t0);
//! while let Some(action) = call.poll_action() {
//!     match action {
//!         IvrAction::Play { token, prompts, interruptible } => { /* play, later handle_playback_finished */ }
//!         _ => {}
//!     }
//! }
//! # }
//! ```

mod action;
mod call;
mod config;
mod directory;
mod error;
mod ids;
mod output;
mod service;

pub use action::{Action, QueueTarget};
pub use call::{AfterPlay, CallContext, IvrCall, IvrState, MAX_MENU_ENTRIES};
pub use config::{
    AnnouncementConfig, MenuConfig, OutOfHoursConfig, PromptsConfig, ServiceConfig,
    VoicemailConfig, VoicemailMode, WelcomeBand,
};
pub use directory::ServiceDirectory;
pub use error::{ConfigError, ConfigErrorKind, ConfigErrors};
pub use ids::{AnnouncementId, Digits, MenuId, PromptName, PromptRef, MAX_DIGITS};
pub use output::{EnqueueRequest, IvrAction, IvrEvent, IvrOutcome, PlayToken};
pub use service::{AnnouncementScope, Service};
