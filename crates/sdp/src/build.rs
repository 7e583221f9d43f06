//! Writing our SDP (offers and answers) through the `sdp` crate's types.

use crate::direction::Direction;
use crate::events::EventSet;
use centralino_model::Codec;
use sdp::description::common::{Address, Attribute, ConnectionInformation};
use sdp::description::media::{MediaDescription, MediaName, RangedPort};
use sdp::description::session::{Origin, SessionDescription, TimeDescription, Timing};
use std::net::IpAddr;

/// Packetisation time we send and ask for, in milliseconds.
pub const PTIME_MS: u32 = 20;

/// The `o=` username we write.
const USERNAME: &str = "centralino";

/// Our side of a media session: where we receive RTP and the `o=` line's
/// identity. The engine keeps `session_id` for the whole dialog and adds 1
/// to `session_version` for every SDP it sends that differs from the last
/// (RFC 3264 §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalMedia {
    /// The address we receive RTP on (written in `c=` and `o=`).
    pub address: IpAddr,
    /// The RTP port of this leg (even; RTCP, unused, would be port + 1).
    pub rtp_port: u16,
    /// `<sess-id>` of the `o=` line.
    pub session_id: u64,
    /// `<sess-version>` of the `o=` line.
    pub session_version: u64,
}

fn addr_type(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

pub(crate) fn session(local: &LocalMedia) -> SessionDescription {
    let address = local.address.to_string();
    SessionDescription {
        version: 0,
        origin: Origin {
            username: USERNAME.to_string(),
            session_id: local.session_id,
            session_version: local.session_version,
            network_type: "IN".to_string(),
            address_type: addr_type(local.address).to_string(),
            unicast_address: address.clone(),
        },
        session_name: USERNAME.to_string(),
        connection_information: Some(ConnectionInformation {
            network_type: "IN".to_string(),
            address_type: addr_type(local.address).to_string(),
            address: Some(Address {
                address,
                ttl: None,
                range: None,
            }),
        }),
        time_descriptions: vec![TimeDescription {
            timing: Timing {
                start_time: 0,
                stop_time: 0,
            },
            repeat_times: vec![],
        }],
        ..Default::default()
    }
}

fn attr(key: &str, value: Option<String>) -> Attribute {
    Attribute {
        key: key.to_string(),
        value,
    }
}

/// One codec of an audio m-line we write: payload type and codec.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Format {
    pub pt: u8,
    pub codec: Codec,
}

/// An active audio m-line: our codecs in order, then telephone-event.
pub(crate) fn audio_media(
    port: u16,
    proto: &str,
    formats: &[Format],
    telephone_event: Option<(u8, EventSet)>,
    direction: Direction,
) -> MediaDescription {
    let mut fmts: Vec<String> = formats.iter().map(|f| f.pt.to_string()).collect();
    let mut attributes = Vec::with_capacity(formats.len() + 5);
    for f in formats {
        attributes.push(attr(
            "rtpmap",
            Some(format!("{} {}/8000", f.pt, f.codec.encoding_name())),
        ));
        if f.codec == Codec::G729 {
            // We never send Annex B (VAD/CNG) and ask the peer not to.
            attributes.push(attr("fmtp", Some(format!("{} annexb=no", f.pt))));
        }
    }
    if let Some((pt, events)) = telephone_event {
        fmts.push(pt.to_string());
        attributes.push(attr("rtpmap", Some(format!("{pt} telephone-event/8000"))));
        attributes.push(attr("fmtp", Some(format!("{pt} {events}"))));
    }
    attributes.push(attr("ptime", Some(PTIME_MS.to_string())));
    attributes.push(attr(direction.attribute(), None));
    MediaDescription {
        media_name: MediaName {
            media: "audio".to_string(),
            port: RangedPort {
                value: port as isize,
                range: None,
            },
            protos: vec![proto.to_string()],
            formats: fmts,
        },
        media_title: None,
        connection_information: None,
        bandwidth: vec![],
        encryption_key: None,
        attributes,
    }
}

/// A rejected m-line (RFC 3264 §6): port 0, the offered media, transport
/// and formats echoed.
pub(crate) fn rejected_media(media: &str, proto: &str, formats: &[String]) -> MediaDescription {
    MediaDescription {
        media_name: MediaName {
            media: media.to_string(),
            port: RangedPort {
                value: 0,
                range: None,
            },
            protos: vec![proto.to_string()],
            formats: if formats.is_empty() {
                vec!["0".to_string()]
            } else {
                formats.to_vec()
            },
        },
        media_title: None,
        connection_information: None,
        bandwidth: vec![],
        encryption_key: None,
        attributes: vec![],
    }
}

/// Make an offer: one audio m-line listing `preference` in order (static
/// payload types) and, with `telephone_event_pt`, telephone-event 0–15 on
/// that payload type; `a=ptime:20` and the given direction (`SendOnly` to
/// put the peer on hold). Used for an offerless INVITE (the offer goes in
/// our 200) and for the INVITE of a B2BUA leg (put the caller's negotiated
/// codec first). Duplicate codecs in `preference` are listed once; a
/// `telephone_event_pt` outside the dynamic range 96–127 is left out.
pub fn offer(
    preference: &[Codec],
    telephone_event_pt: Option<u8>,
    local: &LocalMedia,
    direction: Direction,
) -> String {
    let mut formats: Vec<Format> = Vec::with_capacity(preference.len());
    for &codec in preference {
        if !formats.iter().any(|f| f.codec == codec) {
            formats.push(Format {
                pt: codec.payload_type(),
                codec,
            });
        }
    }
    let te = telephone_event_pt
        .filter(|pt| (96..=127).contains(pt))
        .map(|pt| (pt, EventSet::DTMF));
    let mut desc = session(local);
    desc.media_descriptions.push(audio_media(
        local.rtp_port,
        "RTP/AVP",
        &formats,
        te,
        direction,
    ));
    desc.marshal()
}
