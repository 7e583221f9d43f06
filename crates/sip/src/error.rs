//! Error types: why a datagram was refused ([`WireError`]), why a datagram
//! was dropped by the transaction layer ([`DropReason`]), and why an API
//! call was refused ([`Error`]).

/// Why the wire layer refused a datagram.
///
/// Requests that can still be answered come back as
/// [`Inbound::Reject`](crate::Inbound::Reject) with a ready 400/501/505;
/// the rest as [`Inbound::Drop`](crate::Inbound::Drop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Nothing but line ends (a NAT keep-alive) or no bytes at all.
    #[error("empty datagram or keep-alive")]
    Empty,
    /// The start line is neither a Request-Line nor a Status-Line.
    #[error("malformed start line")]
    BadStartLine,
    /// The Status-Line has a bad version or a code outside 100..=699.
    #[error("malformed status line")]
    BadStatusLine,
    /// The SIP version is well formed but not `SIP/2.0` (answered with 505).
    #[error("unsupported SIP version")]
    UnsupportedVersion,
    /// The method is a valid token that we do not implement (answered 501).
    #[error("method not implemented")]
    UnknownMethod,
    /// The Request-URI is malformed (LWS, `<>`, escaped headers, no scheme).
    #[error("malformed Request-URI")]
    BadRequestUri,
    /// A header line is not `name: value` (or a continuation line has nothing to continue).
    #[error("malformed header line {line}")]
    BadHeaderLine {
        /// 1-based line number within the message.
        line: usize,
    },
    /// A header that may appear only once appears more than once.
    #[error("duplicate {name} header")]
    DuplicateHeader {
        /// Long form of the header name.
        name: &'static str,
    },
    /// A mandatory header is missing.
    #[error("missing {name} header")]
    MissingHeader {
        /// Long form of the header name.
        name: &'static str,
    },
    /// A header value does not follow its grammar.
    #[error("malformed {name} header")]
    BadHeader {
        /// Long form of the header name.
        name: &'static str,
    },
    /// A numeric header value does not fit its range (CSeq, Max-Forwards, Expires...).
    #[error("{name} value out of range")]
    ScalarOverflow {
        /// Long form of the header name.
        name: &'static str,
    },
    /// Content-Length is larger than the octets that follow the header section.
    #[error("body shorter than Content-Length ({declared} > {available})")]
    BodyTruncated {
        /// The Content-Length value.
        declared: usize,
        /// Octets actually present after the header section.
        available: usize,
    },
    /// The CSeq method differs from the request method.
    #[error("CSeq method differs from the request method")]
    CSeqMethodMismatch,
    /// A request without any Via header: there is nowhere to answer.
    #[error("request without Via")]
    MissingVia,
}

/// Why the transaction layer dropped a datagram (counted in [`TxStats`](crate::TxStats)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// The wire layer refused it (a reject was answered, or it was dropped).
    Wire(WireError),
    /// A response that matches no client transaction.
    StrayResponse,
    /// A response whose Via count is not exactly one (RFC 3261 §8.1.3.3).
    ResponseViaCount,
    /// An ACK that matches no server transaction.
    StrayAck,
}

/// Errors returned by API calls (misuse or state conflicts, never network input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key names no live transaction (never existed or already terminated).
    #[error("no such transaction")]
    UnknownTransaction,
    /// The transaction cannot take this action in its current state.
    #[error("{action} not allowed in state {state}")]
    InvalidState {
        /// RFC 3261 name of the current state.
        state: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// ACK is not a transaction: use `send_ack`.
    #[error("ACK is not sent in a transaction")]
    AckIsNotATransaction,
    /// CANCEL only applies to INVITE client transactions.
    #[error("only an INVITE can be cancelled")]
    NotAnInvite,
    /// A message lacks a header the operation needs.
    #[error("missing {name} header")]
    MissingHeader {
        /// Long form of the header name.
        name: &'static str,
    },
    /// A header needed by the operation is malformed.
    #[error("malformed {name} header")]
    BadHeader {
        /// Long form of the header name.
        name: &'static str,
    },
    /// A URI could not be parsed or has an unsupported scheme.
    #[error("malformed or unsupported URI")]
    BadUri,
    /// The response has no digest challenge we can answer.
    #[error("no usable digest challenge")]
    NoUsableChallenge,
}
