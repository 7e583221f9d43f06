//! The store against an in-memory or temporary database.

use super::calls::Source;
use super::*;
use centralino_cdr::fold::fold;
use centralino_cdr::synth::SynthMonth;
use centralino_cdr::{
    compute_report, CallEvent, CallId, Cdr, EndedBy, EventKind, FoldOptions, Outcome, ReportQuery,
};
use centralino_model::{QueueId, ServiceId};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    at(s).with_timezone(&Utc)
}

fn event(id: &str, t: &str, mono: u64, kind: EventKind) -> CallEvent {
    CallEvent::new(CallId::new(id), at(t), mono, kind)
}

fn arrived(id: &str, t: &str, service: &str) -> CallEvent {
    event(
        id,
        t,
        0,
        EventKind::Arrived {
            service: ServiceId::new(service),
            called: "0461497300".into(),
            caller: None,
            diverted_from: None,
            codec: None,
        },
    )
}

/// Store a call's events and its CDR as the writer does.
fn store_call(store: &mut Store, events: &[CallEvent]) {
    let batch = store.batch().unwrap();
    let id = events[0].call_id.as_str().to_string();
    let first = batch.next_seq(&id).unwrap();
    for (seq, e) in (first..).zip(events) {
        batch.insert_event(&id, seq, e).unwrap();
    }
    let all = batch.call_events(&id).unwrap();
    let cdr = fold(all.iter(), FoldOptions::default()).unwrap();
    batch.upsert_cdr(&cdr, Source::Engine, false).unwrap();
    batch.commit().unwrap();
}

