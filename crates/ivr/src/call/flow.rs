//! The transitions of [`IvrCall`]: greeting, menus, actions, out of hours,
//! voicemail.

use super::{later, AfterPlay, IvrCall, IvrState, MAX_MENU_ENTRIES};
use crate::action::Action;
use crate::config::VoicemailMode;
use crate::ids::{Digits, MenuId, PromptName};
use crate::output::{EnqueueRequest, IvrAction, IvrEvent, IvrOutcome};
use crate::service::AnnouncementScope;
use centralino_model::DtmfDigit;
use std::time::{Duration, Instant};

impl IvrCall {
    /// The first step: greeting, forwarded action, or out of hours.
    pub(super) fn begin(&mut self, now: Instant) {
        let service = self.service.clone();
        if self.in_window && self.ctx.diverted_from().is_some() {
            if let Some(action) = service.forwarded() {
                return self.perform(action.clone(), None);
            }
        }
        if !self.in_window && !service.out_of_hours().run_ivr {
            return self.out_of_hours();
        }
        let local = self.local_at(now);
        let welcome = service.welcome_at(local);
        self.emit(IvrAction::Event(IvrEvent::Welcome {
            prompt: self.prompt(welcome),
        }));
        let mut names: Vec<&PromptName> = vec![welcome];
        for a in service.announcements_on(local.date_naive(), AnnouncementScope::Service) {
            self.emit(IvrAction::Event(IvrEvent::Announcement {
                id: a.id.clone(),
            }));
            names.push(&a.prompt);
        }
        self.play(&names, false, AfterPlay::Greeting);
    }

    pub(super) fn on_key(&mut self, now: Instant, key: DtmfDigit) {
        let service = self.service.clone();
        match self.state.clone() {
            IvrState::Playing {
                interruptible: true,
                then: AfterPlay::MenuPrompt(menu),
                ..
            } => {
                self.stop_playback();
                self.menu_key(now, menu, String::new(), key);
            }
            IvrState::Playing {
                interruptible: true,
                then: AfterPlay::OutOfHours,
                ..
            } if key == service.out_of_hours().offer_digit => {
                self.stop_playback();
                self.voicemail_intro();
            }
            IvrState::Collecting { menu, digits, .. } => self.menu_key(now, menu, digits, key),
            IvrState::AwaitingOffer { .. } if key == service.out_of_hours().offer_digit => {
                self.voicemail_intro()
            }
            IvrState::Recording { started, .. } if key == service.voicemail().finish_key => {
                let elapsed = self.clamp_recording(now.saturating_duration_since(started));
                self.stop_recording(elapsed);
            }
            // Keys during prompts that cannot be interrupted, and any other
            // key, are ignored.
            _ => {}
        }
    }

    pub(super) fn after_play(&mut self, now: Instant, then: AfterPlay) {
        let service = self.service.clone();
        match then {
            AfterPlay::Greeting => self.perform(service.action().clone(), None),
            AfterPlay::MenuPrompt(menu) => match service.menu(&menu) {
                Some(m) => {
                    let deadline = later(now, m.first_digit_timeout);
                    self.state = IvrState::Collecting {
                        menu,
                        digits: String::new(),
                        deadline,
                    };
                }
                None => self.goodbye(IvrOutcome::SelfService),
            },
            AfterPlay::NoChoice(menu) => match service.menu(&menu) {
                Some(m) => self.perform(m.no_choice.clone(), None),
                None => self.goodbye(IvrOutcome::SelfService),
            },
            AfterPlay::Announced(action, menu) => self.perform(action, menu),
            AfterPlay::Menu(menu) => self.enter_menu(menu, true),
            AfterPlay::OutOfHours => {
                self.state = IvrState::AwaitingOffer {
                    deadline: later(now, service.out_of_hours().offer_timeout),
                };
            }
            AfterPlay::VoicemailIntro => {
                let vm = service.voicemail();
                self.emit(IvrAction::StartRecording {
                    max_length: vm.max_length,
                    silence_timeout: vm.silence_timeout,
                    finish_key: vm.finish_key,
                });
                self.emit(IvrAction::Event(IvrEvent::VoicemailStarted));
                self.state = IvrState::Recording {
                    started: now,
                    deadline: later(now, vm.max_length),
                };
            }
            AfterPlay::Hangup(outcome) => self.finish(IvrAction::Hangup { outcome }),
        }
    }

