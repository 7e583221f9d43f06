//! The configuration file: one YAML document whose sections belong to the
//! crates that use them. This module owns the server's own sections
//! (`sip`, `rtp`, `prompts`, `logging`) and composes the rest.

mod load;

pub use load::{from_yaml, ConfigError};

use centralino_model::{duration, Codec, Language};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// SIP listener and protocol settings.
    #[serde(default)]
    pub sip: SipSection,
    /// RTP media settings.
    #[serde(default)]
    pub rtp: RtpSection,
    /// Where prompts live.
    #[serde(default)]
    pub prompts: PromptsSection,
    /// Log level and format.
    #[serde(default)]
    pub logging: LoggingSection,
    /// The services (IVR), see docs/config-services.md.
    #[serde(default)]
    pub services: Vec<centralino_ivr::ServiceConfig>,
    /// The ACD queues, see docs/acd.md.
    #[serde(default)]
    pub queues: Vec<centralino_acd::QueueConfig>,
    /// The operators, see docs/acd.md.
    #[serde(default)]
    pub agents: Vec<centralino_acd::AgentConfig>,
    /// The outbound trunk (transfers to numbers, callbacks).
    #[serde(default)]
    pub trunk: Option<TrunkSection>,
    /// Contracts and SLA thresholds, see docs/sla.md.
    #[serde(default)]
    pub contracts: Option<centralino_cdr::ContractsConfig>,
    /// The HTTP API: tokens, webhooks (docs/api.md).
    #[serde(default)]
    pub http: crate::http::config::HttpSection,
}

/// `sip:` — the trunk-facing SIP endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SipSection {
    /// UDP address to listen on (`--sip-listen` overrides).
    pub listen: SocketAddr,
    /// The address we put in Contact and Via when `listen` is a wildcard.
    pub public_address: Option<IpAddr>,
    /// Server / User-Agent header value.
    pub user_agent: String,
    /// Concurrent calls beyond which new INVITEs get 503 with Retry-After.
    pub max_calls: usize,
    /// Retry-After seconds sent with that 503.
    #[serde(with = "duration")]
    pub retry_after: Duration,
    /// Ring (180) this long before answering; 0 answers at once.
    #[serde(with = "duration")]
    pub answer_delay: Duration,
    /// RFC 3261 T1 (RTT estimate).
    #[serde(with = "duration")]
    pub t1: Duration,
    /// RFC 3261 T2 (maximum retransmit interval).
    #[serde(with = "duration")]
    pub t2: Duration,
    /// RFC 3261 T4 (maximum duration a message stays in the network).
    #[serde(with = "duration")]
    pub t4: Duration,
    /// On SIGTERM, calls in progress may go on this long before we end them.
    #[serde(with = "duration")]
    pub shutdown_grace: Duration,
    /// Digest realm of the operators' softphones.
    pub realm: String,
    /// Digest algorithms we challenge with, one challenge each, preferred
    /// first (`MD5`, `SHA-256`). Default `[MD5]`: softphones that do not know
    /// SHA-256 may refuse a response carrying a SHA-256 challenge at all
    /// (baresip 1.0 does), so offer SHA-256 only when every phone supports
    /// RFC 8760.
    pub digest_algorithms: Vec<DigestAlgorithm>,
    /// Registration expiry limits.
    pub registration: RegistrationSection,
    /// A `Call-Info` value asking operators' softphones to answer by
    /// themselves (e.g. `<sip:centralino>;answer-after=0`); none by default.
    pub agent_auto_answer: Option<String>,
}

/// A digest algorithm as written in config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum DigestAlgorithm {
    /// RFC 2617 MD5.
    #[serde(rename = "MD5")]
    Md5,
    /// RFC 7616/8760 SHA-256.
    #[serde(rename = "SHA-256")]
    Sha256,
}

impl DigestAlgorithm {
    /// The SIP crate's algorithm.
    pub fn to_sip(self) -> centralino_sip::auth::Algorithm {
        match self {
            DigestAlgorithm::Md5 => centralino_sip::auth::Algorithm::Md5,
            DigestAlgorithm::Sha256 => centralino_sip::auth::Algorithm::Sha256,
        }
    }
}

/// `sip.registration:` — expiry limits in seconds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistrationSection {
    /// Shorter non-zero requests get 423 Interval Too Brief.
    pub min_expires: u32,
    /// Longer requests are shortened to this.
    pub max_expires: u32,
    /// When the phone does not say.
    pub default_expires: u32,
}

impl Default for RegistrationSection {
    fn default() -> Self {
        RegistrationSection {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 600,
        }
    }
}

/// `trunk:` — where calls to numbers go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkSection {
    /// The carrier's or PBX's SIP address (`IP:port`).
    pub address: SocketAddr,
    /// User part of our From.
    #[serde(default = "default_from_user")]
    pub from_user: String,
    /// P-Asserted-Identity to send, if the carrier wants one.
    #[serde(default)]
    pub asserted_identity: Option<String>,
}

