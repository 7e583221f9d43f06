//! Flows the shipped services do not exercise: multi-digit options,
//! sub-menus, transfer, voicemail from a menu, direct voicemail, time bands,
//! weekday announcements, an IVR running out of hours, reload, bounds.

mod common;
use centralino_ivr::*;
use common::*;

const SERVICE: &str = r##"
- id: demo
  name: Demo
  numbers: ["0461 111111"]
  calendar: { hours: { mon-fri: "08:00-17:00" } }
  prompts:
    welcome: w
    welcome_bands:
      - { days: mon-fri, hours: "08:00-12:00", prompt: w-morning }
      - { hours: "19:00-08:00", prompt: w-night }
    out_of_hours: ooh
  announcements:
    - { id: mondays, prompt: a-monday, days: mon }
  action: { menu: main }
  menus:
    main:
      prompt: m
      inter_digit_timeout: 2s
      options:
        1: { queue: q1, skills: [patenti], priority: 2 }
        10: { queue: q10 }
        11: { queue: q11 }
        2: { menu: sub }
        "#": { queue: qhash }
      no_choice: hangup
    sub:
      prompt: s
      options:
        1: { transfer: "+39 0461 495111" }
        2: voicemail
        3: { play_then_menu: info, menu: main }
        0: hangup
      no_choice: { menu: main }
  out_of_hours: { voicemail: direct, run_ivr: true }
"##;

fn demo() -> ServiceDirectory {
    services(SERVICE).unwrap()
}

/// Tuesday 24 November 2026 at 14:00: no band, no Monday announcement.
fn tuesday_afternoon() -> chrono::DateTime<chrono::Utc> {
    rome(2026, 11, 24, 14, 0)
}

fn at_main() -> Call {
    let mut c = Call::start(&demo(), "0461111111", tuesday_afternoon());
    assert_eq!(c.playing(), it(&["w"]));
    c.played(2).played(5);
    c
}

fn queue_of(c: &Call) -> Option<&str> {
    c.queued().map(|q| q.queue.as_str())
}

#[test]
fn multi_digit_options() {
    let mut c = at_main();
    c.press("1");
    assert!(matches!(c.call.state(), IvrState::Collecting { digits, .. } if digits == "1"));
    c.wait(1);
    assert_eq!(c.end(), None);
    c.wait(1);
    let q = c.queued().unwrap();
    assert_eq!(
        (q.queue.as_str(), q.priority, q.required_skills.clone()),
        ("q1", 2, vec!["patenti".to_string()])
    );

    let mut c = at_main();
    c.press("10");
    assert_eq!(queue_of(&c), Some("q10"));
    let mut c = at_main();
    c.press("1#");
    assert_eq!(queue_of(&c), Some("q1"));
    let mut c = at_main();
    c.press("12");
    assert!(c.events().contains(&IvrEvent::InvalidChoice {
        menu: MenuId::new("main"),
        digits: "12".into()
    }));
    let mut c = at_main();
    c.press("#");
    assert_eq!(queue_of(&c), Some("qhash"));
}

#[test]
fn sub_menu_transfer() {
    let mut c = at_main();
    c.press("2");
    assert_eq!(c.playing(), it(&["s"]));
    c.press("1");
    assert_eq!(
        c.end(),
        Some(&IvrAction::Transfer {
            number: "0461495111".into()
        })
    );
    assert!(c.call.is_finished());
}

#[test]
fn play_then_menu_and_no_choice_back_to_main() {
    let mut c = at_main();
    c.press("23");
    assert_eq!(c.playing(), it(&["info"]));
    c.played(3);
    assert_eq!(c.playing(), it(&["m"]));
    c.press("2").played(3).wait(5).played(3).wait(5);
    assert_eq!(c.playing(), it(&["m"]), "sub's no_choice is main");
}

#[test]
fn voicemail_from_a_menu_inside_the_window() {
    let mut c = at_main();
    c.press("22");
    assert_eq!(c.playing(), it(&["segreteria-istruzioni", "beep"]));
    c.played(8).wait(1).press("#").played(1);
    assert_eq!(
        c.hung_up(),
        Some(IvrOutcome::SelfService),
        "too short, inside the window"
    );
}

#[test]
fn hangup_option_says_goodbye() {
    let mut c = at_main();
    c.press("20");
    assert_eq!(c.playing(), it(&["arrivederci"]));
    c.played(1);
    assert_eq!(c.hung_up(), Some(IvrOutcome::SelfService));
}