    pub(super) fn on_deadline(&mut self, now: Instant) {
        match self.state.clone() {
            IvrState::Collecting { menu, digits, .. } if digits.is_empty() => {
                self.menu_timeout(menu)
            }
            IvrState::Collecting { menu, digits, .. } => self.resolve_entry(now, menu, digits),
            IvrState::AwaitingOffer { .. } => self.goodbye(IvrOutcome::OutOfHours),
            IvrState::Recording { started, .. } => {
                let elapsed = self.clamp_recording(now.saturating_duration_since(started));
                self.stop_recording(elapsed);
            }
            _ => {}
        }
    }

    /// Run an action; `menu` is the menu it was chosen in, if any.
    fn perform(&mut self, action: Action, menu: Option<MenuId>) {
        let service = self.service.clone();
        let p = service.prompts();
        match action {
            Action::Queue(_) if !self.in_window => self.out_of_hours(),
            Action::Queue(target) => {
                let request = EnqueueRequest {
                    queue: target.queue,
                    language: self.language.clone(),
                    required_skills: target.skills,
                    priority: target.priority,
                    digits: self.chosen_digits.clone(),
                    queue_prompt: self.prompt(&p.queue),
                    music_on_hold: self.prompt(&p.music_on_hold),
                };
                self.finish(IvrAction::Enqueue(request));
            }
            Action::PlayThenHangup(prompt) => self.play(
                &[&prompt, &p.goodbye],
                false,
                AfterPlay::Hangup(IvrOutcome::SelfService),
            ),
            Action::PlayThenMenu { prompt, menu } => {
                self.play(&[&prompt], false, AfterPlay::Menu(menu))
            }
            Action::Menu(m) => self.enter_menu(m, true),
            Action::Voicemail => self.voicemail_intro(),
            Action::Transfer(number) => self.finish(IvrAction::Transfer { number }),
            Action::Language(language) => {
                self.language = language.clone();
                self.emit(IvrAction::Event(IvrEvent::LanguageChosen { language }));
                match menu {
                    Some(m) => self.enter_menu(m, true),
                    // Config checks keep `language` to menu options.
                    None => self.goodbye(IvrOutcome::SelfService),
                }
            }
            Action::Hangup => self.goodbye(IvrOutcome::SelfService),
        }
    }

    /// Play a menu's prompt; `fresh` resets its invalid and timeout counts.
    fn enter_menu(&mut self, menu: MenuId, fresh: bool) {
        if fresh {
            self.invalid = 0;
            self.timeouts = 0;
        }
        self.replay_menu(menu, None);
    }

    /// Play a menu's prompt again, after `before` (the invalid-choice prompt).
    fn replay_menu(&mut self, menu: MenuId, before: Option<&PromptName>) {
        self.menu_entries += 1;
        let service = self.service.clone();
        match service.menu(&menu) {
            Some(m) if self.menu_entries <= MAX_MENU_ENTRIES => {
                let names: Vec<&PromptName> = before.into_iter().chain([&m.prompt]).collect();
                self.play(&names, true, AfterPlay::MenuPrompt(menu));
            }
            _ => self.goodbye(IvrOutcome::SelfService),
        }
    }

    /// One key of a menu entry: choose as soon as the keys match one option
    /// and begin no longer one; `#` ends an entry early.
    fn menu_key(&mut self, now: Instant, menu: MenuId, mut digits: String, key: DtmfDigit) {
        let service = self.service.clone();
        let Some(m) = service.menu(&menu) else {
            return self.goodbye(IvrOutcome::SelfService);
        };
        if key.as_char() == '#' && !digits.is_empty() {
            return self.resolve_entry(now, menu, digits);
        }
        digits.push(key.as_char());
        let longer = m
            .options
            .keys()
            .any(|k| k.len() > digits.len() && k.as_str().starts_with(digits.as_str()));
        if longer {
            let deadline = later(now, m.inter_digit_timeout);
            self.state = IvrState::Collecting {
                menu,
                digits,
                deadline,
            };
        } else {
            self.resolve_entry(now, menu, digits);
        }
    }

    /// The entry is complete: an option, or invalid.
    fn resolve_entry(&mut self, now: Instant, menu: MenuId, digits: String) {
        let service = self.service.clone();
        let option = service
            .menu(&menu)
            .and_then(|m| m.options.iter().find(|(k, _)| k.as_str() == digits))
            .map(|(k, a)| (k.clone(), a.clone()));
        match option {
            Some((key, action)) => self.choose(now, menu, key, action),
            None => self.invalid_entry(menu, digits),
        }
    }

