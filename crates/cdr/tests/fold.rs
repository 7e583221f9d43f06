//! Events → CDR.

mod common;
use centralino_cdr::*;
use centralino_model::{AgentId, Codec, QueueId};
use common::t;

struct Ev {
    id: CallId,
    base: Stamp,
    events: Vec<CallEvent>,
}

impl Ev {
    fn new(id: &str, at: &str) -> Self {
        let mut e = Ev {
            id: CallId::new(id),
            base: t(at),
            events: vec![],
        };
        e.push(
            0,
            EventKind::Arrived {
                service: "apiae".into(),
                called: "0461497300".into(),
                caller: Some("3331234567".into()),
                diverted_from: None,
                codec: Some(Codec::Pcma),
            },
        );
        e
    }
    fn push(&mut self, ms: u64, kind: EventKind) -> &mut Self {
        let at = self.base + chrono::TimeDelta::milliseconds(ms as i64);
        self.events
            .push(CallEvent::new(self.id.clone(), at, ms, kind));
        self
    }
    fn cdr(&self, default: Option<Resolution>) -> Cdr {
        fold::fold(
            &self.events,
            FoldOptions {
                default_resolution: default,
            },
        )
        .unwrap()
    }
}

fn queued() -> EventKind {
    EventKind::Queued {
        queue: QueueId::new("info"),
    }
}
fn answered() -> EventKind {
    EventKind::Answered {
        agent: AgentId::new("op1"),
    }
}
fn ended(by: EndedBy) -> EventKind {
    EventKind::Ended {
        ended_by: by,
        ivr_outcome: None,
    }
}

#[test]
fn an_answered_call() {
    let mut e = Ev::new("c1", "2026-10-05T09:00:00.000+02:00");
    e.push(
        4_000,
        EventKind::IvrChoice {
            menu: "main".into(),
            digits: "2".into(),
        },
    )
    .push(
        5_000,
        EventKind::IvrChoice {
            menu: "sub".into(),
            digits: "13".into(),
        },
    )
    .push(
        6_000,
        EventKind::Language {
            language: "it".into(),
        },
    )
    .push(8_000, queued())
    .push(
        9_000,
        EventKind::Offered {
            agent: AgentId::new("op2"),
        },
    )
    .push(
        24_000,
        EventKind::RingNoAnswer {
            agent: AgentId::new("op2"),
        },
    )
    .push(
        25_000,
        EventKind::Offered {
            agent: AgentId::new("op1"),
        },
    )
    .push(27_500, answered())
    .push(127_500, ended(EndedBy::Caller));
    let c = e.cdr(Some(Resolution::Resolved));
    assert_eq!(c.outcome, Some(Outcome::Answered));
    assert_eq!(
        stamp::format(&c.queued_at.unwrap()),
        "2026-10-05T09:00:08.000+02:00"
    );
    assert_eq!(
        stamp::format(&c.answered_at.unwrap()),
        "2026-10-05T09:00:27.500+02:00"
    );
    assert_eq!(
        stamp::format(&c.ended_at.unwrap()),
        "2026-10-05T09:02:07.500+02:00"
    );
    assert_eq!(c.ended_by, Some(EndedBy::Caller));
    assert_eq!(c.agent.as_ref().map(|a| a.as_str()), Some("op1"));
    assert_eq!(c.ivr_digits.as_deref(), Some("2,13"));
    assert_eq!(c.resolution, Some(Resolution::Resolved));
    assert_eq!(c.codec, Some(Codec::Pcma));
    // Without a default, an answered call's resolution stays null.
    assert_eq!(e.cdr(None).resolution, None);
}

#[test]
fn durations_come_from_the_monotonic_clock() {
    let mut e = Ev::new("c2", "2026-10-05T09:00:00.000+02:00");
    e.push(8_000, queued());
    // The wall clock steps back an hour (the stamps say so), the monotonic
    // offset does not: the CDR follows the monotonic clock.
    let step = t("2026-10-05T08:00:20.000+02:00");
    e.events
        .push(CallEvent::new(CallId::new("c2"), step, 20_000, answered()));
    e.push(80_000, ended(EndedBy::Agent));
    let c = e.cdr(None);
    assert_eq!(
        stamp::format(&c.answered_at.unwrap()),
        "2026-10-05T09:00:20.000+02:00"
    );
}

