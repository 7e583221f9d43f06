//! Reading a remote SDP body into the few facts the engine needs.
//!
//! The grammar is the `sdp` crate's (webrtc-rs). Before handing it the
//! text we apply one leniency pass: the crate only knows the media types
//! and transport tokens in IANA's list of 2016 and refuses the whole body
//! for anything else (`m=message 2855 TCP/MSRP *`, `m=application 9
//! TCP/BFCP *`). RFC 3264 §6 requires us to answer such an m-line (with
//! port 0), not to reject the offer, so unknown tokens are replaced by a
//! placeholder for the crate and the original tokens are kept and echoed.

use crate::direction::Direction;
use crate::error::SdpError;
use crate::events::EventSet;
use centralino_model::Codec;
use std::borrow::Cow;
use std::io::Cursor;
use std::net::{IpAddr, SocketAddr};

/// The largest SDP body we parse. Trunk offers are well under 2 KiB.
pub const MAX_SDP_LEN: usize = 32 * 1024;

/// The `o=` line of a remote SDP. The engine compares `session_id` and
/// `session_version` to tell a real re-offer from a repeated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `<username>` (often `-`).
    pub username: String,
    /// `<sess-id>`.
    pub session_id: u64,
    /// `<sess-version>`: increases with every change (RFC 3264 §8).
    pub session_version: u64,
    /// `<unicast-address>` as written.
    pub address: String,
}

/// The media type of an m-line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaKind {
    /// `audio`.
    Audio,
    /// `video`.
    Video,
    /// `image` (T.38 fax).
    Image,
    /// `application`.
    Application,
    /// `text`.
    Text,
    /// `message`.
    Message,
    /// Anything else.
    Other,
}

impl MediaKind {
    fn from_token(token: &str) -> MediaKind {
        match token.to_ascii_lowercase().as_str() {
            "audio" => MediaKind::Audio,
            "video" => MediaKind::Video,
            "image" => MediaKind::Image,
            "application" => MediaKind::Application,
            "text" => MediaKind::Text,
            "message" => MediaKind::Message,
            _ => MediaKind::Other,
        }
    }
}

/// One payload format of an m-line: its number and what `a=rtpmap` and
/// `a=fmtp` say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The RTP payload type.
    pub pt: u8,
    /// The encoding name from `a=rtpmap`, as written.
    pub encoding: Option<String>,
    /// The clock rate from `a=rtpmap`.
    pub clock_rate: Option<u32>,
    /// The channel count from `a=rtpmap` (absent means 1).
    pub channels: Option<u16>,
    /// The `a=fmtp` parameters, as written.
    pub fmtp: Option<String>,
}

impl Payload {
    /// The codec this format is, if we support it: by `a=rtpmap` name
    /// (case-insensitive; `G729A` counts as G.729, Annex A decoders being
    /// interoperable) at 8000 Hz mono, or by static payload type (0, 8, 18)
    /// when there is no rtpmap (RFC 3551 §6).
    pub fn codec(&self) -> Option<Codec> {
        match &self.encoding {
            Some(name) => {
                let codec = Codec::from_encoding_name(name)
                    .or_else(|| name.eq_ignore_ascii_case("G729A").then_some(Codec::G729))?;
                let rate_ok = self.clock_rate.unwrap_or(8000) == 8000;
                let mono = self.channels.unwrap_or(1) == 1;
                (rate_ok && mono).then_some(codec)
            }
            None => Codec::from_payload_type(self.pt),
        }
    }

    /// Whether this is `telephone-event/8000` (RFC 4733). Other clock rates
    /// (wideband offers list `telephone-event/48000` too) do not match our
    /// 8 kHz audio and are ignored.
    pub fn is_telephone_event(&self) -> bool {
        self.encoding
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case("telephone-event"))
            && self.clock_rate == Some(8000)
    }

    /// The events a telephone-event format carries: its `fmtp` list, or
    /// 0–15 without one (RFC 4733 §2.4.1).
    pub fn telephone_events(&self) -> EventSet {
        self.fmtp
            .as_deref()
            .and_then(EventSet::parse)
            .unwrap_or(EventSet::DTMF)
    }

    /// For G.729, whether Annex B (VAD/comfort noise) is on: `annexb=yes`
    /// or no `annexb` parameter at all (RFC 4856 §2.1.9 makes yes the
    /// default).
    pub fn annexb(&self) -> bool {
        let Some(fmtp) = &self.fmtp else { return true };
        for param in fmtp.split(';') {
            if let Some((k, v)) = param.split_once('=') {
                if k.trim().eq_ignore_ascii_case("annexb") {
                    return !v.trim().eq_ignore_ascii_case("no");
                }
            }
        }
        true
    }
}