    fn choose(&mut self, now: Instant, menu: MenuId, key: Digits, action: Action) {
        let service = self.service.clone();
        self.chosen_digits.push_str(key.as_str());
        self.emit(IvrAction::Event(IvrEvent::Choice {
            menu: menu.clone(),
            digits: key.clone(),
        }));
        let date = self.local_at(now).date_naive();
        let mut names: Vec<&PromptName> = Vec::new();
        for a in service.announcements_on(date, AnnouncementScope::Option(&menu, &key)) {
            self.emit(IvrAction::Event(IvrEvent::Announcement {
                id: a.id.clone(),
            }));
            names.push(&a.prompt);
        }
        if names.is_empty() {
            self.perform(action, Some(menu));
        } else {
            self.play(&names, false, AfterPlay::Announced(action, Some(menu)));
        }
    }

    fn invalid_entry(&mut self, menu: MenuId, typed: String) {
        let service = self.service.clone();
        self.emit(IvrAction::Event(IvrEvent::InvalidChoice {
            menu: menu.clone(),
            digits: typed,
        }));
        self.invalid += 1;
        let invalid_prompt = &service.prompts().invalid_choice;
        match service.menu(&menu) {
            Some(m) if self.invalid >= m.max_invalid => {
                self.emit(IvrAction::Event(IvrEvent::NoChoice { menu: menu.clone() }));
                self.play(&[invalid_prompt], false, AfterPlay::NoChoice(menu));
            }
            Some(_) => self.replay_menu(menu, Some(invalid_prompt)),
            None => self.goodbye(IvrOutcome::SelfService),
        }
    }

    fn menu_timeout(&mut self, menu: MenuId) {
        let service = self.service.clone();
        self.emit(IvrAction::Event(IvrEvent::MenuTimeout {
            menu: menu.clone(),
        }));
        self.timeouts += 1;
        match service.menu(&menu) {
            Some(m) if self.timeouts >= m.max_timeouts => {
                self.emit(IvrAction::Event(IvrEvent::NoChoice { menu }));
                self.perform(m.no_choice.clone(), None);
            }
            Some(_) => self.replay_menu(menu, None),
            None => self.goodbye(IvrOutcome::SelfService),
        }
    }

    /// The out-of-hours message, then voicemail as configured.
    fn out_of_hours(&mut self) {
        let service = self.service.clone();
        let p = service.prompts();
        self.took_out_of_hours = true;
        self.emit(IvrAction::Event(IvrEvent::OutOfHours));
        match service.out_of_hours().voicemail {
            VoicemailMode::Offer => self.play(
                &[&p.out_of_hours, &p.voicemail_offer],
                true,
                AfterPlay::OutOfHours,
            ),
            VoicemailMode::Direct => self.play(
                &[&p.out_of_hours, &p.voicemail_instructions, &p.beep],
                false,
                AfterPlay::VoicemailIntro,
            ),
            VoicemailMode::None => self.play(
                &[&p.out_of_hours, &p.goodbye],
                false,
                AfterPlay::Hangup(IvrOutcome::OutOfHours),
            ),
        }
    }

    pub(super) fn voicemail_intro(&mut self) {
        let service = self.service.clone();
        let p = service.prompts();
        self.play(
            &[&p.voicemail_instructions, &p.beep],
            false,
            AfterPlay::VoicemailIntro,
        );
    }

    /// Finalise the recording: keep it if long enough, then say goodbye
    /// (unless the caller has gone).
    pub(super) fn stop_recording(&mut self, duration: Duration) {
        let keep = duration >= self.service.voicemail().min_length;
        self.emit(IvrAction::StopRecording { keep });
        self.emit(IvrAction::Event(if keep {
            IvrEvent::VoicemailLeft { duration }
        } else {
            IvrEvent::VoicemailDiscarded { duration }
        }));
        if self.caller_gone {
            self.state = IvrState::Done;
            return;
        }
        let outcome = if keep {
            IvrOutcome::Voicemail
        } else if self.took_out_of_hours {
            IvrOutcome::OutOfHours
        } else {
            IvrOutcome::SelfService
        };
        self.goodbye(outcome);
    }

    fn goodbye(&mut self, outcome: IvrOutcome) {
        let service = self.service.clone();
        self.play(
            &[&service.prompts().goodbye],
            false,
            AfterPlay::Hangup(outcome),
        );
    }
}
