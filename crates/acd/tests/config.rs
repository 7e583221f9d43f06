//! The `queues:`/`agents:` YAML: shapes, defaults, errors naming the key,
//! and the shipped `config/centralino.yaml`.

use centralino_acd::*;
use centralino_model::{AgentId, QueueId};
use std::time::{Duration, Instant};

fn parse(yaml: &str) -> AcdConfig {
    serde_saphyr::from_str(yaml).expect("parses")
}

#[test]
fn every_shape_of_the_yaml() {
    let c = parse(
        r#"
queues:
  - id: a
    name: "A"
    strategy: round_robin
    priority: 2
    ring_timeout: 15s
    wrap_up: 0
    max_wait: 2m
    on_max_wait: { queue: b }
    max_length: 10
    on_full: { message_then_hangup: coda-piena }
    on_no_agents: callback_offer
    tier_delay: 45s
    skill_fallback: 1m30s
    language: it
    announce_every: 30s
    callback: { offer_after: 90s, offer_after_no_answers: 2, max_attempts: 4, retry_interval: 10m, expiry: 2h }
    max_no_answer: 0
    reject_delay: 1m
    no_answer_delay: 5s
  - id: b
    name: "B"
agents:
  - id: x
    name: "X"
    username: "1001"
    credentials: { ha1: { md5: 0123abcd } }
    queues: [{ queue: a }, { queue: b, level: 2 }]
    skills: [en, de]
    wrap_up: 5s
  - id: y
    name: "Y"
    credentials: { password: segreto }
"#,
    );
    c.validate().unwrap();
    let a = &c.queues[0];
    assert_eq!(a.strategy, Strategy::RoundRobin);
    assert_eq!(a.on_max_wait, ExitAction::Queue(QueueId::new("b")));
    assert_eq!(
        a.on_full,
        ExitAction::MessageThenHangup("coda-piena".into())
    );
    assert_eq!(a.on_no_agents, Some(ExitAction::CallbackOffer));
    assert_eq!(a.skill_fallback, Duration::from_secs(90));
    assert_eq!(a.callback.offer_after_no_answers, Some(2));
    let b = &c.queues[1];
    assert_eq!(b, &QueueConfig::new("b", "B"));
    assert_eq!(c.agents[0].queues[0].level, 1);
    assert_eq!(c.agents[0].sip_username(), "1001");
    assert_eq!(c.agents[1].sip_username(), "y");
    assert_eq!(
        c.agents[1].credentials,
        Credentials::Password("segreto".into())
    );
    assert!(!format!("{:?}", c.agents[1]).contains("segreto"));
    assert!(!format!("{:?}", c.agents[0]).contains("0123abcd"));
}

#[test]
fn unknown_keys_and_bad_values_are_refused() {
    for bad in [
        "queues: [{ id: a, name: A, ring_timout: 5s }]",
        "queues: [{ id: a, name: A, strategy: random }]",
        "queues: [{ id: a, name: A, on_max_wait: hangup }]",
        "queues: [{ id: a, name: A, max_wait: 5 parsecs }]",
        "agents: [{ id: x, name: X }]",
        "agents: [{ id: x, name: X, credentials: { token: t } }]",
        "dialplan: []",
    ] {
        assert!(serde_saphyr::from_str::<AcdConfig>(bad).is_err(), "{bad}");
    }
}

fn err(yaml: &str) -> ConfigError {
    parse(yaml).validate().unwrap_err()
}