#[test]
fn a_new_database_is_at_the_current_version_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        store_call(
            &mut s,
            &[arrived("c", "2026-10-05T09:00:00.000+02:00", "apiae")],
        );
    }
    let s = Store::open_existing(&path).unwrap();
    assert_eq!(s.cdr_count().unwrap(), 1);
    let mode: String = s
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let e = Store::open(&path).unwrap_err();
    assert!(
        matches!(e, StoreError::FutureSchema { found: 99, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("newer than this centralino"), "{e}");
}

#[test]
fn a_version_1_database_is_migrated_and_its_callbacks_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(super::schema::MIGRATIONS[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.execute(
            "INSERT INTO callbacks (id, call_id, service, queue, number, requested_at, requested_ms, state, attempts) \
             VALUES ('cb-7', 'c-7', 'molise', 'molise-centralino', '3331234567', '2026-10-05T09:00:00.000+02:00', 0, 'pending', 1)",
            [],
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    let version: i64 = s
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, super::schema::CURRENT);
    let all = s.callbacks(&CallbackQuery::default()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, "cb-7");
    assert_eq!(all[0].attempts, 1);
    assert_eq!((all[0].language.as_deref(), all[0].waited_ms), (None, None));
}

#[test]
fn a_missing_database_is_not_created_by_readers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    assert!(matches!(
        Store::open_existing(&path),
        Err(StoreError::Missing { .. })
    ));
    assert!(!path.exists());
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    std::fs::write(
        &path,
        b"this is not sqlite, just text that is long enough to have a header",
    )
    .unwrap();
    let e = Store::open_existing(&path).unwrap_err();
    assert!(e.to_string().contains(DB_FILE), "{e}");
}

#[test]
fn restart_after_a_crash_closes_unfinished_calls_as_failed() {
    let mut s = Store::open_in_memory().unwrap();
    // Arrived only (crash during the welcome).
    store_call(
        &mut s,
        &[arrived("a", "2026-10-05T09:00:00.000+02:00", "apiae")],
    );
    // Queued (crash while waiting).
    store_call(
        &mut s,
        &[
            arrived("q", "2026-10-05T09:00:00.000+02:00", "apiae"),
            event(
                "q",
                "2026-10-05T09:00:08.000+02:00",
                8000,
                EventKind::Queued {
                    queue: QueueId::new("x"),
                },
            ),
        ],
    );
    // Answered, then the crash: failed, not answered (docs/sla.md).
    store_call(
        &mut s,
        &[
            arrived("t", "2026-10-05T09:00:00.000+02:00", "apiae"),
            event(
                "t",
                "2026-10-05T09:00:05.000+02:00",
                5000,
                EventKind::Queued {
                    queue: QueueId::new("x"),
                },
            ),
            event(
                "t",
                "2026-10-05T09:00:09.000+02:00",
                9000,
                EventKind::Answered {
                    agent: "op1".into(),
                },
            ),
        ],
    );
    // Finished before the crash: untouched.
    store_call(
        &mut s,
        &[
            arrived("f", "2026-10-05T09:00:00.000+02:00", "apiae"),
            event(
                "f",
                "2026-10-05T09:00:03.000+02:00",
                3000,
                EventKind::Ended {
                    ended_by: EndedBy::Caller,
                    ivr_outcome: None,
                },
            ),
        ],
    );
    // A transaction the crash interrupted leaves nothing.
    {
        let batch = s.batch().unwrap();
        batch
            .insert_event(
                "lost",
                0,
                &arrived("lost", "2026-10-05T09:00:00.000+02:00", "apiae"),
            )
            .unwrap();
        drop(batch);
    }
    assert!(s.cdr("lost").unwrap().is_none());

    let mut closed = s
        .close_unfinished(utc("2026-10-05T10:00:00+02:00"))
        .unwrap();
    closed.sort();
    assert_eq!(
        closed,
        vec![CallId::new("a"), CallId::new("q"), CallId::new("t")]
    );
    for id in ["a", "q", "t"] {
        let row = s.stored_cdr(id).unwrap().unwrap();
        assert!(row.closed_at_restart, "{id}");
        assert_eq!(row.cdr.outcome, Some(Outcome::Failed), "{id}");
        assert_eq!(row.cdr.ended_by, Some(EndedBy::System), "{id}");
        assert_eq!(
            row.cdr.ended_at,
            Some(at("2026-10-05T10:00:00.000+02:00")),
            "{id}: in the call's offset"
        );
    }
    assert_eq!(
        s.cdr("q").unwrap().unwrap().queued_at,
        Some(at("2026-10-05T09:00:08.000+02:00"))
    );
    assert_eq!(
        s.cdr("t").unwrap().unwrap().answered_at,
        Some(at("2026-10-05T09:00:09.000+02:00"))
    );
    assert_eq!(s.call_events("t").unwrap().len(), 3, "events are kept");
    let f = s.stored_cdr("f").unwrap().unwrap();
    assert!(!f.closed_at_restart);
    assert_eq!(f.cdr.outcome, Some(Outcome::IvrHangup));
    // A second restart has nothing left to close.
    assert!(s
        .close_unfinished(utc("2026-10-05T11:00:00+02:00"))
        .unwrap()
        .is_empty());
    assert_eq!(
        s.cdr("a").unwrap().unwrap().ended_at,
        Some(at("2026-10-05T10:00:00.000+02:00"))
    );
}

#[test]
fn a_restart_earlier_than_the_call_never_closes_it_before_its_last_instant() {
    let mut s = Store::open_in_memory().unwrap();
    store_call(
        &mut s,
        &[
            arrived("q", "2026-10-05T09:00:00.000+02:00", "apiae"),
            event(
                "q",
                "2026-10-05T09:00:08.000+02:00",
                8000,
                EventKind::Queued {
                    queue: QueueId::new("x"),
                },
            ),
        ],
    );
    // A restart with `--now` in the past.
    s.close_unfinished(utc("2026-10-01T00:00:00+02:00"))
        .unwrap();
    assert_eq!(
        s.cdr("q").unwrap().unwrap().ended_at,
        Some(at("2026-10-05T09:00:08.000+02:00"))
    );
}

#[test]
fn cdr_search_by_period_service_and_outcome_with_paging() {
    let mut s = Store::open_in_memory().unwrap();
    for (i, svc) in ["apiae", "molise", "apiae", "apiae"].iter().enumerate() {
        let id = format!("c{i}");
        let t = format!("2026-10-0{}T09:00:00.000+02:00", i + 1);
        let mut evs = vec![arrived(&id, &t, svc)];
        if i != 3 {
            evs.push(CallEvent::new(
                CallId::new(&id),
                at(&t),
                1000,
                EventKind::Ended {
                    ended_by: EndedBy::Caller,
                    ivr_outcome: None,
                },
            ));
        }
        store_call(&mut s, &evs);
    }
    let ids = |v: Vec<Cdr>| {
        v.into_iter()
            .map(|c| c.call_id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(s.search_cdrs(&CdrQuery::default()).unwrap()),
        ["c0", "c1", "c2", "c3"]
    );
    let q = CdrQuery {
        service: Some("apiae".into()),
        ..CdrQuery::default()
    };
    assert_eq!(ids(s.search_cdrs(&q).unwrap()), ["c0", "c2", "c3"]);
    let q = CdrQuery {
        outcome: Some(OutcomeFilter::InProgress),
        ..CdrQuery::default()
    };
    assert_eq!(ids(s.search_cdrs(&q).unwrap()), ["c3"]);
    let q = CdrQuery {
        outcome: Some(OutcomeFilter::Is(Outcome::IvrHangup)),
        limit: Some(1),
        offset: 1,
        ..CdrQuery::default()
    };
    assert_eq!(ids(s.search_cdrs(&q).unwrap()), ["c1"]);
    let q = CdrQuery {
        from: Some(utc("2026-10-02T00:00:00+02:00")),
        to: Some(utc("2026-10-03T09:00:00+02:00")),
        ..CdrQuery::default()
    };
    assert_eq!(ids(s.search_cdrs(&q).unwrap()), ["c1"], "to is exclusive");
}

fn voicemail(id: &str, received: &str) -> Voicemail {
    Voicemail::new(
        id.into(),
        format!("call-{id}"),
        "molise".into(),
        Some("3331234567".into()),
        "08744291".into(),
        at(received),
        12_000,
        format!("voicemail/{id}.wav"),
    )
}

#[test]
fn voicemails_go_new_taken_closed_with_who_and_when() {
    let mut s = Store::open_in_memory().unwrap();
    {
        let b = s.batch().unwrap();
        b.insert_voicemail(&voicemail("v1", "2026-10-09T19:30:00.000+02:00"))
            .unwrap();
        b.insert_voicemail(&voicemail("v2", "2026-10-10T10:00:00.000+02:00"))
            .unwrap();
        assert!(b.voicemail_exists("v1").unwrap());
        b.commit().unwrap();
    }
    let new = VoicemailQuery {
        state: Some(VoicemailState::New),
        ..VoicemailQuery::default()
    };
    assert_eq!(s.voicemails(&new).unwrap().len(), 2);

    let v = s
        .take_voicemail("v1", "op6", at("2026-10-12T10:00:00.000+02:00"))
        .unwrap();
    assert_eq!(v.state, VoicemailState::Taken);
    assert_eq!(v.taken_by.as_deref(), Some("op6"));
    let e = s
        .take_voicemail("v1", "op4", at("2026-10-12T10:05:00.000+02:00"))
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::VoicemailState {
                state: VoicemailState::Taken,
                ..
            }
        ),
        "{e}"
    );
    let v = s
        .close_voicemail(
            "v1",
            "op6",
            at("2026-10-12T11:00:00.000+02:00"),
            Some("richiamato"),
        )
        .unwrap();
    assert_eq!(v.state, VoicemailState::Closed);
    assert_eq!(v.taken_by.as_deref(), Some("op6"), "kept");
    assert_eq!(v.outcome.as_deref(), Some("richiamato"));
    assert!(matches!(
        s.close_voicemail("v1", "op6", at("2026-10-12T11:00:00.000+02:00"), None),
        Err(StoreError::VoicemailState {
            state: VoicemailState::Closed,
            ..
        })
    ));
    // Closing a new message takes it in charge too.
    let v2 = s
        .close_voicemail("v2", "op4", at("2026-10-12T12:00:00.000+02:00"), None)
        .unwrap();
    assert_eq!(v2.taken_at, Some(at("2026-10-12T12:00:00.000+02:00")));
    assert!(matches!(
        s.take_voicemail("nope", "x", at("2026-10-12T12:00:00Z")),
        Err(StoreError::NoSuchVoicemail { .. })
    ));

    let recs = s.voicemail_records(0, i64::MAX).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].taken_at, Some(at("2026-10-12T10:00:00.000+02:00")));
    assert_eq!(recs[0].closed_at, Some(at("2026-10-12T11:00:00.000+02:00")));
    let closed = VoicemailQuery {
        state: Some(VoicemailState::Closed),
        limit: Some(1),
        ..VoicemailQuery::default()
    };
    assert_eq!(s.voicemails(&closed).unwrap()[0].id, "v1");
}

