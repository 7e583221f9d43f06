//! Legs we originate (UAC, RFC 3261 §13.2): to an operator's softphone for
//! a queued call, to a number through the trunk (transfer target, a
//! callback's citizen). The INVITE offers the codec the other side already
//! speaks first, so the bridge relays payload untouched when possible.

use crate::call::{EndCause, Leg, LegRole, LegState};
use crate::{ClientPurpose, Engine, EngineEvent, LegKey};
use centralino_model::{CallKey, Codec};
use centralino_sdp::{Direction, LocalMedia};
use centralino_sip::builder::RequestBuilder;
use centralino_sip::dialog::Dialog;
use centralino_sip::msg::{Method, Response};
use centralino_sip::txn::ClientTxKey;
use centralino_sip::{parse_uri, MessageExt};
use std::net::SocketAddr;
use std::time::Instant;

/// What to call.
pub(crate) struct Originate {
    /// Why (agent, number).
    pub role: LegRole,
    /// The Request-URI.
    pub target_uri: String,
    /// Where to send the INVITE.
    pub destination: SocketAddr,
    /// Offer this codec first (the other side's), so the bridge relays untouched.
    pub first_codec: Option<Codec>,
    /// Extra headers (screen-pop).
    pub extra_headers: Vec<(String, String)>,
}

impl Engine {
    /// Create an outgoing leg of `call`; the INVITE leaves once the driver
    /// has bound its RTP socket.
    pub(crate) fn originate(&mut self, _now: Instant, call: CallKey, o: Originate) -> LegKey {
        let Originate {
            role,
            target_uri,
            destination,
            first_codec,
            extra_headers,
        } = o;
        let mut offered = self.config.usable_codecs();
        if let Some(c) = first_codec {
            offered.retain(|x| *x != c);
            offered.insert(0, c);
        }
        let local_tag = self.ids.tag();
        let sdp_session_id = self.ids.next_u64() >> 1;
        let placeholder = centralino_sip::msg::Request {
            method: Method::Invite,
            uri: parse_uri("sip:invalid").unwrap_or_default(),
            version: Default::default(),
            headers: Default::default(),
            body: Vec::new(),
        };
        let leg = self.legs.insert_with(|_| Leg {
            call,
            role,
            state: LegState::MediaPending,
            invite_tx: None,
            client_tx: None,
            invite: placeholder,
            source: destination,
            local_tag,
            dialog: None,
            remote_offer: None,
            offered,
            negotiated: None,
            local_rtp: None,
            sdp_session_id,
            sdp_version: 1,
            media: None,
            media_open: false,
            peer: None,
            reoffer: None,
            bye_after_ack: false,
            extra_headers,
            target_uri,
        });
        self.events.push_back(EngineEvent::OpenMedia { leg });
        leg
    }

