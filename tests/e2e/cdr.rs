//! Issue 5 against the real binary: SIPp calls → events and CDRs in
//! `DATA_DIR/centralino.db` → `centralino sla --format json` figures that
//! match the scenario; voicemail files and rows; kill -9 and restart.
//!
//! Calls answered by SIPp agents (Tm, Q, escalation) are in `sla_agents.rs`.

use crate::harness::*;
use crate::sip_basics::MONDAY_9;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Sunday 22 November 2026, 10:00 in Rome: every Trento service is closed.
const SUNDAY_10: &str = "2026-11-22T10:00:00+01:00";

fn config() -> PathBuf {
    root().join("config/centralino.yaml")
}

/// Run `centralino ARGS` from the workspace root.
pub fn centralino(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_centralino"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run centralino")
}

pub fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `centralino sla --format json` over the database of `dir`.
fn sla_json(dir: &Path, from: &str, to: &str, as_of: &str, extra: &[&str]) -> Value {
    let cfg = config();
    let mut args = vec![
        "sla",
        "--from",
        from,
        "--to",
        to,
        "--format",
        "json",
        "--as-of",
        as_of,
        "--config",
        cfg.to_str().unwrap(),
        "--data-dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(centralino(&args), "sla")).unwrap()
}

/// `centralino cdr export --format jsonl` of `dir`, one JSON per CDR.
pub fn export(dir: &Path, from: &str, to: &str) -> (String, Vec<Value>) {
    let text = ok(
        centralino(&[
            "cdr",
            "export",
            "--from",
            from,
            "--to",
            to,
            "--format",
            "jsonl",
            "--data-dir",
            dir.to_str().unwrap(),
        ]),
        "cdr export",
    );
    let cdrs = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (text, cdrs)
}

pub fn service<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == id)
        .unwrap_or_else(|| panic!("no service {id} in {report:#}"))
}

pub fn by_caller<'a>(cdrs: &'a [Value], caller: &str) -> &'a Value {
    cdrs.iter()
        .find(|c| c["caller"] == caller)
        .unwrap_or_else(|| panic!("no CDR from {caller}: {cdrs:#?}"))
}

fn millis(cdr: &Value, from: &str, to: &str) -> i64 {
    let t = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(
            cdr[k].as_str().unwrap_or_else(|| panic!("{k}: {cdr}")),
        )
        .unwrap()
    };
    (t(to) - t(from)).num_milliseconds()
}

pub(crate) fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        dir.join("centralino.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap()
}

/// The report without what only the database has (availability records).
fn without_availability(mut report: Value) -> Value {
    report.as_object_mut().unwrap().remove("as_of");
    for s in report["services"].as_array_mut().unwrap() {
        let obj = s.as_object_mut().unwrap();
        obj.retain(|k, _| !k.starts_with("availability_"));
        if let Some(checks) = obj.get_mut("checks").and_then(|c| c.as_array_mut()) {
            checks.retain(|c| {
                !matches!(
                    c["sla"].as_str(),
                    Some("acd_service_time" | "acd_other_time" | "ivr_24x7")
                )
            });
        }
    }
    report
}