#[test]
fn validation_errors_name_the_key() {
    let q = "queues: [{ id: a, name: A }, { id: b, name: B }]\n";
    let cases: Vec<(String, &str)> = vec![
        (format!("{q}agents: [{{ id: x, name: X, credentials: {{ password: p }}, queues: [{{ queue: a }}, {{ queue: c }}] }}]"), "agents[0].queues[1].queue"),
        (format!("{q}agents: [{{ id: x, name: X, credentials: {{ password: p }}, queues: [{{ queue: a, level: 0 }}] }}]"), "agents[0].queues[0].level"),
        (format!("{q}agents: [{{ id: x, name: X, credentials: {{ password: '' }} }}]"), "agents[0].credentials"),
        (format!("{q}agents: [{{ id: x, name: X, credentials: {{ ha1: {{}} }} }}]"), "agents[0].credentials"),
        (format!("{q}agents: [{{ id: x, name: X, credentials: {{ password: p }} }}, {{ id: x, name: Y, credentials: {{ password: p }} }}]"), "agents[1].id"),
        (format!("{q}agents: [{{ id: x, name: X, username: u, credentials: {{ password: p }} }}, {{ id: y, name: Y, username: u, credentials: {{ password: p }} }}]"), "agents[1].username"),
        ("queues: [{ id: a, name: A }, { id: a, name: B }]".into(), "queues[1].id"),
        ("queues: [{ id: 'a b', name: A }]".into(), "queues[0].id"),
        ("queues: [{ id: a, name: A, announce_every: 5s }]".into(), "queues[0].announce_every"),
        ("queues: [{ id: a, name: A, ring_timeout: 0s }]".into(), "queues[0].ring_timeout"),
        ("queues: [{ id: a, name: A, callback: { max_attempts: 0 } }]".into(), "queues[0].callback.max_attempts"),
        ("queues: [{ id: a, name: A, max_length: 0 }]".into(), "queues[0].max_length"),
        ("queues: [{ id: a, name: A, on_full: { queue: zz } }]".into(), "queues[0].on_full.queue"),
    ];
    for (yaml, key) in cases {
        let e = err(&yaml);
        assert_eq!(e.key(), key, "{yaml}: {e}");
        assert!(e.to_string().starts_with(key), "{e}");
    }
}

#[test]
fn exit_actions_cannot_go_round_in_circles() {
    let e = err(
        "queues: [{ id: a, name: A, on_max_wait: { queue: b } }, { id: b, name: B, on_full: { queue: c } }, \
         { id: c, name: C, on_no_agents: { queue: a } }]",
    );
    match &e {
        ConfigError::QueueCycle { key, cycle } => {
            assert_eq!(key, "queues[2].on_no_agents.queue");
            let ids: Vec<&str> = cycle.iter().map(QueueId::as_str).collect();
            assert_eq!(ids, ["a", "b", "c", "a"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(err("queues: [{ id: a, name: A, on_full: { queue: a } }]")
        .to_string()
        .contains("a → a"));
    // A chain is fine.
    parse("queues: [{ id: a, name: A, on_max_wait: { queue: b } }, { id: b, name: B, on_max_wait: { queue: c } }, { id: c, name: C }]")
        .validate()
        .unwrap();
}

#[test]
fn at_most_63_skills() {
    let mut c = AcdConfig::default();
    let mut a = AgentConfig::new("x", "p");
    for i in 0..64 {
        a = a.with_skill(format!("s{i}").as_str());
    }
    c.agents.push(a);
    assert!(matches!(
        c.validate(),
        Err(ConfigError::TooManySkills { count: 64, .. })
    ));
}

/// The shipped file, read the way the server will: only our sections.
#[derive(serde::Deserialize)]
struct Shipped {
    #[serde(default)]
    queues: Vec<QueueConfig>,
    #[serde(default)]
    agents: Vec<AgentConfig>,
}

#[test]
fn the_shipped_config_is_valid_and_staffs_every_queue() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/centralino.yaml"
    ))
    .unwrap();
    let s: Shipped = serde_saphyr::from_str(&text).unwrap();
    let cfg = AcdConfig {
        queues: s.queues,
        agents: s.agents,
    };
    cfg.validate().unwrap();
    let ids: Vec<&str> = cfg.queues.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "td-mepat",
            "td-cps",
            "td-trentino-rete",
            "td-geo",
            "td-accessibile",
            "td-bul",
            "apiae-appuntamenti",
            "apiae-informazioni",
            "lavoro",
            "motorizzazione",
            "valutazione-ambientale",
            "uru",
            "io-partecipo",
            "molise-centralino"
        ]
    );
    let agents: Vec<&str> = cfg.agents.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(agents, ["op1", "op2", "op3", "op4", "op5", "op6"]);
    let acd = Acd::new(Instant::now(), &cfg).unwrap();
    for q in acd.all_queue_stats(Instant::now()) {
        assert!(q.agents >= 1, "{} has no agent", q.id);
    }
    assert_eq!(acd.agent_by_username("op3"), Some(&AgentId::new("op3")));
}

#[test]
fn feature_codes() {
    assert_eq!(FeatureCode::from_dialled("*11"), Some(FeatureCode::Login));
    assert_eq!(
        FeatureCode::from_dialled("*13").map(FeatureCode::status),
        Some(AgentStatus::OnBreak(BreakReason::Requested))
    );
    assert_eq!(FeatureCode::Back.status(), AgentStatus::Available);
    assert_eq!(FeatureCode::Logout.code(), "*12");
    assert_eq!(FeatureCode::from_dialled("*15"), None);
}
