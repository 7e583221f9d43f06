//! Routing of transaction-layer events to calls and legs (the TU, RFC 3261
//! §8.2 and §12.2.2), and the answers that need no call: OPTIONS, 481,
//! 405.

use crate::call::{EndCause, LegState};
use crate::config::{ACCEPT, ALLOW, SUPPORTED};
use crate::{ClientPurpose, Engine};
use centralino_sip::builder;
use centralino_sip::dialog::DialogId;
use centralino_sip::msg::{Method, Request, Response};
use centralino_sip::txn::{ClientTxKey, ServerTxKey, TxEvent};
use centralino_sip::MessageExt;
use std::net::SocketAddr;
use std::time::Instant;

impl Engine {
    pub(crate) fn process_sip_events(&mut self, now: Instant) {
        while let Some(event) = self.sip.poll_event() {
            match event {
                TxEvent::Request {
                    tx,
                    request,
                    source,
                } => self.on_request(now, tx, request, source),
                TxEvent::Ack {
                    invite,
                    request,
                    source,
                } => self.on_ack(now, invite, request, source),
                TxEvent::Cancelled { invite } => self.on_cancelled(now, invite),
                TxEvent::Response { tx, response } => self.on_response(now, tx, response),
                TxEvent::Timeout { tx } => self.on_client_timeout(now, tx),
                TxEvent::AckTimeout { tx } => self.on_ack_timeout(now, tx),
                _ => {}
            }
        }
    }

    /// Send a response on a server transaction (errors mean the
    /// transaction is gone: nothing to do).
    pub(crate) fn respond(&mut self, now: Instant, tx: ServerTxKey, response: Response) {
        if let Err(e) = self.sip.respond(now, tx, response) {
            tracing::debug!(error = %e, "response not sent");
        }
    }

    /// A response with just a status code, our Server header.
    pub(crate) fn respond_code(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        request: &Request,
        code: u16,
    ) {
        let r = builder::response(request, code)
            .server(&self.config.user_agent)
            .build();
        self.respond(now, tx, r);
    }

    fn on_request(&mut self, now: Instant, tx: ServerTxKey, request: Request, source: SocketAddr) {
        let in_dialog = request.to_tag().is_some();
        match request.method {
            Method::Invite if !in_dialog => {
                if !self.try_feature_code(now, tx, &request, source) {
                    self.on_new_invite(now, tx, request, source)
                }
            }
            Method::Register => self.on_register(now, tx, request, source),
            Method::Refer => match self.leg_of(&request) {
                Some(leg) => self.on_refer(now, tx, leg, request),
                None => self.respond_code(now, tx, &request, 481),
            },
            Method::Notify if in_dialog && self.leg_of(&request).is_some() => {
                self.respond_code(now, tx, &request, 200)
            }
            Method::Invite => self.on_reinvite(now, tx, request, source),
            Method::Options => {
                if in_dialog && self.leg_of(&request).is_none() {
                    return self.respond_code(now, tx, &request, 481);
                }
                let r = builder::response(&request, 200)
                    .allow(ALLOW)
                    .accept(ACCEPT)
                    .supported(SUPPORTED)
                    .server(&self.config.user_agent)
                    .header("Accept-Language", "it, en")
                    .build();
                self.respond(now, tx, r);
            }
            Method::Bye => match self.leg_of(&request) {
                Some(leg) => {
                    self.respond_code(now, tx, &request, 200);
                    let Some(l) = self.legs.get(leg) else { return };
                    let call = l.call;
                    let inbound = self.calls.get(&call).is_some_and(|c| c.inbound == leg);
                    if inbound {
                        // The caller is gone: no BYE back, but keep the media
                        // session until the call has ended, so a voicemail being
                        // recorded is kept.
                        if let Some(l) = self.legs.get_mut(leg) {
                            l.state = LegState::Ending;
                        }
                        self.end_call(now, call, EndCause::CallerHangup);
                        self.leg_finished(now, leg);
                    } else {
                        self.on_leg_bye(now, leg);
                    }
                }
                None => self.respond_code(now, tx, &request, 481),
            },
            Method::Info => match self.leg_of(&request) {
                Some(leg) => self.on_info(now, tx, leg, request),
                None => self.respond_code(now, tx, &request, 481),
            },
            Method::Update => match self.leg_of(&request) {
                Some(leg) => self.on_update(now, tx, leg, request, source),
                None => self.respond_code(now, tx, &request, 481),
            },
            Method::Ack | Method::Cancel => {}
            _ if in_dialog && self.leg_of(&request).is_none() => {
                self.respond_code(now, tx, &request, 481)
            }
            _ => {
                let r = builder::response(&request, 405)
                    .allow(ALLOW)
                    .server(&self.config.user_agent)
                    .build();
                self.respond(now, tx, r);
            }
        }
    }

    /// The leg a request belongs to, by dialog id (§12.2.2).
    pub(crate) fn leg_of(&self, request: &Request) -> Option<crate::LegKey> {
        let id = DialogId::of_incoming_request(request)?;
        self.by_dialog.get(&id).copied()
    }

