//! The engine's settings (the server fills them from the `sip:` and `rtp:`
//! sections of the config file).

use centralino_media::G729Provider;
use centralino_model::Codec;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Methods we answer (the `Allow` header).
pub const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REGISTER, REFER, NOTIFY";
/// Body types we accept (the `Accept` header).
pub const ACCEPT: &str = "application/sdp, application/dtmf-relay, application/dtmf";
/// Option tags we support (the `Supported` header).
pub const SUPPORTED: &str = "replaces, timer";

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The SIP address we advertise (Via sent-by, Contact).
    pub sip_address: SocketAddr,
    /// The address put in SDP `c=` lines.
    pub media_address: IpAddr,
    /// Server / User-Agent header.
    pub user_agent: String,
    /// Concurrent calls beyond which new INVITEs get 503.
    pub max_calls: usize,
    /// Retry-After with that 503.
    pub retry_after: Duration,
    /// Ring (180) this long before answering.
    pub answer_delay: Duration,
    /// RFC 3261 T1.
    pub t1: Duration,
    /// RFC 3261 T2.
    pub t2: Duration,
    /// RFC 3261 T4.
    pub t4: Duration,
    /// Codecs we accept, in preference order.
    pub codecs: Vec<Codec>,
    /// Payload type we offer for telephone-event.
    pub telephone_event_pt: u8,
    /// End a call after this long without RTP.
    pub inactivity_timeout: Duration,
    /// Symmetric RTP (latch on the first packet's source).
    pub latch: bool,
    /// After a shutdown order, calls may go on this long before we end them.
    pub shutdown_grace: Duration,
    /// The G.729 codec, when built with it; without it G.729-only offers get 488.
    pub g729: Option<Arc<dyn G729Provider>>,
    /// Digest realm for operators' softphones.
    pub realm: String,
    /// Digest algorithms challenged, preferred first.
    pub digest_algorithms: Vec<centralino_sip::auth::Algorithm>,
    /// Registration expiry limits.
    pub registrar: centralino_sip::registrar::RegistrarConfig,
    /// The outbound trunk (transfers to numbers, callbacks).
    pub trunk: Option<TrunkConfig>,
    /// `Call-Info` value asking softphones to answer by themselves
    /// (e.g. `<sip:centralino>;answer-after=0`); none by default.
    pub agent_auto_answer: Option<String>,
}

/// Where calls to numbers go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkConfig {
    /// The trunk's SIP address.
    pub address: SocketAddr,
    /// User part of our From.
    pub from_user: String,
    /// P-Asserted-Identity to send, if the carrier wants one.
    pub asserted_identity: Option<String>,
}

impl EngineConfig {
    /// Defaults around an address (tests use it).
    pub fn new(sip_address: SocketAddr) -> Self {
        EngineConfig {
            sip_address,
            media_address: sip_address.ip(),
            user_agent: "Centralino".into(),
            max_calls: 4000,
            retry_after: Duration::from_secs(30),
            answer_delay: Duration::ZERO,
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            codecs: vec![Codec::Pcma, Codec::Pcmu, Codec::G729],
            telephone_event_pt: 101,
            inactivity_timeout: Duration::from_secs(60),
            latch: false,
            shutdown_grace: Duration::from_secs(15),
            g729: None,
            realm: "centralino".into(),
            digest_algorithms: vec![centralino_sip::auth::Algorithm::Md5],
            registrar: centralino_sip::registrar::RegistrarConfig::default(),
            trunk: None,
            agent_auto_answer: None,
        }
    }

    /// The codecs we can actually offer and answer: G.729 only with a codec.
    pub fn usable_codecs(&self) -> Vec<Codec> {
        self.codecs
            .iter()
            .copied()
            .filter(|c| *c != Codec::G729 || self.g729.is_some())
            .collect()
    }
}
