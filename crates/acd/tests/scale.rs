//! Thousands of queued calls and hundreds of agents. The timing run is
//! `cargo test --release -p centralino-acd --test scale -- --ignored --nocapture`.

use centralino_acd::*;
use centralino_model::{AgentId, CallKey, QueueId};
use std::time::{Duration, Instant};

const QUEUES: usize = 20;

fn config(agents: usize) -> AcdConfig {
    let queues = (0..QUEUES)
        .map(|i| {
            let mut q = QueueConfig::new(format!("q{i}").as_str(), "Q");
            q.max_wait = Duration::from_secs(24 * 3600);
            q.announce_every = Some(Duration::from_secs(60));
            q
        })
        .collect();
    let agents = (0..agents)
        .map(|i| {
            let mut a = AgentConfig::new(format!("a{i}").as_str(), "pw");
            for k in 0..4 {
                a = a.member_of(
                    format!("q{}", (i + k * 7) % QUEUES).as_str(),
                    1 + (k % 3) as u8,
                );
            }
            if i % 5 == 0 {
                a = a.with_skill("en");
            }
            a
        })
        .collect();
    AcdConfig { queues, agents }
}

struct Run {
    acd: Acd,
    now: Instant,
    steps: u64,
    worst: Duration,
    total: Duration,
    by_kind: std::collections::BTreeMap<&'static str, (u64, Duration, Duration)>,
    kind: &'static str,
}

impl Run {
    fn step(&mut self, f: impl FnOnce(&mut Acd, Instant)) {
        let start = Instant::now();
        f(&mut self.acd, self.now);
        while self.acd.poll_action().is_some() {}
        let _ = self.acd.poll_timeout();
        let took = start.elapsed();
        self.steps += 1;
        self.total += took;
        self.worst = self.worst.max(took);
        let e = self.by_kind.entry(self.kind).or_default();
        e.0 += 1;
        e.1 += took;
        e.2 = e.2.max(took);
    }
}

fn run(calls: u64, agents: usize) -> Run {
    let t0 = Instant::now();
    let mut r = Run {
        acd: Acd::new(t0, &config(agents)).unwrap(),
        now: t0,
        steps: 0,
        worst: Duration::ZERO,
        total: Duration::ZERO,
        by_kind: Default::default(),
        kind: "login",
    };
    // Everybody logs in but is on break: the calls pile up.
    for i in 0..agents {
        let id = AgentId::new(format!("a{i}"));
        r.step(|acd, now| {
            acd.agent_reachable(now, &id, true).unwrap();
            acd.agent_status(now, &id, AgentStatus::OnBreak(BreakReason::Requested))
                .unwrap();
        });
    }
    r.kind = "enqueue";
    for c in 0..calls {
        r.now += Duration::from_millis(50);
        let mut req = CallRequest::new(QueueId::new(format!("q{}", c as usize % QUEUES)));
        if c % 10 == 0 {
            req = req.language("en");
        }
        r.step(|acd, now| acd.call_enqueued(now, CallKey(c), req).unwrap());
    }
    // Agents come back one by one, take a call each, answer, hang up…
    let mut next = 0u64;
    for round in 0..3 {
        for i in 0..agents {
            r.now += Duration::from_millis(100);
            let id = AgentId::new(format!("a{i}"));
            if round == 0 {
                r.kind = "available";
                r.step(|acd, now| acd.agent_status(now, &id, AgentStatus::Available).unwrap());
            } else {
                r.kind = "call_ended";
                r.step(|acd, now| acd.call_ended(now, &id).unwrap());
                // 11 s pass; the server ticks every 20 ms.
                r.kind = "handle_timeout (20 ms tick)";
                for _ in 0..550 {
                    r.now += Duration::from_millis(20);
                    r.step(|acd, now| acd.handle_timeout(now));
                }
            }
            let offered = r.acd.agent(&id).unwrap();
            if let Some(Work::Call(call)) = offered.current {
                r.kind = "answer";
                r.step(|acd, now| acd.offer_answered(now, call, &id).unwrap());
            }
        }
        // Some callers give up.
        r.kind = "abandon";
        for _ in 0..agents {
            next = (next + 7919) % calls;
            r.step(|acd, now| {
                let _ = acd.call_abandoned(now, CallKey(next));
            });
        }
    }
    r
}

#[test]
fn many_calls_and_agents_stay_consistent() {
    let r = run(2_000, 150);
    let c = r.acd.counters();
    assert_eq!(
        c.enqueued,
        c.answered + c.abandoned + c.exited + c.called_back + c.waiting + c.ringing
    );
    assert!(c.answered >= 150 && c.waiting > 1000, "{c:?}");
}

#[test]
#[ignore = "timing: run in release"]
fn scheduling_cost_per_step() {
    let r = run(10_000, 500);
    let c = r.acd.counters();
    println!(
        "{} steps, mean {:?}, worst {:?}; {} waiting, {} answered",
        r.steps,
        r.total / u32::try_from(r.steps).unwrap(),
        r.worst,
        c.waiting,
        c.answered
    );
    for (k, (n, total, worst)) in &r.by_kind {
        println!(
            "{k:>26}: {n:>6} × mean {:?}, worst {worst:?}",
            *total / u32::try_from(*n).unwrap()
        );
    }
    assert!(r.total / u32::try_from(r.steps).unwrap() < Duration::from_millis(1));
}