#[test]
fn outcomes() {
    let base = "2026-10-05T10:00:00.000+02:00";
    let out = |f: &dyn Fn(&mut Ev)| {
        let mut e = Ev::new("x", base);
        f(&mut e);
        e.cdr(Some(Resolution::Resolved))
    };
    // Hung up while queued, or while an agent rang.
    let c = out(&|e| {
        e.push(5_000, queued()).push(20_000, ended(EndedBy::Caller));
    });
    assert_eq!((c.outcome, c.resolution), (Some(Outcome::Abandoned), None));
    let c = out(&|e| {
        e.push(5_000, queued())
            .push(
                9_000,
                EventKind::Offered {
                    agent: AgentId::new("a"),
                },
            )
            .push(12_000, EventKind::Abandoned);
    });
    assert_eq!(
        (c.outcome, c.ended_by),
        (Some(Outcome::Abandoned), Some(EndedBy::Caller))
    );
    assert_eq!(
        stamp::format(&c.ended_at.unwrap()),
        "2026-10-05T10:00:12.000+02:00"
    );
    // Before any queue.
    let c = out(&|e| {
        e.push(3_000, ended(EndedBy::Caller));
    });
    assert_eq!(c.outcome, Some(Outcome::IvrHangup));
    let hint = |h| EventKind::Ended {
        ended_by: EndedBy::System,
        ivr_outcome: Some(h),
    };
    assert_eq!(
        out(&|e| {
            e.push(9_000, hint(IvrOutcome::SelfService));
        })
        .outcome,
        Some(Outcome::SelfService)
    );
    assert_eq!(
        out(&|e| {
            e.push(9_000, hint(IvrOutcome::OutOfHours));
        })
        .outcome,
        Some(Outcome::OutOfHours)
    );
    assert_eq!(
        out(&|e| {
            e.push(9_000, hint(IvrOutcome::Voicemail));
        })
        .outcome,
        Some(Outcome::Voicemail)
    );
    let c = out(&|e| {
        e.push(
            9_000,
            EventKind::Voicemail {
                voicemail_id: "vm1".into(),
            },
        )
        .push(40_000, ended(EndedBy::Caller));
    });
    assert_eq!(
        (c.outcome, c.voicemail_id.as_deref()),
        (Some(Outcome::Voicemail), Some("vm1"))
    );
    let c = out(&|e| {
        e.push(5_000, queued())
            .push(
                60_000,
                EventKind::CallbackRequested {
                    callback_id: "cb1".into(),
                },
            )
            .push(61_000, ended(EndedBy::System))
            .push(
                900_000,
                EventKind::CallbackAttempted {
                    callback_id: "cb1".into(),
                },
            )
            .push(
                901_000,
                EventKind::CallbackCompleted {
                    callback_id: "cb1".into(),
                },
            );
    });
    assert_eq!(
        (c.outcome, c.callback_id.as_deref()),
        (Some(Outcome::Callback), Some("cb1"))
    );
    let c = out(&|e| {
        e.push(
            0,
            EventKind::Rejected {
                reason: RejectReason::Capacity,
            },
        );
    });
    assert_eq!(
        (c.outcome, c.ended_by),
        (Some(Outcome::Rejected), Some(EndedBy::System))
    );
    // The system hung up a queued call (e.g. max wait): failed.
    let c = out(&|e| {
        e.push(5_000, queued())
            .push(300_000, ended(EndedBy::System));
    });
    assert_eq!(c.outcome, Some(Outcome::Failed));
}

#[test]
fn transfer_escalates_and_a_later_resolution_wins() {
    let mut e = Ev::new("c3", "2026-10-05T10:00:00.000+02:00");
    e.push(5_000, queued())
        .push(8_000, answered())
        .push(
            60_000,
            EventKind::Transferred {
                target: "0461999999".into(),
            },
        )
        .push(61_000, ended(EndedBy::Agent));
    let c = e.cdr(Some(Resolution::Resolved));
    assert_eq!(
        (c.resolution, c.transfer_to.as_deref()),
        (Some(Resolution::Escalated), Some("0461999999"))
    );
    e.push(
        500_000,
        EventKind::ResolutionSet {
            resolution: Resolution::Resolved,
            ticket: Some("T-1".into()),
        },
    );
    assert_eq!(e.cdr(None).resolution, Some(Resolution::Resolved));
}