/// One m-line of a remote SDP, with session-level defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMedia {
    /// The media type.
    pub kind: MediaKind,
    /// The media token as written (`audio`, `image`, …), echoed when the
    /// stream is rejected.
    pub media: String,
    /// The port (0 = the stream is disabled).
    pub port: u16,
    /// The transport as written (`RTP/AVP`, `udptl`, `TCP/MSRP`, …).
    pub proto: String,
    /// The format tokens as written, in order.
    pub formats: Vec<String>,
    /// The connection address, media-level `c=` or else session-level.
    pub connection: Option<IpAddr>,
    /// The direction attribute, media-level or else session-level.
    pub direction: Direction,
    /// `a=ptime`, in milliseconds.
    pub ptime: Option<u32>,
    /// The numeric formats, in the offered order, with their rtpmap/fmtp.
    pub payloads: Vec<Payload>,
}

impl RemoteMedia {
    /// An active RTP audio stream: `audio`, port ≠ 0, `RTP/AVP` or
    /// `RTP/AVPF` (no SRTP: `RTP/SAVP` is refused).
    pub fn is_active_rtp_audio(&self) -> bool {
        self.kind == MediaKind::Audio
            && self.port != 0
            && (self.proto.eq_ignore_ascii_case("RTP/AVP")
                || self.proto.eq_ignore_ascii_case("RTP/AVPF"))
    }

    /// The legacy hold address `c=0.0.0.0` (RFC 3264 §8.4, from RFC 2543).
    pub fn is_hold_address(&self) -> bool {
        self.connection.is_some_and(|a| a.is_unspecified())
    }

    /// Where to send RTP: the connection address and port, or `None` for a
    /// disabled stream or the hold address.
    pub fn rtp_address(&self) -> Option<SocketAddr> {
        let ip = self.connection?;
        (self.port != 0 && !ip.is_unspecified()).then(|| SocketAddr::new(ip, self.port))
    }

    /// The direction with legacy hold folded in: `c=0.0.0.0` means the
    /// writer does not want to receive, as `sendonly` does.
    pub fn effective_direction(&self) -> Direction {
        if self.is_hold_address() {
            self.direction.without_receive()
        } else {
            self.direction
        }
    }

    /// The payload with this number.
    pub fn payload(&self, pt: u8) -> Option<&Payload> {
        self.payloads.iter().find(|p| p.pt == pt)
    }

    /// The telephone-event/8000 format, if offered (the first such one).
    pub fn telephone_event(&self) -> Option<&Payload> {
        self.payloads.iter().find(|p| p.is_telephone_event())
    }
}

/// A parsed remote SDP (an offer or an answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSdp {
    /// The `o=` line.
    pub origin: Origin,
    /// Every m-line, in order.
    pub media: Vec<RemoteMedia>,
}

