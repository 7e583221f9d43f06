//! Callback requests: offered after a wait or after unanswered rings, keep
//! the caller's place, agent first then citizen, retries and expiry.

mod common;
use centralino_acd::*;
use centralino_model::{CallKey, QueueId};
use common::*;
use std::time::Duration;

fn cb_queue() -> QueueConfig {
    let mut q = QueueConfig::new("q", "Q");
    q.wrap_up = Duration::ZERO;
    q.callback.offer_after = Some(secs(60));
    q.callback.offer_after_no_answers = Some(2);
    q.callback.max_attempts = 2;
    q.callback.retry_interval = secs(300);
    q.callback.expiry = secs(3600);
    q.no_answer_delay = Duration::ZERO;
    q.max_no_answer = 0;
    q
}

fn cfg(n: usize) -> AcdConfig {
    AcdConfig {
        queues: vec![cb_queue()],
        agents: (1..=n)
            .map(|i| AgentConfig::new(format!("a{i}").as_str(), "pw").member_of("q", 1))
            .collect(),
    }
}

fn offered_callbacks(acts: &[Action]) -> Vec<u64> {
    acts.iter()
        .filter_map(|a| match a {
            Action::OfferCallback { call, .. } => Some(call.0),
            _ => None,
        })
        .collect()
}

fn starts(acts: &[Action]) -> Vec<(CallbackId, String, u32)> {
    acts.iter()
        .filter_map(|a| match a {
            Action::StartCallback {
                request,
                agent,
                attempt,
                ..
            } => Some((*request, agent.to_string(), *attempt)),
            _ => None,
        })
        .collect()
}

fn finished(acts: &[Action]) -> Vec<(CallbackId, CallbackOutcome)> {
    acts.iter()
        .filter_map(|a| match a {
            Action::CallbackFinished { request, outcome } => Some((*request, *outcome)),
            _ => None,
        })
        .collect()
}

#[test]
fn offered_once_after_the_wait_threshold() {
    let mut h = H::new(cfg(1));
    h.call(1, "q");
    assert!(offered_callbacks(&h.at(59.0)).is_empty());
    assert_eq!(offered_callbacks(&h.at(60.0)), vec![1]);
    assert!(offered_callbacks(&h.at(500.0)).is_empty());
}

#[test]
fn offered_after_n_unanswered_rings() {
    let mut h = H::new(cfg(1));
    h.login("a1");
    h.call(1, "q");
    assert!(offered_callbacks(&h.fail(1, "a1", OfferFailure::NoAnswer)).is_empty());
    // Re-offered at once (no delay configured), misses again.
    h.at(5.0);
    let a = h.fail(1, "a1", OfferFailure::NoAnswer);
    assert_eq!(offered_callbacks(&a), vec![1]);
}

#[test]
fn the_request_keeps_the_callers_place_and_calls_agent_then_citizen() {
    let mut h = H::new(cfg(1));
    h.call(1, "q");
    h.at(10.0);
    h.call(2, "q");
    h.at(20.0);
    let r = h.acd.callback_requested(h.now, CallKey(1), None).unwrap();
    assert!(h.acd.call(h.now, CallKey(1)).is_none());
    assert_eq!(h.acd.call(h.now, CallKey(2)).unwrap().position, Some(2));
    // The agent logs in: the request (older) goes before call 2.
    let a = h.login("a1");
    assert_eq!(starts(&a), vec![(r, "a1".into(), 1)]);
    assert!(offers(&a).is_empty());
    h.acd
        .callback_result(h.now, r, CallbackResult::AgentAnswered)
        .unwrap();
    assert_eq!(h.agent("a1").state, AgentState::InCall);
    h.acd
        .callback_result(h.now, r, CallbackResult::Connected)
        .unwrap();
    assert_eq!(finished(&h.drain()), vec![(r, CallbackOutcome::Completed)]);
    assert_eq!(h.agent("a1").calls_handled, 1);
    assert_eq!(offers(&h.end("a1")), vec![o(2, "a1")]);
    let c = h.acd.counters();
    assert_eq!(
        (
            c.called_back,
            c.callbacks_requested,
            c.callbacks_completed,
            c.callbacks_pending
        ),
        (1, 1, 1, 0)
    );
}

