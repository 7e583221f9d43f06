//! Identifiers. Config-given ids (`ServiceId`, `QueueId`, `AgentId`,
//! `Language`) are cheap-to-clone shared strings; the engine's handle for a
//! live call is a [`CallKey`].

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

macro_rules! shared_str_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Wrap a string.
            pub fn new(s: impl AsRef<str>) -> Self {
                $name(Arc::from(s.as_ref()))
            }
            /// The id as text.
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

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

shared_str_id!(
    /// A service (a public number's line of business: "trentino-digitale").
    ServiceId
);
shared_str_id!(
    /// An ACD queue.
    QueueId
);
shared_str_id!(
    /// An operator (agent), as config names them.
    AgentId
);
shared_str_id!(
    /// A language tag of the prompts (`it`, `en`); also an agent skill.
    Language
);

/// The engine's handle for a live call: unique within one engine run, never
/// reused. Displayed as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallKey(pub u64);

impl fmt::Display for CallKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}
