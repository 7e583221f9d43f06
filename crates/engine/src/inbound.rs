//! The trunk side of a call (UAS, RFC 3261 §13.3 and RFC 3264): a new
//! INVITE becomes a call, gets an RTP socket, is answered (after an
//! optional ring), confirmed by the ACK, changed by re-INVITE/UPDATE, and
//! cancelled or hung up.

use crate::call::{Call, EndCause, Leg, LegRole, LegState, QueuePhase};
use crate::config::{ACCEPT, ALLOW, SUPPORTED};
use crate::{Engine, EngineEvent, LegKey};
use centralino_cdr::{EventKind, RejectReason};
use centralino_media::{MediaSession, SessionConfig, StreamParams};
use centralino_model::{normalize_number, DtmfDigit};
use centralino_sdp::{Direction, LocalMedia, NegotiationError};
use centralino_sip::builder;
use centralino_sip::dialog::Dialog;
use centralino_sip::msg::{Request, Response};
use centralino_sip::txn::ServerTxKey;
use centralino_sip::MessageExt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The user part of a SIP/tel URI text (`sip:800228040@host;x` → `800228040`).
fn uri_user(uri: &str) -> Option<&str> {
    let s = uri.trim().trim_start_matches('<');
    let s = s.split_once(':').map(|(_, rest)| rest).unwrap_or(s);
    let end = s.find(['@', ';', '>', '?']).unwrap_or(s.len());
    let user = &s[..end];
    (!user.is_empty() && s[end..].starts_with('@') || uri.trim_start().starts_with("tel:"))
        .then_some(user)
}

/// The original called party of a forwarded call: the first Diversion
/// (RFC 5806) or the first History-Info entry (RFC 7044).
fn diverted_from(request: &Request) -> Option<String> {
    if let Some(d) = request.header_value("Diversion") {
        let first = d.split(',').next().unwrap_or(d);
        if let Some(user) = uri_user(first.split_once('<').map(|(_, r)| r).unwrap_or(first)) {
            return Some(normalize_number(user));
        }
    }
    if let Some(h) = request.header_value("History-Info") {
        let first = h.split(',').next().unwrap_or(h);
        if let Some(user) = uri_user(first.split_once('<').map(|(_, r)| r).unwrap_or(first)) {
            return Some(normalize_number(user));
        }
    }
    None
}

