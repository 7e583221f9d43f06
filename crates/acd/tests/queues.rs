//! Tiers, skills, wrap-up, timeouts, delays, exits and announcements.

mod common;
use centralino_acd::*;
use centralino_model::{CallKey, QueueId};
use common::*;
use std::time::Duration;

fn two_tier() -> AcdConfig {
    let mut q = QueueConfig::new("q", "Q");
    q.wrap_up = Duration::ZERO;
    q.tier_delay = secs(30);
    AcdConfig {
        queues: vec![q],
        agents: vec![
            AgentConfig::new("l1", "pw").member_of("q", 1),
            AgentConfig::new("l2", "pw").member_of("q", 2),
        ],
    }
}

#[test]
fn level_two_joins_after_the_tier_delay() {
    let mut h = H::new(two_tier());
    h.login("l2");
    h.at(5.0);
    assert!(offers(&h.call(1, "q")).is_empty());
    assert!(offers(&h.at(34.999)).is_empty());
    assert_eq!(offers(&h.at(35.0)), vec![o(1, "l2")]);
}

#[test]
fn level_one_is_preferred_even_when_level_two_is_idle_longer() {
    let mut h = H::new(two_tier());
    h.login("l2");
    h.at(10.0);
    h.login("l1");
    h.at(100.0);
    // A call old enough for tier 2 (it arrived 60 s ago) still goes to l1.
    h.enqueue(9, CallRequest::new("q").arrived(h.t0 + secs(40)));
    assert_eq!(h.agent("l1").state, AgentState::Offered);
    assert_eq!(h.agent("l2").state, AgentState::Idle);
}

#[test]
fn skills_first_then_fallback() {
    let mut q = QueueConfig::new("q", "Q");
    q.skill_fallback = secs(60);
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![
            AgentConfig::new("it", "pw").member_of("q", 1),
            AgentConfig::new("en", "pw")
                .member_of("q", 1)
                .with_skill("en"),
        ],
    };
    let mut h = H::new(cfg);
    h.login("it");
    h.login("en");
    // English caller: only `en`, even though `it` is idle longer.
    assert_eq!(
        offers(&h.enqueue(1, CallRequest::new("q").language("en"))),
        vec![o(1, "en")]
    );
    h.answer(1, "en");
    // Another English caller waits for `en`...
    h.at(10.0);
    assert!(offers(&h.enqueue(2, CallRequest::new("q").language("en"))).is_empty());
    // ...an Italian caller still gets `it` at once (no head-of-line blocking).
    assert_eq!(offers(&h.call(3, "q")), vec![o(3, "it")]);
    h.answer(3, "it");
    h.end("it");
    // ...until the fallback: 60 s after it arrived, anyone.
    assert!(offers(&h.at(69.9)).is_empty());
    assert_eq!(offers(&h.at(70.0)), vec![o(2, "it")]);
}

#[test]
fn a_skill_nobody_has_waits_for_the_fallback() {
    let mut q = QueueConfig::new("q", "Q");
    q.skill_fallback = secs(20);
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![AgentConfig::new("a", "pw").member_of("q", 1)],
    };
    let mut h = H::new(cfg);
    h.login("a");
    assert!(offers(&h.enqueue(1, CallRequest::new("q").skill("klingon"))).is_empty());
    assert_eq!(offers(&h.at(20.0)), vec![o(1, "a")]);
}

#[test]
fn the_queue_language_is_not_a_skill() {
    let cfg = AcdConfig {
        queues: vec![QueueConfig::new("q", "Q")],
        agents: vec![AgentConfig::new("a", "pw").member_of("q", 1)],
    };
    let mut h = H::new(cfg);
    h.login("a");
    assert_eq!(
        offers(&h.enqueue(1, CallRequest::new("q").language("it"))),
        vec![o(1, "a")]
    );
}

