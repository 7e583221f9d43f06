//! Operators' softphones: REGISTER with digest authentication (RFC 3261
//! §22, RFC 7616/8760), bindings that make an agent reachable, and the
//! feature codes dialled from the softphone (`*11` login, `*12` logout,
//! `*13` break, `*14` back).

use crate::call::{Call, LegRole, LegState, QueuePhase};
use crate::{Engine, EngineEvent};
use centralino_acd::{AgentStatus, Credentials, FeatureCode};
use centralino_model::{normalize_number, AgentId};
use centralino_sip::auth::{AuthOutcome, Credential};
use centralino_sip::builder;
use centralino_sip::msg::Request;
use centralino_sip::registrar::{Aor, RegistrarEvent};
use centralino_sip::txn::ServerTxKey;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

/// Who may register: SIP username → (agent, secret).
#[derive(Debug, Default, Clone)]
pub(crate) struct AgentLogins {
    by_user: HashMap<String, (AgentId, Credential)>,
}

impl AgentLogins {
    pub fn from_config(cfg: &centralino_acd::AcdConfig) -> Self {
        let by_user = cfg
            .agents
            .iter()
            .map(|a| {
                let secret = match &a.credentials {
                    Credentials::Password(p) => Credential::Password(p.clone()),
                    Credentials::Ha1(h) => Credential::Ha1 {
                        md5: h.md5.clone(),
                        sha256: h.sha256.clone(),
                    },
                };
                (a.sip_username().to_string(), (a.id.clone(), secret))
            })
            .collect();
        AgentLogins { by_user }
    }

    pub fn credential(&self, user: &str) -> Option<Credential> {
        self.by_user.get(user).map(|(_, c)| c.clone())
    }

    pub fn agent(&self, user: &str) -> Option<&AgentId> {
        self.by_user.get(user).map(|(a, _)| a)
    }

    /// The agent with this id (a REFER may name an operator by id).
    pub fn agent_by_id(&self, id: &str) -> Option<&AgentId> {
        self.by_user
            .values()
            .map(|(a, _)| a)
            .find(|a| a.as_str() == id)
    }

    pub fn username_of(&self, agent: &AgentId) -> Option<&str> {
        self.by_user
            .iter()
            .find(|(_, (a, _))| a == agent)
            .map(|(u, _)| u.as_str())
    }
}

impl Engine {
    /// Authenticate a request from an operator; `None` when a challenge or
    /// a refusal was sent.
    fn authenticate(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        request: &Request,
        source: SocketAddr,
    ) -> Option<String> {
        let logins = &self.logins;
        match self
            .digest
            .check(now, request, source, |user| logins.credential(user))
        {
            AuthOutcome::Authorized { username } => Some(username),
            AuthOutcome::Rejected(response) => {
                self.respond(now, tx, response);
                None
            }
        }
    }

    pub(crate) fn on_register(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        request: Request,
        source: SocketAddr,
    ) {
        let Some(username) = self.authenticate(now, tx, &request, source) else {
            return;
        };
        let aor = Aor::of_request(&request);
        if aor.as_ref().map(Aor::as_str) != Some(username.as_str()) {
            // One may only register one's own address.
            let r = builder::response(&request, 403)
                .header("Warning", "399 centralino \"Wrong address of record\"")
                .build();
            return self.respond(now, tx, r);
        }
        let response = self.registrar.handle_register(now, &request, source);
        self.respond(now, tx, response);
        self.process_registrar_events(now);
    }

    pub(crate) fn process_registrar_events(&mut self, now: Instant) {
        while let Some(event) = self.registrar.poll_event() {
            let (aor, up) = match &event {
                RegistrarEvent::BindingAdded { aor, .. }
                | RegistrarEvent::BindingRefreshed { aor, .. } => (aor.clone(), true),
                RegistrarEvent::BindingRemoved { aor, .. }
                | RegistrarEvent::BindingExpired { aor, .. } => {
                    (aor.clone(), self.registrar.is_registered(aor))
                }
                _ => continue,
            };
            let Some(agent) = self.logins.agent(aor.as_str()).cloned() else {
                continue;
            };
            tracing::info!(agent = %agent, registered = up, event = ?event, "registration");
            if let Err(e) = self.acd.agent_reachable(now, &agent, up) {
                tracing::debug!(error = %e, "ACD refused reachability change");
            }
        }
        self.drive_acd(now);
    }

