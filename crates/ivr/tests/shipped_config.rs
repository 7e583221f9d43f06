//! The shipped `config/centralino.yaml`: it loads, its prompts and queues
//! are all accounted for, and every service behaves as the tenders say at
//! chosen instants.

mod common;
use centralino_ivr::*;
use common::*;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn every_service_is_found_by_each_form_of_its_numbers() {
    let dir = shipped();
    let ids: Vec<&str> = dir.services().iter().map(|s| s.id().as_str()).collect();
    assert_eq!(
        ids,
        [
            "agenzia-lavoro",
            "trentino-digitale",
            "apiae",
            "motorizzazione",
            "valutazione-ambientale",
            "uru",
            "io-partecipo",
            "molise"
        ]
    );
    let by = |n: &str| dir.by_number(n).map(|s| s.id().as_str().to_string());
    for n in [
        "+39 800 264760",
        "0039800264760",
        "800264760",
        "tel:+39-800-264760",
    ] {
        assert_eq!(by(n).as_deref(), Some("agenzia-lavoro"), "{n}");
    }
    assert_eq!(by("800 228040").as_deref(), Some("trentino-digitale"));
    assert_eq!(by("+39 0461 497300").as_deref(), Some("apiae"));
    assert_eq!(by("0461 492006").as_deref(), Some("motorizzazione"));
    assert_eq!(by("0461492002").as_deref(), Some("motorizzazione"));
    assert_eq!(by("0461 493704").as_deref(), Some("valutazione-ambientale"));
    assert_eq!(by("0461 800133").as_deref(), Some("uru"));
    assert_eq!(by("0461 499335").as_deref(), Some("io-partecipo"));
    assert_eq!(by("+39 0874 4291").as_deref(), Some("molise"));
    assert_eq!(by("0461 000000"), None);
    assert_eq!(
        dir.by_id("molise").map(|s| s.name()),
        Some("Regione Molise - centralino")
    );
}

#[derive(Deserialize)]
struct QueueIds {
    queues: Vec<QueueId>,
}

#[derive(Deserialize)]
struct QueueId {
    id: String,
}

#[test]
fn every_queue_named_is_defined_in_the_queues_section() {
    let dir = shipped();
    let named: BTreeSet<String> = dir
        .referenced_queues()
        .keys()
        .map(|q| q.to_string())
        .collect();
    let expected = [
        "apiae-appuntamenti",
        "apiae-informazioni",
        "io-partecipo",
        "lavoro",
        "molise-centralino",
        "motorizzazione",
        "td-accessibile",
        "td-bul",
        "td-cps",
        "td-geo",
        "td-mepat",
        "td-trentino-rete",
        "uru",
        "valutazione-ambientale",
    ];
    assert_eq!(named, expected.iter().map(|s| s.to_string()).collect());
    let text = std::fs::read_to_string(shipped_path()).unwrap();
    let defined: QueueIds = serde_saphyr::from_str(&text).unwrap();
    let defined: BTreeSet<String> = defined.queues.into_iter().map(|q| q.id).collect();
    let missing: Vec<&String> = named.difference(&defined).collect();
    assert!(
        missing.is_empty(),
        "queues used by services but not defined: {missing:?}"
    );
}

/// The marker after which `PROMPTS.tsv` lists the engine's own prompts
/// (queue position, callbacks, …), which no service references.
const ENGINE_SECTION: &str = "# --- the engine's own prompts";

/// `prompts/PROMPTS.tsv`: `(lang, name) → text`, services' part only.
fn prompts_tsv() -> BTreeMap<(String, String), String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../prompts/PROMPTS.tsv");
    let text = std::fs::read_to_string(path).expect("prompts/PROMPTS.tsv is readable");
    let text = text.split(ENGINE_SECTION).next().unwrap_or("");
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "line {}: lang<TAB>name<TAB>text", i + 1);
        assert!(
            f.iter().all(|x| !x.trim().is_empty()),
            "line {}: empty field",
            i + 1
        );
        let dup = out.insert((f[0].to_string(), f[1].to_string()), f[2].to_string());
        assert!(
            dup.is_none(),
            "line {}: {}/{} listed twice",
            i + 1,
            f[0],
            f[1]
        );
    }
    out
}

