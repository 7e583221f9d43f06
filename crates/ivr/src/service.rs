//! A checked service: what a call reads while it runs.

use crate::action::Action;
use crate::config::{
    AnnouncementConfig, MenuConfig, OutOfHoursConfig, PromptsConfig, ServiceConfig,
    VoicemailConfig, VoicemailMode,
};
use crate::error::{ConfigError, ConfigErrorKind, ConfigErrors};
use crate::ids::{Digits, MenuId, PromptName, PromptRef};
use centralino_calendar::Calendar;
use centralino_model::{normalize_number, Language, QueueId, ServiceId};
use chrono::{DateTime, Datelike, NaiveDate, Weekday};
use chrono_tz::Tz;
use std::collections::{BTreeSet, HashSet};

/// A service whose references have been checked: every menu an action
/// names exists, every language is offered, numbers are normalised. Calls
/// hold it in an `Arc`, so a reload never changes a call in progress.
#[derive(Debug, Clone)]
pub struct Service {
    cfg: ServiceConfig,
    index: usize,
    numbers: Vec<String>,
    languages: Vec<Language>,
}

/// Where an announcement plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnouncementScope<'a> {
    /// After the welcome.
    Service,
    /// When this option of this menu is chosen.
    Option(&'a MenuId, &'a Digits),
}

