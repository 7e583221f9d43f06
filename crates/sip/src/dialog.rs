//! Dialogs (RFC 3261 §12): identity, sequence numbers, remote target and
//! route set, and the in-dialog requests built from them.

use std::net::SocketAddr;

use rsipstack::sip::{Method, Request, Response, Uri};

use crate::builder::{self, RequestBuilder};
use crate::header::{parse_name_addr_list, MessageExt};
use crate::uri::{parse_uri, uri_socket_addr};
use crate::Error;

/// Which side created the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// We sent the INVITE.
    Uac,
    /// We received the INVITE.
    Uas,
}

/// Dialog identity (§12): Call-ID and the two tags, from our point of view.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DialogId {
    /// Call-ID.
    pub call_id: String,
    /// Our tag.
    pub local_tag: String,
    /// The peer's tag (empty for an RFC 2543 peer that sent none).
    pub remote_tag: String,
}

impl DialogId {
    /// The dialog a received request belongs to (local = To tag, remote =
    /// From tag); `None` outside a dialog (no To tag).
    pub fn of_incoming_request(request: &Request) -> Option<Self> {
        Some(Self {
            call_id: request.call_id()?.to_owned(),
            local_tag: request.to_tag()?.to_owned(),
            remote_tag: request.from_tag().unwrap_or("").to_owned(),
        })
    }

    /// The dialog a response to *our* request belongs to (local = From tag,
    /// remote = To tag); `None` without a To tag.
    pub fn of_response(response: &Response) -> Option<Self> {
        Some(Self {
            call_id: response.call_id()?.to_owned(),
            local_tag: response.from_tag()?.to_owned(),
            remote_tag: response.to_tag()?.to_owned(),
        })
    }
}

/// A dialog's state (§12.1.1, §12.1.2).
#[derive(Debug, Clone)]
pub struct Dialog {
    id: DialogId,
    role: Role,
    /// Last CSeq number we used.
    local_seq: u32,
    /// Highest CSeq number received from the peer.
    remote_seq: Option<u32>,
    /// Our From value (with our tag) for requests we send.
    local_from: String,
    /// The peer's value (with its tag) for the To of requests we send.
    remote_to: String,
    remote_target: Uri,
    /// Route set as name-addr values, in the order of our Route headers.
    route_set: Vec<String>,
    local_contact: Option<String>,
    remote_addr: SocketAddr,
    /// CSeq of our last INVITE (for its ACK).
    last_invite_cseq: u32,
}

fn route_values(values: Vec<&str>) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for v in values {
        let list = parse_name_addr_list(v).ok_or(Error::BadHeader {
            name: "Record-Route",
        })?;
        out.extend(list.iter().map(|n| n.to_string()));
    }
    Ok(out)
}

fn target_of(message: &impl MessageExt, fallback: SocketAddr) -> Result<Uri, Error> {
    let contact = message
        .contacts()
        .ok_or(Error::BadHeader { name: "Contact" })?;
    match contact.first() {
        Some(c) => parse_uri(c.uri),
        None => parse_uri(&format!("sip:{fallback}")),
    }
}

impl Dialog {
    /// The UAS side, from the INVITE we received, our 2xx (or 1xx with a
    /// To-tag) and the INVITE's source address.
    pub fn uas(invite: &Request, response: &Response, source: SocketAddr) -> Result<Self, Error> {
        let missing = |name| Error::MissingHeader { name };
        let cseq = invite.cseq().ok_or(missing("CSeq"))?.number;
        Ok(Self {
            id: DialogId {
                call_id: invite.call_id().ok_or(missing("Call-ID"))?.to_owned(),
                local_tag: response.to_tag().ok_or(missing("To"))?.to_owned(),
                remote_tag: invite.from_tag().unwrap_or("").to_owned(),
            },
            role: Role::Uas,
            local_seq: 0,
            remote_seq: Some(cseq),
            local_from: response.header_value("To").ok_or(missing("To"))?.to_owned(),
            remote_to: invite
                .header_value("From")
                .ok_or(missing("From"))?
                .to_owned(),
            remote_target: target_of(invite, source)?,
            route_set: route_values(invite.header_values("Record-Route").collect())?,
            local_contact: response.header_value("Contact").map(str::to_owned),
            remote_addr: source,
            last_invite_cseq: 0,
        })
    }