#[test]
fn prompts_tsv_lists_exactly_the_prompts_the_services_use() {
    let used: BTreeSet<(String, String)> = shipped()
        .referenced_prompts()
        .keys()
        .map(|p| (p.language.to_string(), p.name.to_string()))
        .collect();
    let listed: BTreeSet<(String, String)> = prompts_tsv().into_keys().collect();
    let missing: Vec<_> = used.difference(&listed).collect();
    let unused: Vec<_> = listed.difference(&used).collect();
    assert!(
        missing.is_empty(),
        "used but not in PROMPTS.tsv: {missing:?}"
    );
    assert!(unused.is_empty(), "in PROMPTS.tsv but not used: {unused:?}");
}

#[test]
fn out_of_hours_messages_state_the_hours_of_their_calendar() {
    let tsv = prompts_tsv();
    for s in shipped().services() {
        for l in s.languages() {
            let key = (l.to_string(), s.prompts().out_of_hours.to_string());
            let text = &tsv[&key];
            let hours = s.calendar().describe(l);
            assert!(
                text.contains(&hours),
                "{}: {key:?} should say {hours:?}, says {text:?}",
                s.id()
            );
        }
    }
}

/// Every service inside its window: what the caller hears and where the
/// call goes (keys pressed at the menu, if any).
#[test]
fn every_service_in_its_window() {
    let dir = shipped();
    let cases: [(&str, &str, &[&str], &str); 9] = [
        ("800 264760", "", &["adl-benvenuto"], "lavoro"),
        (
            "800 228040",
            "3",
            &["td-benvenuto", "td-menu"],
            "td-trentino-rete",
        ),
        (
            "0461 497300",
            "2",
            &["apiae-benvenuto", "apiae-menu", "apiae-avviso-domande-2"],
            "apiae-appuntamenti",
        ),
        (
            "0461 492006",
            "",
            &["mctc-benvenuto", "mctc-orari-uffici"],
            "motorizzazione",
        ),
        (
            "0461 492002",
            "",
            &["mctc-benvenuto", "mctc-orari-uffici"],
            "motorizzazione",
        ),
        (
            "0461 493704",
            "",
            &["sva-benvenuto", "sva-avviso-appuntamenti"],
            "valutazione-ambientale",
        ),
        ("0461 800133", "", &["uru-benvenuto"], "uru"),
        (
            "0461 499335",
            "",
            &["iopartecipo-benvenuto"],
            "io-partecipo",
        ),
        ("0874 4291", "", &["molise-buongiorno"], "molise-centralino"),
    ];
    for (number, keys, heard, queue) in cases {
        let mut c = Call::start(&dir, number, working_morning());
        assert!(c.call.in_window(), "{number}");
        c.play_through();
        if !keys.is_empty() {
            c.press(keys).play_through();
        }
        assert_eq!(c.all_prompts(), it(heard), "{number}");
        let q = c
            .queued()
            .unwrap_or_else(|| panic!("{number}: not queued: {:?}", c.all));
        assert_eq!(q.queue.as_str(), queue, "{number}");
        assert_eq!(q.language.as_str(), "it");
        assert_eq!(q.queue_prompt.to_string(), "it/in-coda");
        assert_eq!(q.music_on_hold.to_string(), "it/musica-attesa");
        assert!(c.call.is_finished());
    }
}

