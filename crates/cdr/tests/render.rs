//! The renderers produce what their formats need.

mod common;
use centralino_cdr::synth::SynthMonth;
use centralino_cdr::*;
use common::*;

fn report() -> Report {
    let cfg: ContractsConfig = serde_saphyr::from_str(
        "t:\n  services: [apiae]\n  slas: { tm_max: 13s, p_max_pct: 3, q_min_pct: 75 }\n",
    )
    .unwrap();
    let cal = WeeklyCalendar::office_hours();
    let q = query(day(2026, 10, 1), day(2026, 10, 31)).grouped_by(Grouping::Week);
    compute_report(
        SynthMonth::new(7, 3_000, 2026, 10).iter(),
        &[],
        None,
        &cfg,
        &cal,
        q,
    )
    .unwrap()
}

#[test]
fn json_has_the_issue_fields() {
    let r = report();
    let v: serde_json::Value = serde_json::from_str(&render::json(&r)).unwrap();
    let services = v["services"].as_array().unwrap();
    // Every synthetic service is reported; apiae has the contract.
    assert_eq!(services.len(), 5);
    let s = services.iter().find(|s| s["service"] == "apiae").unwrap();
    assert_eq!(s["contract"], "t");
    for k in [
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "rejected",
        "voicemail",
        "callback",
        "tm_s",
        "abandoned_pct",
        "resolved_pct",
        "sla_c1_pct",
        "sla_c2_within_30s_pct",
        "sla_c2_max_wait_s",
        "sla_c3_abandoned_pct",
        "sla_o1_pct",
        "sla_o2_pct",
        "sla_o3_pct",
        "checks",
        "intervals",
    ] {
        assert!(s.get(k).is_some(), "missing {k}");
    }
    let c = &s["checks"][0];
    for k in ["sla", "value", "threshold", "met", "deviation"] {
        assert!(c.get(k).is_some(), "check missing {k}");
    }
    let i = &s["intervals"][0];
    for k in [
        "start",
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "avg_wait_s",
        "avg_talk_s",
        "within_30s_pct",
    ] {
        assert!(i.get(k).is_some(), "interval missing {k}");
    }
    assert_eq!(i.as_object().unwrap().len(), 8);
}

#[test]
fn csv_table_xlsx_svg() {
    let r = report();
    let csv = render::summary_csv(&r).unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("service,contract,period,start,end,offered,answered,abandoned"));
    assert!(lines.any(|l| l.starts_with("apiae,t,total,")));
    assert!(render::checks_csv(&r).unwrap().contains("apiae,total,tm,"));
    assert!(render::intervals_csv(&r).unwrap().lines().count() > 10);
    let table = render::table(&r);
    assert!(
        table.contains("apiae (t)") && table.contains("2026-W41"),
        "{table}"
    );
    let xlsx = render::xlsx(&r).unwrap();
    assert_eq!(&xlsx[..2], b"PK");
    let svg = render::svg_chart(&r.services[0]).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
    assert!(svg.contains("offered"));
}

#[test]
fn renderers_cope_with_an_empty_report() {
    let cal = WeeklyCalendar::office_hours();
    let r = compute_report(
        Vec::<Cdr>::new(),
        &[],
        None,
        &ContractsConfig::default(),
        &cal,
        query(day(2026, 10, 1), day(2026, 10, 1)),
    )
    .unwrap();
    assert!(r.services.is_empty());
    assert!(render::xlsx(&r).is_ok());
    assert!(render::summary_csv(&r).is_ok());
    let cal = WeeklyCalendar::office_hours();
    let r = compute_report(
        Vec::<Cdr>::new(),
        &[],
        None,
        &ContractsConfig::default(),
        &cal,
        query(day(2026, 10, 1), day(2026, 10, 1)).service("x".into()),
    )
    .unwrap();
    assert!(render::svg_chart(&r.services[0]).is_ok());
    assert!(render::xlsx(&r).is_ok());
}