#[test]
fn no_answer_sends_the_call_back_to_the_head_and_counts() {
    let mut q = QueueConfig::new("q", "Q");
    q.ring_timeout = secs(15);
    q.no_answer_delay = secs(10);
    q.max_no_answer = 2;
    q.wrap_up = Duration::ZERO;
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![
            AgentConfig::new("a1", "pw").member_of("q", 1),
            AgentConfig::new("a2", "pw").member_of("q", 1),
        ],
    };
    let mut h = H::new(cfg);
    h.login("a1");
    assert_eq!(offers(&h.call(1, "q")), vec![o(1, "a1")]);
    h.at(1.0);
    h.call(2, "q");
    let a = h.at(15.0);
    assert_eq!(
        cancels(&a),
        vec![(1, "a1".into(), CancelCause::RingTimeout)]
    );
    assert_eq!(h.agent("a1").no_answers_in_a_row, 1);
    assert_eq!(h.agent("a1").held_until, Some(h.t0 + secs(25)));
    // a2 logs in: call 1 (older, back at the head) goes first.
    assert_eq!(offers(&h.login("a2")), vec![o(1, "a2")]);
    // a1 is held for 10 s, then takes call 2.
    assert_eq!(offers(&h.at(25.0)), vec![o(2, "a1")]);
    // A second miss in a row: break.
    let a = h.at(40.0);
    assert_eq!(
        cancels(&a),
        vec![
            (1, "a2".into(), CancelCause::RingTimeout),
            (2, "a1".into(), CancelCause::RingTimeout)
        ]
    );
    assert_eq!(
        h.agent("a1").status,
        AgentStatus::OnBreak(BreakReason::MaxNoAnswer)
    );
    assert!(a.iter().any(|x| matches!(x, Action::AgentStatusChanged { agent, status: AgentStatus::OnBreak(BreakReason::MaxNoAnswer), .. } if agent.as_str() == "a1")));
}

#[test]
fn an_answer_resets_the_no_answer_streak() {
    let mut h = H::new(simple(Strategy::LongestIdle, 1));
    h.login("a1");
    h.call(1, "q");
    h.fail(1, "a1", OfferFailure::NoAnswer);
    assert_eq!(h.agent("a1").no_answers_in_a_row, 1);
    h.at(10.0);
    h.answer(1, "a1");
    assert_eq!(h.agent("a1").no_answers_in_a_row, 0);
}

#[test]
fn reject_delay_before_the_agent_is_offered_again() {
    let mut h = H::new(simple(Strategy::LongestIdle, 1));
    h.login("a1");
    h.call(1, "q");
    let a = h.fail(1, "a1", OfferFailure::Rejected);
    assert!(offers(&a).is_empty());
    assert!(offers(&h.at(29.9)).is_empty());
    assert_eq!(offers(&h.at(30.0)), vec![o(1, "a1")]);
}

#[test]
fn wrap_up_is_enforced_and_overridable_per_agent() {
    let mut q = QueueConfig::new("q", "Q");
    q.wrap_up = secs(20);
    let mut fast = AgentConfig::new("fast", "pw").member_of("q", 1);
    fast.wrap_up = Some(secs(5));
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![AgentConfig::new("slow", "pw").member_of("q", 1), fast],
    };
    let mut h = H::new(cfg);
    h.login("slow");
    h.call(1, "q");
    h.answer(1, "slow");
    h.at(10.0);
    h.end("slow");
    assert_eq!(h.agent("slow").state, AgentState::WrapUp);
    h.call(2, "q");
    assert!(offers(&h.at(29.9)).is_empty());
    assert_eq!(offers(&h.at(30.0)), vec![o(2, "slow")]);
    assert_eq!(h.agent("slow").idle_since, h.t0 + secs(30));
    h.login("fast");
    h.call(3, "q");
    h.answer(3, "fast");
    h.at(40.0);
    h.end("fast");
    h.call(4, "q");
    assert_eq!(offers(&h.at(45.0)), vec![o(4, "fast")]);
}

