//! The `queues:` and `agents:` sections of `centralino.yaml`.
//!
//! Typed at load: durations are [`Duration`]s (written `20s`, `2m`, `1h30m`
//! through [`centralino_model::duration`]), strategies and exit actions are
//! enums, unknown keys are errors. [`AcdConfig::validate`] then checks what
//! serde cannot (cross references, ranges, cycles between queues) and names
//! the offending key, e.g. `queues[2].on_max_wait.queue`.

use centralino_model::{duration, AgentId, Language, QueueId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Both ACD sections, as the server hands them over.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcdConfig {
    /// The queues, in the order the wallboard shows them.
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    /// The operators.
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
}

/// How a queue chooses among its free agents (calls are always served oldest
/// first; see `docs/acd.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The free agent idle the longest (since the end of their last call's
    /// wrap-up, or since they became available) takes the call.
    #[default]
    LongestIdle,
    /// Agents take turns in the order they are listed for the queue.
    RoundRobin,
    /// The free agent who answered the fewest calls of this queue; ties go to
    /// the one idle the longest.
    FewestCalls,
    /// Every free eligible agent rings at once; the first to answer wins.
    RingAll,
}

/// What happens to a call that leaves a queue without being answered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ExitAction {
    /// The engine takes the caller to the service's voicemail.
    Voicemail,
    /// The engine offers "press 1 to be called back"; if the caller accepts,
    /// it calls [`crate::Acd::callback_requested`] and the request keeps the
    /// call's place.
    CallbackOffer,
    /// The ACD moves the call to another queue itself, keeping its arrival
    /// time (and so its place among older and newer calls).
    Queue(QueueId),
    /// The engine plays this prompt and hangs up.
    MessageThenHangup(String),
}

/// One queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// The id menus and agents refer to.
    pub id: QueueId,
    /// A human name for the wallboard.
    pub name: String,
    /// How a free agent is chosen. Default `longest_idle`.
    #[serde(default)]
    pub strategy: Strategy,
    /// Across queues sharing agents, a higher priority is served first;
    /// equal priorities are served oldest caller first. Default 0.
    #[serde(default)]
    pub priority: u32,
    /// How long an agent rings before the offer is cancelled. Default 20 s.
    #[serde(default = "defaults::ring_timeout", with = "duration")]
    pub ring_timeout: Duration,
    /// After-call work before the agent's next offer. Default 10 s.
    #[serde(default = "defaults::wrap_up", with = "duration")]
    pub wrap_up: Duration,
    /// The longest a call waits in this queue before `on_max_wait`.
    /// Default 10 min. There is no "forever".
    #[serde(default = "defaults::max_wait", with = "duration")]
    pub max_wait: Duration,
    /// Where a call goes after `max_wait`. Default `voicemail`.
    #[serde(default = "defaults::voicemail")]
    pub on_max_wait: ExitAction,
    /// The most calls waiting or ringing at once; absent = no limit.
    #[serde(default)]
    pub max_length: Option<u32>,
    /// Where a call goes when the queue is full. Default `voicemail`.
    #[serde(default = "defaults::voicemail")]
    pub on_full: ExitAction,
    /// Where calls go when no agent of the queue is logged in (on joining,
    /// and when the last agent logs out); absent = they wait (up to
    /// `max_wait`).
    #[serde(default)]
    pub on_no_agents: Option<ExitAction>,
    /// Agents of level `n` join a call after it has waited `(n-1) ×
    /// tier_delay`. Default 30 s.
    #[serde(default = "defaults::tier_delay", with = "duration")]
    pub tier_delay: Duration,
    /// A call that needs skills goes to any agent after this wait.
    /// Default 60 s.
    #[serde(default = "defaults::skill_fallback", with = "duration")]
    pub skill_fallback: Duration,
    /// The language every agent of the queue speaks; a caller who chose
    /// another language needs it as a skill. Default `it`.
    #[serde(default = "defaults::language")]
    pub language: Language,
    /// Position and estimated-wait announcements every this long (at least
    /// 10 s); absent = none.
    #[serde(default, with = "duration::option")]
    pub announce_every: Option<Duration>,
    /// Callback offers and retries.
    #[serde(default)]
    pub callback: CallbackConfig,
    /// Unanswered offers in a row that put an agent on break; 0 = never.
    /// Default 3.
    #[serde(default = "defaults::max_no_answer")]
    pub max_no_answer: u32,
    /// After an agent rejects (486/603) or cannot be reached, no offer for
    /// this long. Default 30 s.
    #[serde(default = "defaults::reject_delay", with = "duration")]
    pub reject_delay: Duration,
    /// After an unanswered offer, no offer to that agent for this long.
    /// Default 10 s.
    #[serde(default = "defaults::no_answer_delay", with = "duration")]
    pub no_answer_delay: Duration,
}

