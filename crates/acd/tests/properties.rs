//! Property tests under a simulated clock: hours of random arrivals,
//! hang-ups, logins, breaks, no-answers, rejects, answers, call ends,
//! registrations expiring and callbacks, across queues sharing agents with
//! tiers and skills. A reference model checks every action and, after every
//! step, the invariants (see `sim::Sim::check_invariants`):
//!
//! * an agent is offered at most one thing, and only when free (available,
//!   reachable, idle, wrap-up and delays over): a busy agent never gets a
//!   second call;
//! * a call rings at most one agent, except with `ring_all`;
//! * the oldest waiting work the agent may take is served first;
//! * the agent chosen is the best free one: lowest level, then idle the
//!   longest (`longest_idle`), fewest calls (`fewest_calls`);
//! * no waiting call has a free agent allowed to take it after a step, none
//!   waits past max wait, none rings past its ring timeout;
//! * status, state, reachability and idle time agree with the model;
//! * counters add up (answered, abandoned, exited, called back, waiting and
//!   ringing sum to enqueued, per queue and overall), and at the end every
//!   call is answered, abandoned, exited or called back.

mod sim;

use centralino_acd::*;
use centralino_model::{AgentId, CallKey, QueueId};
use proptest::prelude::*;
use sim::{gen, Sim};
use std::time::{Duration, Instant};

/// Longest simulated day in operations (`ACD_OPS` to change).
fn ops_max() -> usize {
    std::env::var("ACD_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("ACD_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(128),
        max_shrink_iters: 4000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_acd_keeps_its_promises(cfg in gen::config(), day in gen::day(300..ops_max())) {
        let mut s = Sim::new(&cfg);
        for (gap, op) in &day {
            let t = s.now + Duration::from_millis(u64::from(*gap));
            s.advance_to(t);
            s.apply(op);
        }
        s.drain();
    }

    /// Inputs in any order, about anything, known or not: never a panic,
    /// errors are counted, the counters still add up.
    #[test]
    fn nonsense_never_panics(cfg in gen::config(), inputs in prop::collection::vec((0u8..12, 0u64..12, 0usize..10, 0u32..30_000), 0..400)) {
        let t0 = Instant::now();
        let mut acd = Acd::new(t0, &cfg).unwrap();
        let mut now = t0;
        let agent = |i: usize| AgentId::new(format!("a{i}"));
        let mut errors = 0;
        for (kind, k, i, gap) in inputs {
            now += Duration::from_millis(u64::from(gap));
            let call = CallKey(k);
            let r = match kind {
                0 => acd.call_enqueued(now, call, CallRequest::new(QueueId::new(format!("q{}", i % 5))).skill("en")),
                1 => acd.call_abandoned(now, call),
                2 => acd.agent_status(now, &agent(i), AgentStatus::Available),
                3 => acd.agent_status(now, &agent(i), AgentStatus::LoggedOut),
                4 => acd.agent_reachable(now, &agent(i), i % 2 == 0),
                5 => acd.offer_answered(now, call, &agent(i)),
                6 => acd.offer_failed(now, call, &agent(i), OfferFailure::NoAnswer),
                7 => acd.call_ended(now, &agent(i)),
                8 => acd.callback_requested(now, call, None).map(|_| ()),
                9 => acd.callback_result(now, CallbackId(k), CallbackResult::Connected),
                10 => acd.callback_result(now, CallbackId(k), CallbackResult::CitizenUnreached),
                _ => {
                    acd.handle_timeout(now - Duration::from_secs(5).min(now - t0));
                    Ok(())
                }
            };
            errors += u64::from(r.is_err());
            while acd.poll_action().is_some() {}
            let c = acd.counters();
            prop_assert_eq!(c.ignored_inputs, errors);
            prop_assert_eq!(c.enqueued, c.answered + c.abandoned + c.exited + c.called_back + c.waiting + c.ringing);
        }
    }
}

/// What a few random days exercise (run with `--nocapture` to see).
#[test]
fn a_random_day_exercises_everything() {
    use proptest::strategy::{Strategy as _, ValueTree};
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeMap::new();
    let mut steps = 0;
    let mut hours = 0.0;
    for _ in 0..20 {
        let cfg = gen::config().new_tree(&mut runner).unwrap().current();
        let day = gen::day(1000..1001)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let mut s = Sim::new(&cfg);
        for (gap, op) in &day {
            let t = s.now + Duration::from_millis(u64::from(*gap));
            s.advance_to(t);
            s.apply(op);
        }
        hours += (s.now - s.t0).as_secs_f64() / 3600.0;
        s.drain();
        steps += s.steps;
        for (k, v) in s.seen {
            *seen.entry(k).or_insert(0) += v;
        }
    }
    println!("{steps} steps over {hours:.1} simulated hours");
    for (k, v) in &seen {
        println!("{v:>8} {k}");
    }
    for kind in [
        "Offer",
        "StartCallback",
        "Announce",
        "OfferCallback",
        "CancelOffer(RingTimeout)",
        "CancelOffer(TakenByOther)",
        "CancelOffer(AgentUnavailable)",
        "CancelOffer(Abandoned)",
        "MaxNoAnswerBreak",
        "CallbackFinished(Completed)",
        "CallbackFinished(Failed)",
        "CallbackFinished(Expired)",
    ] {
        assert!(seen.get(kind).copied().unwrap_or(0) > 0, "never saw {kind}");
    }
}
