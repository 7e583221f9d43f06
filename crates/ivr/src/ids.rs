//! Names the IVR config gives: prompts, menus, announcements, and the digits
//! of a menu option.

use centralino_model::{DtmfDigit, Language};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The name of a prompt, resolved by the server as
/// `prompts/<language>/<name>.wav`. Letters, digits, `-` and `_` only, so a
/// name can never leave the prompts directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PromptName(Arc<str>);

impl PromptName {
    /// A checked name: 1–64 characters among `A-Z a-z 0-9 - _`.
    pub fn new(name: &str) -> Option<PromptName> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| PromptName(Arc::from(name)))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PromptName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PromptName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PromptName::new(&s).ok_or_else(|| {
            de::Error::custom(format!(
                "bad prompt name {s:?}: use 1-64 letters, digits, '-' or '_' (the file is prompts/<language>/<name>.wav)"
            ))
        })
    }
}

/// A prompt in a language: the file `prompts/<language>/<name>.wav`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PromptRef {
    /// The language directory.
    pub language: Language,
    /// The prompt name.
    pub name: PromptName,
}

impl fmt::Display for PromptRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.language, self.name)
    }
}

macro_rules! name_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Wrap a name (any non-empty text).
            pub fn new(s: impl AsRef<str>) -> Self {
                $name(Arc::from(s.as_ref()))
            }
            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::new(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                if s.trim().is_empty() {
                    return Err(de::Error::custom(concat!("a ", $what, " needs a non-empty name")));
                }
                Ok($name::new(s.trim()))
            }
        }
    };
}

name_id!(
    /// A menu of a service (the key under `menus:`).
    MenuId,
    "menu"
);
name_id!(
    /// An announcement (avviso), as its `id:` names it; recorded in the CDR.
    AnnouncementId,
    "announcement"
);

/// The keys of a menu option: `1`, `9`, `10`, `*`, `#`. Digits `0-9`, `*`
/// and `A-D`, up to 16 of them; `#` only alone (elsewhere it ends an entry).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Digits(Arc<str>);

/// The longest option a menu may have.
pub const MAX_DIGITS: usize = 16;

impl Digits {
    /// Checked digits (see the type's doc); `None` when invalid.
    pub fn new(text: &str) -> Option<Digits> {
        let t = text.trim().to_ascii_uppercase();
        let ok = if t == "#" {
            true
        } else {
            !t.is_empty()
                && t.len() <= MAX_DIGITS
                && t.chars()
                    .all(|c| c != '#' && DtmfDigit::from_char(c).is_some())
        };
        ok.then(|| Digits(Arc::from(t.as_str())))
    }

    /// The digits as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: digits are never empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Digits {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Digits;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("menu digits such as \"1\", \"10\" or \"*\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Digits, E> {
                Digits::new(v).ok_or_else(|| {
                    E::custom(format!(
                        "bad option digits {v:?}: use up to {MAX_DIGITS} of 0-9, *, A-D (or # alone)"
                    ))
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Digits, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Digits, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

/// Deserialize one DTMF key written as a string (`"#"`, `"1"`) or a number.
pub(crate) fn de_digit<'de, D: Deserializer<'de>>(d: D) -> Result<DtmfDigit, D::Error> {
    let digits = Digits::deserialize(d)?;
    let mut chars = digits.as_str().chars();
    match (chars.next().and_then(DtmfDigit::from_char), chars.next()) {
        (Some(k), None) => Ok(k),
        _ => Err(de::Error::custom(format!(
            "expected one key, got {:?}",
            digits.as_str()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_names_stay_in_their_directory() {
        assert!(PromptName::new("td-benvenuto_2").is_some());
        for bad in ["", "../etc/passwd", "a/b", "a.wav", "è", &"x".repeat(65)] {
            assert!(PromptName::new(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn digits() {
        assert_eq!(Digits::new("1").unwrap().as_str(), "1");
        assert_eq!(Digits::new("a1").unwrap().as_str(), "A1");
        assert!(Digits::new("#").is_some());
        assert!(Digits::new("1#").is_none());
        assert!(Digits::new("").is_none());
        assert!(Digits::new("12x").is_none());
        assert!(Digits::new(&"1".repeat(17)).is_none());
    }
}