    fn on_response(&mut self, now: Instant, tx: ClientTxKey, response: Response) {
        let code = response.status_code.code();
        match self.by_client_tx.get(&tx).copied() {
            Some(ClientPurpose::Invite(leg)) => self.on_invite_response(now, tx, leg, response),
            Some(ClientPurpose::Bye(leg)) if code >= 200 => {
                self.by_client_tx.remove(&tx);
                self.leg_finished(now, leg);
            }
            Some(ClientPurpose::Notify) if code >= 200 => {
                self.by_client_tx.remove(&tx);
            }
            _ => {}
        }
    }

    fn on_client_timeout(&mut self, now: Instant, tx: ClientTxKey) {
        match self.by_client_tx.remove(&tx) {
            Some(ClientPurpose::Bye(leg)) => self.leg_finished(now, leg),
            Some(ClientPurpose::Invite(leg)) => self.on_invite_timeout(now, leg),
            Some(ClientPurpose::Notify) | None => {}
        }
    }

    fn on_ack_timeout(&mut self, now: Instant, tx: ServerTxKey) {
        if let Some(leg) = self.by_invite.remove(&tx) {
            if self.legs.get(leg).is_some_and(|l| l.bye_after_ack) {
                // We were waiting for the ACK only to say goodbye.
                return self.send_bye(now, leg);
            }
            // No ACK will come: treat the dialog as confirmed so the BYE goes out.
            if let Some(l) = self
                .legs
                .get_mut(leg)
                .filter(|l| l.state == LegState::Answered)
            {
                l.state = LegState::Confirmed;
            }
            if let Some(call) = self.legs.get(leg).map(|l| l.call) {
                tracing::info!(%leg, "no ACK for our 2xx (Timer H): ending the call");
                self.end_call(now, call, EndCause::AckTimeout);
            }
        }
    }

    /// Send BYE on a confirmed (or answered) leg and keep it until the
    /// response; a leg without a dialog is simply dropped.
    pub(crate) fn hang_up_leg(&mut self, now: Instant, key: crate::LegKey) {
        self.unbridge(key);
        let Some(leg) = self.legs.get_mut(key) else {
            return;
        };
        if leg.state == LegState::Ending {
            return;
        }
        let state = leg.state;
        let has_dialog = leg.dialog.is_some();
        leg.state = LegState::Ending;
        self.close_media(key);
        match (state, has_dialog) {
            // Our 2xx is not acknowledged yet: the BYE waits for the ACK (or
            // Timer H), RFC 3261 §15.
            (LegState::Answered, true) => {
                if let Some(leg) = self.legs.get_mut(key) {
                    leg.bye_after_ack = true;
                }
            }
            (LegState::Confirmed, true) => self.send_bye(now, key),
            _ => self.leg_finished(now, key),
        }
    }

    /// Send the BYE of a leg's dialog; the leg goes when it is answered.
    pub(crate) fn send_bye(&mut self, now: Instant, key: crate::LegKey) {
        let Some(dialog) = self.legs.get_mut(key).and_then(|l| l.dialog.as_mut()) else {
            return self.leg_finished(now, key);
        };
        let (request, destination) = (dialog.bye(), dialog.target_addr());
        match self.sip.send_request(now, destination, request) {
            Ok(tx) => {
                self.by_client_tx.insert(tx, ClientPurpose::Bye(key));
            }
            Err(e) => {
                tracing::warn!(error = %e, "BYE not sent");
                self.leg_finished(now, key);
            }
        }
    }

    /// Forget a leg completely.
    pub(crate) fn leg_finished(&mut self, now: Instant, key: crate::LegKey) {
        self.unbridge(key);
        self.close_media(key);
        if let Some(leg) = self.legs.remove(key) {
            if let crate::call::LegRole::Agent(agent) = &leg.role {
                if self.deferred_offers.contains_key(agent) {
                    self.agent_leg_ended(now, agent);
                }
            }
            if let Some(d) = &leg.dialog {
                self.by_dialog.remove(d.id());
            }
            if let Some(tx) = leg.invite_tx {
                self.by_invite.remove(&tx);
            }
            if let Some(tx) = leg.client_tx {
                self.by_client_tx.remove(&tx);
            }
        }
    }

    /// Tell the driver to close the leg's socket (once).
    pub(crate) fn close_media(&mut self, key: crate::LegKey) {
        if let Some(leg) = self.legs.get_mut(key) {
            if let Some(m) = leg.media.take() {
                let (rx, tx) = (m.receive_stats(), m.send_stats());
                self.stats.rtp_lost += rx.lost;
                let role = match &leg.role {
                    crate::call::LegRole::Inbound => "caller".to_string(),
                    crate::call::LegRole::Agent(a) => format!("agent:{a}"),
                    crate::call::LegRole::Outbound { target } => format!("outbound:{target}"),
                    crate::call::LegRole::Service => "feature".to_string(),
                };
                tracing::info!(
                    leg = %key,
                    role = %role,
                    rx_packets = rx.packets,
                    rx_lost = rx.lost,
                    rx_dropped = rx.malformed + rx.wrong_source + rx.unexpected_payload_type,
                    tx_packets = tx.packets,
                    tx_relayed = tx.relayed,
                    "media closed"
                );
            }
            if leg.media_open {
                leg.media_open = false;
                self.events
                    .push_back(crate::EngineEvent::CloseMedia { leg: key });
            }
        }
    }
}