    /// Where to send an INVITE for `agent`: the newest binding's contact URI
    /// and the address its REGISTER came from (NAT-friendly).
    pub(crate) fn agent_contact(&self, agent: &AgentId) -> Option<(String, SocketAddr)> {
        let user = self.logins.username_of(agent)?;
        let b = self
            .registrar
            .bindings(&Aor::new(user))
            .iter()
            .max_by_key(|b| b.expires_at)?;
        Some((b.uri.to_string(), b.source))
    }

    /// An INVITE to `*11`…`*14` from an operator: change the status, then
    /// answer, beep and hang up (the softphone hears a confirmation).
    /// Returns false when the request is not a feature code.
    pub(crate) fn try_feature_code(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        request: &Request,
        source: SocketAddr,
    ) -> bool {
        let ruri = request.uri.to_string();
        let dialled = ruri
            .split_once(':')
            .map(|(_, r)| r)
            .unwrap_or(&ruri)
            .split(['@', ';'])
            .next()
            .unwrap_or("")
            .replace("%2A", "*")
            .replace("%2a", "*");
        let Some(code) = FeatureCode::from_dialled(&dialled) else {
            return false;
        };
        let Some(username) = self.authenticate(now, tx, request, source) else {
            return true;
        };
        let Some(agent) = self.logins.agent(&username).cloned() else {
            self.respond_code(now, tx, request, 403);
            return true;
        };
        let status = code.status();
        match self.acd.agent_status(now, &agent, status.clone()) {
            Ok(()) => tracing::info!(agent = %agent, code = code.code(), ?status, "feature code"),
            Err(e) => {
                tracing::info!(agent = %agent, code = code.code(), error = %e, "feature code refused")
            }
        }
        self.drive_acd(now);
        // Answer with media so the softphone hears a beep, then hang up.
        self.start_service_call(now, tx, request.clone(), source, &username);
        true
    }

    fn start_service_call(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        request: Request,
        source: SocketAddr,
        username: &str,
    ) {
        let Some(service) = self.catalog.services.services().first().cloned() else {
            return self.respond_code(now, tx, &request, 200);
        };
        let remote_offer = centralino_sdp::parse(&request.body).ok();
        let (key, uid) = self.new_call_key();
        let local_tag = self.ids.tag();
        let sdp_session_id = self.ids.next_u64() >> 1;
        let leg = self.legs.insert_with(|_| crate::call::Leg {
            call: key,
            role: LegRole::Service,
            state: LegState::MediaPending,
            invite_tx: Some(tx),
            client_tx: None,
            invite: request,
            source,
            local_tag,
            dialog: None,
            remote_offer,
            offered: Vec::new(),
            negotiated: None,
            local_rtp: None,
            sdp_session_id,
            sdp_version: 1,
            media: None,
            media_open: false,
            peer: None,
            reoffer: None,
            bye_after_ack: false,
            extra_headers: Vec::new(),
            target_uri: String::new(),
        });
        self.by_invite.insert(tx, leg);
        let span = tracing::info_span!("feature", id = %uid, agent = %username);
        let language = service.default_language().clone();
        self.calls.insert(
            key,
            Call {
                uid,
                span,
                service,
                catalog: self.catalog.clone(),
                caller: normalize_number(username),
                called: String::new(),
                diverted_from: None,
                arrived: now,
                arrived_wall: self.clock.at(now),
                inbound: leg,
                ivr: None,
                playing: None,
                recording: None,
                ivr_outcome: None,
                queued: None,
                language,
                digits: String::new(),
                queue_prompts: None,
                phase: QueuePhase::None,
                offers: Vec::new(),
                waited_at_answer: None,
                deadline: None,
                ended: false,
                service_call: true,
                callback: None,
                callback_offer_until: None,
                callback_offer_leaving: false,
                transfer: None,
            },
        );
        self.events.push_back(EngineEvent::OpenMedia { leg });
    }

    /// Change an agent's status (HTTP API, tests).
    pub fn set_agent_status(
        &mut self,
        now: Instant,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<(), centralino_acd::AcdError> {
        let r = self.acd.agent_status(now, agent, status);
        self.drive_acd(now);
        r
    }
}
