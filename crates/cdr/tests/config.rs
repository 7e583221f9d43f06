//! The `contracts:` section: the shipped one loads, mistakes are refused.

use centralino_cdr::*;
use std::time::Duration;

#[derive(serde::Deserialize)]
struct Whole {
    contracts: ContractsConfig,
}

#[test]
fn the_shipped_contracts_load() {
    let text = include_str!("../../../config/centralino.yaml");
    let whole: Whole = serde_saphyr::from_str(text).unwrap();
    let c = whole.contracts;
    let id = |s: &str| c.contract_for(&s.into()).map(|(id, _)| id.to_string());
    for s in ["apiae", "motorizzazione", "valutazione-ambientale"] {
        assert_eq!(id(s).as_deref(), Some("trento-2014"), "{s}");
    }
    for s in ["agenzia-lavoro", "trentino-digitale", "uru", "io-partecipo"] {
        assert_eq!(id(s).as_deref(), Some("trento-2020"), "{s}");
    }
    assert_eq!(id("molise").as_deref(), Some("molise"));
    let (_, t14) = c.contract_for(&"apiae".into()).unwrap();
    assert_eq!(t14.slas.tm_max, Some(Duration::from_secs(13)));
    let (_, t20) = c.contract_for(&"uru".into()).unwrap();
    assert_eq!(t20.slas.tm_max, Some(Duration::from_secs(16)));
    assert_eq!(t20.slas.p_max_pct.map(Percent::get), Some(3.0));
    assert_eq!(t20.slas.q_min_pct.map(Percent::get), Some(75.0));
    assert_eq!(t20.abandon_measured_from, AbandonFrom::Arrived);
    let (_, m) = c.contract_for(&"molise".into()).unwrap();
    let c2 = m.slas.c2.unwrap();
    assert_eq!(
        (c2.within, c2.max_wait, c2.min_pct.get()),
        (Duration::from_secs(30), Duration::from_secs(90), 90.0)
    );
    assert_eq!(m.slas.o1.unwrap().within, Duration::from_secs(4 * 3600));
    assert_eq!(m.slas.o3.unwrap().min_pct.get(), 100.0);
    assert_eq!(
        m.slas
            .availability
            .unwrap()
            .other_time_min_pct
            .map(Percent::get),
        Some(85.0)
    );
    assert_eq!(m.forecast_monthly_volume, Some(16_667));
    assert_eq!(
        c.fold_options(&"molise".into()).default_resolution,
        Some(Resolution::Resolved)
    );
    assert_eq!(c.fold_options(&"unknown".into()).default_resolution, None);
}

#[test]
fn defaults() {
    let c: ContractsConfig = serde_saphyr::from_str("x:\n  services: [a]\n").unwrap();
    let (_, x) = c.contract_for(&"a".into()).unwrap();
    assert_eq!(x.abandon_threshold, Duration::from_secs(10));
    assert_eq!(x.abandon_measured_from, AbandonFrom::Queued);
    assert!(!x.exclude_short_abandons_from_c3);
    assert_eq!(x.slas, Slas::default());
}

#[test]
fn mistakes_are_refused() {
    let bad = [
        "x:\n  services: [a]\n  slas: { tm_max: 13s, p_max: 3 }\n",
        "x:\n  services: [a]\n  abandon_treshold: 10s\n",
        "x:\n  services: [a]\n  slas: { q_min_pct: 175 }\n",
        "x:\n  services: [a]\n  slas: { tm_max: 13q }\n",
        "x:\n  services: [a]\n  abandon_measured_from: ringing\n",
        "x:\n  services: [a]\ny:\n  services: [b, a]\n",
    ];
    for text in bad {
        assert!(
            serde_saphyr::from_str::<ContractsConfig>(text).is_err(),
            "{text}"
        );
    }
    let two = std::collections::BTreeMap::from([
        (
            "x".to_string(),
            Contract {
                services: vec!["a".into()],
                ..Contract::default()
            },
        ),
        (
            "y".to_string(),
            Contract {
                services: vec!["a".into()],
                ..Contract::default()
            },
        ),
    ]);
    assert_eq!(
        ContractsConfig::new(two),
        Err(Error::ServiceInTwoContracts {
            service: "a".into(),
            first: "x".into(),
            second: "y".into()
        })
    );
    assert_eq!(
        Percent::try_from(-1.0),
        Err(Error::InvalidPercent { value: -1.0 })
    );
    assert!(Percent::try_from(f64::NAN).is_err());
}