#[test]
fn callbacks_list_and_cancel() {
    let mut s = Store::open_in_memory().unwrap();
    let cb = |id: &str, state: &str| Callback {
        id: id.into(),
        call_id: Some("c".into()),
        service: "molise".into(),
        queue: "molise-centralino".into(),
        number: "3331234567".into(),
        requested_at: at("2026-10-05T09:00:00.000+02:00"),
        state: state.into(),
        attempts: 0,
        next_attempt_at: None,
        expires_at: Some(at("2026-10-05T17:00:00.000+02:00")),
        completed_at: None,
        language: Some("en".into()),
        waited_ms: Some(95_250),
    };
    s.put_callback(&cb("cb1", "waiting")).unwrap();
    s.put_callback(&cb("cb2", "completed")).unwrap();
    let waiting = CallbackQuery {
        state: Some("waiting".into()),
        ..CallbackQuery::default()
    };
    let found = s.callbacks(&waiting).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0], cb("cb1", "waiting"), "every field round-trips");
    let c = s
        .cancel_callback("cb1", at("2026-10-05T09:05:00.000+02:00"))
        .unwrap();
    assert_eq!(c.state, "cancelled");
    assert_eq!(c.completed_at, Some(at("2026-10-05T09:05:00.000+02:00")));
    assert!(matches!(
        s.cancel_callback("cb2", at("2026-10-05T09:05:00Z")),
        Err(StoreError::CallbackFinal { .. })
    ));
    assert!(matches!(
        s.cancel_callback("cb9", at("2026-10-05T09:05:00Z")),
        Err(StoreError::NoSuchCallback { .. })
    ));
    assert_eq!(s.callbacks(&CallbackQuery::default()).unwrap().len(), 2);
}