fn default_from_user() -> String {
    "centralino".into()
}

impl Default for SipSection {
    fn default() -> Self {
        SipSection {
            listen: SocketAddr::from(([0, 0, 0, 0], 5060)),
            public_address: None,
            user_agent: format!("Centralino/{}", env!("CARGO_PKG_VERSION")),
            max_calls: 4000,
            retry_after: Duration::from_secs(30),
            answer_delay: Duration::ZERO,
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(15),
            realm: "centralino".into(),
            digest_algorithms: vec![DigestAlgorithm::Md5],
            registration: RegistrationSection::default(),
            agent_auto_answer: None,
        }
    }
}

/// `rtp:` — media.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RtpSection {
    /// Port range for RTP, `LOW-HIGH` (even ports are used, odd ones are
    /// kept for RTCP). `--rtp-ports` overrides.
    pub ports: PortRange,
    /// The address put in SDP `c=`; defaults to the SIP public/listen address.
    pub address: Option<IpAddr>,
    /// Codecs we accept, in preference order.
    pub codecs: Vec<Codec>,
    /// Payload type we offer for telephone-event.
    pub telephone_event_pt: u8,
    /// No RTP received for this long ends the call with BYE.
    #[serde(with = "duration")]
    pub inactivity_timeout: Duration,
    /// Latch the remote RTP address on the first packet (symmetric RTP for
    /// callers behind NAT) instead of only accepting the SDP address.
    pub latch: bool,
}

impl Default for RtpSection {
    fn default() -> Self {
        RtpSection {
            ports: PortRange {
                low: 20000,
                high: 29999,
            },
            address: None,
            codecs: vec![Codec::Pcma, Codec::Pcmu, Codec::G729],
            telephone_event_pt: 101,
            inactivity_timeout: Duration::from_secs(60),
            latch: false,
        }
    }
}

/// `prompts:` — audio files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromptsSection {
    /// Directory holding `<language>/<name>.wav`; relative to the config
    /// file's directory's parent when relative (so the shipped
    /// `config/centralino.yaml` finds `prompts/`).
    pub dir: PathBuf,
    /// Language of calls until the caller chooses another.
    pub default_language: Language,
}

impl Default for PromptsSection {
    fn default() -> Self {
        PromptsSection {
            dir: PathBuf::from("prompts"),
            default_language: Language::new("it"),
        }
    }
}

/// `logging:`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingSection {
    /// A `tracing` filter (`info`, `centralino=debug,info`); `RUST_LOG`
    /// wins when set.
    pub level: String,
}

impl Default for LoggingSection {
    fn default() -> Self {
        LoggingSection {
            level: "info".into(),
        }
    }
}

/// An inclusive UDP port range, written `20000-29999`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    /// First port.
    pub low: u16,
    /// Last port.
    pub high: u16,
}

impl std::str::FromStr for PortRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| format!("port range {s:?} must be written LOW-HIGH"))?;
        let low: u16 = a
            .trim()
            .parse()
            .map_err(|_| format!("bad port {a:?} in {s:?}"))?;
        let high: u16 = b
            .trim()
            .parse()
            .map_err(|_| format!("bad port {b:?} in {s:?}"))?;
        if low == 0 || high < low.saturating_add(3) {
            return Err(format!(
                "port range {s:?} must hold at least two even/odd pairs"
            ));
        }
        Ok(PortRange { low, high })
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Read and check a config file.
pub fn load(path: &Path) -> Result<(FileConfig, String), ConfigError> {
    let source = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: None,
        column: None,
        key: None,
        message: format!("cannot read: {e}"),
    })?;
    let cfg: FileConfig = from_yaml(path, &source)?;
    if cfg.rtp.codecs.is_empty() {
        return Err(ConfigError::for_key(
            path,
            &source,
            "rtp.codecs",
            "at least one codec is needed",
        ));
    }
    if !(96..=127).contains(&cfg.rtp.telephone_event_pt) {
        return Err(ConfigError::for_key(
            path,
            &source,
            "rtp.telephone_event_pt",
            "must be a dynamic payload type (96-127)",
        ));
    }
    Ok((cfg, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!(
            "20000-29999".parse::<PortRange>(),
            Ok(PortRange {
                low: 20000,
                high: 29999
            })
        );
        assert!("20000".parse::<PortRange>().is_err());
        assert!("3000-2000".parse::<PortRange>().is_err());
        assert!("0-100".parse::<PortRange>().is_err());
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c: FileConfig = from_yaml(Path::new("x.yaml"), "{}").unwrap();
        assert_eq!(c.sip.listen.port(), 5060);
        assert_eq!(c.rtp.telephone_event_pt, 101);
    }

    #[test]
    fn bad_codec_is_located() {
        let e = from_yaml::<FileConfig>(Path::new("x.yaml"), "rtp:\n  codecs: [PCMA, GSM]\n")
            .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(
            e.key.as_deref().unwrap_or("").starts_with("rtp.codecs"),
            "{e}"
        );
    }
}