#[test]
fn in_progress_then_closed_after_a_crash() {
    let mut e = Ev::new("c4", "2026-10-05T10:00:00.000+02:00");
    let mut c = e.cdr(None);
    assert_eq!((c.outcome, c.ended_at, c.ended_by), (None, None, None));
    assert!(!c.is_finished());
    e.push(5_000, queued());
    c = e.cdr(None);
    assert!(c.queued_at.is_some() && c.outcome.is_none());
    // Restart: closed as failed at the restart instant.
    assert!(c.close_as_failed(t("2026-10-05T10:07:00.000+02:00")));
    assert_eq!(
        (c.outcome, c.ended_by),
        (Some(Outcome::Failed), Some(EndedBy::System))
    );
    assert_eq!(
        stamp::format(&c.ended_at.unwrap()),
        "2026-10-05T10:07:00.000+02:00"
    );
    // A finished CDR is left alone.
    assert!(!c.close_as_failed(t("2026-10-05T11:00:00.000+02:00")));
}

#[test]
fn errors_and_foreign_events() {
    assert_eq!(
        fold::fold(Vec::<CallEvent>::new(), FoldOptions::default()),
        Err(Error::NoEvents)
    );
    let ev = CallEvent::new("z".into(), t("2026-10-05T10:00:00Z"), 0, queued());
    assert_eq!(
        fold::fold([&ev], FoldOptions::default()),
        Err(Error::NoArrival {
            call_id: "z".into()
        })
    );
    let mut e = Ev::new("c5", "2026-10-05T10:00:00.000+02:00");
    e.events.push(CallEvent::new(
        "other".into(),
        t("2026-10-05T10:00:01Z"),
        1,
        answered(),
    ));
    let mut f = CdrFold::new(FoldOptions::default());
    for ev in &e.events {
        f.apply(ev);
    }
    assert_eq!(f.ignored(), 1);
    assert_eq!(f.cdr().unwrap().answered_at, None);
}

#[test]
fn events_and_cdrs_as_json() {
    let mut e = Ev::new("c6", "2026-10-05T09:00:00.123456+02:00");
    e.push(8_000, queued())
        .push(9_000, answered())
        .push(20_000, ended(EndedBy::Agent));
    let json = e.events[0].to_json();
    assert_eq!(
        json,
        r#"{"call_id":"c6","at":"2026-10-05T09:00:00.123+02:00","mono_ms":0,"type":"arrived","service":"apiae","called":"0461497300","caller":"3331234567","diverted_from":null,"codec":"PCMA"}"#
    );
    for ev in &e.events {
        assert_eq!(&CallEvent::from_json(&ev.to_json()).unwrap(), ev);
    }
    let c = e.cdr(None);
    let line = c.to_json();
    assert!(line.starts_with(r#"{"call_id":"c6","service":"apiae","called":"0461497300","caller":"3331234567","arrived_at":"2026-10-05T09:00:00.123+02:00","queue":"info","queued_at":"2026-10-05T09:00:08.123+02:00""#), "{line}");
    assert_eq!(Cdr::from_json(&line).unwrap(), c);
    // Unknown fields are refused, with the position.
    let bad = line.replacen("\"queue\"", "\"queeu\"", 1);
    assert!(matches!(
        Cdr::from_json(&bad),
        Err(Error::Json { line: 1, .. })
    ));
    // JSONL errors name their line.
    let text = format!("{line}\n\n{{\"call_id\":1}}\n");
    let parsed: Vec<_> = io::parse_jsonl(&text).collect();
    assert_eq!(parsed.len(), 2);
    assert!(matches!(parsed[1], Err(Error::Json { line: 3, .. })));
    let read: Vec<_> = io::read_jsonl(text.as_bytes()).collect();
    assert!(matches!(read[1], Err(Error::Json { line: 3, .. })));
    // CSV: header then the row, null as an empty cell.
    let csv = io::to_csv([&c]).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(cdr::CSV_HEADER.join(",").as_str()));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("c6,apiae,0461497300,3331234567,2026-10-05T09:00:00.123+02:00,info,"));
}