#[test]
fn abandons_and_self_service_through_the_binary_match_the_sla_report() {
    // Monday 09:00: Trentino Digitale (trento-2020: abandon = more than 10 s
    // from arrival) and APIAE (trento-2014) are open.
    let mut c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        ..Opts::default()
    });
    let sip = c.sip;
    std::thread::scope(|s| {
        // Menu 3 at 4 s, hang up 4.5 s later: ~8.5 s from arrival → short abandon.
        let short = s.spawn(|| {
            Sipp::scenario("uac_dtmf3_queue_bye.xml")
                .key("caller", "0461000001")
                .args(["-d", "4500"])
                .call(sip, "800228040", 1)
        });
        // Menu 3 at 4 s, hang up 15 s later: ~19 s → abandoned.
        let long = s.spawn(|| {
            Sipp::scenario("uac_dtmf3_queue_bye.xml")
                .key("caller", "0461000002")
                .args(["-d", "15000"])
                .call(sip, "800228040", 1)
        });
        // APIAE 1: office hours, then Centralino hangs up → self service.
        let hours = s.spawn(|| {
            Sipp::scenario("uac_dtmf1_wait_bye.xml")
                .key("caller", "0461000003")
                .args(["-d", "8000"])
                .call(sip, "0461497300", 1)
        });
        short.join().unwrap().assert_ok("short abandon");
        long.join().unwrap().assert_ok("abandon");
        hours.join().unwrap().assert_ok("APIAE 1");
    });
    assert!(
        c.wait_log_count("call ended", 3, Duration::from_secs(10)),
        "{}",
        c.logs()
    );
    c.stop();
    let dir = c.data_dir.path();

    // The CDRs.
    let (jsonl, cdrs) = export(dir, "2026-11-23", "2026-11-23");
    assert_eq!(cdrs.len(), 3, "{jsonl}");
    let short = by_caller(&cdrs, "0461000001");
    let long = by_caller(&cdrs, "0461000002");
    let hours = by_caller(&cdrs, "0461000003");
    for (cdr, queue_wait) in [(short, 4500), (long, 15_000)] {
        assert_eq!(cdr["service"], "trentino-digitale");
        assert_eq!(cdr["outcome"], "abandoned", "{cdr}");
        assert_eq!(cdr["ended_by"], "caller");
        assert_eq!(cdr["queue"], "td-trentino-rete");
        assert_eq!(cdr["ivr_digits"], "3");
        assert_eq!(cdr["codec"], "PCMA");
        let waited = millis(cdr, "queued_at", "ended_at");
        assert!(
            (queue_wait - 1000..queue_wait + 2500).contains(&waited),
            "queued {waited} ms: {cdr}"
        );
    }
    let short_ms = millis(short, "arrived_at", "ended_at");
    let long_ms = millis(long, "arrived_at", "ended_at");
    assert!(
        short_ms <= 10_000 && long_ms > 10_000,
        "{short_ms} / {long_ms} ms from arrival"
    );
    assert_eq!(hours["service"], "apiae");
    assert_eq!(hours["outcome"], "self_service", "{hours}");
    assert_eq!(hours["ended_by"], "system");
    assert_eq!(hours["ivr_digits"], "1");
    assert!(hours["queued_at"].is_null());

    // The report from the database.
    let as_of = "2026-11-23T12:00:00+01:00";
    let report = sla_json(dir, "2026-11-23", "2026-11-23", as_of, &[]);
    let td = service(&report, "trentino-digitale");
    assert_eq!(td["contract"], "trento-2020");
    for (k, v) in [
        ("offered", 2),
        ("queued", 2),
        ("abandoned", 1),
        ("short_abandoned", 1),
        ("answered", 0),
        ("failed", 0),
        ("in_progress", 0),
    ] {
        assert_eq!(td[k], v, "{k}: {td:#}");
    }
    // P = ΣMi / (ΣMi + ΣNi) = 1 / (1 + 0).
    assert_eq!(td["abandoned_pct"], 100.0);
    assert!(td["tm_s"].is_null(), "nobody answered");
    let p = td["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["sla"] == "p")
        .unwrap();
    assert_eq!(p["met"], false);
    assert_eq!(p["threshold"], 3.0);
    assert_eq!(p["deviation"], 97.0);
    let apiae = service(&report, "apiae");
    assert_eq!(apiae["offered"], 1);
    assert_eq!(apiae["self_service"], 1);
    assert_eq!(apiae["abandoned"], 0);
    let intervals = td["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 1, "both queued in the 09:00 slot");
    assert_eq!(intervals[0]["start"], "2026-11-23T09:00:00.000+01:00");
    assert_eq!(intervals[0]["short_abandoned"], 1);

    // The same report recomputed from the exported archive.
    let archive = dir.join("export.jsonl");
    std::fs::write(&archive, &jsonl).unwrap();
    let from_file = sla_json(
        dir,
        "2026-11-23",
        "2026-11-23",
        as_of,
        &["--cdrs", archive.to_str().unwrap()],
    );
    assert_eq!(
        without_availability(report.clone()),
        without_availability(from_file)
    );

    // The other formats run.
    let d = dir.to_str().unwrap();
    let cfg = config();
    let cfg = cfg.to_str().unwrap();
    let common = [
        "sla",
        "--from",
        "2026-11-23",
        "--to",
        "2026-11-23",
        "--config",
        cfg,
        "--data-dir",
        d,
    ];
    let table = ok(centralino(&common), "table");
    assert!(table.contains("trentino-digitale"), "{table}");
    let xlsx = dir.join("r.xlsx");
    let mut args = common.to_vec();
    args.extend(["--format", "xlsx", "--out", xlsx.to_str().unwrap()]);
    ok(centralino(&args), "xlsx");
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
    let mut args = common.to_vec();
    args.extend([
        "--format",
        "svg",
        "--service",
        "trentino-digitale",
        "--group-by",
        "week",
    ]);
    assert!(ok(centralino(&args), "svg").contains("<svg"));
    let csv = ok(
        centralino(&[
            "cdr",
            "export",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-23",
            "--format",
            "csv",
            "--service",
            "apiae",
            "--data-dir",
            d,
        ]),
        "csv",
    );
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

#[test]
fn an_out_of_hours_voicemail_is_a_wav_a_row_and_a_cdr() {
    let mut c = Centralino::start(Opts {
        now: Some(SUNDAY_10.into()),
        ..Opts::default()
    });
    // APIAE out of hours: message, 1 at 2 s, instructions (18.5 s) and beep,
    // 7.08 s of speech from 21.5 s, hang up at 29.5 s.
    Sipp::scenario("uac_voicemail_speak_bye.xml")
        .key("caller", "0461000004")
        .args(["-d", "19500"])
        .timeout(90)
        .call(c.sip, "0461497300", 1)
        .assert_ok("voicemail");
    assert!(
        c.wait_log("voicemail stored", Duration::from_secs(10)),
        "{}",
        c.logs()
    );
    c.stop();
    let dir = c.data_dir.path();

    let conn = db(dir);
    let rows: Vec<(String, String, String, String, i64, String, String)> = conn
        .prepare("SELECT id, call_id, service, caller, duration_ms, file, state FROM voicemails")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (id, call_id, svc, caller, duration_ms, file, state) = &rows[0];
    assert_eq!(
        (svc.as_str(), caller.as_str(), state.as_str()),
        ("apiae", "0461000004", "new")
    );
    assert_eq!(file, &format!("voicemail/{id}.wav"));
    let samples = read_wav(&dir.join(file));
    let wav_ms = samples.len() as i64 / 8;
    assert!(
        (wav_ms - duration_ms).abs() <= 20,
        "WAV {wav_ms} ms, row {duration_ms} ms"
    );
    assert!(
        (6_600..=7_600).contains(&wav_ms),
        "7.08 s of speech were sent, the WAV has {wav_ms} ms"
    );
    assert!(
        samples.iter().any(|s| s.unsigned_abs() > 1000),
        "the speech is in the file"
    );

    let (_, cdrs) = export(dir, "2026-11-22", "2026-11-22");
    assert_eq!(cdrs.len(), 1);
    let cdr = &cdrs[0];
    assert_eq!(cdr["call_id"], call_id.as_str());
    assert_eq!(cdr["outcome"], "voicemail", "{cdr}");
    assert_eq!(cdr["voicemail_id"], id.as_str());
    assert_eq!(cdr["ended_by"], "caller");

    // Out of the window: not offered, but the message counts for O.1–O.3,
    // measured from Monday 08:00. At 13:00 five working hours have passed
    // (> 4 h: O.1 missed); O.2's 24 h have not (pending: null).
    let report = sla_json(
        dir,
        "2026-11-22",
        "2026-11-23",
        "2026-11-23T13:00:00+01:00",
        &["--service", "apiae"],
    );
    let apiae = service(&report, "apiae");
    assert_eq!(apiae["offered"], 0);
    assert_eq!(apiae["outside_window"], 1);
    assert_eq!(apiae["voicemail_messages"], 1);
    assert_eq!(apiae["sla_o1_pct"], 0.0);
    assert!(apiae["sla_o2_pct"].is_null(), "{apiae:#}");
}

/// Poll the database until `n` CDRs have a `queued_at`.
fn wait_queued(dir: &Path, n: i64, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if dir.join("centralino.db").exists() {
            let got: i64 = db(dir)
                .query_row(
                    "SELECT COUNT(*) FROM cdrs WHERE queued_at IS NOT NULL",
                    [],
                    |r| r.get(0),
                )
                .unwrap_or(0);
            if got >= n {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn kill_9_during_calls_then_restart_every_call_has_a_cdr() {
    const CALLS: i64 = 5;
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        ..Opts::default()
    });
    let port = free_udp_port();
    let media = free_udp_port() & !1;
    let mut sipp = Sipp::scenario("uac_dtmf3_queue_bye.xml")
        .key("caller", "0461000009")
        .timeout(180)
        .spawn(vec![
            c.sip.to_string(),
            "-s".into(),
            "800228040".into(),
            "-m".into(),
            CALLS.to_string(),
            "-r".into(),
            "5".into(),
            "-d".into(),
            "120000".into(),
            "-i".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
            "-mp".into(),
            media.to_string(),
        ]);
    let dir_path = c.data_dir.path().to_path_buf();
    let queued = wait_queued(&dir_path, CALLS, Duration::from_secs(30));
    let logs = c.logs();
    let dir = c.kill9();
    let _ = sipp.kill();
    let _ = sipp.wait();
    assert!(queued, "{logs}");

    // The crash left every call in progress.
    let in_progress: i64 = db(dir.path())
        .query_row("SELECT COUNT(*) FROM cdrs WHERE outcome IS NULL", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(in_progress, CALLS);

    // Restart on the same data directory, ten minutes later.
    let mut c = Centralino::start_in(
        Opts {
            now: Some("2026-11-23T09:10:00+01:00".into()),
            ..Opts::default()
        },
        dir,
    );
    assert!(
        c.logs()
            .contains("calls left unfinished by the previous run closed as failed"),
        "{}",
        c.logs()
    );
    c.stop();
    let restart_logs = c.logs();
    let dir = c.data_dir.path();

    let (_, cdrs) = export(dir, "2026-11-23", "2026-11-23");
    assert_eq!(cdrs.len() as i64, CALLS, "every call has a CDR");
    for cdr in &cdrs {
        assert_eq!(cdr["outcome"], "failed", "{cdr}");
        assert_eq!(cdr["ended_by"], "system");
        // The restart's clock: --now plus the few milliseconds before the store opened.
        let ended = cdr["ended_at"].as_str().unwrap();
        assert!(ended.starts_with("2026-11-23T09:10:0"), "{cdr}");
        assert_eq!(cdr["queue"], "td-trentino-rete");
        assert!(millis(cdr, "queued_at", "ended_at") > 0);
    }
    let conn = db(dir);
    let flagged: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM cdrs WHERE closed_at_restart = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(flagged, CALLS);
    let min_events: i64 = conn
        .query_row(
            "SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM call_events GROUP BY call_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        min_events >= 3,
        "arrived, ivr_choice and queued are kept: {min_events}"
    );
    let kinds: Vec<String> = conn
        .prepare("SELECT kind FROM availability WHERE kind != 'heartbeat' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        kinds,
        ["start", "start", "stop"],
        "the crash left no stop record; the clean stop did:\n{restart_logs}"
    );

    let report = sla_json(
        dir,
        "2026-11-23",
        "2026-11-23",
        "2026-11-23T12:00:00+01:00",
        &["--service", "trentino-digitale"],
    );
    let td = service(&report, "trentino-digitale");
    assert_eq!(td["offered"], CALLS);
    assert_eq!(td["failed"], CALLS);
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let cfg = config();
    let cfg = cfg.to_str().unwrap();
    let fails = |args: &[&str], needle: &str| {
        let out = centralino(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    };
    fails(
        &["sla", "--from", "2026-13-01", "--to", "2026-10-31"],
        "YYYY-MM-DD",
    );
    fails(
        &[
            "sla",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--config",
            cfg,
            "--data-dir",
            d,
        ],
        "no database",
    );
    fails(
        &[
            "sla",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--config",
            cfg,
            "--service",
            "nope",
            "--data-dir",
            d,
        ],
        "unknown service",
    );
    fails(
        &[
            "sla",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--config",
            cfg,
            "--cdrs",
            "/nonexistent.jsonl",
        ],
        "/nonexistent.jsonl",
    );
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "\n{\"call_id\": 3}\n").unwrap();
    fails(
        &[
            "sla",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--config",
            cfg,
            "--cdrs",
            bad.to_str().unwrap(),
        ],
        "line 2",
    );
    fails(
        &[
            "cdr",
            "export",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--data-dir",
            d,
        ],
        "no database",
    );
    fails(
        &["cdr", "import", bad.to_str().unwrap(), "--data-dir", d],
        "line 2",
    );
    // The failed import created an empty database, nothing in it.
    // A database from a future version.
    {
        let c = rusqlite::Connection::open(dir.path().join("centralino.db")).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
    }
    fails(
        &[
            "cdr",
            "export",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--data-dir",
            d,
        ],
        "newer than this centralino",
    );
}
