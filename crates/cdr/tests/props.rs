//! Property tests: the outcome identity, JSONL round trips, and a fold
//! that never panics.

mod common;
use centralino_cdr::synth::SynthMonth;
use centralino_cdr::*;
use centralino_model::{AgentId, QueueId};
use chrono::TimeDelta;
use common::*;
use proptest::prelude::*;

const CONTRACTS: &str = "
a:
  services: [agenzia-lavoro, apiae]
  abandon_measured_from: arrived
  default_resolution: resolved
  slas: { tm_max: 16s, p_max_pct: 3, q_min_pct: 75 }
m:
  services: [molise]
  forecast_monthly_volume: 50
  exclude_short_abandons_from_c3: true
  slas:
    c1_min_pct: 90
    c2: { within: 30s, min_pct: 90, max_wait: 90s }
    c3_max_pct: 5
    c4_min_pct: 80
";

fn all_figures(r: &Report) -> impl Iterator<Item = &Figures> {
    r.services
        .iter()
        .flat_map(|s| std::iter::once(&s.figures).chain(s.breakdown.iter().map(|b| &b.figures)))
}

fn month_report(cdrs: &[Cdr]) -> Report {
    let cfg = contracts(CONTRACTS);
    let cal = WeeklyCalendar::office_hours();
    let q = query(day(2026, 10, 1), day(2026, 10, 31)).grouped_by(Grouping::Day);
    compute_report(cdrs, &[], None, &cfg, &cal, q).unwrap()
}

fn round_trip(cdrs: &[Cdr]) -> Vec<Cdr> {
    let text = io::to_jsonl(cdrs);
    io::parse_jsonl(&text).collect::<Result<_, _>>().unwrap()
}

fn outcome() -> impl Strategy<Value = Option<Outcome>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(Outcome::ALL.to_vec()).prop_map(Some)
    ]
}

prop_compose! {
    /// Any CDR, including impossible ones (answered before queued, an
    /// outcome without instants, instants out of order).
    fn any_cdr()(
        id in 0u32..1_000_000,
        svc in proptest::sample::select(vec!["agenzia-lavoro", "apiae", "molise", "other"]),
        arrival_s in -86_400i64..(33 * 86_400),
        offsets in proptest::collection::vec(proptest::option::of(-20_000i64..400_000), 3),
        outcome in outcome(),
        resolution in proptest::option::of(prop_oneof![Just(Resolution::Resolved), Just(Resolution::Escalated)]),
    ) -> Cdr {
        let arrived = t("2026-10-01T00:00:00.000+02:00") + TimeDelta::milliseconds(arrival_s * 1000 + i64::from(id % 1000));
        let at = |o: Option<i64>| o.map(|ms| arrived + TimeDelta::milliseconds(ms));
        Cdr {
            call_id: CallId::new(format!("p{id}")),
            service: svc.into(),
            called: "0".into(),
            caller: None,
            arrived_at: arrived,
            queue: offsets[0].map(|_| QueueId::new("q")),
            queued_at: at(offsets[0]),
            answered_at: at(offsets[1]),
            agent: offsets[1].map(|_| AgentId::new("a")),
            ended_at: at(offsets[2]),
            ended_by: outcome.map(|_| EndedBy::Caller),
            outcome,
            resolution,
            transfer_to: None,
            ivr_digits: None,
            language: None,
            diverted_from: None,
            codec: None,
            voicemail_id: None,
            callback_id: None,
        }
    }
}

fn any_event() -> impl Strategy<Value = (u8, u64, i64, bool)> {
    (
        0u8..20,
        0u64..2_000_000,
        -3_600_000i64..3_600_000,
        proptest::bool::weighted(0.9),
    )
}

