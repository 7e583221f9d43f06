//! The shared vocabulary of Centralino.
//!
//! Every other crate speaks in these types: the engine's call handle
//! ([`CallKey`]), the ids that config gives to services, queues and agents,
//! the audio [`Codec`]s a trunk offers, a [`DtmfDigit`], a [`Language`], the
//! way a called number is normalised ([`normalize_number`]) and the way
//! durations are written in config ([`duration`]).
//!
//! Pure: no I/O, no clock.

pub mod codec;
pub mod digit;
pub mod duration;
pub mod ids;
pub mod number;

pub use codec::Codec;
pub use digit::DtmfDigit;
pub use ids::{AgentId, CallKey, Language, QueueId, ServiceId};
pub use number::normalize_number;
