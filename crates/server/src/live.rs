//! Live events leaving the engine loop for subscribers (CTI stream,
//! webhooks, wallboard, metrics).

use centralino_engine::{AgentUpdate, CallbackRecord, EngineEvent};

/// A voicemail, without its audio.
#[derive(Debug, Clone, PartialEq)]
pub struct VoicemailNotice {
    /// Id (also the file name).
    pub id: String,
    /// The call's CDR id.
    pub call_id: String,
    /// Service.
    pub service: String,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub called: String,
    /// When it was recorded.
    pub received_at: chrono::DateTime<chrono::Utc>,
    /// Length in milliseconds.
    pub duration_ms: u64,
}

/// One live event.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// A call event (the CDR's raw material).
    Call(centralino_cdr::CallEvent),
    /// An agent's status, state or reachability changed.
    Agent(AgentUpdate),
    /// A voicemail was recorded.
    Voicemail(VoicemailNotice),
    /// A callback request was made or changed state.
    Callback(CallbackRecord),
}

impl LiveEvent {
    /// The live view of an engine event, if it has one.
    pub fn of(event: &EngineEvent) -> Option<LiveEvent> {
        Some(match event {
            EngineEvent::Call(e) => LiveEvent::Call(e.clone()),
            EngineEvent::Agent(a) => LiveEvent::Agent(a.clone()),
            EngineEvent::Callback(c) => LiveEvent::Callback(c.clone()),
            EngineEvent::Voicemail(v) => LiveEvent::Voicemail(VoicemailNotice {
                id: v.id.clone(),
                call_id: v.call_id.clone(),
                service: v.service.clone(),
                caller: v.caller.clone(),
                called: v.called.clone(),
                received_at: v.received_at,
                duration_ms: v.duration.as_millis() as u64,
            }),
            _ => return None,
        })
    }
}