    /// The UAC side, from the INVITE we sent and a 2xx (or 1xx with a
    /// To-tag) received from `source`. The route set is the response's
    /// Record-Route reversed.
    pub fn uac(invite: &Request, response: &Response, source: SocketAddr) -> Result<Self, Error> {
        let missing = |name| Error::MissingHeader { name };
        let cseq = invite.cseq().ok_or(missing("CSeq"))?.number;
        let mut route_set = route_values(response.header_values("Record-Route").collect())?;
        route_set.reverse();
        Ok(Self {
            id: DialogId {
                call_id: invite.call_id().ok_or(missing("Call-ID"))?.to_owned(),
                local_tag: invite.from_tag().ok_or(missing("From"))?.to_owned(),
                remote_tag: response.to_tag().ok_or(missing("To"))?.to_owned(),
            },
            role: Role::Uac,
            local_seq: cseq,
            remote_seq: None,
            local_from: invite
                .header_value("From")
                .ok_or(missing("From"))?
                .to_owned(),
            remote_to: response.header_value("To").ok_or(missing("To"))?.to_owned(),
            remote_target: target_of(response, source)?,
            route_set,
            local_contact: invite.header_value("Contact").map(str::to_owned),
            remote_addr: source,
            last_invite_cseq: cseq,
        })
    }

    /// Identity.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// Which side we are.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The peer's Contact URI.
    pub fn remote_target(&self) -> &Uri {
        &self.remote_target
    }

    /// The route set, as name-addr values.
    pub fn route_set(&self) -> &[String] {
        &self.route_set
    }

    /// Last CSeq number we used.
    pub fn local_seq(&self) -> u32 {
        self.local_seq
    }

    /// Highest CSeq number received from the peer.
    pub fn remote_seq(&self) -> Option<u32> {
        self.remote_seq
    }

    /// Sets the Contact we put in target-refresh requests.
    pub fn set_local_contact(&mut self, contact: &str) {
        self.local_contact = Some(contact.to_owned());
    }

    /// Where to send in-dialog requests: the first Route (or the remote
    /// target) when its host is an IP literal, else the dialog's source address.
    pub fn target_addr(&self) -> SocketAddr {
        let next_hop = match self.route_set.first() {
            Some(route) => crate::NameAddr::parse(route).and_then(|n| parse_uri(n.uri).ok()),
            None => Some(self.remote_target.clone()),
        };
        next_hop
            .as_ref()
            .and_then(uri_socket_addr)
            .unwrap_or(self.remote_addr)
    }

    /// §12.2.2: checks an in-dialog request's CSeq. A lower number than the
    /// last one gets a ready 500; otherwise the remote sequence advances.
    /// ACK and CANCEL are not checked.
    pub fn check_remote_cseq(&mut self, request: &Request) -> Option<Response> {
        if matches!(request.method, Method::Ack | Method::Cancel) {
            return None;
        }
        let number = request.cseq()?.number;
        if self.remote_seq.is_some_and(|last| number < last) {
            return Some(
                builder::response(request, 500)
                    .to_tag(&self.id.local_tag)
                    .retry_after(1)
                    .build(),
            );
        }
        self.remote_seq = Some(number);
        None
    }

    /// Updates the remote target from a target-refresh request or its 2xx (§12.2).
    pub fn refresh_target(&mut self, message: &impl MessageExt) {
        if let Some(uri) = message
            .contacts()
            .and_then(|c| c.first().and_then(|c| parse_uri(c.uri).ok()))
        {
            self.remote_target = uri;
        }
    }

