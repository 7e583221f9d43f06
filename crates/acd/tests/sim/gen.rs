//! Random contact centres and random days in them.

use super::Op;
use centralino_acd::{
    AcdConfig, AgentConfig, CallbackConfig, ExitAction, QueueConfig, Strategy as Pick,
};
use centralino_model::{Language, QueueId};
use proptest::prelude::*;
use std::time::Duration;

fn ms(lo: u64, hi: u64) -> impl Strategy<Value = Duration> {
    // Half-second steps make coincident deadlines likely.
    (lo / 500..=hi / 500).prop_map(|n| Duration::from_millis(n * 500))
}

fn exit_action(i: usize, n: usize) -> impl Strategy<Value = ExitAction> {
    // `queue:` only towards later queues, so there is never a cycle.
    let later: Vec<usize> = (i + 1..n).collect();
    (0u8..4, any::<prop::sample::Index>()).prop_map(move |(k, pick)| match k {
        0 => ExitAction::Voicemail,
        1 => ExitAction::CallbackOffer,
        2 if !later.is_empty() => {
            ExitAction::Queue(QueueId::new(format!("q{}", later[pick.index(later.len())])))
        }
        _ => ExitAction::MessageThenHangup("bye".into()),
    })
}

fn queue(i: usize, n: usize) -> impl Strategy<Value = QueueConfig> {
    let timing = (
        ms(5_000, 30_000),
        ms(0, 30_000),
        ms(30_000, 400_000),
        ms(0, 60_000),
        ms(0, 90_000),
    );
    let exits = (
        exit_action(i, n),
        exit_action(i, n),
        prop::option::weighted(0.3, exit_action(i, n)),
    );
    let shape = (
        prop_oneof![
            Just(Pick::LongestIdle),
            Just(Pick::FewestCalls),
            Just(Pick::RoundRobin),
            Just(Pick::RingAll)
        ],
        prop_oneof![4 => Just(0u32), 1 => 1u32..3],
        prop::option::weighted(0.4, 2u32..6),
        prop_oneof![4 => Just("it"), 1 => Just("en")],
        prop::option::weighted(0.5, ms(10_000, 60_000)),
    );
    let cb = (
        prop::option::weighted(0.5, ms(20_000, 180_000)),
        prop::option::weighted(0.5, 1u32..4),
        1u32..4,
        ms(5_000, 120_000),
        ms(60_000, 900_000),
    );
    let agents = (0u32..5, ms(0, 40_000), ms(0, 20_000));
    (timing, exits, shape, cb, agents).prop_map(move |(t, e, s, c, a)| {
        let mut q = QueueConfig::new(format!("q{i}").as_str(), format!("Queue {i}"));
        (
            q.ring_timeout,
            q.wrap_up,
            q.max_wait,
            q.tier_delay,
            q.skill_fallback,
        ) = t;
        (q.on_max_wait, q.on_full, q.on_no_agents) = e;
        q.strategy = s.0;
        q.priority = s.1;
        q.max_length = s.2;
        q.language = Language::new(s.3);
        q.announce_every = s.4;
        q.callback = CallbackConfig {
            offer_after: c.0,
            offer_after_no_answers: c.1,
            max_attempts: c.2,
            retry_interval: c.3,
            expiry: c.4,
        };
        (q.max_no_answer, q.reject_delay, q.no_answer_delay) = a;
        q
    })
}

fn agent(i: usize, queues: usize) -> impl Strategy<Value = AgentConfig> {
    (
        prop::collection::vec(
            prop_oneof![2 => Just(0u8), 3 => Just(1u8), 2 => Just(2u8), 1 => Just(3u8)],
            queues,
        ),
        prop::collection::vec(
            prop_oneof![Just("en"), Just("de"), Just("fisco"), Just("veicoli")],
            0..3,
        ),
        prop::option::weighted(0.3, ms(0, 20_000)),
    )
        .prop_map(move |(levels, skills, wrap)| {
            let mut a = AgentConfig::new(format!("a{i}").as_str(), "pw");
            for (q, level) in levels.into_iter().enumerate() {
                if level > 0 {
                    a = a.member_of(format!("q{q}").as_str(), level);
                }
            }
            for s in skills {
                if !a.skills.iter().any(|x| x.as_str() == s) {
                    a = a.with_skill(s);
                }
            }
            a.wrap_up = wrap;
            a
        })
}

/// 2–4 queues sharing 3–8 agents at levels 1–3 with skills.
pub fn config() -> impl Strategy<Value = AcdConfig> {
    (2usize..=4, 3usize..=8).prop_flat_map(|(nq, na)| {
        let queues: Vec<_> = (0..nq).map(|i| queue(i, nq)).collect();
        let agents: Vec<_> = (0..na).map(|i| agent(i, nq)).collect();
        (queues, agents).prop_map(|(queues, agents)| AcdConfig { queues, agents })
    })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (0usize..4, any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(queue, skill, lang, prio)| Op::Arrive { queue, skill, lang, prio }),
        4 => any::<usize>().prop_map(Op::Abandon),
        6 => (0usize..8, any::<u8>()).prop_map(|(agent, status)| Op::Status { agent, status }),
        2 => (0usize..8, prop::bool::weighted(0.7)).prop_map(|(agent, up)| Op::Reach { agent, up }),
        14 => any::<usize>().prop_map(Op::Answer),
        4 => (any::<usize>(), any::<u8>()).prop_map(|(p, w)| Op::Fail(p, w)),
        9 => any::<usize>().prop_map(Op::End),
        2 => any::<usize>().prop_map(Op::Callback),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(p, r)| Op::CallbackResult(p, r)),
        1 => any::<usize>().prop_map(Op::CallbackCancel),
        1 => (0u32..600_000).prop_map(Op::Wait),
    ]
}

/// A day: operations separated by gaps (often none, up to a minute).
pub fn day(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<(u32, Op)>> {
    prop::collection::vec(
        (
            prop_oneof![3 => Just(0u32), 5 => 0u32..15_000, 2 => 15_000u32..120_000],
            op(),
        ),
        len,
    )
}
