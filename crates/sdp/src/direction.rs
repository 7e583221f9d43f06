//! Stream direction attributes (RFC 3264 §5.1, §6.1, §8.4).

use std::fmt;

/// The direction attribute of a media stream, from the point of view of
/// the party that wrote the SDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// `a=sendrecv` (the default when no attribute is present).
    #[default]
    SendRecv,
    /// `a=sendonly`: the writer sends and does not want to receive (it puts
    /// the other party on hold).
    SendOnly,
    /// `a=recvonly`: the writer receives and does not send.
    RecvOnly,
    /// `a=inactive`: neither sends.
    Inactive,
}

impl Direction {
    /// The direction as the other party sees it: what an answerer writes
    /// for an offer with this direction (RFC 3264 §6.1): `sendonly` ↔
    /// `recvonly`, `sendrecv` and `inactive` unchanged.
    pub const fn reverse(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }

    /// Whether the writer sends media.
    pub const fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the writer receives media.
    pub const fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// Remove the sending half (`sendrecv` → `recvonly`, `sendonly` →
    /// `inactive`).
    pub const fn without_send(self) -> Direction {
        match self {
            Direction::SendRecv | Direction::RecvOnly => Direction::RecvOnly,
            Direction::SendOnly | Direction::Inactive => Direction::Inactive,
        }
    }

    /// Remove the receiving half (`sendrecv` → `sendonly`, `recvonly` →
    /// `inactive`).
    pub const fn without_receive(self) -> Direction {
        match self {
            Direction::SendRecv | Direction::SendOnly => Direction::SendOnly,
            Direction::RecvOnly | Direction::Inactive => Direction::Inactive,
        }
    }

    /// The attribute name (`sendrecv`, `sendonly`, `recvonly`, `inactive`).
    pub const fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction named by an attribute key, compared case-insensitively.
    pub fn from_attribute(key: &str) -> Option<Direction> {
        [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ]
        .into_iter()
        .find(|d| d.attribute().eq_ignore_ascii_case(key))
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.attribute())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_is_an_involution_and_halves_compose() {
        for d in [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ] {
            assert_eq!(d.reverse().reverse(), d);
            assert_eq!(d.reverse().sends(), d.receives());
            assert!(!d.without_send().sends());
            assert!(!d.without_receive().receives());
            assert_eq!(
                Direction::from_attribute(&d.attribute().to_uppercase()),
                Some(d)
            );
        }
        assert_eq!(Direction::from_attribute("rtpmap"), None);
    }
}