    /// A new in-dialog request with the next CSeq number.
    pub fn request(&mut self, method: Method) -> RequestBuilder {
        self.local_seq = self.local_seq.wrapping_add(1).max(1);
        if method == Method::Invite {
            self.last_invite_cseq = self.local_seq;
        }
        self.build(method, self.local_seq)
    }

    fn build(&self, method: Method, cseq: u32) -> RequestBuilder {
        // §12.2.1.1: loose routing unless the first route lacks `lr`.
        let first_strict = self
            .route_set
            .first()
            .and_then(|r| crate::NameAddr::parse(r).map(|n| (n.uri.to_owned(), has_lr(n.uri))))
            .filter(|(_, lr)| !lr);
        let (uri, routes) = match first_strict.and_then(|(u, _)| parse_uri(&u).ok()) {
            Some(uri) => {
                let mut rest: Vec<String> = self.route_set.iter().skip(1).cloned().collect();
                rest.push(format!("<{}>", self.remote_target));
                (uri, rest)
            }
            None => (self.remote_target.clone(), self.route_set.clone()),
        };
        let mut b = RequestBuilder::new(method, uri)
            .header("From", self.local_from.clone())
            .header("To", self.remote_to.clone())
            .header("Call-ID", self.id.call_id.clone())
            .header("CSeq", format!("{cseq} {method}"))
            .header("Max-Forwards", "70");
        for r in routes {
            b = b.header("Route", r);
        }
        let refresh = matches!(
            method,
            Method::Invite | Method::Update | Method::Notify | Method::Refer | Method::Subscribe
        );
        if let (true, Some(contact)) = (refresh, &self.local_contact) {
            b = b.header("Contact", contact.clone());
        }
        b
    }

    /// BYE.
    pub fn bye(&mut self) -> Request {
        self.request(Method::Bye).build()
    }

    /// re-INVITE with an SDP offer (or none, for an offer in the 2xx).
    pub fn reinvite(&mut self, sdp: Option<Vec<u8>>) -> Request {
        let b = self.request(Method::Invite);
        match sdp {
            Some(sdp) => b.sdp(sdp).build(),
            None => b.build(),
        }
    }

    /// The ACK for the 2xx to our last INVITE (same CSeq number, §13.2.2.4),
    /// optionally carrying the SDP answer.
    pub fn ack(&self, sdp: Option<Vec<u8>>) -> Request {
        let b = self.build(Method::Ack, self.last_invite_cseq);
        match sdp {
            Some(sdp) => b.sdp(sdp).build(),
            None => b.build(),
        }
    }

    /// INFO with a body (e.g. `application/dtmf-relay`).
    pub fn info(&mut self, content_type: &str, body: Vec<u8>) -> Request {
        self.request(Method::Info).body(content_type, body).build()
    }

    /// NOTIFY for an implicit REFER subscription (RFC 3515), e.g. a sipfrag.
    pub fn notify(
        &mut self,
        event: &str,
        subscription_state: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Request {
        self.request(Method::Notify)
            .header("Event", event)
            .header("Subscription-State", subscription_state)
            .body(content_type, body)
            .build()
    }

    /// REFER to `refer_to` (a URI or name-addr).
    pub fn refer(&mut self, refer_to: &str) -> Request {
        let value = if refer_to.contains('<') {
            refer_to.to_owned()
        } else {
            format!("<{refer_to}>")
        };
        self.request(Method::Refer)
            .header("Refer-To", value)
            .build()
    }
}

/// True when a URI text carries the `lr` parameter.
fn has_lr(uri: &str) -> bool {
    let before_headers = uri.split('?').next().unwrap_or("");
    before_headers.split(';').skip(1).any(|p| {
        p.trim().eq_ignore_ascii_case("lr") || p.trim().to_ascii_lowercase().starts_with("lr=")
    })
}
