//! RFC 3264 offer/answer: answering an offer, accepting an answer.
//!
//! ## The codec rule
//! Among the payload formats of the first usable audio m-line, the answer
//! takes the **first one in the offerer's order whose codec is in our
//! `preference` list**: the list says which codecs we accept, the offerer's
//! order (RFC 3264 §5.1: "in order of preference, with the first format
//! listed being preferred") decides among them. Our own order matters only
//! in the offers we make. Without the `g729` feature the engine leaves
//! G729 out of `preference`, so G.711 is chosen whenever it is offered and
//! a G.729-only offer fails with [`NegotiationError::NoCommonCodec`] (488).
//!
//! Exactly one codec is answered (plus telephone-event), so the peer never
//! switches codec mid-stream.

use crate::build::{self, Format, LocalMedia};
use crate::direction::Direction;
use crate::error::NegotiationError;
use crate::events::EventSet;
use crate::parse::{RemoteMedia, RemoteSdp};
use centralino_model::Codec;
use std::net::SocketAddr;

/// The outcome of an offer/answer exchange for the call's one audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// The audio codec both sides use.
    pub codec: Codec,
    /// Its payload type (the offer's number; the static one unless the
    /// offerer mapped the codec to a dynamic number).
    pub payload_type: u8,
    /// The telephone-event payload type (the offer's number), if both
    /// sides use RFC 4733 events.
    pub telephone_event_pt: Option<u8>,
    /// Where to send RTP; `None` when the peer is on hold with
    /// `c=0.0.0.0` (or the stream is disabled).
    pub remote_rtp: Option<SocketAddr>,
    /// **Our** direction: `RecvOnly`/`Inactive` mean we must not send
    /// (the peer holds the call), `SendOnly`/`Inactive` that it will not
    /// send to us.
    pub direction: Direction,
    /// The peer's `a=ptime`, if it gave one (we always send 20 ms).
    pub remote_ptime: Option<u32>,
    /// Index of the audio m-line in the SDP.
    pub media_index: usize,
}

impl Negotiated {
    /// Whether the peer asked us to stop sending (hold).
    pub fn held_by_peer(&self) -> bool {
        !self.direction.sends() || self.remote_rtp.is_none()
    }
}

/// An answer to an offer: the result and the SDP body to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// What was agreed.
    pub negotiated: Negotiated,
    /// The answer SDP (CRLF line endings), for a 200 OK or an ACK.
    pub sdp: String,
}

fn choose(media: &RemoteMedia, accepted: &[Codec]) -> Option<(Codec, u8)> {
    media.payloads.iter().find_map(|p| {
        p.codec()
            .filter(|c| accepted.contains(c))
            .map(|c| (c, p.pt))
    })
}

/// Answer an offer (RFC 3264 §6).
///
/// - The first active RTP audio m-line with a common codec (see the module
///   doc for the rule) is accepted: our port, that one codec, and
///   telephone-event on the offer's payload type when offered (the events
///   we answer are the offered ones among 0–15); `a=ptime:20`.
/// - Direction: `sendonly` → `recvonly`, `recvonly` → `sendonly`,
///   `inactive` → `inactive`; `c=0.0.0.0` (legacy hold) counts as the
///   offerer not receiving, so `sendrecv` there is answered `recvonly`.
/// - Every other m-line (video, T.38 image, a second audio stream, SRTP,
///   disabled lines) is answered in place with port 0, so the answer keeps
///   the offer's m-line order and count.
pub fn answer(
    offer: &RemoteSdp,
    preference: &[Codec],
    local: &LocalMedia,
) -> Result<Answer, NegotiationError> {
    let mut chosen: Option<(usize, Codec, u8)> = None;
    for (i, m) in offer.media.iter().enumerate() {
        if m.is_active_rtp_audio() {
            if let Some((codec, pt)) = choose(m, preference) {
                chosen = Some((i, codec, pt));
                break;
            }
        }
    }
    let Some((index, codec, pt)) = chosen else {
        return Err(no_match(offer, preference));
    };
    let m = &offer.media[index];
    let te = m.telephone_event().and_then(|p| {
        let events = p.telephone_events().intersection(&EventSet::DTMF);
        (!events.is_empty()).then_some((p.pt, events))
    });
    let direction = m.effective_direction().reverse();
    let mut desc = build::session(local);
    for (i, other) in offer.media.iter().enumerate() {
        let md = if i == index {
            build::audio_media(
                local.rtp_port,
                &m.proto,
                &[Format { pt, codec }],
                te,
                direction,
            )
        } else {
            build::rejected_media(&other.media, &other.proto, &other.formats)
        };
        desc.media_descriptions.push(md);
    }
    Ok(Answer {
        negotiated: Negotiated {
            codec,
            payload_type: pt,
            telephone_event_pt: te.map(|(pt, _)| pt),
            remote_rtp: m.rtp_address(),
            direction,
            remote_ptime: m.ptime,
            media_index: index,
        },
        sdp: desc.marshal(),
    })
}

fn no_match(sdp: &RemoteSdp, accepted: &[Codec]) -> NegotiationError {
    let audio: Vec<&RemoteMedia> = sdp
        .media
        .iter()
        .filter(|m| m.is_active_rtp_audio())
        .collect();
    if audio.is_empty() {
        return NegotiationError::NoAudioStream;
    }
    NegotiationError::NoCommonCodec {
        offered: audio
            .iter()
            .flat_map(|m| m.payloads.iter().map(|p| p.pt))
            .collect(),
        accepted: accepted.to_vec(),
    }
}

/// Accept the answer to an offer we made with [`crate::offer`] (offerless
/// INVITE: the answer comes in the ACK; B2BUA leg: in the 200).
///
/// The first active audio m-line of the answer must name one of the codecs
/// in `offered`; the first such one (the answerer's preference) is used.
/// The telephone-event payload type is the answer's (RFC 3264 §6.1 asks
/// the answerer to keep our number, and RFC 4733 senders use the number
/// the receiver wrote). Our direction is the reverse of the answer's.
pub fn accept_answer(
    offered: &[Codec],
    answer: &RemoteSdp,
) -> Result<Negotiated, NegotiationError> {
    let Some((index, m)) = answer
        .media
        .iter()
        .enumerate()
        .find(|(_, m)| m.is_active_rtp_audio())
    else {
        return Err(NegotiationError::NoAudioStream);
    };
    let Some((codec, pt)) = choose(m, offered) else {
        return Err(no_match(answer, offered));
    };
    let te = m
        .telephone_event()
        .filter(|p| {
            !p.telephone_events()
                .intersection(&EventSet::DTMF)
                .is_empty()
        })
        .map(|p| p.pt);
    Ok(Negotiated {
        codec,
        payload_type: pt,
        telephone_event_pt: te,
        remote_rtp: m.rtp_address(),
        direction: m.effective_direction().reverse(),
        remote_ptime: m.ptime,
        media_index: index,
    })
}
