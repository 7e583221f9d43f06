//! Blind transfer by the operator (REFER, RFC 3515): to a number through
//! the trunk, or back into a queue (`sip:queue-<id>@…` or the bare queue
//! id). The engine reports progress with NOTIFY (`message/sipfrag`) and
//! records the call as escalated (not resolved at first level).

use crate::call::{LegRole, QueuePhase};
use crate::{ClientPurpose, Engine, LegKey};
use centralino_cdr::EventKind;
use centralino_model::{CallKey, QueueId};
use centralino_sip::builder;
use centralino_sip::msg::Request;
use centralino_sip::txn::ServerTxKey;
use centralino_sip::MessageExt;
use std::time::Instant;

/// A transfer (or a callback's second leg) in progress.
#[derive(Debug, Clone)]
pub(crate) struct Transfer {
    /// The operator's leg that asked (and gets the NOTIFYs).
    pub from_leg: LegKey,
    /// The new leg being called.
    pub target_leg: LegKey,
    /// The operator being called, when the target is one: the ACD holds
    /// them as in a call from now on, so it offers them nothing else.
    pub colleague: Option<centralino_model::AgentId>,
}

/// The user part of a Refer-To value.
fn refer_target(value: &str) -> Option<String> {
    let v = value.trim();
    let inner = v
        .split_once('<')
        .map(|(_, r)| r.split('>').next().unwrap_or(r))
        .unwrap_or(v);
    let rest = inner.split_once(':').map(|(_, r)| r).unwrap_or(inner);
    let user = rest.split(['@', ';', '?']).next().unwrap_or("").trim();
    (!user.is_empty()).then(|| user.to_string())
}

impl Engine {
    pub(crate) fn on_refer(
        &mut self,
        now: Instant,
        tx: ServerTxKey,
        leg: LegKey,
        request: Request,
    ) {
        let Some(l) = self.legs.get(leg) else { return };
        let call = l.call;
        let agent = match (&l.role, l.peer) {
            (LegRole::Agent(a), Some(_)) => a.clone(),
            _ => {
                // Only the operator bridged to the caller may transfer.
                let r = builder::response(&request, 403)
                    .header(
                        "Warning",
                        "399 centralino \"Only the bridged operator may transfer\"",
                    )
                    .build();
                return self.respond(now, tx, r);
            }
        };
        let Some(target) = request.header_value("Refer-To").and_then(refer_target) else {
            let r = builder::response(&request, 400)
                .header("Warning", "399 centralino \"Missing or bad Refer-To\"")
                .build();
            return self.respond(now, tx, r);
        };
        if self.calls.get(&call).is_some_and(|c| c.transfer.is_some()) {
            return self.respond_code(now, tx, &request, 491);
        }
        self.respond_code(now, tx, &request, 202);
        self.notify_refer(now, leg, "SIP/2.0 100 Trying", false);
        let queue_id = target.strip_prefix("queue-").unwrap_or(&target).to_string();
        if self.acd.queue_ids().any(|q| q.as_str() == queue_id) {
            return self.transfer_to_queue(now, call, leg, agent, QueueId::new(&queue_id));
        }
        // Another operator, by SIP username or agent id: call their phone
        // directly (a registered contact), not through the trunk.
        let colleague = self
            .logins
            .agent(&target)
            .cloned()
            .or_else(|| self.logins.agent_by_id(&target).cloned());
        if let Some(other) = colleague.filter(|a| *a != agent) {
            let Some((uri, destination)) = self.agent_contact(&other) else {
                self.notify_refer(now, leg, "SIP/2.0 480 Temporarily Unavailable", true);
                return;
            };
            // A busy colleague (ringing, talking, in wrap-up) gets no second
            // call; an idle one is held by the ACD from now on.
            if let Err(e) = self.acd.direct_call_started(now, &other) {
                if let Some(c) = self.calls.get(&call) {
                    c.span.in_scope(|| tracing::info!(target = %other, error = %e, "transfer refused: the operator keeps the call"));
                }
                self.notify_refer(now, leg, "SIP/2.0 486 Busy Here", true);
                self.drive_acd(now);
                return;
            }
            let codec = self
                .calls
                .get(&call)
                .and_then(|c| self.legs.get(c.inbound))
                .and_then(|l| l.codec());
            let target_leg = self.originate(
                now,
                call,
                crate::outbound::Originate {
                    role: LegRole::Outbound {
                        target: format!("agent:{other}"),
                    },
                    target_uri: uri,
                    destination,
                    first_codec: codec,
                    extra_headers: vec![(
                        "X-Centralino-Transferred-By".to_string(),
                        agent.to_string(),
                    )],
                },
            );
            if let Some(c) = self.calls.get_mut(&call) {
                c.span.in_scope(|| tracing::info!(target = %other, agent = %agent, "blind transfer to an operator"));
                c.transfer = Some(Transfer {
                    from_leg: leg,
                    target_leg,
                    colleague: Some(other),
                });
            }
            self.drive_acd(now);
            return;
        }
        let Some(trunk) = self.config.trunk.clone() else {
            tracing::warn!(%target, "transfer to a number needs sip.trunk in the config");
            self.notify_refer(now, leg, "SIP/2.0 503 Service Unavailable", true);
            return;
        };
        let codec = self
            .calls
            .get(&call)
            .and_then(|c| self.legs.get(c.inbound))
            .and_then(|l| l.codec());
        let uri = format!("sip:{target}@{}", trunk.address);
        let target_leg = self.originate(
            now,
            call,
            crate::outbound::Originate {
                role: LegRole::Outbound {
                    target: target.clone(),
                },
                target_uri: uri,
                destination: trunk.address,
                first_codec: codec,
                extra_headers: Vec::new(),
            },
        );
        if let Some(c) = self.calls.get_mut(&call) {
            c.span
                .in_scope(|| tracing::info!(%target, agent = %agent, "blind transfer"));
            c.transfer = Some(Transfer {
                from_leg: leg,
                target_leg,
                colleague: None,
            });
        }
    }