/// Callbacks of one queue (seed 004, Molise "Return Call").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackConfig {
    /// Offer a callback once a call has waited this long; absent = never.
    #[serde(default, with = "duration::option")]
    pub offer_after: Option<Duration>,
    /// Offer a callback after this many unanswered agent rings; absent =
    /// never.
    #[serde(default)]
    pub offer_after_no_answers: Option<u32>,
    /// Calls to the citizen before giving up. Default 3.
    #[serde(default = "defaults::max_attempts")]
    pub max_attempts: u32,
    /// Pause between two attempts. Default 5 min.
    #[serde(default = "defaults::retry_interval", with = "duration")]
    pub retry_interval: Duration,
    /// A request not completed this long after it was made expires (the
    /// engine may give an earlier deadline: the end of the service window).
    /// Default 4 h.
    #[serde(default = "defaults::expiry", with = "duration")]
    pub expiry: Duration,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            offer_after: None,
            offer_after_no_answers: None,
            max_attempts: defaults::max_attempts(),
            retry_interval: defaults::retry_interval(),
            expiry: defaults::expiry(),
        }
    }
}

/// An operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// The id the API, feature codes and CDRs use.
    pub id: AgentId,
    /// A human name for the wallboard.
    pub name: String,
    /// The SIP username the softphone registers with; default: the id.
    #[serde(default)]
    pub username: Option<String>,
    /// Digest credentials, carried for the registrar.
    pub credentials: Credentials,
    /// The queues the agent serves, each with a level (tier).
    #[serde(default)]
    pub queues: Vec<MembershipConfig>,
    /// Skills, e.g. the languages the agent speaks besides the queue's own.
    #[serde(default)]
    pub skills: Vec<Skill>,
    /// Wrap-up for this agent, replacing the queue's.
    #[serde(default, with = "duration::option")]
    pub wrap_up: Option<Duration>,
}

impl AgentConfig {
    /// The SIP username (the id when none is configured).
    pub fn sip_username(&self) -> &str {
        self.username.as_deref().unwrap_or(self.id.as_str())
    }
}

/// An agent's place in one queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipConfig {
    /// The queue.
    pub queue: QueueId,
    /// 1 = first line; level `n` joins after `(n-1) × tier_delay`. Default 1.
    #[serde(default = "defaults::level")]
    pub level: u8,
}

/// SIP digest credentials of an agent. `Debug` never prints secrets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Credentials {
    /// A plain password.
    Password(String),
    /// Precomputed HA1 values (`H(username:realm:password)`), per algorithm.
    Ha1(Ha1),
}

/// HA1 digests by algorithm (RFC 7616); at least one is required.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ha1 {
    /// Lower-case hex MD5 HA1.
    #[serde(default)]
    pub md5: Option<String>,
    /// Lower-case hex SHA-256 HA1.
    #[serde(default)]
    pub sha256: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Password(_) => f.write_str("Password(<redacted>)"),
            Credentials::Ha1(h) => write!(f, "Ha1({h:?})"),
        }
    }
}