#[test]
fn welcome_by_time_band_and_monday_announcement() {
    let dir = demo();
    let first = |wall| Call::start(&dir, "0461111111", wall).playing();
    assert_eq!(
        first(rome(2026, 11, 23, 9, 0)),
        it(&["w-morning", "a-monday"])
    );
    assert_eq!(first(rome(2026, 11, 24, 9, 0)), it(&["w-morning"]));
    assert_eq!(first(rome(2026, 11, 24, 12, 0)), it(&["w"]));
    assert_eq!(first(rome(2026, 11, 24, 19, 0)), it(&["w-night"]));
    assert_eq!(first(rome(2026, 11, 28, 7, 59)), it(&["w-night"]));
    assert_eq!(first(rome(2026, 11, 28, 9, 0)), it(&["w"]));
}

#[test]
fn out_of_hours_the_ivr_runs_and_queues_become_voicemail() {
    let dir = demo();
    let mut c = Call::start(&dir, "0461111111", rome(2026, 11, 24, 20, 0));
    assert!(!c.call.in_window());
    c.played(2).played(5).press("10");
    assert!(c.events().contains(&IvrEvent::OutOfHours));
    assert_eq!(
        c.playing(),
        it(&["ooh", "segreteria-istruzioni", "beep"]),
        "voicemail: direct"
    );
    c.played(10);
    assert!(matches!(c.call.state(), IvrState::Recording { .. }));
    // A transfer is not an operator queue: it still works out of hours.
    let mut c = Call::start(&dir, "0461111111", rome(2026, 11, 24, 20, 0));
    c.played(2).played(5).press("21");
    assert_eq!(
        c.end(),
        Some(&IvrAction::Transfer {
            number: "0461495111".into()
        })
    );
}

#[test]
fn calls_keep_the_service_they_started_with() {
    let old = demo();
    let mut c = Call::start(&old, "0461111111", tuesday_afternoon());
    let new = services(&SERVICE.replace("prompt: m\n", "prompt: m2\n")).unwrap();
    drop(old);
    c.played(2);
    assert_eq!(c.playing(), it(&["m"]));
    let mut fresh = Call::start(&new, "0461111111", tuesday_afternoon());
    fresh.played(2);
    assert_eq!(fresh.playing(), it(&["m2"]));
}

#[test]
fn stale_tokens_and_early_timeouts_are_harmless() {
    let mut c = at_main();
    let state = c.call.state().clone();
    c.call.handle_playback_finished(c.now, PlayToken(0));
    c.call.handle_timeout(c.now);
    c.call.handle_silence(c.now);
    c.call
        .handle_recording_finished(c.now, std::time::Duration::from_secs(3));
    c.drain();
    assert!(c.last.is_empty());
    assert_eq!(c.call.state(), &state);
    // A playback stopped by barge-in may still report its end: ignored.
    let mut c = Call::start(&demo(), "0461111111", tuesday_afternoon());
    c.played(2);
    let menu_token = c.token().unwrap();
    c.press("2");
    c.call.handle_playback_finished(c.now, menu_token);
    c.drain();
    assert!(c.last.is_empty());
    assert_eq!(c.playing(), it(&["s"]));
}

#[test]
fn menus_that_hand_a_silent_caller_back_and_forth_end() {
    let yaml = SERVICE.replace(
        "      no_choice: hangup\n",
        "      no_choice: { menu: sub }\n",
    );
    let dir = services(&yaml).unwrap();
    let mut c = Call::start(&dir, "0461111111", tuesday_afternoon());
    for _ in 0..200 {
        if c.call.is_finished() {
            break;
        }
        if c.token().is_some() {
            c.played(1);
        } else {
            c.wait(10);
        }
    }
    assert_eq!(c.hung_up(), Some(IvrOutcome::SelfService));
    let entries = c
        .all_prompts()
        .iter()
        .filter(|p| *p == "it/m" || *p == "it/s")
        .count();
    assert_eq!(entries as u32, MAX_MENU_ENTRIES);
}

#[test]
fn a_broken_wall_clock_does_not_panic() {
    for wall in [
        chrono::DateTime::<chrono::Utc>::MIN_UTC,
        chrono::DateTime::<chrono::Utc>::MAX_UTC,
    ] {
        let mut c = Call::start(&demo(), "0461111111", wall);
        c.play_through().press("1").wait(10).play_through();
        assert!(!c.call.in_window());
    }
}
