//! SIP (RFC 3261) for Centralino, sans-IO: a wire layer that validates UDP
//! datagrams in front of the fork's message model ([`msg`]), a transaction
//! layer (§17 with the RFC 6026 Accepted state), dialogs (§12), builders,
//! digest authentication (RFC 7616/8760) and a registrar.
//!
//! Nothing here reads the clock or touches a socket: time is passed in as
//! `now: Instant`, randomness comes from a seeded RNG, and outputs are
//! polled (see [`TransactionLayer`] for the run loop).

#![warn(missing_docs)]

pub mod auth;
pub mod builder;
pub mod dialog;
mod error;
pub mod header;
mod ids;
pub mod registrar;
mod syntax;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod txn;
mod uri;
pub mod wire;

/// The SIP message model: the maintained fork of rsip inside `rsipstack`.
pub use rsipstack::sip as msg;

pub use dialog::{Dialog, DialogId, Role};
pub use error::{DropReason, Error, WireError};
pub use header::{CSeq, MessageExt, NameAddr, Via};
pub use ids::IdGen;
pub use syntax::Param;
pub use txn::{ClientTxKey, ServerTxKey, TransactionLayer, Transmit, TxConfig, TxEvent, TxStats};
pub use uri::{is_sip_or_tel, parse_uri, uri_socket_addr};
pub use wire::{
    parse_datagram, parse_datagram_with, uas_checks, Inbound, UasPolicy, WireOptions, DEFAULT_ALLOW,
};