#[test]
fn unreached_citizen_is_retried_then_fails() {
    let mut h = H::new(cfg(1));
    h.login("a1");
    h.status("a1", AgentStatus::OnBreak(BreakReason::Requested));
    h.call(1, "q");
    let r = h.acd.callback_requested(h.now, CallKey(1), None).unwrap();
    h.drain();
    h.status("a1", AgentStatus::Available);
    h.acd
        .callback_result(h.now, r, CallbackResult::AgentAnswered)
        .unwrap();
    h.acd
        .callback_result(h.now, r, CallbackResult::CitizenUnreached)
        .unwrap();
    let a = h.drain();
    assert!(finished(&a).is_empty());
    assert_eq!(h.agent("a1").state, AgentState::Idle);
    assert!(h.acd.callback(r).unwrap().parked);
    assert!(starts(&h.at(299.0)).is_empty());
    assert_eq!(starts(&h.at(300.0)), vec![(r, "a1".into(), 2)]);
    h.acd
        .callback_result(h.now, r, CallbackResult::AgentAnswered)
        .unwrap();
    // The agent hangs up before the citizen answers: an attempt too.
    h.acd.call_ended(h.now, &id("a1")).unwrap();
    assert_eq!(finished(&h.drain()), vec![(r, CallbackOutcome::Failed)]);
}

#[test]
fn agent_failures_do_not_use_attempts_and_expiry_ends_the_request() {
    let mut h = H::new(cfg(1));
    h.call(1, "q");
    let r = h
        .acd
        .callback_requested(h.now, CallKey(1), Some(h.t0 + secs(100)))
        .unwrap();
    h.login("a1");
    h.acd
        .callback_result(
            h.now,
            r,
            CallbackResult::AgentFailed(OfferFailure::Rejected),
        )
        .unwrap();
    assert_eq!(h.acd.callback(r).unwrap().attempts, 0);
    // Reject delay 30 s, offered again; the ring times out at 50 s.
    assert_eq!(starts(&h.at(30.0)).len(), 1);
    let a = h.at(50.0);
    assert!(a
        .iter()
        .any(|x| matches!(x, Action::CancelCallback { request, .. } if *request == r)));
    h.status("a1", AgentStatus::LoggedOut);
    assert_eq!(finished(&h.at(100.0)), vec![(r, CallbackOutcome::Expired)]);
}

#[test]
fn an_exit_with_callback_offer_can_still_become_a_request_at_its_place() {
    let mut q = cb_queue();
    q.max_wait = secs(30);
    q.on_max_wait = ExitAction::CallbackOffer;
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![AgentConfig::new("a1", "pw").member_of("q", 1)],
    };
    let mut h = H::new(cfg);
    h.call(1, "q");
    h.at(5.0);
    h.call(2, "q");
    assert_eq!(
        exits(&h.at(30.0)),
        vec![(1, ExitAction::CallbackOffer, ExitReason::MaxWait)]
    );
    h.at(32.0);
    let r = h.acd.callback_requested(h.now, CallKey(1), None).unwrap();
    assert_eq!(starts(&h.login("a1")), vec![(r, "a1".into(), 1)]);
    // A hang-up after the exit is not an error and not counted twice.
    assert_eq!(
        exits(&h.at(35.0)),
        vec![(2, ExitAction::CallbackOffer, ExitReason::MaxWait)]
    );
    h.acd.call_abandoned(h.now, CallKey(2)).unwrap();
    let c = h.acd.counters();
    assert_eq!((c.exited, c.abandoned, c.callbacks_requested), (2, 0, 1));
}

#[test]
fn requests_survive_a_restart_with_their_place() {
    let mut h = H::new(cfg(1));
    h.at(1000.0);
    h.call(5, "q");
    h.acd
        .callback_restore(
            h.now,
            CallbackRestore {
                request: CallbackId(41),
                queue: QueueId::new("q"),
                skills: vec![],
                language: None,
                priority: None,
                waited: secs(600),
                attempts: 1,
                expires: h.now + secs(3600),
            },
        )
        .unwrap();
    assert_eq!(
        starts(&h.login("a1")),
        vec![(CallbackId(41), "a1".into(), 2)]
    );
    h.at(1001.0);
    h.call(6, "q");
    let r = h.acd.callback_requested(h.now, CallKey(6), None).unwrap();
    assert_eq!(r, CallbackId(42));
}

#[test]
fn cancelling_a_ringing_request_cancels_the_agent() {
    let mut h = H::new(cfg(1));
    h.login("a1");
    h.status("a1", AgentStatus::OnBreak(BreakReason::Requested));
    h.call(1, "q");
    let r = h.acd.callback_requested(h.now, CallKey(1), None).unwrap();
    h.status("a1", AgentStatus::Available);
    h.acd.callback_cancel(h.now, r).unwrap();
    let a = h.drain();
    assert!(a.iter().any(|x| matches!(x, Action::CancelCallback { .. })));
    assert_eq!(finished(&a), vec![(r, CallbackOutcome::Cancelled)]);
    assert_eq!(h.agent("a1").state, AgentState::Idle);
    assert_eq!(
        h.acd.callback_cancel(h.now, r),
        Err(AcdError::UnknownCallback { request: r })
    );
}