impl fmt::Debug for Ha1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ha1")
            .field("md5", &self.md5.as_ref().map(|_| "<redacted>"))
            .field("sha256", &self.sha256.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// An agent skill (`en`, `patenti`, …). A [`Language`] is also a skill.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Skill(Arc<str>);

impl Skill {
    /// Wrap a string.
    pub fn new(s: impl AsRef<str>) -> Self {
        Skill(Arc::from(s.as_ref()))
    }
    /// The skill as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Skill {
    fn from(s: &str) -> Self {
        Skill::new(s)
    }
}

impl From<&Language> for Skill {
    fn from(l: &Language) -> Self {
        Skill::new(l.as_str())
    }
}

impl fmt::Display for Skill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The defaults, named so `docs/acd.md` and serde agree.
pub mod defaults {
    use super::ExitAction;
    use centralino_model::Language;
    use std::time::Duration;

    /// 20 s.
    pub fn ring_timeout() -> Duration {
        Duration::from_secs(20)
    }
    /// 10 s.
    pub fn wrap_up() -> Duration {
        Duration::from_secs(10)
    }
    /// 10 min.
    pub fn max_wait() -> Duration {
        Duration::from_secs(600)
    }
    /// `voicemail`.
    pub fn voicemail() -> ExitAction {
        ExitAction::Voicemail
    }
    /// 30 s.
    pub fn tier_delay() -> Duration {
        Duration::from_secs(30)
    }
    /// 60 s.
    pub fn skill_fallback() -> Duration {
        Duration::from_secs(60)
    }
    /// `it`.
    pub fn language() -> Language {
        Language::new("it")
    }
    /// 3.
    pub fn max_no_answer() -> u32 {
        3
    }
    /// 30 s.
    pub fn reject_delay() -> Duration {
        Duration::from_secs(30)
    }
    /// 10 s.
    pub fn no_answer_delay() -> Duration {
        Duration::from_secs(10)
    }
    /// 3.
    pub fn max_attempts() -> u32 {
        3
    }
    /// 5 min.
    pub fn retry_interval() -> Duration {
        Duration::from_secs(300)
    }
    /// 4 h.
    pub fn expiry() -> Duration {
        Duration::from_secs(4 * 3600)
    }
    /// 1.
    pub fn level() -> u8 {
        1
    }
}

impl QueueConfig {
    /// A queue with every default, for tests and tools.
    pub fn new(id: impl Into<QueueId>, name: impl Into<String>) -> Self {
        QueueConfig {
            id: id.into(),
            name: name.into(),
            strategy: Strategy::default(),
            priority: 0,
            ring_timeout: defaults::ring_timeout(),
            wrap_up: defaults::wrap_up(),
            max_wait: defaults::max_wait(),
            on_max_wait: defaults::voicemail(),
            max_length: None,
            on_full: defaults::voicemail(),
            on_no_agents: None,
            tier_delay: defaults::tier_delay(),
            skill_fallback: defaults::skill_fallback(),
            language: defaults::language(),
            announce_every: None,
            callback: CallbackConfig::default(),
            max_no_answer: defaults::max_no_answer(),
            reject_delay: defaults::reject_delay(),
            no_answer_delay: defaults::no_answer_delay(),
        }
    }
}

impl AgentConfig {
    /// An agent with a password, no queues and no skills, for tests and tools.
    pub fn new(id: impl Into<AgentId>, password: impl Into<String>) -> Self {
        let id = id.into();
        AgentConfig {
            name: id.to_string(),
            id,
            username: None,
            credentials: Credentials::Password(password.into()),
            queues: Vec::new(),
            skills: Vec::new(),
            wrap_up: None,
        }
    }

    /// Add a queue membership at a level.
    pub fn member_of(mut self, queue: impl Into<QueueId>, level: u8) -> Self {
        self.queues.push(MembershipConfig {
            queue: queue.into(),
            level,
        });
        self
    }

    /// Add a skill.
    pub fn with_skill(mut self, skill: impl Into<Skill>) -> Self {
        self.skills.push(skill.into());
        self
    }
}