impl Engine {
    pub(crate) fn on_new_invite(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        request: Request,
        source: SocketAddr,
    ) {
        // Called number: Request-URI user, else To user.
        let ruri = request.uri.to_string();
        let called_raw = uri_user(&ruri)
            .map(str::to_owned)
            .or_else(|| {
                request
                    .to_addr()
                    .and_then(|t| uri_user(t.uri).map(str::to_owned))
            })
            .unwrap_or_default();
        let called = normalize_number(&called_raw);
        let caller = request
            .from_addr()
            .and_then(|f| uri_user(f.uri).map(normalize_number))
            .unwrap_or_else(|| "anonymous".into());
        let catalog = self.catalog.clone();
        let service = catalog.services.by_number(&called).cloned();

        if self.shutting_down.is_some() || self.calls.len() >= self.config.max_calls {
            self.stats.calls_refused += 1;
            let r = builder::response(&request, 503)
                .retry_after(self.config.retry_after.as_secs() as u32)
                .server(&self.config.user_agent)
                .build();
            self.respond(now, tx, r);
            if let Some(service) = service {
                // A call that found no free line still counts (SLA C.1).
                let (_, uid) = self.new_call_key();
                let wall = self.clock.at(now);
                let tz = service.calendar().time_zone();
                let at = wall.with_timezone(&tz).fixed_offset();
                let id = centralino_cdr::CallId::new(uid);
                for kind in [
                    EventKind::Arrived {
                        service: service.id().clone(),
                        called: called.clone(),
                        caller: Some(caller.clone()),
                        diverted_from: diverted_from(&request),
                        codec: None,
                    },
                    EventKind::Rejected {
                        reason: RejectReason::Capacity,
                    },
                    EventKind::Ended {
                        ended_by: centralino_cdr::EndedBy::System,
                        ivr_outcome: None,
                    },
                ] {
                    self.events
                        .push_back(EventEngine::call(id.clone(), at, 0, kind));
                }
            }
            return;
        }
        let Some(service) = service else {
            self.stats.calls_unknown_number += 1;
            tracing::info!(called = %called, "no service for this number: 404");
            return self.respond_code(now, tx, &request, 404);
        };
        // SDP: parse and check we can answer before spending a port.
        let remote_offer = if request.body.is_empty() {
            None
        } else {
            match centralino_sdp::parse(&request.body) {
                Ok(sdp) => Some(sdp),
                Err(e) => {
                    tracing::info!(error = %e, "malformed SDP offer: 400");
                    let r = builder::response(&request, 400)
                        .header("Warning", format!("399 centralino \"Malformed SDP: {e}\""))
                        .build();
                    return self.respond(now, tx, r);
                }
            }
        };
        let codecs = self.config.usable_codecs();
        if let Some(offer) = &remote_offer {
            let probe = LocalMedia {
                address: self.config.media_address,
                rtp_port: 9,
                session_id: 1,
                session_version: 1,
            };
            if let Err(e) = centralino_sdp::answer(offer, &codecs, &probe) {
                self.stats.calls_no_codec += 1;
                let warning = match e {
                    NegotiationError::NoCommonCodec { .. } => {
                        "305 centralino \"Incompatible media format\""
                    }
                    _ => "304 centralino \"Media type not available\"",
                };
                tracing::info!(error = %e, "no usable audio in the offer: 488");
                let r = builder::response(&request, 488)
                    .header("Warning", warning)
                    .accept(ACCEPT)
                    .server(&self.config.user_agent)
                    .build();
                return self.respond(now, tx, r);
            }
        }

        let (key, uid) = self.new_call_key();
        let diverted = diverted_from(&request);
        let span = tracing::info_span!("call", id = %uid, caller = %caller, called = %called, service = %service.id());
        let local_tag = self.ids.tag();
        let sdp_session_id = self.ids.next_u64() >> 1;
        let leg = self.legs.insert_with(|_| Leg {
            call: key,
            role: LegRole::Inbound,
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
        let wall = self.clock.at(now);
        let language = service.default_language().clone();
        self.calls.insert(
            key,
            Call {
                uid,
                span: span.clone(),
                service,
                catalog,
                caller,
                called,
                diverted_from: diverted,
                arrived: now,
                arrived_wall: wall,
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
                service_call: false,
                callback: None,
                callback_offer_until: None,
                callback_offer_leaving: false,
                transfer: None,
            },
        );
        self.stats.calls_started += 1;
        span.in_scope(|| tracing::info!(%source, "call started"));
        self.events.push_back(EngineEvent::OpenMedia { leg });
    }

    pub(crate) fn on_media_opened(&mut self, now: Instant, key: LegKey, local: SocketAddr) {
        let Some(leg) = self.legs.get_mut(key) else {
            // The call ended while the socket was being bound.
            self.events.push_back(EngineEvent::CloseMedia { leg: key });
            return;
        };
        leg.media_open = true;
        leg.local_rtp = Some(local);
        if !matches!(leg.state, LegState::MediaPending) {
            return;
        }
        if matches!(leg.role, LegRole::Agent(_) | LegRole::Outbound { .. }) {
            return self.send_invite(now, key);
        }
        let call = leg.call;
        if self.config.answer_delay.is_zero() {
            self.answer(now, key);
        } else {
            let answer_at = now + self.config.answer_delay;
            let contact = self.contact();
            if let Some(leg) = self.legs.get_mut(key) {
                leg.state = LegState::Ringing { answer_at };
                let r = builder::response(&leg.invite, 180)
                    .to_tag(&leg.local_tag)
                    .contact(&contact)
                    .server(&self.config.user_agent)
                    .build();
                if let Some(tx) = leg.invite_tx {
                    self.respond(now, tx, r);
                }
            }
            self.reschedule(now, call);
        }
    }

    pub(crate) fn on_media_failed(&mut self, now: Instant, key: LegKey) {
        let Some(leg) = self.legs.get(key) else {
            return;
        };
        let call = leg.call;
        if let Some(tx) = leg.invite_tx {
            let r = builder::response(&leg.invite, 503)
                .retry_after(self.config.retry_after.as_secs() as u32)
                .server(&self.config.user_agent)
                .build();
            self.respond(now, tx, r);
        }
        self.end_call(now, call, EndCause::MediaFailure);
    }

    /// Our Contact header value.
    pub(crate) fn contact(&self) -> String {
        format!("<sip:centralino@{}>", self.config.sip_address)
    }

    fn local_media(&self, leg: &Leg) -> LocalMedia {
        LocalMedia {
            address: self.config.media_address,
            rtp_port: leg.local_rtp.map(|a| a.port()).unwrap_or(9),
            session_id: leg.sdp_session_id,
            session_version: leg.sdp_version,
        }
    }

    /// Send the 2xx with our SDP (answer, or offer for an offerless INVITE).
    pub(crate) fn answer(&mut self, now: Instant, key: LegKey) {
        let codecs = self.config.usable_codecs();
        let Some(leg) = self.legs.get(key) else {
            return;
        };
        let local = self.local_media(leg);
        let call = leg.call;
        let (sdp, negotiated) = match &leg.remote_offer {
            Some(offer) => match centralino_sdp::answer(offer, &codecs, &local) {
                Ok(a) => (a.sdp, Some(a.negotiated)),
                Err(_) => {
                    // Checked at arrival; cannot change since.
                    return self.end_call(now, call, EndCause::MediaFailure);
                }
            },
            None => (
                centralino_sdp::offer(
                    &codecs,
                    Some(self.config.telephone_event_pt),
                    &local,
                    Direction::SendRecv,
                ),
                None,
            ),
        };
        let contact = self.contact();
        let Some(leg) = self.legs.get_mut(key) else {
            return;
        };
        let response = builder::response(&leg.invite, 200)
            .to_tag(&leg.local_tag)
            .contact(&contact)
            .allow(ALLOW)
            .supported(SUPPORTED)
            .server(&self.config.user_agent)
            .sdp(sdp.clone().into_bytes())
            .build();
        match Dialog::uas(&leg.invite, &response, leg.source) {
            Ok(dialog) => {
                self.by_dialog.insert(dialog.id().clone(), key);
                leg.dialog = Some(dialog);
            }
            Err(e) => {
                tracing::info!(error = %e, "cannot form a dialog from this INVITE: 400");
                if let Some(tx) = leg.invite_tx {
                    let r = builder::response(&leg.invite, 400).build();
                    self.respond(now, tx, r);
                }
                return self.end_call(now, call, EndCause::MediaFailure);
            }
        }
        leg.state = LegState::Answered;
        let tx = leg.invite_tx;
        if let Some(n) = negotiated {
            self.start_media(now, key, n);
        }
        if let Some(tx) = tx {
            self.respond(now, tx, response);
        }
        let codec = self.legs.get(key).and_then(Leg::codec);
        self.cdr_arrived(now, call, codec);
        // Media flows from the 200: start the IVR now when we know where to
        // send; an offerless call starts at the ACK.
        if self.legs.get(key).is_some_and(|l| l.negotiated.is_some()) {
            self.start_ivr(now, call);
        }
    }

    /// Create or update the leg's media session from a negotiation result.
    pub(crate) fn start_media(&mut self, now: Instant, key: LegKey, n: centralino_sdp::Negotiated) {
        let ssrc = self.ids.next_u64();
        let Some(leg) = self.legs.get_mut(key) else {
            return;
        };
        let stream = StreamParams {
            codec: n.codec,
            payload_type: n.payload_type,
            telephone_event_pt: n.telephone_event_pt,
            remote: n.remote_rtp,
            send: n.direction.sends() && n.remote_rtp.is_some(),
            receive: n.direction.receives(),
        };
        match leg.media.as_mut() {
            Some(session) => session.update(now, stream),
            None => {
                let slot = (ssrc >> 8) as u32 % crate::media_plane::SLOTS;
                let mut cfg = SessionConfig::new(
                    crate::media_plane::leg_grid(&self.grid, slot),
                    stream,
                    ssrc as u32,
                    (ssrc >> 32) as u16,
                    (ssrc >> 48) as u32 ^ (ssrc as u32).rotate_left(7),
                );
                cfg.latch = self.config.latch;
                cfg.inactivity_timeout = Some(self.config.inactivity_timeout);
                leg.media = Some(MediaSession::new(now, cfg));
                self.media.add(key, slot);
                self.media.ensure_ticking(now, &self.grid);
            }
        }
        leg.negotiated = Some(n);
    }

    pub(crate) fn on_ack(
        &mut self,
        now: Instant,
        invite: ServerTxKey,
        request: Request,
        _source: SocketAddr,
    ) {
        let Some(&key) = self.by_invite.get(&invite) else {
            return;
        };
        self.by_invite.remove(&invite);
        let codecs = self.config.usable_codecs();
        let Some(leg) = self.legs.get_mut(key) else {
            return;
        };
        if leg.reoffer == Some(invite) {
            // The answer to the offer we put in a re-INVITE's 200.
            leg.reoffer = None;
            let negotiated = centralino_sdp::parse(&request.body)
                .ok()
                .and_then(|sdp| centralino_sdp::accept_answer(&codecs, &sdp).ok());
            if let Some(n) = negotiated {
                let peer = leg.peer;
                self.start_media(now, key, n);
                if let Some(p) = peer {
                    self.bridge(now, key, p);
                }
            }
            return;
        }
        leg.invite_tx = None;
        if leg.bye_after_ack {
            leg.bye_after_ack = false;
            return self.send_bye(now, key);
        }
        if !matches!(leg.state, LegState::Answered) {
            return;
        }
        leg.state = LegState::Confirmed;
        let call = leg.call;
        if leg.negotiated.is_none() {
            // Offerless INVITE: the ACK carries the answer to our offer.
            let negotiated = centralino_sdp::parse(&request.body)
                .ok()
                .and_then(|sdp| centralino_sdp::accept_answer(&codecs, &sdp).ok());
            match negotiated {
                Some(n) => {
                    self.start_media(now, key, n);
                    let codec = self.legs.get(key).and_then(Leg::codec);
                    self.cdr_codec(now, call, codec);
                    self.start_ivr(now, call);
                }
                None => {
                    tracing::info!("ACK without a usable SDP answer to our offer: hanging up");
                    self.end_call(now, call, EndCause::MediaFailure);
                }
            }
        }
    }

    pub(crate) fn on_cancelled(&mut self, now: Instant, invite: ServerTxKey) {
        let Some(&key) = self.by_invite.get(&invite) else {
            return;
        };
        let Some(leg) = self.legs.get(key) else {
            return;
        };
        let r = builder::response(&leg.invite, 487)
            .to_tag(&leg.local_tag)
            .build();
        let call = leg.call;
        self.respond(now, invite, r);
        if let Some(c) = self.calls.get(&call) {
            c.span
                .in_scope(|| tracing::info!("caller cancelled before the answer"));
        }
        self.end_call(now, call, EndCause::CallerHangup);
    }

    /// re-INVITE (§14.2): hold, unhold, a new codec or address; answered
    /// with our SDP (same port, version + 1).
    pub(crate) fn on_reinvite(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        request: Request,
        source: SocketAddr,
    ) {
        let Some(key) = self.leg_of(&request) else {
            return self.respond_code(now, tx, &request, 481);
        };
        self.offer_answer_in_dialog(now, tx, key, request, source);
    }

    pub(crate) fn on_update(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        key: LegKey,
        request: Request,
        source: SocketAddr,
    ) {
        self.offer_answer_in_dialog(now, tx, key, request, source);
    }

    fn offer_answer_in_dialog(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        key: LegKey,
        request: Request,
        _source: SocketAddr,
    ) {
        let codecs = self.config.usable_codecs();
        let contact = self.contact();
        let Some(leg) = self.legs.get_mut(key) else {
            return;
        };
        if let Some(dialog) = leg.dialog.as_mut() {
            if let Some(r) = dialog.check_remote_cseq(&request) {
                return self.respond(now, tx, r);
            }
            dialog.refresh_target(&request);
        }
        if matches!(leg.state, LegState::Ending) {
            return self.respond_code(now, tx, &request, 481);
        }
        if request.body.is_empty() {
            // Offerless re-INVITE: offer our current media again; the answer
            // comes in the ACK.
            leg.sdp_version += 1;
            leg.reoffer = Some(tx);
            self.by_invite.insert(tx, key);
            let local = self.local_media_of(key);
            let sdp = centralino_sdp::offer(
                &codecs,
                Some(self.config.telephone_event_pt),
                &local,
                Direction::SendRecv,
            );
            let r = builder::response(&request, 200)
                .contact(&contact)
                .allow(ALLOW)
                .server(&self.config.user_agent)
                .sdp(sdp.into_bytes())
                .build();
            return self.respond(now, tx, r);
        }
        let offer = match centralino_sdp::parse(&request.body) {
            Ok(o) => o,
            Err(_) => return self.respond_code(now, tx, &request, 400),
        };
        leg.sdp_version += 1;
        let local = self.local_media_of(key);
        match centralino_sdp::answer(&offer, &codecs, &local) {
            Ok(a) => {
                let r = builder::response(&request, 200)
                    .contact(&contact)
                    .allow(ALLOW)
                    .supported(SUPPORTED)
                    .server(&self.config.user_agent)
                    .sdp(a.sdp.into_bytes())
                    .build();
                let held = a.negotiated.held_by_peer();
                if let Some(leg) = self.legs.get_mut(key) {
                    leg.remote_offer = Some(offer);
                }
                self.start_media(now, key, a.negotiated);
                // Bridged: the relays follow the new codecs.
                if let Some(p) = self.legs.get(key).and_then(|l| l.peer) {
                    self.bridge(now, key, p);
                }
                if let Some(call) = self
                    .legs
                    .get(key)
                    .map(|l| l.call)
                    .and_then(|c| self.calls.get(&c))
                {
                    call.span
                        .in_scope(|| tracing::info!(held, "media changed by the peer"));
                }
                self.respond(now, tx, r);
            }
            Err(_) => {
                if let Some(leg) = self.legs.get_mut(key) {
                    leg.sdp_version -= 1;
                }
                let r: Response = builder::response(&request, 488)
                    .header("Warning", "305 centralino \"Incompatible media format\"")
                    .build();
                self.respond(now, tx, r);
            }
        }
    }

    fn local_media_of(&self, key: LegKey) -> LocalMedia {
        match self.legs.get(key) {
            Some(leg) => self.local_media(leg),
            None => LocalMedia {
                address: self.config.media_address,
                rtp_port: 9,
                session_id: 1,
                session_version: 1,
            },
        }
    }

    /// SIP INFO (`application/dtmf-relay` `Signal=5`, or `application/dtmf`
    /// `5`): the fallback when a trunk does not send RFC 4733 events.
    pub(crate) fn on_info(&mut self, now: Instant, tx: ServerTxKey, key: LegKey, request: Request) {
        let content_type = request
            .header_value("Content-Type")
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = String::from_utf8_lossy(&request.body);
        let digit = if content_type.starts_with("application/dtmf-relay") {
            body.lines()
                .find_map(|l| {
                    let (k, v) = l.split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("signal")
                        .then(|| v.trim().chars().next())
                        .flatten()
                })
                .and_then(DtmfDigit::from_char)
        } else if content_type.starts_with("application/dtmf") {
            body.trim().chars().next().and_then(|c| {
                DtmfDigit::from_char(c).or_else(|| {
                    body.trim()
                        .parse::<u8>()
                        .ok()
                        .and_then(DtmfDigit::from_event)
                })
            })
        } else {
            None
        };
        match digit {
            Some(d) => {
                self.respond_code(now, tx, &request, 200);
                if let Some(call) = self.legs.get(key).map(|l| l.call) {
                    self.on_dtmf(now, call, d, Duration::from_millis(100));
                }
            }
            None if request.body.is_empty() => self.respond_code(now, tx, &request, 200),
            None => {
                let r = builder::response(&request, 415).accept(ACCEPT).build();
                self.respond(now, tx, r);
            }
        }
    }
}

/// Building CDR events.
pub(crate) struct EventEngine;

impl EventEngine {
    pub(crate) fn call(
        id: centralino_cdr::CallId,
        at: chrono::DateTime<chrono::FixedOffset>,
        mono_ms: u64,
        kind: EventKind,
    ) -> EngineEvent {
        EngineEvent::Call(centralino_cdr::CallEvent::new(id, at, mono_ms, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::uri_user;

    #[test]
    fn forwarded_calls_keep_the_original_called_party() {
        use centralino_sip::testkit;
        let r = testkit::invite("sip:800264760@centralino")
            .header(
                "Diversion",
                "<sip:+390461491111@pbx.example>;reason=no-answer;counter=1",
            )
            .build_request();
        assert_eq!(super::diverted_from(&r).as_deref(), Some("0461491111"));
        let r = testkit::invite("sip:800264760@centralino")
            .header(
                "History-Info",
                "<sip:0461491112@pbx.example>;index=1, <sip:800264760@centralino>;index=1.1",
            )
            .build_request();
        assert_eq!(super::diverted_from(&r).as_deref(), Some("0461491112"));
        let r = testkit::invite("sip:800264760@centralino").build_request();
        assert_eq!(super::diverted_from(&r), None);
    }

    #[test]
    fn users_of_uris() {
        assert_eq!(
            uri_user("sip:800228040@10.0.0.1:5060;user=phone"),
            Some("800228040")
        );
        assert_eq!(uri_user("<sip:+39800228040@trunk>"), Some("+39800228040"));
        assert_eq!(uri_user("tel:+39-0461-497300"), Some("+39-0461-497300"));
        assert_eq!(uri_user("sip:trunk.example.com"), None);
    }
}
