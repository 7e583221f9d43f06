//! ACD (automatic call distribution) for Centralino: queues, agents, strategies,
//! tiers, skills, wrap-up, ring timeout, max wait, callbacks. Sans-IO.
//!
//! The engine tells the [`Acd`] what happens — a call joins a queue
//! ([`Acd::call_enqueued`]), a caller hangs up ([`Acd::call_abandoned`]), an
//! agent registers ([`Acd::agent_reachable`]), logs in or takes a break
//! ([`Acd::agent_status`]), answers ([`Acd::offer_answered`]), rejects
//! ([`Acd::offer_failed`]), hangs up ([`Acd::call_ended`]) — and executes what
//! the ACD decides, drained from [`Acd::poll_action`]: ring an agent
//! ([`Action::Offer`]), stop ringing ([`Action::CancelOffer`]), announce a
//! position, send a call to its exit action, start a callback. Time is an
//! argument: nothing reads the clock; [`Acd::poll_timeout`] says when to call
//! [`Acd::handle_timeout`].
//!
//! Guarantees (property-tested in `tests/properties.rs`): an agent is offered
//! one thing at a time and never during wrap-up or a delay; a call rings one
//! agent (all free eligible agents with `ring_all`); the oldest eligible call
//! is served first and, with `longest_idle`, by the free agent idle the
//! longest; after every input no waiting call has a free agent allowed to take
//! it; no offer outlives its ring timeout; every call ends answered,
//! abandoned, exited or called back.
//!
//! An agent's **status** ([`AgentStatus`], set by people) is kept apart from
//! their **state** ([`AgentState`], driven by the engine) and from
//! reachability (registration): registered is not logged in.
//!
//! User documentation: `docs/acd.md`.

#![warn(missing_docs)]

mod acd;
mod agents;
mod callbacks;
mod calls;
pub mod config;
mod dispatch;
mod error;
mod query;
mod state;
mod types;
mod validate;

pub use acd::{Acd, Counters};
pub use config::{
    AcdConfig, AgentConfig, CallbackConfig, Credentials, ExitAction, Ha1, MembershipConfig,
    QueueConfig, Skill, Strategy,
};
pub use error::{AcdError, ConfigError};
pub use query::{AgentView, CallView, CallbackView, QueueStats};
pub use types::{
    Action, AgentState, AgentStatus, BreakReason, CallRequest, CallbackId, CallbackOutcome,
    CallbackRestore, CallbackResult, CancelCause, ExitReason, FeatureCode, OfferFailure, Work,
};
pub use validate::{MAX_LEVEL, MAX_SKILLS, MIN_ANNOUNCE_INTERVAL};