    /// The RTP socket of an outgoing leg is ready: send the INVITE.
    pub(crate) fn send_invite(&mut self, now: Instant, key: LegKey) {
        let from_user = self
            .config
            .trunk
            .as_ref()
            .map(|t| t.from_user.clone())
            .unwrap_or_else(|| "centralino".into());
        let contact = self.contact();
        let host = self.config.sip_address.ip().to_string();
        let Some(leg) = self.legs.get(key) else {
            return;
        };
        let local = LocalMedia {
            address: self.config.media_address,
            rtp_port: leg.local_rtp.map(|a| a.port()).unwrap_or(9),
            session_id: leg.sdp_session_id,
            session_version: leg.sdp_version,
        };
        let sdp = centralino_sdp::offer(
            &leg.offered,
            Some(self.config.telephone_event_pt),
            &local,
            Direction::SendRecv,
        );
        let uri = match parse_uri(&leg.target_uri) {
            Ok(u) => u,
            Err(_) => {
                tracing::warn!(target = %leg.target_uri, "cannot call an invalid URI");
                return self.outbound_failed(now, key, 400);
            }
        };
        let caller_id = self
            .calls
            .get(&leg.call)
            .map(|c| c.caller.clone())
            .unwrap_or_default();
        let from = match leg.role {
            // The operator's phone shows the citizen's number.
            LegRole::Agent(_) => format!(
                "sip:{}@{}",
                if caller_id.is_empty() {
                    "anonymous"
                } else {
                    &caller_id
                },
                host
            ),
            _ => format!("sip:{from_user}@{host}"),
        };
        let mut b = RequestBuilder::out_of_dialog(
            Method::Invite,
            uri,
            &from,
            &leg.target_uri,
            &host,
            &mut self.ids,
        )
        .contact(&contact)
        .header("Allow", crate::config::ALLOW)
        .header("User-Agent", &self.config.user_agent);
        for (name, value) in &leg.extra_headers {
            b = b.header(name, value.clone());
        }
        let mut request = b.sdp(sdp.into_bytes()).build();
        // From carries our tag: keep it as the leg's local tag.
        let local_tag = request.from_tag().map(str::to_owned);
        let destination = leg.source;
        if let Some(t) = self
            .config
            .trunk
            .as_ref()
            .filter(|_| !matches!(leg.role, LegRole::Agent(_)))
        {
            if let Some(pai) = &t.asserted_identity {
                centralino_sip::builder::set_header(
                    &mut request.headers,
                    "P-Asserted-Identity",
                    pai.clone(),
                );
            }
        }
        match self.sip.send_request(now, destination, request.clone()) {
            Ok(tx) => {
                self.by_client_tx.insert(tx, ClientPurpose::Invite(key));
                if let Some(leg) = self.legs.get_mut(key) {
                    leg.invite = request;
                    leg.client_tx = Some(tx);
                    leg.state = LegState::Inviting;
                    if let Some(t) = local_tag {
                        leg.local_tag = t;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "INVITE not sent");
                self.outbound_failed(now, key, 500);
            }
        }
    }

    /// A response to one of our INVITEs.
    pub(crate) fn on_invite_response(
        &mut self,
        now: Instant,
        tx: ClientTxKey,
        key: LegKey,
        response: Response,
    ) {
        let code = response.status_code.code();
        let Some(leg) = self.legs.get_mut(key) else {
            return;
        };
        if code < 200 {
            if leg.state == LegState::Inviting {
                leg.state = LegState::Early;
            }
            return;
        }
        if code >= 300 {
            self.by_client_tx.remove(&tx);
            let cancelled = leg.state == LegState::Cancelling;
            leg.client_tx = None;
            if cancelled {
                return self.leg_finished(now, key);
            }
            return self.outbound_failed(now, key, code);
        }
        // 2xx: ACK it (again, for a retransmission), then set up the dialog.
        if let Some(dialog) = leg.dialog.as_ref() {
            let ack = dialog.ack(None);
            let to = dialog.target_addr();
            self.sip.send_ack(to, ack);
            return;
        }
        let dialog = match Dialog::uac(&leg.invite, &response, leg.source) {
            Ok(d) => d,
            Err(e) => {
                tracing::info!(error = %e, "unusable 2xx to our INVITE");
                return self.outbound_failed(now, key, 500);
            }
        };
        let ack = dialog.ack(None);
        self.sip.send_ack(dialog.target_addr(), ack);
        self.by_dialog.insert(dialog.id().clone(), key);
        let was_cancelling = leg.state == LegState::Cancelling;
        leg.dialog = Some(dialog);
        leg.state = LegState::Confirmed;
        leg.client_tx = None;
        let call = leg.call;
        let call_alive = self.calls.get(&call).is_some_and(|c| !c.ended);
        if was_cancelling || !call_alive {
            // Answered after we gave up on it (CANCEL crossed the 200, or the caller left).
            tracing::info!(leg = %key, "answered too late: hanging up");
            return self.hang_up_leg(now, key);
        }
        let answer = centralino_sdp::parse(&response.body).ok();
        let offered = leg.offered.clone();
        let negotiated = answer.and_then(|a| centralino_sdp::accept_answer(&offered, &a).ok());
        match negotiated {
            Some(n) => self.start_media(now, key, n),
            None => {
                tracing::info!("2xx without a usable SDP answer: hanging up the leg");
                self.hang_up_leg(now, key);
                return self.outbound_failed(now, key, 488);
            }
        }
        self.outbound_answered(now, key);
    }

    /// Our INVITE got no final response in time (Timer B).
    pub(crate) fn on_invite_timeout(&mut self, now: Instant, key: LegKey) {
        let cancelling = self
            .legs
            .get(key)
            .is_some_and(|l| l.state == LegState::Cancelling);
        if cancelling {
            return self.leg_finished(now, key);
        }
        self.outbound_failed(now, key, 408);
    }

    /// Give up on an outgoing leg that has not been answered: CANCEL it when
    /// it rings, just drop it before the INVITE left.
    pub(crate) fn cancel_leg(&mut self, now: Instant, key: LegKey) {
        let Some(leg) = self.legs.get_mut(key) else {
            return;
        };
        match leg.state {
            LegState::MediaPending => self.leg_finished(now, key),
            LegState::Inviting | LegState::Early => {
                leg.state = LegState::Cancelling;
                if let Some(tx) = leg.client_tx {
                    if let Err(e) = self.sip.cancel(now, tx) {
                        tracing::debug!(error = %e, "CANCEL not sent");
                        self.leg_finished(now, key);
                    }
                }
            }
            LegState::Cancelling | LegState::Ending => {}
            _ => self.hang_up_leg(now, key),
        }
    }

    /// An outgoing leg ended without being answered.
    fn outbound_failed(&mut self, now: Instant, key: LegKey, code: u16) {
        let Some(leg) = self.legs.get(key) else {
            return;
        };
        let role = leg.role.clone();
        let call = leg.call;
        self.leg_finished(now, key);
        match role {
            LegRole::Agent(agent) => self.agent_offer_failed(now, call, &agent, key, code),
            LegRole::Outbound { target } => self.outbound_target_failed(now, call, &target, code),
            _ => {}
        }
    }

    fn outbound_answered(&mut self, now: Instant, key: LegKey) {
        let Some(leg) = self.legs.get(key) else {
            return;
        };
        let role = leg.role.clone();
        let call = leg.call;
        match role {
            LegRole::Agent(agent) => self.agent_answered(now, call, agent, key),
            LegRole::Outbound { target } => self.outbound_target_answered(now, call, key, &target),
            _ => {}
        }
    }

    /// The other legs of `call` when the call ends.
    pub(crate) fn legs_of_call(&self, call: CallKey) -> Vec<LegKey> {
        self.legs
            .iter()
            .filter(|(_, l)| l.call == call)
            .map(|(k, _)| k)
            .collect()
    }

    /// A BYE from a leg that is not the caller's.
    pub(crate) fn on_leg_bye(&mut self, now: Instant, key: LegKey) {
        let Some(leg) = self.legs.get(key) else {
            return;
        };
        let call = leg.call;
        let role = leg.role.clone();
        self.leg_finished(now, key);
        match role {
            LegRole::Agent(_) => self.end_call(now, call, EndCause::AgentHangup),
            LegRole::Outbound { .. } => self.end_call(now, call, EndCause::CallerHangup),
            LegRole::Service => self.end_call(now, call, EndCause::CallerHangup),
            LegRole::Inbound => self.end_call(now, call, EndCause::CallerHangup),
        }
    }
}