#[test]
fn max_wait_exits_with_the_configured_action() {
    let mut q = QueueConfig::new("q", "Q");
    q.max_wait = secs(60);
    q.on_max_wait = ExitAction::MessageThenHangup("richiamare".into());
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![],
    };
    let mut h = H::new(cfg);
    h.call(1, "q");
    assert!(exits(&h.at(59.0)).is_empty());
    let a = h.at(60.0);
    assert_eq!(
        exits(&a),
        vec![(
            1,
            ExitAction::MessageThenHangup("richiamare".into()),
            ExitReason::MaxWait
        )]
    );
    assert_eq!(h.acd.counters().exited, 1);
    assert_eq!(h.acd.poll_timeout(), None);
}

#[test]
fn max_wait_while_ringing_waits_for_the_ring_to_finish() {
    let mut q = QueueConfig::new("q", "Q");
    q.max_wait = secs(60);
    q.ring_timeout = secs(20);
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![AgentConfig::new("a", "pw").member_of("q", 1)],
    };
    let mut h = H::new(cfg);
    h.call(1, "q");
    h.at(50.0);
    assert_eq!(offers(&h.login("a")), vec![o(1, "a")]);
    assert!(exits(&h.at(60.0)).is_empty());
    let a = h.at(70.0);
    assert_eq!(cancels(&a).len(), 1);
    assert_eq!(
        exits(&a),
        vec![(1, ExitAction::Voicemail, ExitReason::MaxWait)]
    );
}

#[test]
fn exit_to_another_queue_keeps_the_place() {
    let mut a = QueueConfig::new("a", "A");
    a.max_wait = secs(30);
    a.on_max_wait = ExitAction::Queue(QueueId::new("b"));
    let b = QueueConfig::new("b", "B");
    let cfg = AcdConfig {
        queues: vec![a, b],
        agents: vec![AgentConfig::new("x", "pw").member_of("b", 1)],
    };
    let mut h = H::new(cfg);
    h.call(1, "a");
    h.at(10.0);
    h.call(2, "b");
    let acts = h.at(30.0);
    assert_eq!(
        exits(&acts),
        vec![(1, ExitAction::Queue(QueueId::new("b")), ExitReason::MaxWait)]
    );
    let v = h.acd.call(h.now, CallKey(1)).unwrap();
    assert_eq!((v.queue.as_str(), v.position), ("b", Some(1)));
    assert_eq!(offers(&h.login("x")), vec![o(1, "x")]);
    let c = h.acd.counters();
    assert_eq!((c.enqueued, c.exited, c.waiting, c.ringing), (2, 0, 1, 1));
}

#[test]
fn queue_full_and_no_agents_take_their_actions() {
    let mut q = QueueConfig::new("q", "Q");
    q.max_length = Some(2);
    q.on_full = ExitAction::Voicemail;
    q.on_no_agents = Some(ExitAction::MessageThenHangup("chiuso".into()));
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![AgentConfig::new("a", "pw").member_of("q", 1)],
    };
    let mut h = H::new(cfg);
    // Nobody logged in: out at once.
    assert_eq!(
        exits(&h.call(1, "q")),
        vec![(
            1,
            ExitAction::MessageThenHangup("chiuso".into()),
            ExitReason::NoAgents
        )]
    );
    // Logged in but on break counts as logged in.
    h.login("a");
    h.status("a", AgentStatus::OnBreak(BreakReason::Requested));
    assert!(exits(&h.call(2, "q")).is_empty());
    assert!(exits(&h.call(3, "q")).is_empty());
    assert_eq!(
        exits(&h.call(4, "q")),
        vec![(4, ExitAction::Voicemail, ExitReason::QueueFull)]
    );
    // The last agent logs out: waiting calls leave.
    let a = h.status("a", AgentStatus::LoggedOut);
    assert_eq!(exits(&a).len(), 2);
    let c = h.acd.counters();
    assert_eq!((c.enqueued, c.exited, c.waiting), (4, 4, 0));
}

