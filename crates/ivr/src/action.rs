//! What a call does next: the actions of menu options, of a service after
//! its welcome, and of a menu when the caller chooses nothing.
//!
//! In YAML an action is a one-verb map, or a bare word for the verbs that
//! take no argument:
//!
//! ```yaml
//! { queue: td-mepat }                              # to an ACD queue
//! { queue: molise-centralino, skills: [it], priority: 1 }
//! { play_then_hangup: apiae-orari }                # APIAE 1: office hours
//! { play_then_menu: td-info, menu: main }          # play, then a menu
//! { menu: main }                                   # a (sub-)menu
//! { transfer: "0461 495111" }                      # to a number
//! { language: en }                                 # switch, replay the menu
//! voicemail                                        # leave a message
//! hangup                                           # goodbye, hang up
//! ```

use crate::ids::{MenuId, PromptName};
use centralino_model::{normalize_number, Language, QueueId};
use serde::de::{self, value::MapAccessDeserializer, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// Where a `queue` action sends the call, with what the ACD may route on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueTarget {
    /// The ACD queue.
    pub queue: QueueId,
    /// Agent skills the call requires (the chosen language is added by the
    /// engine's request, see [`crate::EnqueueRequest`]).
    pub skills: Vec<String>,
    /// Priority passed to the ACD as written (0 when absent).
    pub priority: u8,
}

/// One action.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Put the call in an ACD queue. Outside the service window (a service
    /// whose IVR runs 24×7) this leads to the out-of-hours path instead.
    Queue(QueueTarget),
    /// Play a prompt and the goodbye, then hang up (outcome `self_service`).
    PlayThenHangup(PromptName),
    /// Play a prompt, then enter a menu.
    PlayThenMenu {
        /// What to play.
        prompt: PromptName,
        /// The menu that follows.
        menu: MenuId,
    },
    /// Enter a (sub-)menu.
    Menu(MenuId),
    /// Record a voicemail (instructions, beep, recording, goodbye).
    Voicemail,
    /// Transfer the call to a number (normalised).
    Transfer(String),
    /// Switch the call's language, then play the menu it was chosen in
    /// again. Only valid as a menu option.
    Language(Language),
    /// Play the goodbye and hang up (outcome `self_service`).
    Hangup,
}

impl Action {
    /// The verb, as written in config.
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Queue(_) => "queue",
            Action::PlayThenHangup(_) => "play_then_hangup",
            Action::PlayThenMenu { .. } => "play_then_menu",
            Action::Menu(_) => "menu",
            Action::Voicemail => "voicemail",
            Action::Transfer(_) => "transfer",
            Action::Language(_) => "language",
            Action::Hangup => "hangup",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    queue: Option<QueueId>,
    skills: Option<Vec<String>>,
    priority: Option<u8>,
    play_then_hangup: Option<PromptName>,
    play_then_menu: Option<PromptName>,
    menu: Option<MenuId>,
    transfer: Option<String>,
    language: Option<Language>,
}

const VERBS: &str = "queue, play_then_hangup, play_then_menu (with menu), menu, transfer, language, or the words voicemail / hangup";

impl TryFrom<RawAction> for Action {
    type Error = String;

    fn try_from(r: RawAction) -> Result<Action, String> {
        let mut verbs: Vec<&str> = Vec::new();
        let mut note = |present: bool, name: &'static str| {
            if present {
                verbs.push(name)
            }
        };
        note(r.queue.is_some(), "queue");
        note(r.play_then_hangup.is_some(), "play_then_hangup");
        note(r.play_then_menu.is_some(), "play_then_menu");
        note(r.menu.is_some() && r.play_then_menu.is_none(), "menu");
        note(r.transfer.is_some(), "transfer");
        note(r.language.is_some(), "language");
        if verbs.len() != 1 {
            return Err(if verbs.is_empty() {
                format!("an action needs one of {VERBS}")
            } else {
                format!("an action has one verb, found {}", verbs.join(" and "))
            });
        }
        if r.queue.is_none() && (r.skills.is_some() || r.priority.is_some()) {
            return Err("skills and priority go with queue only".into());
        }
        if let Some(queue) = r.queue {
            return Ok(Action::Queue(QueueTarget {
                queue,
                skills: r.skills.unwrap_or_default(),
                priority: r.priority.unwrap_or(0),
            }));
        }
        if let Some(p) = r.play_then_hangup {
            return Ok(Action::PlayThenHangup(p));
        }
        if let Some(prompt) = r.play_then_menu {
            let menu = r
                .menu
                .ok_or("play_then_menu needs menu: the menu to enter after the prompt")?;
            return Ok(Action::PlayThenMenu { prompt, menu });
        }
        if let Some(m) = r.menu {
            return Ok(Action::Menu(m));
        }
        if let Some(raw) = r.transfer {
            let n = normalize_number(&raw);
            if n.is_empty() {
                return Err(format!("transfer number {raw:?} has no digits"));
            }
            return Ok(Action::Transfer(n));
        }
        match r.language {
            Some(l) => Ok(Action::Language(l)),
            None => Err(format!("an action needs one of {VERBS}")),
        }
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Action;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an action: {VERBS}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Action, E> {
                match v.trim() {
                    "voicemail" => Ok(Action::Voicemail),
                    "hangup" => Ok(Action::Hangup),
                    other => Err(E::custom(format!(
                        "unknown action {other:?}: the bare words are voicemail and hangup; other actions are maps such as {{ queue: ID }}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Action, A::Error> {
                let raw = RawAction::deserialize(MapAccessDeserializer::new(map))?;
                Action::try_from(raw).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}
