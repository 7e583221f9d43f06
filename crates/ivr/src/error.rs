//! Errors found when the services are checked as a whole (after
//! deserialisation): cross-references, duplicates, impossible settings.

use crate::ids::{AnnouncementId, Digits, MenuId};
use centralino_model::{Language, ServiceId};
use std::fmt;

/// One problem in the `services:` section, at a key path in the server's
/// format (`services[2].menus.main.options.7`), so the server can locate it
/// in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct ConfigError {
    /// Dotted key path from the top of the file.
    pub path: String,
    /// What is wrong.
    pub kind: ConfigErrorKind,
}

/// What is wrong at [`ConfigError::path`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// Two services have the same id.
    #[error("service id {id} is used twice")]
    DuplicateServiceId {
        /// The id.
        id: ServiceId,
    },
    /// A service without called numbers.
    #[error("a service needs at least one called number")]
    NoNumbers,
    /// A called number with no digits.
    #[error("number {raw:?} has no digits")]
    BadNumber {
        /// As written.
        raw: String,
    },
    /// A number that selects two services (after normalisation).
    #[error("number {number} already selects service {other}")]
    DuplicateNumber {
        /// The normalised number.
        number: String,
        /// The service that has it first.
        other: ServiceId,
    },
    /// An action names a menu the service does not have.
    #[error("menu {menu} does not exist in this service")]
    UnknownMenu {
        /// The missing menu.
        menu: MenuId,
    },
    /// A menu no action leads to.
    #[error("menu {menu} is never entered (no action leads to it)")]
    UnusedMenu {
        /// The menu.
        menu: MenuId,
    },
    /// A menu without options.
    #[error("a menu needs at least one option (use play_then_hangup or play_then_menu for a plain message)")]
    EmptyMenu,
    /// A menu whose `no_choice` enters the same menu again: a silent caller
    /// would loop for ever.
    #[error(
        "no_choice enters menu {menu} again: a caller who chooses nothing would never leave it"
    )]
    NoChoiceLoop {
        /// The menu.
        menu: MenuId,
    },
    /// A zero count or timeout that would make the menu unusable.
    #[error("{key} must be greater than zero")]
    MustBePositive {
        /// The key.
        key: &'static str,
    },
    /// A `language` action outside a menu option.
    #[error("a language action is only valid as a menu option (the menu is replayed in the new language)")]
    LanguageOutsideMenu,
    /// A language the service does not offer.
    #[error("language {language} is not offered by this service (add it to languages)")]
    UnknownLanguage {
        /// The language.
        language: Language,
    },
    /// An announcement with `menu` but no `option`, or the reverse.
    #[error("an announcement scoped to a menu option needs both menu and option")]
    HalfScopedAnnouncement,
    /// An announcement scoped to an option the menu does not have.
    #[error("menu {menu} has no option {option}")]
    UnknownOption {
        /// The menu.
        menu: MenuId,
        /// The digits.
        option: Digits,
    },
    /// An announcement that ends before it starts.
    #[error("valid_to {to} is before valid_from {from}")]
    BackwardsValidity {
        /// First day.
        from: chrono::NaiveDate,
        /// Last day.
        to: chrono::NaiveDate,
    },
    /// Two announcements with the same id.
    #[error("announcement id {id} is used twice in this service")]
    DuplicateAnnouncement {
        /// The id.
        id: AnnouncementId,
    },
    /// Voicemail's minimum length above its maximum.
    #[error("min_length is longer than max_length: no message could be kept")]
    MinAboveMax,
}

/// Every problem found, in file order; empty never.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}
