//! Trentino Digitale, 800 228040: welcome, menu 1–6, 9 for English (shipped
//! config, Monday 23 November 2026 10:00 unless said otherwise).

mod common;
use centralino_ivr::*;
use common::*;

const TD: &str = "800 228040";

/// A call that has heard the welcome and the menu prompt and now waits.
fn at_menu() -> Call {
    let mut c = Call::start(&shipped(), TD, working_morning());
    assert_eq!(c.playing(), it(&["td-benvenuto"]));
    c.played(4);
    assert_eq!(c.playing(), it(&["td-menu"]));
    c.played(20);
    assert!(matches!(c.call.state(), IvrState::Collecting { .. }));
    c
}

fn choice(menu: &str, digits: &str) -> IvrEvent {
    IvrEvent::Choice {
        menu: MenuId::new(menu),
        digits: Digits::new(digits).unwrap(),
    }
}

#[test]
fn each_option_goes_to_its_queue() {
    let queues = [
        "td-mepat",
        "td-cps",
        "td-trentino-rete",
        "td-geo",
        "td-accessibile",
        "td-bul",
    ];
    for (i, queue) in queues.iter().enumerate() {
        let key = (i + 1).to_string();
        let mut c = at_menu();
        c.press(&key);
        let q = c
            .queued()
            .unwrap_or_else(|| panic!("option {key}: {:?}", c.last));
        assert_eq!(q.queue.as_str(), *queue);
        assert_eq!(q.digits, key);
        assert!(c.events().contains(&choice("main", &key)));
        assert_eq!(c.call.poll_timeout(), None);
    }
}

#[test]
fn a_key_during_the_menu_prompt_interrupts_it() {
    let mut c = Call::start(&shipped(), TD, working_morning());
    c.played(4);
    let token = c.token().unwrap();
    c.press("4");
    assert_eq!(c.last[0], IvrAction::StopPlayback { token });
    assert_eq!(c.queued().map(|q| q.queue.as_str()), Some("td-geo"));
}

#[test]
fn keys_during_the_welcome_are_ignored() {
    let mut c = Call::start(&shipped(), TD, working_morning());
    c.press("1");
    assert!(c.last.is_empty());
    assert_eq!(c.end(), None);
    c.played(4).played(20).press("2");
    assert_eq!(c.queued().map(|q| q.queue.as_str()), Some("td-cps"));
}

#[test]
fn invalid_twice_then_a_valid_choice() {
    let mut c = at_menu();
    c.press("7");
    assert_eq!(c.playing(), it(&["scelta-non-valida", "td-menu"]));
    c.played(20).press("0");
    assert_eq!(c.playing(), it(&["scelta-non-valida", "td-menu"]));
    c.played(20).press("5");
    assert_eq!(c.queued().map(|q| q.queue.as_str()), Some("td-accessibile"));
    let invalid: Vec<_> = c
        .events()
        .into_iter()
        .filter(|e| matches!(e, IvrEvent::InvalidChoice { .. }))
        .collect();
    assert_eq!(
        invalid,
        [
            IvrEvent::InvalidChoice {
                menu: MenuId::new("main"),
                digits: "7".into()
            },
            IvrEvent::InvalidChoice {
                menu: MenuId::new("main"),
                digits: "0".into()
            },
        ]
    );
}

#[test]
fn three_invalid_entries_say_goodbye() {
    let mut c = at_menu();
    c.press("7").played(20).press("8").played(20).press("*");
    assert_eq!(c.playing(), it(&["scelta-non-valida"]));
    assert!(c.events().contains(&IvrEvent::NoChoice {
        menu: MenuId::new("main")
    }));
    c.played(2);
    assert_eq!(c.playing(), it(&["arrivederci"]));
    c.played(2);
    assert_eq!(c.hung_up(), Some(IvrOutcome::SelfService));
}

#[test]
fn a_timeout_replays_the_menu_then_a_choice() {
    let mut c = at_menu();
    let deadline = c.call.poll_timeout().unwrap();
    assert_eq!(deadline - c.now, std::time::Duration::from_secs(5));
    c.wait(4);
    assert!(c.last.is_empty(), "early timeout does nothing");
    c.wait(1);
    assert_eq!(c.playing(), it(&["td-menu"]));
    assert!(c.events().contains(&IvrEvent::MenuTimeout {
        menu: MenuId::new("main")
    }));
    c.played(20).press("1");
    assert_eq!(c.queued().map(|q| q.queue.as_str()), Some("td-mepat"));
}

#[test]
fn two_timeouts_say_goodbye() {
    let mut c = at_menu();
    c.wait(5).played(20).wait(5);
    assert!(c.events().contains(&IvrEvent::NoChoice {
        menu: MenuId::new("main")
    }));
    assert_eq!(c.playing(), it(&["arrivederci"]));
    c.played(2);
    assert_eq!(c.hung_up(), Some(IvrOutcome::SelfService));
}

#[test]
fn multi_digit_entries_resolve_at_the_first_key_here() {
    // Options are single keys: "3" is chosen at once, the next key is ignored;
    // "78" is invalid at "7"; "#" alone is not an option.
    let mut c = at_menu();
    c.press("36");
    assert_eq!(
        c.queued().map(|q| q.queue.as_str()),
        Some("td-trentino-rete")
    );
    let mut c = at_menu();
    c.press("#");
    assert_eq!(c.playing(), it(&["scelta-non-valida", "td-menu"]));
    let mut c = at_menu();
    c.press("78");
    let invalid = c
        .events()
        .into_iter()
        .filter(|e| matches!(e, IvrEvent::InvalidChoice { .. }))
        .count();
    assert_eq!(
        invalid,
        2,
        "the 8 interrupted the replayed menu and counted as a new entry: {:?}",
        c.events()
    );
}

#[test]
fn nine_switches_to_english() {
    let mut c = at_menu();
    c.press("9");
    assert!(c.events().contains(&IvrEvent::LanguageChosen {
        language: lang("en")
    }));
    assert_eq!(c.playing(), en(&["td-menu"]));
    assert_eq!(c.call.language().as_str(), "en");
    c.played(15).press("7");
    assert_eq!(c.playing(), en(&["scelta-non-valida", "td-menu"]));
    c.played(15).press("2");
    let q = c.queued().unwrap();
    assert_eq!(q.queue.as_str(), "td-cps");
    assert_eq!(q.language.as_str(), "en");
    assert_eq!(q.digits, "92");
    assert_eq!(q.queue_prompt.to_string(), "en/in-coda");
}

#[test]
fn out_of_hours_is_a_message_only() {
    let mut c = Call::start(&shipped(), TD, rome(2026, 11, 23, 17, 0));
    assert_eq!(c.playing(), it(&["td-fuori-orario", "arrivederci"]));
    c.press("1");
    assert!(c.last.is_empty(), "not interruptible, no voicemail here");
    c.played(10);
    assert_eq!(c.hung_up(), Some(IvrOutcome::OutOfHours));
}