fn event((kind, mono, wall, same): (u8, u64, i64, bool)) -> CallEvent {
    let k = match kind {
        0 | 1 => EventKind::Arrived {
            service: "apiae".into(),
            called: "1".into(),
            caller: None,
            diverted_from: None,
            codec: None,
        },
        2 => EventKind::IvrChoice {
            menu: "m".into(),
            digits: "1".into(),
        },
        3 => EventKind::Announcement {
            announcement: "a".into(),
        },
        4 => EventKind::Language {
            language: "it".into(),
        },
        5 => EventKind::Queued { queue: "q".into() },
        6 => EventKind::Offered { agent: "a".into() },
        7 => EventKind::RingNoAnswer { agent: "a".into() },
        8 => EventKind::Answered { agent: "a".into() },
        9 => EventKind::Transferred { target: "t".into() },
        10 => EventKind::CallbackRequested {
            callback_id: "c".into(),
        },
        11 => EventKind::CallbackAttempted {
            callback_id: "c".into(),
        },
        12 => EventKind::CallbackCompleted {
            callback_id: "c".into(),
        },
        13 => EventKind::Voicemail {
            voicemail_id: "v".into(),
        },
        14 => EventKind::Abandoned,
        15 => EventKind::Rejected {
            reason: RejectReason::QueueFull,
        },
        16 => EventKind::Ended {
            ended_by: EndedBy::Caller,
            ivr_outcome: None,
        },
        17 => EventKind::Ended {
            ended_by: EndedBy::System,
            ivr_outcome: Some(IvrOutcome::SelfService),
        },
        18 => EventKind::Ended {
            ended_by: EndedBy::Agent,
            ivr_outcome: Some(IvrOutcome::OutOfHours),
        },
        _ => EventKind::ResolutionSet {
            resolution: Resolution::Resolved,
            ticket: None,
        },
    };
    let at = t("2026-10-05T10:00:00.000+02:00") + TimeDelta::milliseconds(wall);
    CallEvent::new(if same { "c".into() } else { "d".into() }, at, mono, k)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// For any generated month, per service and per day:
    /// offered = answered + abandoned + short_abandoned + ivr_hangup
    ///         + self_service + voicemail + out_of_hours + callback + rejected + failed,
    /// and the report from the CDRs equals the report from their JSONL archive.
    #[test]
    fn synthetic_months(seed in any::<u64>(), n in 0u64..600) {
        let cdrs: Vec<Cdr> = SynthMonth::new(seed, n, 2026, 10).iter().collect();
        let r = month_report(&cdrs);
        for f in all_figures(&r) {
            prop_assert!(identity_holds(f), "{f:?}");
        }
        let total: u64 = r.services.iter().map(|s| s.figures.offered + s.figures.in_progress + s.figures.outside_window).sum();
        prop_assert_eq!(total, n);
        prop_assert_eq!(month_report(&round_trip(&cdrs)), r);
    }

    /// The same for arbitrary (even inconsistent) CDRs; the engine never panics.
    #[test]
    fn arbitrary_cdrs(cdrs in proptest::collection::vec(any_cdr(), 0..80)) {
        let r = month_report(&cdrs);
        for f in all_figures(&r) {
            prop_assert!(identity_holds(f), "{f:?}");
            for v in [f.tm_s, f.abandoned_pct, f.resolved_pct, f.sla_c1_pct, f.sla_c2_within_30s_pct, f.sla_c3_abandoned_pct].into_iter().flatten() {
                prop_assert!(v.is_finite() && v >= 0.0);
            }
        }
        prop_assert_eq!(month_report(&round_trip(&cdrs)), r);
        let _ = (render::xlsx(&month_report(&cdrs[..cdrs.len().min(5)])), render::table(&month_report(&cdrs)));
    }

    /// The fold never panics on any events in any order, and whatever it
    /// builds round-trips through JSON and goes through the SLA engine.
    #[test]
    fn fold_never_panics(evs in proptest::collection::vec(any_event(), 0..40)) {
        let events: Vec<CallEvent> = evs.into_iter().map(event).collect();
        let has_arrival = events.first().is_some_and(|e| {
            events.iter().any(|x| x.call_id == e.call_id && matches!(x.kind, EventKind::Arrived { .. }))
        });
        match fold::fold(&events, FoldOptions { default_resolution: Some(Resolution::Resolved) }) {
            Ok(cdr) => {
                prop_assert!(has_arrival);
                prop_assert_eq!(cdr.outcome.is_some(), cdr.ended_at.is_some());
                prop_assert_eq!(Cdr::from_json(&cdr.to_json()).unwrap(), cdr.clone());
                let r = month_report(std::slice::from_ref(&cdr));
                for f in all_figures(&r) {
                    prop_assert!(identity_holds(f));
                }
            }
            Err(e) => prop_assert!(!has_arrival, "{e}"),
        }
    }
}