impl Service {
    /// Check one service on its own; `index` is its position in the
    /// `services:` list, for the error paths.
    pub fn new(cfg: ServiceConfig, index: usize) -> Result<Service, ConfigErrors> {
        let mut errors = Vec::new();
        let base = format!("services[{index}]");
        let mut err = |key: &str, kind| {
            errors.push(ConfigError {
                path: format!("{base}.{key}"),
                kind,
            })
        };

        let mut numbers = Vec::new();
        if cfg.numbers.is_empty() {
            err("numbers", ConfigErrorKind::NoNumbers);
        }
        for (i, raw) in cfg.numbers.iter().enumerate() {
            let n = normalize_number(raw);
            if n.is_empty() {
                err(
                    &format!("numbers[{i}]"),
                    ConfigErrorKind::BadNumber { raw: raw.clone() },
                );
            } else if !numbers.contains(&n) {
                numbers.push(n);
            }
        }
        let mut languages = vec![cfg.language.clone()];
        for l in &cfg.languages {
            if !languages.contains(l) {
                languages.push(l.clone());
            }
        }

        // Actions and the menus they lead to.
        let mut used_menus: HashSet<&MenuId> = HashSet::new();
        let mut actions: Vec<(String, &Action, bool)> = vec![("action".into(), &cfg.action, false)];
        if let Some(f) = &cfg.forwarded {
            actions.push(("forwarded".into(), f, false));
        }
        for (id, m) in &cfg.menus {
            for (d, a) in &m.options {
                actions.push((format!("menus.{id}.options.{d}"), a, true));
            }
            actions.push((format!("menus.{id}.no_choice"), &m.no_choice, false));
            if m.options.is_empty() {
                err(&format!("menus.{id}.options"), ConfigErrorKind::EmptyMenu);
            }
            for (key, zero) in [
                ("max_invalid", m.max_invalid == 0),
                ("max_timeouts", m.max_timeouts == 0),
                ("first_digit_timeout", m.first_digit_timeout.is_zero()),
                ("inter_digit_timeout", m.inter_digit_timeout.is_zero()),
            ] {
                if zero {
                    err(
                        &format!("menus.{id}.{key}"),
                        ConfigErrorKind::MustBePositive { key },
                    );
                }
            }
            if matches!(&m.no_choice, Action::Menu(x) | Action::PlayThenMenu { menu: x, .. } if x == id)
            {
                err(
                    &format!("menus.{id}.no_choice"),
                    ConfigErrorKind::NoChoiceLoop { menu: id.clone() },
                );
            }
        }
        for (path, action, in_option) in &actions {
            match action {
                Action::Menu(m) | Action::PlayThenMenu { menu: m, .. } => {
                    if cfg.menus.contains_key(m) {
                        used_menus.insert(m);
                    } else {
                        err(path, ConfigErrorKind::UnknownMenu { menu: m.clone() });
                    }
                }
                Action::Language(_) if !*in_option => {
                    err(path, ConfigErrorKind::LanguageOutsideMenu)
                }
                Action::Language(l) if !languages.contains(l) => err(
                    path,
                    ConfigErrorKind::UnknownLanguage {
                        language: l.clone(),
                    },
                ),
                _ => {}
            }
        }
        for id in cfg.menus.keys() {
            if !used_menus.contains(id) {
                err(
                    &format!("menus.{id}"),
                    ConfigErrorKind::UnusedMenu { menu: id.clone() },
                );
            }
        }

        let mut seen = HashSet::new();
        for (i, a) in cfg.announcements.iter().enumerate() {
            let path = format!("announcements[{i}]");
            if !seen.insert(&a.id) {
                err(
                    &format!("{path}.id"),
                    ConfigErrorKind::DuplicateAnnouncement { id: a.id.clone() },
                );
            }
            if let (Some(from), Some(to)) = (a.valid_from, a.valid_to) {
                if to < from {
                    err(
                        &format!("{path}.valid_to"),
                        ConfigErrorKind::BackwardsValidity { from, to },
                    );
                }
            }
            match (&a.menu, &a.option) {
                (None, None) => {}
                (Some(m), Some(o)) => match cfg.menus.get(m) {
                    None => err(
                        &format!("{path}.menu"),
                        ConfigErrorKind::UnknownMenu { menu: m.clone() },
                    ),
                    Some(menu) if !menu.options.contains_key(o) => err(
                        &format!("{path}.option"),
                        ConfigErrorKind::UnknownOption {
                            menu: m.clone(),
                            option: o.clone(),
                        },
                    ),
                    Some(_) => {}
                },
                _ => err(&path, ConfigErrorKind::HalfScopedAnnouncement),
            }
        }
        if cfg.voicemail.min_length > cfg.voicemail.max_length {
            err("voicemail.min_length", ConfigErrorKind::MinAboveMax);
        }
        if errors.is_empty() {
            Ok(Service {
                cfg,
                index,
                numbers,
                languages,
            })
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// The id.
    pub fn id(&self) -> &ServiceId {
        &self.cfg.id
    }

    /// The human name.
    pub fn name(&self) -> &str {
        &self.cfg.name
    }

    /// The called numbers, normalised.
    pub fn numbers(&self) -> &[String] {
        &self.numbers
    }

    /// The calendar (service window).
    pub fn calendar(&self) -> &Calendar {
        &self.cfg.calendar
    }

    /// The language calls start in.
    pub fn default_language(&self) -> &Language {
        &self.cfg.language
    }

    /// Every language of the service, the default first.
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// The prompts.
    pub fn prompts(&self) -> &PromptsConfig {
        &self.cfg.prompts
    }

    /// A menu by id.
    pub fn menu(&self, id: &MenuId) -> Option<&MenuConfig> {
        self.cfg.menus.get(id)
    }

    /// What follows the welcome and announcements.
    pub fn action(&self) -> &Action {
        &self.cfg.action
    }

    /// The action for forwarded calls, if set.
    pub fn forwarded(&self) -> Option<&Action> {
        self.cfg.forwarded.as_ref()
    }

    /// Out-of-hours behaviour.
    pub fn out_of_hours(&self) -> &OutOfHoursConfig {
        &self.cfg.out_of_hours
    }

    /// Voicemail settings.
    pub fn voicemail(&self) -> &VoicemailConfig {
        &self.cfg.voicemail
    }

    /// The config as written.
    pub fn config(&self) -> &ServiceConfig {
        &self.cfg
    }

    /// The welcome for a local time: the first matching band, else the default.
    pub fn welcome_at(&self, local: DateTime<Tz>) -> &PromptName {
        let (day, time) = (local.weekday(), local.time());
        self.cfg
            .prompts
            .welcome_bands
            .iter()
            .find(|b| b.days.contains(day) && b.hours.contains_time(time))
            .map_or(&self.cfg.prompts.welcome, |b| &b.prompt)
    }

    /// The announcements of a scope valid on a local date, in config order.
    pub fn announcements_on(
        &self,
        date: NaiveDate,
        scope: AnnouncementScope<'_>,
    ) -> Vec<&AnnouncementConfig> {
        let day: Weekday = date.weekday();
        self.cfg
            .announcements
            .iter()
            .filter(|a| {
                let in_scope = match (scope, &a.menu, &a.option) {
                    (AnnouncementScope::Service, None, None) => true,
                    (AnnouncementScope::Option(m, d), Some(am), Some(ad)) => m == am && d == ad,
                    _ => false,
                };
                in_scope
                    && a.valid_from.is_none_or(|f| f <= date)
                    && a.valid_to.is_none_or(|t| date <= t)
                    && a.days.is_none_or(|s| s.contains(day))
            })
            .collect()
    }

    /// Every action of the service with its key path (its own, forwarded,
    /// menu options and no-choice).
    fn actions_with_paths(&self) -> Vec<(String, &Action)> {
        let base = format!("services[{}]", self.index);
        let mut out = vec![(format!("{base}.action"), &self.cfg.action)];
        if let Some(f) = &self.cfg.forwarded {
            out.push((format!("{base}.forwarded"), f));
        }
        for (id, m) in &self.cfg.menus {
            for (d, a) in &m.options {
                out.push((format!("{base}.menus.{id}.options.{d}"), a));
            }
            out.push((format!("{base}.menus.{id}.no_choice"), &m.no_choice));
        }
        out
    }

    /// The queues this service's actions name, each with the key path of
    /// the action: the server checks the ACD defines them.
    pub fn queue_references(&self) -> Vec<(QueueId, String)> {
        self.actions_with_paths()
            .into_iter()
            .filter_map(|(path, a)| match a {
                Action::Queue(q) => Some((q.queue.clone(), path)),
                _ => None,
            })
            .collect()
    }

    /// Every prompt a call of this service may play, with the key path that
    /// names it (a shared prompt left at its default name is reported at
    /// `prompts.<key>`).
    pub fn prompt_uses(&self) -> Vec<(String, &PromptName)> {
        let base = format!("services[{}]", self.index);
        let p = &self.cfg.prompts;
        let mut uses: Vec<(String, &PromptName)> = vec![
            (format!("{base}.prompts.welcome"), &p.welcome),
            (format!("{base}.prompts.out_of_hours"), &p.out_of_hours),
            (format!("{base}.prompts.goodbye"), &p.goodbye),
        ];
        for (i, b) in p.welcome_bands.iter().enumerate() {
            uses.push((
                format!("{base}.prompts.welcome_bands[{i}].prompt"),
                &b.prompt,
            ));
        }
        for (i, a) in self.cfg.announcements.iter().enumerate() {
            uses.push((format!("{base}.announcements[{i}].prompt"), &a.prompt));
        }
        if !self.cfg.menus.is_empty() {
            uses.push((format!("{base}.prompts.invalid_choice"), &p.invalid_choice));
        }
        for (id, m) in &self.cfg.menus {
            uses.push((format!("{base}.menus.{id}.prompt"), &m.prompt));
        }
        let mut voicemail = self.cfg.out_of_hours.voicemail != VoicemailMode::None;
        let mut queue = false;
        for (path, a) in self.actions_with_paths() {
            match a {
                Action::PlayThenHangup(x) => uses.push((format!("{path}.play_then_hangup"), x)),
                Action::PlayThenMenu { prompt, .. } => {
                    uses.push((format!("{path}.play_then_menu"), prompt))
                }
                Action::Queue(_) => queue = true,
                Action::Voicemail => voicemail = true,
                _ => {}
            }
        }
        if queue {
            uses.push((format!("{base}.prompts.queue"), &p.queue));
            uses.push((format!("{base}.prompts.music_on_hold"), &p.music_on_hold));
        }
        if self.cfg.out_of_hours.voicemail == VoicemailMode::Offer {
            uses.push((
                format!("{base}.prompts.voicemail_offer"),
                &p.voicemail_offer,
            ));
        }
        if voicemail {
            uses.push((
                format!("{base}.prompts.voicemail_instructions"),
                &p.voicemail_instructions,
            ));
            uses.push((format!("{base}.prompts.beep"), &p.beep));
        }
        uses
    }

    /// Every prompt a call of this service may play, in each of its
    /// languages: the server checks they exist at load.
    pub fn referenced_prompts(&self) -> BTreeSet<PromptRef> {
        let uses = self.prompt_uses();
        self.languages
            .iter()
            .flat_map(|l| {
                uses.iter().map(move |(_, n)| PromptRef {
                    language: l.clone(),
                    name: (*n).clone(),
                })
            })
            .collect()
    }

    /// The queues this service's actions name.
    pub fn referenced_queues(&self) -> BTreeSet<QueueId> {
        self.queue_references()
            .into_iter()
            .map(|(q, _)| q)
            .collect()
    }
}