#[test]
fn logout_while_in_call_finishes_the_call() {
    let mut h = H::new(simple(Strategy::LongestIdle, 1));
    h.login("a1");
    h.call(1, "q");
    h.answer(1, "a1");
    h.status("a1", AgentStatus::LoggedOut);
    assert_eq!(h.agent("a1").state, AgentState::InCall);
    h.call(2, "q");
    let a = h.end("a1");
    assert!(offers(&a).is_empty());
    assert_eq!(h.agent("a1").state, AgentState::Idle);
    assert_eq!(h.agent("a1").status, AgentStatus::LoggedOut);
}

#[test]
fn status_change_or_lost_registration_while_ringing_puts_the_call_back() {
    let mut h = H::new(simple(Strategy::LongestIdle, 2));
    h.login("a1");
    h.call(1, "q");
    let a = h.status("a1", AgentStatus::OnBreak(BreakReason::Requested));
    assert_eq!(
        cancels(&a),
        vec![(1, "a1".into(), CancelCause::AgentUnavailable)]
    );
    assert_eq!(offers(&h.login("a2")), vec![o(1, "a2")]);
    h.acd.agent_reachable(h.now, &id("a2"), false).unwrap();
    let a = h.drain();
    assert_eq!(
        cancels(&a),
        vec![(1, "a2".into(), CancelCause::AgentUnavailable)]
    );
    assert_eq!(h.agent("a2").no_answers_in_a_row, 0);
    assert_eq!(h.acd.counters().waiting, 1);
    // Registered again, available all along: offered again.
    h.acd.agent_reachable(h.now, &id("a2"), true).unwrap();
    assert_eq!(offers(&h.drain()), vec![o(1, "a2")]);
}

#[test]
fn registered_is_not_logged_in() {
    let mut h = H::new(simple(Strategy::LongestIdle, 1));
    h.acd.agent_reachable(h.now, &id("a1"), true).unwrap();
    assert!(offers(&h.call(1, "q")).is_empty());
    assert_eq!(h.agent("a1").status, AgentStatus::LoggedOut);
    h.acd.agent_reachable(h.now, &id("a1"), false).unwrap();
    h.status("a1", AgentStatus::Available);
    assert!(offers(&h.drain()).is_empty());
}

#[test]
fn the_oldest_caller_across_queues_goes_first_unless_priority_says_otherwise() {
    let mut hi = QueueConfig::new("hi", "Hi");
    hi.priority = 5;
    let mut queues = vec![QueueConfig::new("a", "A"), QueueConfig::new("b", "B"), hi];
    for q in &mut queues {
        q.wrap_up = Duration::ZERO;
    }
    let cfg = AcdConfig {
        queues,
        agents: vec![AgentConfig::new("x", "pw")
            .member_of("a", 1)
            .member_of("b", 1)
            .member_of("hi", 1)],
    };
    let mut h = H::new(cfg);
    h.call(1, "b");
    h.at(1.0);
    h.call(2, "a");
    assert_eq!(offers(&h.login("x")), vec![o(1, "x")]);
    h.answer(1, "x");
    h.call(3, "hi");
    h.enqueue(4, CallRequest::new("a").priority(9));
    // Priority 9 call, then the priority-5 queue, then the old call 2.
    let mut served = Vec::new();
    for _ in 0..3 {
        let a = h.end("x");
        let (c, _) = offers(&a)[0].clone();
        served.push(c);
        h.answer(c, "x");
    }
    assert_eq!(served, [4, 3, 2]);
}

#[test]
fn position_announcements_respect_the_interval() {
    let mut q = QueueConfig::new("q", "Q");
    q.announce_every = Some(secs(30));
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![AgentConfig::new("a", "pw").member_of("q", 1)],
    };
    let mut h = H::new(cfg);
    h.call(1, "q");
    h.at(10.0);
    h.call(2, "q");
    let ann = |acts: &[Action]| -> Vec<(u64, u32, Option<Duration>)> {
        acts.iter()
            .filter_map(|a| match a {
                Action::Announce {
                    call,
                    position,
                    estimated_wait,
                } => Some((call.0, *position, *estimated_wait)),
                _ => None,
            })
            .collect()
    };
    assert!(ann(&h.at(29.0)).is_empty());
    assert_eq!(ann(&h.at(30.0)), vec![(1, 1, None)]);
    assert_eq!(ann(&h.at(40.0)), vec![(2, 2, None)]);
    assert!(ann(&h.at(59.0)).is_empty());
    // History and an agent make an estimate: one 101 s call + 10 s wrap-up.
    h.login("a");
    h.answer(1, "a");
    h.at(160.0);
    h.end("a");
    h.at(170.0); // wrap-up ends, call 2 rings: not announced while ringing.
    h.fail(2, "a", OfferFailure::Rejected);
    let a = h.at(190.0);
    assert_eq!(ann(&a), vec![(2, 1, Some(secs(111)))]);
}