#[test]
fn availability_records_round_trip() {
    let mut s = Store::open_in_memory().unwrap();
    assert_eq!(s.availability_count().unwrap(), 0);
    s.record_availability(at("2026-10-05T08:00:00.000+00:00"), AvailabilityKind::Start)
        .unwrap();
    s.record_availability(
        at("2026-10-05T08:01:00.000+00:00"),
        AvailabilityKind::Heartbeat,
    )
    .unwrap();
    s.record_availability(at("2026-10-05T08:01:30.000+00:00"), AvailabilityKind::Stop)
        .unwrap();
    let recs = s.availability_between(0, i64::MAX).unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[2].kind, AvailabilityKind::Stop);
    let from = utc("2026-10-05T08:00:30+00:00").timestamp_millis();
    assert_eq!(s.availability_between(from, i64::MAX).unwrap().len(), 2);
}

#[test]
fn an_import_is_all_or_nothing_and_skips_known_calls() {
    let mut s = Store::open_in_memory().unwrap();
    let month: Vec<Cdr> = SynthMonth::new(7, 20, 2026, 10).iter().collect();
    let text = centralino_cdr::io::to_jsonl(&month);
    let stats = s
        .import_cdrs(centralino_cdr::io::parse_jsonl(&text))
        .unwrap();
    assert_eq!((stats.imported, stats.already_present), (20, 0));
    // Stored in arrival order (the generator's are not), as the engine writes them.
    let stored: Vec<i64> = s
        .conn
        .prepare("SELECT arrived_ms FROM cdrs ORDER BY rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let generated: Vec<i64> = month
        .iter()
        .map(|c| c.arrived_at.timestamp_millis())
        .collect();
    let mut sorted = generated.clone();
    sorted.sort();
    assert_ne!(generated, sorted);
    assert_eq!(stored, sorted);
    let again = s
        .import_cdrs(centralino_cdr::io::parse_jsonl(&text))
        .unwrap();
    assert_eq!((again.imported, again.already_present), (0, 20));

    let more: Vec<Cdr> = SynthMonth::new(8, 5, 2026, 10).iter().collect();
    let mut bad = centralino_cdr::io::to_jsonl(&more);
    bad.push_str("{\"call_id\": \"broken\"\n");
    let e = s
        .import_cdrs(centralino_cdr::io::parse_jsonl(&bad))
        .unwrap_err();
    match e {
        calls::ImportError::Source(centralino_cdr::Error::Json { line, .. }) => assert_eq!(line, 6),
        other => panic!("{other}"),
    }
    assert_eq!(
        s.cdr_count().unwrap(),
        20,
        "nothing of the bad file was imported"
    );
    assert_eq!(
        s.stored_cdr(month[0].call_id.as_str())
            .unwrap()
            .unwrap()
            .source,
        Source::Import
    );
}

#[test]
fn a_corrupt_row_is_an_error_not_a_panic() {
    let mut s = Store::open_in_memory().unwrap();
    store_call(
        &mut s,
        &[arrived("c", "2026-10-05T09:00:00.000+02:00", "apiae")],
    );
    s.conn
        .execute("UPDATE cdrs SET json = '{not json' WHERE call_id = 'c'", [])
        .unwrap();
    let e = s.cdr("c").unwrap_err();
    assert!(
        matches!(e, StoreError::Corrupt { table: "cdrs", .. }),
        "{e}"
    );
    let scan = s.scan_cdrs(0, i64::MAX, None, |_| Ok::<(), ()>(()));
    assert!(matches!(
        scan,
        Err(calls::ScanError::Store(StoreError::Corrupt { .. }))
    ));
}

mod reports {
    //! The database report equals the report recomputed from the exported
    //! JSONL (issue 5), over generated months.

    use super::*;
    use crate::reports::{export, feed_from_jsonl, feed_from_store, load_config, ExportFormat};
    use centralino_cdr::{Grouping, SlaEngine};
    use proptest::prelude::*;

    fn shipped() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/centralino.yaml")
    }

    #[test]
    fn the_database_report_equals_the_exported_jsonl_report() {
        let (calendar, contracts) = load_config(&shipped()).unwrap();
        let config = ProptestConfig {
            cases: 24,
            ..ProptestConfig::default()
        };
        proptest!(config, |(seed in any::<u64>(), calls in 0u64..600, month in 1u32..=12, group in 0usize..5)| {
            let spec = SynthMonth::new(seed, calls, 2026, month);
            let first = NaiveDate::from_ymd_opt(2026, month, 1).unwrap();
            let last = NaiveDate::from_ymd_opt(2026, month, centralino_cdr::slots::days_in_month(first)).unwrap();
            let mut store = Store::open_in_memory().unwrap();
            store.import_cdrs(spec.iter().map(Ok::<Cdr, ()>)).unwrap();

            let mut query = ReportQuery::new(first, last, utc("2027-01-15T00:00:00Z"));
            query.group_by = [None, Some(Grouping::Day), Some(Grouping::Week), Some(Grouping::Month), Some(Grouping::Year)][group];

            let mut from_db = SlaEngine::new(&contracts, &calendar, query.clone()).unwrap();
            feed_from_store(&store, &mut from_db, first, last).unwrap();
            let from_db = from_db.finish();

            let mut jsonl = Vec::new();
            let n = export(&store, first, last, None, ExportFormat::Jsonl, &mut jsonl).unwrap();
            prop_assert_eq!(n, calls);
            let mut from_file = SlaEngine::new(&contracts, &calendar, query.clone()).unwrap();
            feed_from_jsonl(&jsonl[..], &mut from_file).unwrap();
            let from_file = from_file.finish();
            prop_assert_eq!(&from_db, &from_file);

            // And both equal the report of the generated CDRs themselves.
            let direct = compute_report(spec.iter(), &[], None, &contracts, &calendar, query).unwrap();
            prop_assert_eq!(&from_db, &direct);
            let offered: u64 = from_db.services.iter().map(|s| s.figures.offered + s.figures.outside_window).sum();
            prop_assert_eq!(offered, calls);
        });
    }

    #[test]
    fn one_service_from_the_database_equals_one_service_from_the_archive() {
        let (calendar, contracts) = load_config(&shipped()).unwrap();
        let spec = SynthMonth::new(3, 3000, 2026, 10);
        let mut store = Store::open_in_memory().unwrap();
        store.import_cdrs(spec.iter().map(Ok::<Cdr, ()>)).unwrap();
        let (first, last) = (
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        );
        let query = ReportQuery::new(first, last, utc("2026-11-15T00:00:00Z"))
            .service(ServiceId::new("molise"));
        let mut a = SlaEngine::new(&contracts, &calendar, query.clone()).unwrap();
        feed_from_store(&store, &mut a, first, last).unwrap();
        let mut jsonl = Vec::new();
        export(&store, first, last, None, ExportFormat::Jsonl, &mut jsonl).unwrap();
        let mut b = SlaEngine::new(&contracts, &calendar, query).unwrap();
        feed_from_jsonl(&jsonl[..], &mut b).unwrap();
        let (a, b) = (a.finish(), b.finish());
        assert_eq!(a, b);
        assert_eq!(a.services.len(), 1);
        assert!(a.services[0].figures.offered > 0);
    }

    #[test]
    fn export_selects_by_local_arrival_date_and_service() {
        let mut s = Store::open_in_memory().unwrap();
        store_call(
            &mut s,
            &[arrived("late", "2026-10-31T23:59:59.000+01:00", "apiae")],
        );
        store_call(
            &mut s,
            &[arrived("nov", "2026-11-01T00:00:00.000+01:00", "apiae")],
        );
        store_call(
            &mut s,
            &[arrived("mol", "2026-10-15T10:00:00.000+02:00", "molise")],
        );
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let mut out = Vec::new();
        assert_eq!(
            export(&s, d(10, 1), d(10, 31), None, ExportFormat::Jsonl, &mut out).unwrap(),
            2
        );
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\"late\"") && text.contains("\"mol\"") && !text.contains("\"nov\""),
            "{text}"
        );
        let mut csv = Vec::new();
        assert_eq!(
            export(
                &s,
                d(10, 1),
                d(10, 31),
                Some("molise"),
                ExportFormat::Csv,
                &mut csv
            )
            .unwrap(),
            1
        );
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.starts_with("call_id,service,called,caller,arrived_at"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 2);
    }
}