/// Every service on a Sunday: the out-of-hours message, then the voicemail
/// offer where the tender asks for one, or goodbye.
#[test]
fn every_service_out_of_hours() {
    let dir = shipped();
    let cases: [(&str, &[&str], bool); 8] = [
        ("800 264760", &["adl-fuori-orario"], true),
        ("800 228040", &["td-fuori-orario"], false),
        ("0461 497300", &["apiae-fuori-orario"], true),
        ("0461 492006", &["mctc-fuori-orario"], true),
        ("0461 493704", &["sva-fuori-orario"], false),
        ("0461 800133", &["uru-fuori-orario"], true),
        ("0461 499335", &["iopartecipo-fuori-orario"], true),
        (
            "0874 4291",
            &["molise-benvenuto", "molise-fuori-orario"],
            true,
        ),
    ];
    for (number, heard, offer) in cases {
        let mut c = Call::start(&dir, number, sunday());
        assert!(!c.call.in_window(), "{number}");
        c.play_through();
        let mut expected: Vec<&str> = heard.to_vec();
        if offer {
            expected.push("segreteria-offerta");
            assert!(
                matches!(c.call.state(), IvrState::AwaitingOffer { .. }),
                "{number}"
            );
            c.wait(6).play_through();
        }
        expected.push("arrivederci");
        assert_eq!(c.all_prompts(), it(&expected), "{number}");
        assert_eq!(c.hung_up(), Some(IvrOutcome::OutOfHours), "{number}");
        assert!(c.events().contains(&IvrEvent::OutOfHours), "{number}");
    }
}

#[test]
fn holidays_and_san_vigilio() {
    let dir = shipped();
    let easter_monday = rome(2026, 4, 6, 10, 0);
    let san_vigilio = rome(2026, 6, 26, 10, 0);
    for s in dir.services() {
        let number = s.numbers()[0].clone();
        let c = Call::start(&dir, &number, easter_monday);
        assert!(!c.call.in_window(), "{} on Easter Monday", s.id());
        let c = Call::start(&dir, &number, san_vigilio);
        assert!(c.call.in_window(), "{} on San Vigilio", s.id());
    }
    // Molise's IVR still answers on a holiday, with its welcome band.
    let mut c = Call::start(&dir, "0874 4291", easter_monday);
    c.play_through();
    assert_eq!(
        &c.all_prompts()[..2],
        it(&["molise-buongiorno", "molise-fuori-orario"])
    );
}

#[test]
fn molise_operators_until_19_ivr_and_voicemail_after() {
    let dir = shipped();
    let mut c = Call::start(&dir, "0874 4291", rome(2026, 11, 23, 18, 59));
    c.play_through();
    assert_eq!(c.all_prompts(), it(&["molise-buon-pomeriggio"]));
    assert_eq!(
        c.queued().map(|q| q.queue.as_str()),
        Some("molise-centralino")
    );

    let mut c = Call::start(&dir, "0874 4291", rome(2026, 11, 23, 19, 0));
    c.play_through();
    assert_eq!(
        c.all_prompts(),
        it(&[
            "molise-benvenuto",
            "molise-fuori-orario",
            "segreteria-offerta"
        ])
    );
    c.press("1").play_through();
    assert!(matches!(c.call.state(), IvrState::Recording { .. }));
    c.wait(30).press("#").play_through();
    assert_eq!(c.hung_up(), Some(IvrOutcome::Voicemail));
}

#[test]
fn forwarded_calls_skip_the_welcome_and_keep_the_original_called_party() {
    let dir = shipped();
    let ctx = CallContext::new("0461 111111", "800 264760").with_diverted_from("0461 491234");
    let c = Call::start_with(&dir, ctx.clone(), working_morning());
    assert!(c.all_prompts().is_empty());
    assert_eq!(c.queued().map(|q| q.queue.as_str()), Some("lavoro"));
    assert_eq!(c.call.context().original_called(), "0461 491234");
    assert_eq!(c.call.context().called(), "800 264760");
    // Out of hours a forwarded call hears the out-of-hours message.
    let mut c = Call::start_with(&dir, ctx, sunday());
    c.play_through();
    assert_eq!(
        c.all_prompts(),
        it(&["adl-fuori-orario", "segreteria-offerta"])
    );
}