/// Parse an SDP body. Never panics; every failure is an [`SdpError`] (the
/// engine answers 400).
pub fn parse(body: &[u8]) -> Result<RemoteSdp, SdpError> {
    if body.len() > MAX_SDP_LEN {
        return Err(SdpError::TooLarge {
            len: body.len(),
            max: MAX_SDP_LEN,
        });
    }
    let text = std::str::from_utf8(body).map_err(|e| SdpError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let (lenient, originals) = lenient_text(text);
    let mut cursor = Cursor::new(lenient.as_bytes());
    let desc =
        sdp::SessionDescription::unmarshal(&mut cursor).map_err(|e| SdpError::Malformed {
            reason: e.to_string(),
        })?;
    convert(&desc, &originals)
}

/// Original `(media, proto)` tokens of every m-line, in order.
type OriginalTokens = Vec<(String, String)>;

const CRATE_MEDIA: [&str; 6] = ["audio", "video", "text", "application", "message", "image"];
const CRATE_PROTOS: [&str; 10] = [
    "UDP", "RTP", "AVP", "SAVP", "SAVPF", "TLS", "DTLS", "SCTP", "AVPF", "udptl",
];

/// Replace m-line media/transport tokens the `sdp` crate does not know by
/// `application` / `RTP/AVP`, remembering the originals.
fn lenient_text(text: &str) -> (Cow<'_, str>, OriginalTokens) {
    let mut originals = Vec::new();
    let mut needs_rewrite = false;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("m=") else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let (Some(media), Some(_port), Some(proto)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        originals.push((media.to_string(), proto.to_string()));
        needs_rewrite |= !known_media(media) || !known_proto(proto);
    }
    if !needs_rewrite {
        return (Cow::Borrowed(text), originals);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        match line.strip_prefix("m=") {
            Some(rest) => fix_m_line(rest, &mut out),
            None => out.push_str(line),
        }
    }
    (Cow::Owned(out), originals)
}

fn known_media(media: &str) -> bool {
    CRATE_MEDIA.contains(&media)
}

fn known_proto(proto: &str) -> bool {
    proto.split('/').all(|p| CRATE_PROTOS.contains(&p))
}

fn fix_m_line(rest: &str, out: &mut String) {
    let mut fields = rest.split_whitespace();
    let media = fields.next().unwrap_or("");
    let port = fields.next().unwrap_or("");
    let proto = fields.next().unwrap_or("");
    out.push_str("m=");
    out.push_str(if known_media(media) {
        media
    } else {
        "application"
    });
    out.push(' ');
    out.push_str(port);
    out.push(' ');
    out.push_str(if known_proto(proto) { proto } else { "RTP/AVP" });
    for f in fields {
        out.push(' ');
        out.push_str(f);
    }
    out.push_str("\r\n");
}

fn parse_ip(address: &str) -> Result<IpAddr, SdpError> {
    // Multicast addresses carry `/ttl[/count]`; keep the address part.
    let addr = address.split('/').next().unwrap_or(address);
    addr.parse().map_err(|_| SdpError::UnsupportedAddress {
        address: address.to_string(),
    })
}

fn connection_ip(
    ci: Option<&sdp::description::common::ConnectionInformation>,
) -> Result<Option<IpAddr>, SdpError> {
    match ci.and_then(|c| c.address.as_ref()) {
        Some(a) => parse_ip(&a.address).map(Some),
        None => Ok(None),
    }
}

fn direction_of(attrs: &[sdp::description::common::Attribute]) -> Option<Direction> {
    attrs
        .iter()
        .rev()
        .find_map(|a| Direction::from_attribute(a.key.trim()))
}

fn convert(
    desc: &sdp::SessionDescription,
    originals: &OriginalTokens,
) -> Result<RemoteSdp, SdpError> {
    let session_ip = connection_ip(desc.connection_information.as_ref())?;
    let session_dir = direction_of(&desc.attributes).unwrap_or_default();
    let mut media = Vec::with_capacity(desc.media_descriptions.len());
    for (index, md) in desc.media_descriptions.iter().enumerate() {
        let name = &md.media_name;
        let (media_token, proto) = originals
            .get(index)
            .cloned()
            .unwrap_or_else(|| (name.media.clone(), name.protos.join("/")));
        let port = u16::try_from(name.port.value).unwrap_or(0);
        let connection = connection_ip(md.connection_information.as_ref())?.or(session_ip);
        let kind = MediaKind::from_token(&media_token);
        let mut payloads: Vec<Payload> = name
            .formats
            .iter()
            .filter_map(|f| f.parse::<u8>().ok().filter(|pt| *pt < 128))
            .map(|pt| Payload {
                pt,
                encoding: None,
                clock_rate: None,
                channels: None,
                fmtp: None,
            })
            .collect();
        let mut ptime = None;
        for attr in &md.attributes {
            let value = attr.value.as_deref().unwrap_or("").trim();
            match attr.key.trim().to_ascii_lowercase().as_str() {
                "rtpmap" => apply_rtpmap(&mut payloads, value),
                "fmtp" => apply_fmtp(&mut payloads, value),
                "ptime" => ptime = value.parse::<u32>().ok().filter(|p| *p > 0),
                _ => {}
            }
        }
        let m = RemoteMedia {
            kind,
            media: media_token,
            port,
            proto,
            formats: name.formats.clone(),
            connection,
            direction: direction_of(&md.attributes).unwrap_or(session_dir),
            ptime,
            payloads,
        };
        if m.is_active_rtp_audio() && m.connection.is_none() {
            return Err(SdpError::MissingConnection { index });
        }
        media.push(m);
    }
    Ok(RemoteSdp {
        origin: Origin {
            username: desc.origin.username.clone(),
            session_id: desc.origin.session_id,
            session_version: desc.origin.session_version,
            address: desc.origin.unicast_address.clone(),
        },
        media,
    })
}

/// `a=rtpmap:<pt> <name>/<rate>[/<channels>]`
fn apply_rtpmap(payloads: &mut [Payload], value: &str) {
    let Some((pt, rest)) = value.split_once(char::is_whitespace) else {
        return;
    };
    let Ok(pt) = pt.trim().parse::<u8>() else {
        return;
    };
    let Some(p) = payloads.iter_mut().find(|p| p.pt == pt) else {
        return;
    };
    let mut parts = rest.trim().split('/');
    p.encoding = parts
        .next()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    p.clock_rate = parts.next().and_then(|s| s.trim().parse().ok());
    p.channels = parts.next().and_then(|s| s.trim().parse().ok());
}

/// `a=fmtp:<pt> <parameters>`
fn apply_fmtp(payloads: &mut [Payload], value: &str) {
    let (pt, params) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
    let Ok(pt) = pt.trim().parse::<u8>() else {
        return;
    };
    if let Some(p) = payloads.iter_mut().find(|p| p.pt == pt) {
        p.fmtp = Some(params.trim().to_string());
    }
}
