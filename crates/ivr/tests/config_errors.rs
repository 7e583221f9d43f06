//! Config errors name the key that is wrong.

use centralino_ivr::*;
use centralino_model::{Language, ServiceId};

const BASE: &str = r#"
- id: a
  name: A
  numbers: ["+39 800 111111"]
  calendar: { hours: { mon-fri: "08:00-17:00" } }
  prompts: { welcome: w, out_of_hours: o }
  action: { menu: main }
  menus:
    main:
      prompt: m
      options:
        "1": { queue: q1 }
        "2": { language: en }
      no_choice: hangup
  languages: [en]
"#;

fn parse(yaml: &str) -> Result<Vec<ServiceConfig>, String> {
    serde_saphyr::from_str(yaml).map_err(|e| e.to_string())
}

/// The checked errors of a config that parses.
fn errors(yaml: &str) -> Vec<ConfigError> {
    match ServiceDirectory::from_config(parse(yaml).expect("parses")) {
        Ok(_) => Vec::new(),
        Err(ConfigErrors(e)) => e,
    }
}

fn one(path: &str, kind: ConfigErrorKind) -> Vec<ConfigError> {
    vec![ConfigError {
        path: path.into(),
        kind,
    }]
}

#[test]
fn the_base_is_fine() {
    assert_eq!(errors(BASE), Vec::new());
}

#[test]
fn references_are_checked() {
    assert_eq!(
        errors(&BASE.replace("\"1\": { queue: q1 }", "\"1\": { menu: nowhere }")),
        one(
            "services[0].menus.main.options.1",
            ConfigErrorKind::UnknownMenu {
                menu: "nowhere".into()
            }
        )
    );
    assert_eq!(
        errors(&BASE.replace("languages: [en]", "languages: [de]")),
        one(
            "services[0].menus.main.options.2",
            ConfigErrorKind::UnknownLanguage {
                language: Language::new("en")
            }
        )
    );
    assert_eq!(
        errors(&BASE.replace("no_choice: hangup", "no_choice: { language: en }")),
        one(
            "services[0].menus.main.no_choice",
            ConfigErrorKind::LanguageOutsideMenu
        )
    );
    assert_eq!(
        errors(&BASE.replace("no_choice: hangup", "no_choice: { menu: main }")),
        one(
            "services[0].menus.main.no_choice",
            ConfigErrorKind::NoChoiceLoop {
                menu: "main".into()
            }
        )
    );
    assert_eq!(
        errors(&BASE.replace("action: { menu: main }", "action: { queue: q }")),
        one(
            "services[0].menus.main",
            ConfigErrorKind::UnusedMenu {
                menu: "main".into()
            }
        )
    );
}

#[test]
fn numbers_are_checked_across_services() {
    let two = format!(
        "{BASE}{}",
        BASE.replace("id: a", "id: b")
            .replace("+39 800 111111", "0039 800 111 111")
    );
    assert_eq!(
        errors(&two),
        one(
            "services[1].numbers[0]",
            ConfigErrorKind::DuplicateNumber {
                number: "800111111".into(),
                other: ServiceId::new("a")
            }
        )
    );
    let twin = format!("{BASE}{}", BASE.replace("+39 800 111111", "800 222222"));
    assert_eq!(
        errors(&twin),
        one(
            "services[1].id",
            ConfigErrorKind::DuplicateServiceId {
                id: ServiceId::new("a")
            }
        )
    );
    assert_eq!(
        errors(&BASE.replace("[\"+39 800 111111\"]", "[]")),
        one("services[0].numbers", ConfigErrorKind::NoNumbers)
    );
    assert_eq!(
        errors(&BASE.replace("\"+39 800 111111\"", "\"centralino\"")),
        one(
            "services[0].numbers[0]",
            ConfigErrorKind::BadNumber {
                raw: "centralino".into()
            }
        )
    );
}

#[test]
fn menus_and_announcements_are_checked() {
    assert_eq!(
        errors(&BASE.replace(
            "      no_choice: hangup",
            "      max_timeouts: 0\n      no_choice: hangup"
        )),
        one(
            "services[0].menus.main.max_timeouts",
            ConfigErrorKind::MustBePositive {
                key: "max_timeouts"
            }
        )
    );
    let ann =
        |body: &str| format!("{BASE}  announcements:\n    - {{ id: x, prompt: p, {body} }}\n");
    assert_eq!(
        errors(&ann("menu: main")),
        one(
            "services[0].announcements[0]",
            ConfigErrorKind::HalfScopedAnnouncement
        )
    );
    assert_eq!(
        errors(&ann("menu: main, option: \"3\"")),
        one(
            "services[0].announcements[0].option",
            ConfigErrorKind::UnknownOption {
                menu: "main".into(),
                option: Digits::new("3").unwrap()
            }
        )
    );
    let from = chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    assert_eq!(
        errors(&ann("valid_from: 2026-05-01, valid_to: 2026-04-01")),
        one(
            "services[0].announcements[0].valid_to",
            ConfigErrorKind::BackwardsValidity { from, to }
        )
    );
    assert_eq!(
        errors(&format!(
            "{BASE}  voicemail: {{ min_length: 5m, max_length: 2m }}\n"
        )),
        one(
            "services[0].voicemail.min_length",
            ConfigErrorKind::MinAboveMax
        )
    );
}

#[test]
fn every_error_is_reported_with_its_path() {
    let bad = BASE
        .replace("\"1\": { queue: q1 }", "\"1\": { menu: x }")
        .replace("languages: [en]", "languages: []");
    let e = ServiceDirectory::from_config(parse(&bad).unwrap()).unwrap_err();
    assert_eq!(e.0.len(), 2);
    let text = e.to_string();
    assert!(
        text.contains("services[0].menus.main.options.1: menu x does not exist in this service"),
        "{text}"
    );
    assert!(
        text.contains("services[0].menus.main.options.2: language en is not offered"),
        "{text}"
    );
}

#[test]
fn typing_errors_come_from_deserialisation() {
    let err = |from: &str, to: &str| parse(&BASE.replace(from, to)).unwrap_err();
    assert!(err("\"1\": { queue: q1 }", "\"1x\": { queue: q1 }").contains("bad option digits"));
    assert!(err("\"1\": { queue: q1 }", "\"1\": { queue: q1, menu: main }").contains("one verb"));
    assert!(err("\"1\": { queue: q1 }", "\"1\": { queue: q1, skils: [x] }").contains("skils"));
    assert!(err("\"1\": { queue: q1 }", "\"1\": voicemale").contains("unknown action"));
    assert!(err("\"1\": { queue: q1 }", "\"1\": { play_then_menu: p }").contains("needs menu"));
    assert!(
        err("\"1\": { queue: q1 }", "\"1\": { menu: main, priority: 1 }").contains("queue only")
    );
    assert!(err("welcome: w", "welcome: ../w").contains("bad prompt name"));
    assert!(err("mon-fri: \"08:00-17:00\"", "mon-fri: \"17:00-08:00\"").contains("cross midnight"));
    assert!(err("mon-fri: \"08:00-17:00\"", "mon-fri: []").contains("never be open"));
    assert!(err("name: A", "name: A\n  colour: red").contains("colour"));
    assert!(err(
        "no_choice: hangup",
        "no_choice: hangup\n      first_digit_timeout: 5q"
    )
    .contains("unit"));
}