#[test]
fn poll_timeout_is_none_when_idle_and_early_timeouts_are_harmless() {
    let mut h = H::new(simple(Strategy::LongestIdle, 1));
    assert_eq!(h.acd.poll_timeout(), None);
    h.login("a1");
    h.call(1, "q");
    let t = h.acd.poll_timeout().unwrap();
    h.acd.handle_timeout(t - secs(1));
    assert!(h.drain().is_empty());
    assert_eq!(h.agent("a1").state, AgentState::Offered);
}

#[test]
fn a_late_timeout_runs_deadlines_in_order() {
    // Wrap-up ends at 30 s, max wait at 45 s: a single late call at 100 s
    // must offer the call at 30 s rather than exit it.
    let mut q = QueueConfig::new("q", "Q");
    q.wrap_up = secs(20);
    q.max_wait = secs(45);
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![AgentConfig::new("a", "pw").member_of("q", 1)],
    };
    let mut h = H::new(cfg);
    h.login("a");
    h.call(1, "q");
    h.answer(1, "a");
    h.at(10.0);
    h.end("a");
    h.call(2, "q");
    h.acd.handle_timeout(h.t0 + secs(40));
    let a = h.drain();
    assert_eq!(offers(&a), vec![o(2, "a")]);
    assert!(exits(&a).is_empty());
}

#[test]
fn nonsense_inputs_are_refused_with_a_reason_and_counted() {
    let mut h = H::new(simple(Strategy::LongestIdle, 2));
    let now = h.now;
    let (a1, ghost) = (id("a1"), id("ghost"));
    assert_eq!(
        h.acd.offer_answered(now, CallKey(7), &a1),
        Err(AcdError::UnknownCall { call: CallKey(7) })
    );
    assert_eq!(
        h.acd.agent_status(now, &ghost, AgentStatus::Available),
        Err(AcdError::UnknownAgent { agent: ghost })
    );
    assert_eq!(
        h.acd
            .call_enqueued(now, CallKey(1), CallRequest::new("nope")),
        Err(AcdError::UnknownQueue {
            queue: QueueId::new("nope")
        })
    );
    h.login("a1");
    h.call(1, "q");
    assert_eq!(
        h.acd.call_enqueued(now, CallKey(1), CallRequest::new("q")),
        Err(AcdError::DuplicateCall { call: CallKey(1) })
    );
    assert_eq!(
        h.acd.offer_answered(now, CallKey(1), &id("a2")),
        Err(AcdError::NotOffered {
            call: CallKey(1),
            agent: id("a2")
        })
    );
    assert_eq!(
        h.acd.call_ended(now, &id("a2")),
        Err(AcdError::NotInCall { agent: id("a2") })
    );
    h.acd.call_abandoned(now, CallKey(1)).unwrap();
    assert_eq!(
        h.acd.call_abandoned(now, CallKey(1)),
        Err(AcdError::UnknownCall { call: CallKey(1) })
    );
    // The ring was cancelled when the caller left; a late failure report is refused.
    assert_eq!(
        h.acd
            .offer_failed(now, CallKey(1), &a1, OfferFailure::NoAnswer),
        Err(AcdError::UnknownCall { call: CallKey(1) })
    );
    let c = h.acd.counters();
    assert_eq!((c.ignored_inputs, c.enqueued, c.abandoned), (8, 1, 1));
    assert_eq!(h.agent("a1").state, AgentState::Idle);
}

