//! APIAE, 0461 497300: 1 = office hours then hang up, 2 = appointments
//! (with the notice of the period), no choice = information (shipped config).

mod common;
use centralino_ivr::*;
use chrono::{DateTime, Utc};
use common::*;

const APIAE: &str = "0461 497300";

fn at_menu(wall: DateTime<Utc>) -> Call {
    let mut c = Call::start(&shipped(), APIAE, wall);
    assert_eq!(c.playing(), it(&["apiae-benvenuto"]));
    c.played(5);
    assert_eq!(c.playing(), it(&["apiae-menu"]));
    c.played(15);
    c
}

fn announcement(id: &str) -> IvrEvent {
    IvrEvent::Announcement {
        id: AnnouncementId::new(id),
    }
}

#[test]
fn one_plays_the_office_hours_and_hangs_up() {
    let mut c = at_menu(working_morning());
    c.press("1");
    assert_eq!(c.playing(), it(&["apiae-orari-uffici", "arrivederci"]));
    c.press("2");
    assert!(c.last.is_empty(), "the message cannot be interrupted");
    c.played(8);
    assert_eq!(c.hung_up(), Some(IvrOutcome::SelfService));
    assert!(c.call.is_finished());
}

#[test]
fn two_hears_the_notice_of_the_period_then_queues() {
    // First half of 2026.
    let mut c = at_menu(rome(2026, 3, 16, 9, 0));
    c.press("2");
    assert_eq!(c.playing(), it(&["apiae-avviso-domande-1"]));
    assert!(c.events().contains(&announcement("apiae-domande-2026-1")));
    assert_eq!(c.end(), None);
    c.played(12);
    let q = c.queued().unwrap();
    assert_eq!(
        (q.queue.as_str(), q.digits.as_str()),
        ("apiae-appuntamenti", "2")
    );
    // Second half.
    let mut c = at_menu(rome(2026, 7, 1, 9, 0));
    c.press("2");
    assert_eq!(c.playing(), it(&["apiae-avviso-domande-2"]));
    assert!(!c.events().contains(&announcement("apiae-domande-2026-1")));
}

#[test]
fn announcements_are_off_outside_their_dates() {
    for wall in [rome(2026, 1, 9, 9, 0), rome(2027, 1, 11, 9, 0)] {
        let mut c = at_menu(wall);
        c.press("2");
        assert_eq!(
            c.queued().map(|q| q.queue.as_str()),
            Some("apiae-appuntamenti"),
            "{wall}"
        );
        assert!(
            !c.events()
                .iter()
                .any(|e| matches!(e, IvrEvent::Announcement { .. })),
            "{wall}"
        );
    }
    // The last valid day still has it; the scope is option 2 only.
    let mut c = at_menu(rome(2026, 6, 30, 16, 59));
    assert!(!c
        .events()
        .iter()
        .any(|e| matches!(e, IvrEvent::Announcement { .. })));
    c.press("2");
    assert_eq!(c.playing(), it(&["apiae-avviso-domande-1"]));
}

#[test]
fn no_choice_goes_to_information() {
    let mut c = at_menu(working_morning());
    c.wait(5);
    assert_eq!(
        c.queued().map(|q| q.queue.as_str()),
        Some("apiae-informazioni")
    );
    assert!(c.events().contains(&IvrEvent::NoChoice {
        menu: MenuId::new("main")
    }));
    assert_eq!(c.queued().unwrap().digits, "");
}

#[test]
fn invalid_twice_then_two() {
    let mut c = at_menu(working_morning());
    c.press("3")
        .played(15)
        .press("9")
        .played(15)
        .press("2")
        .play_through();
    assert_eq!(
        c.queued().map(|q| q.queue.as_str()),
        Some("apiae-appuntamenti")
    );
    assert_eq!(
        c.all_prompts(),
        it(&[
            "apiae-benvenuto",
            "apiae-menu",
            "scelta-non-valida",
            "apiae-menu",
            "scelta-non-valida",
            "apiae-menu",
            "apiae-avviso-domande-2",
        ])
    );
}

#[test]
fn three_invalid_entries_go_to_information() {
    let mut c = at_menu(working_morning());
    c.press("3").played(15).press("4").played(15).press("5");
    assert_eq!(c.playing(), it(&["scelta-non-valida"]));
    c.played(2);
    assert_eq!(
        c.queued().map(|q| q.queue.as_str()),
        Some("apiae-informazioni")
    );
}

#[test]
fn multi_digit_entry_chooses_at_its_first_key() {
    // "21": the 2 is an option and begins no longer one, so it is taken at
    // once; the 1 arrives during the (uninterruptible) notice and is ignored.
    let mut c = at_menu(working_morning());
    c.press("21").play_through();
    assert_eq!(
        c.queued().map(|q| q.queue.as_str()),
        Some("apiae-appuntamenti")
    );
}

#[test]
fn out_of_hours_offers_voicemail() {
    let mut c = Call::start(&shipped(), APIAE, rome(2026, 11, 23, 7, 59));
    assert_eq!(
        c.playing(),
        it(&["apiae-fuori-orario", "segreteria-offerta"])
    );
    c.press("1");
    assert_eq!(c.playing(), it(&["segreteria-istruzioni", "beep"]));
}