    fn notify_refer(&mut self, now: Instant, leg: LegKey, sipfrag: &str, terminated: bool) {
        let Some(l) = self.legs.get_mut(leg) else {
            return;
        };
        let Some(dialog) = l.dialog.as_mut() else {
            return;
        };
        let state = if terminated {
            "terminated;reason=noresource"
        } else {
            "active;expires=60"
        };
        let notify = dialog.notify(
            "refer",
            state,
            "message/sipfrag;version=2.0",
            format!("{sipfrag}\r\n").into_bytes(),
        );
        let to = dialog.target_addr();
        if let Ok(tx) = self.sip.send_request(now, to, notify) {
            self.by_client_tx.insert(tx, ClientPurpose::Notify);
        }
    }

    /// The operator hands the caller back to a queue.
    fn transfer_to_queue(
        &mut self,
        now: Instant,
        call: CallKey,
        agent_leg: LegKey,
        agent: centralino_model::AgentId,
        queue: QueueId,
    ) {
        self.notify_refer(now, agent_leg, "SIP/2.0 200 OK", true);
        self.unbridge(agent_leg);
        self.hang_up_leg(now, agent_leg);
        let _ = self.acd.call_ended(now, &agent);
        self.cdr(
            now,
            call,
            EventKind::Transferred {
                target: format!("queue:{queue}"),
            },
        );
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.span
            .in_scope(|| tracing::info!(queue = %queue, "transferred to a queue"));
        c.phase = QueuePhase::Waiting {
            queue: queue.clone(),
            since: now,
        };
        let prompts = c.queue_prompts.clone();
        let lang = c.language.clone();
        let req = centralino_acd::CallRequest::new(queue).language(lang);
        if let Err(e) = self.acd.call_enqueued(now, call, req) {
            tracing::warn!(error = %e, "transfer to queue refused");
        }
        self.drive_acd(now);
        if let Some((q, moh)) = prompts {
            self.play_then_hold(now, call, &[q], &moh);
        }
    }

    /// The transfer target (or a callback's citizen) answered.
    pub(crate) fn outbound_target_answered(
        &mut self,
        now: Instant,
        call: CallKey,
        leg: LegKey,
        target: &str,
    ) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let Some(t) = c.transfer.clone() else { return };
        if t.target_leg != leg {
            return;
        }
        if let Some(id) = c.callback {
            return self.callback_connected(now, call, id, t.from_leg, leg);
        }
        let inbound = c.inbound;
        let agent = match &c.phase {
            QueuePhase::Bridged { agent } => Some(agent.clone()),
            _ => None,
        };
        self.notify_refer(now, t.from_leg, "SIP/2.0 200 OK", true);
        self.unbridge(t.from_leg);
        self.hang_up_leg(now, t.from_leg);
        if let Some(agent) = agent {
            let _ = self.acd.call_ended(now, &agent);
        }
        self.bridge(now, inbound, leg);
        self.cdr(
            now,
            call,
            EventKind::Transferred {
                target: target.to_string(),
            },
        );
        if let Some(c) = self.calls.get_mut(&call) {
            c.span
                .in_scope(|| tracing::info!(%target, "transfer completed"));
            c.phase = QueuePhase::Transferred {
                target: target.to_string(),
                colleague: t.colleague.clone(),
            };
            c.transfer = None;
        }
        self.drive_acd(now);
    }

    /// The transfer target (or a callback's citizen) could not be reached.
    pub(crate) fn outbound_target_failed(
        &mut self,
        now: Instant,
        call: CallKey,
        target: &str,
        code: u16,
    ) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(t) = c.transfer.take() else { return };
        if let Some(id) = c.callback {
            return self.callback_citizen_failed(now, call, id);
        }
        c.span.in_scope(
            || tracing::info!(%target, code, "transfer failed: the operator keeps the call"),
        );
        if let Some(colleague) = &t.colleague {
            let _ = self.acd.direct_call_released(now, colleague);
            self.drive_acd(now);
        }
        let frag = format!(
            "SIP/2.0 {code} {}",
            if code == 486 { "Busy Here" } else { "Failed" }
        );
        self.notify_refer(now, t.from_leg, &frag, true);
    }
}

#[cfg(test)]
mod tests {
    use super::refer_target;

    #[test]
    fn refer_to_users() {
        assert_eq!(
            refer_target("<sip:0461999999@trunk>").as_deref(),
            Some("0461999999")
        );
        assert_eq!(
            refer_target("sip:queue-apiae-informazioni@127.0.0.1").as_deref(),
            Some("queue-apiae-informazioni")
        );
        assert_eq!(
            refer_target("<tel:+390461999999>").as_deref(),
            Some("+390461999999")
        );
        assert_eq!(refer_target("<>"), None);
    }
}
