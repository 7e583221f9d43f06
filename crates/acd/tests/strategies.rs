//! Each strategy, on small hand-made scenes.

mod common;
use centralino_acd::*;
use common::*;

#[test]
fn longest_idle_takes_oldest_call_to_agent_idle_longest() {
    let mut h = H::new(simple(Strategy::LongestIdle, 3));
    h.at(1.0);
    h.login("a2");
    h.at(2.0);
    h.login("a3");
    h.at(3.0);
    h.login("a1");
    h.at(10.0);
    let a = h.call(1, "q");
    assert_eq!(offers(&a), vec![o(1, "a2")]);
    let a = h.call(2, "q");
    assert_eq!(offers(&a), vec![o(2, "a3")]);
    h.answer(1, "a2");
    h.answer(2, "a3");
    h.at(20.0);
    h.end("a3"); // a3 idle since 20 (no wrap-up)
    h.at(25.0);
    h.end("a2"); // a2 idle since 25
                 // a1 idle since 3 first, then a3, then a2.
    let a = h.call(3, "q");
    assert_eq!(offers(&a), vec![o(3, "a1")]);
    let a = h.call(4, "q");
    assert_eq!(offers(&a), vec![o(4, "a3")]);
    let a = h.call(5, "q");
    assert_eq!(offers(&a), vec![o(5, "a2")]);
}

#[test]
fn calls_are_served_first_in_first_out() {
    let mut h = H::new(simple(Strategy::LongestIdle, 1));
    for c in 1..=3 {
        h.at(c as f64);
        assert!(offers(&h.call(c, "q")).is_empty());
    }
    let a = h.login("a1");
    assert_eq!(offers(&a), vec![o(1, "a1")]);
    h.answer(1, "a1");
    assert_eq!(offers(&h.end("a1")), vec![o(2, "a1")]);
    h.answer(2, "a1");
    assert_eq!(offers(&h.end("a1")), vec![o(3, "a1")]);
}

#[test]
fn round_robin_takes_turns_in_config_order() {
    let mut h = H::new(simple(Strategy::RoundRobin, 3));
    for a in ["a3", "a1", "a2"] {
        h.login(a);
    }
    let mut got = Vec::new();
    for c in 1..=6 {
        let a = h.call(c, "q");
        let (_, agent) = offers(&a)[0].clone();
        h.answer(c, &agent);
        h.end(&agent);
        got.push(agent);
    }
    assert_eq!(got, ["a1", "a2", "a3", "a1", "a2", "a3"]);
}

#[test]
fn round_robin_skips_busy_agents_and_wraps() {
    let mut h = H::new(simple(Strategy::RoundRobin, 3));
    for a in ["a1", "a2", "a3"] {
        h.login(a);
    }
    assert_eq!(offers(&h.call(1, "q")), vec![o(1, "a1")]);
    h.answer(1, "a1");
    assert_eq!(offers(&h.call(2, "q")), vec![o(2, "a2")]);
    h.answer(2, "a2");
    h.end("a2");
    // a3 is next in turn, then a1 is busy so a2 again.
    assert_eq!(offers(&h.call(3, "q")), vec![o(3, "a3")]);
    h.answer(3, "a3");
    assert_eq!(offers(&h.call(4, "q")), vec![o(4, "a2")]);
}

#[test]
fn fewest_calls_balances_load() {
    let mut h = H::new(simple(Strategy::FewestCalls, 2));
    h.login("a1");
    h.at(1.0);
    h.login("a2");
    // a1 idle longest gets the first.
    assert_eq!(offers(&h.call(1, "q")), vec![o(1, "a1")]);
    h.answer(1, "a1");
    h.end("a1");
    // a1 has 1 call, a2 none: a2 even though a1 was idle... a1 is idle since now.
    assert_eq!(offers(&h.call(2, "q")), vec![o(2, "a2")]);
    h.answer(2, "a2");
    h.at(5.0);
    h.end("a2");
    h.at(9.0);
    // Both have 1: a1 (idle since 1 s) beats a2 (since 5 s).
    assert_eq!(offers(&h.call(3, "q")), vec![o(3, "a1")]);
}

#[test]
fn ring_all_rings_everyone_and_cancels_the_others_on_answer() {
    let mut h = H::new(simple(Strategy::RingAll, 3));
    for a in ["a1", "a2", "a3"] {
        h.login(a);
    }
    let a = h.call(1, "q");
    let mut rung: Vec<String> = offers(&a).into_iter().map(|(_, a)| a).collect();
    rung.sort();
    assert_eq!(rung, ["a1", "a2", "a3"]);
    // A second call waits: nobody is free.
    assert!(offers(&h.call(2, "q")).is_empty());
    let a = h.answer(1, "a2");
    let mut c = cancels(&a);
    c.sort_by(|x, y| x.1.cmp(&y.1));
    assert_eq!(
        c,
        vec![
            (1, "a1".into(), CancelCause::TakenByOther),
            (1, "a3".into(), CancelCause::TakenByOther)
        ]
    );
    // The two freed agents ring with call 2.
    let mut rung: Vec<String> = offers(&a).into_iter().map(|(_, a)| a).collect();
    rung.sort();
    assert_eq!(rung, ["a1", "a3"]);
    assert_eq!(h.agent("a2").state, AgentState::InCall);
    // One agent rejecting does not stop the others ringing.
    h.fail(2, "a1", OfferFailure::Rejected);
    assert_eq!(
        h.acd
            .call(h.now, centralino_model::CallKey(2))
            .unwrap()
            .ringing,
        vec![id("a3")]
    );
}

#[test]
fn a_busy_agent_is_never_offered_a_second_call() {
    let mut h = H::new(simple(Strategy::LongestIdle, 1));
    h.login("a1");
    assert_eq!(offers(&h.call(1, "q")), vec![o(1, "a1")]);
    assert!(offers(&h.call(2, "q")).is_empty());
    h.answer(1, "a1");
    assert!(offers(&h.call(3, "q")).is_empty());
    assert_eq!(h.acd.counters().waiting, 2);
}