#[test]
fn wallboard_figures_and_a_counter_reset() {
    let mut h = H::new(simple(Strategy::LongestIdle, 3));
    h.login("a1");
    h.login("a2");
    h.status(
        "a2",
        AgentStatus::OnBreak(BreakReason::Other("pranzo".into())),
    );
    h.call(1, "q");
    h.answer(1, "a1");
    h.at(5.0);
    h.call(2, "q");
    h.at(65.0);
    h.end("a1");
    h.answer(2, "a1");
    h.call(3, "q");
    let s = h.acd.queue_stats(h.now, &QueueId::new("q")).unwrap();
    assert_eq!(
        (
            s.waiting,
            s.ringing,
            s.agents,
            s.agents_logged_in,
            s.agents_talking,
            s.agents_on_break
        ),
        (1, 0, 3, 2, 1, 1)
    );
    assert_eq!((s.enqueued, s.answered), (3, 2));
    assert_eq!(s.oldest_wait, Some(Duration::ZERO));
    assert_eq!(s.average_wait, Some(secs(30)));
    assert_eq!(s.average_handling, Some(secs(65)));
    let v = h.agent("a1");
    assert_eq!(
        (v.calls_handled, v.current, v.queue),
        (2, Some(Work::Call(CallKey(2))), Some(QueueId::new("q")))
    );
    h.acd.reset_counters();
    let s = h.acd.queue_stats(h.now, &QueueId::new("q")).unwrap();
    assert_eq!((s.enqueued, s.answered, s.waiting), (1, 0, 1));
    let c = h.acd.counters();
    assert_eq!(
        c.enqueued,
        c.answered + c.abandoned + c.exited + c.called_back + c.waiting + c.ringing
    );
    assert_eq!(h.acd.estimated_wait(&QueueId::new("q"), 1), Some(secs(65)));
}

#[test]
fn a_colleague_handed_a_caller_is_busy_until_that_call_ends() {
    let mut q = QueueConfig::new("q", "Q");
    q.wrap_up = secs(20);
    let mut colleague = AgentConfig::new("b", "pw").member_of("q", 1);
    colleague.wrap_up = Some(secs(5));
    let cfg = AcdConfig {
        queues: vec![q],
        agents: vec![AgentConfig::new("a", "pw").member_of("q", 1), colleague],
    };
    let mut h = H::new(cfg);
    h.login("a");
    h.login("b");
    h.at(1.0);
    // a takes a call and hands the caller to b: b's phone rings.
    assert_eq!(offers(&h.call(1, "q")), vec![o(1, "a")]);
    h.answer(1, "a");
    let idle_since = h.agent("b").idle_since;
    let now = h.now;
    h.acd.direct_call_started(now, &id("b")).unwrap();
    assert_eq!(h.agent("b").state, AgentState::InCall);
    // A second direct call for b is refused: a busy agent gets no second call.
    let now = h.now;
    assert!(matches!(
        h.acd.direct_call_started(now, &id("b")),
        Err(AcdError::AgentBusy { .. })
    ));
    // b does not answer: idle again, in their old place.
    let now = h.now;
    h.acd.direct_call_released(now, &id("b")).unwrap();
    assert_eq!(h.agent("b").state, AgentState::Idle);
    assert_eq!(h.agent("b").idle_since, idle_since);
    // Handed again, b answers; a new queued call waits for a (wrap-up)
    // and is not offered to b while b talks.
    let now = h.now;
    h.acd.direct_call_started(now, &id("b")).unwrap();
    h.at(2.0);
    h.end("a");
    assert!(offers(&h.call(2, "q")).is_empty(), "b talks, a wraps up");
    // b's call ends: b's own wrap-up (5 s), then b takes call 2.
    h.at(10.0);
    h.end("b");
    assert_eq!(h.agent("b").state, AgentState::WrapUp);
    assert_eq!(offers(&h.at(15.0)), vec![o(2, "b")]);
    // Released without a direct call: refused, nothing changes.
    let now = h.now;
    assert!(h.acd.direct_call_released(now, &id("a")).is_err());
}
