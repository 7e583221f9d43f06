//! Out of hours → voicemail: record, `#`, too short, silence, maximum
//! length, the caller hanging up mid-recording (Agenzia del Lavoro on a
//! Sunday, shipped config).

mod common;
use centralino_ivr::*;
use common::*;
use std::time::Duration;

/// A call that accepted the offer and is now recording.
fn recording() -> Call {
    let mut c = Call::start(&shipped(), "800 264760", sunday());
    assert!(c.events().contains(&IvrEvent::OutOfHours));
    assert_eq!(c.playing(), it(&["adl-fuori-orario", "segreteria-offerta"]));
    let token = c.token().unwrap();
    c.press("1");
    assert_eq!(c.last[0], IvrAction::StopPlayback { token });
    assert_eq!(c.playing(), it(&["segreteria-istruzioni", "beep"]));
    c.press("#");
    assert!(c.last.is_empty(), "the instructions are not interrupted");
    c.played(12);
    assert_eq!(
        c.last[0],
        IvrAction::StartRecording {
            max_length: Duration::from_secs(180),
            silence_timeout: Duration::from_secs(10),
            finish_key: centralino_model::DtmfDigit::from_char('#').unwrap(),
        }
    );
    assert!(c.events().contains(&IvrEvent::VoicemailStarted));
    c
}

#[test]
fn hash_ends_the_message_which_is_kept() {
    let mut c = recording();
    c.wait(25);
    assert!(c.last.is_empty());
    c.press("5");
    assert!(c.last.is_empty(), "other keys do not end the message");
    c.press("#");
    assert_eq!(c.last[0], IvrAction::StopRecording { keep: true });
    assert_eq!(
        c.last[1],
        IvrAction::Event(IvrEvent::VoicemailLeft {
            duration: Duration::from_millis(25_600)
        })
    );
    assert_eq!(c.playing(), it(&["arrivederci"]));
    c.played(2);
    assert_eq!(c.hung_up(), Some(IvrOutcome::Voicemail));
}

#[test]
fn a_message_below_the_minimum_is_discarded() {
    let mut c = recording();
    c.wait(1).press("#");
    assert_eq!(c.last[0], IvrAction::StopRecording { keep: false });
    assert!(matches!(
        c.last[1],
        IvrAction::Event(IvrEvent::VoicemailDiscarded { .. })
    ));
    c.played(2);
    assert_eq!(c.hung_up(), Some(IvrOutcome::OutOfHours));
}

#[test]
fn the_caller_hanging_up_mid_recording_keeps_the_message() {
    let mut c = recording();
    c.now += Duration::from_secs(40);
    c.call.handle_caller_hangup(c.now);
    c.drain();
    assert_eq!(
        c.last,
        [
            IvrAction::StopRecording { keep: true },
            IvrAction::Event(IvrEvent::VoicemailLeft {
                duration: Duration::from_secs(40)
            })
        ]
    );
    assert!(c.call.is_finished());
    assert_eq!(c.call.poll_timeout(), None);
    // Late inputs change nothing.
    c.press("#").wait(500);
    c.call
        .handle_recording_finished(c.now, Duration::from_secs(40));
    c.drain();
    assert!(c.last.is_empty());
}

#[test]
fn silence_ends_the_message_and_does_not_count() {
    let mut c = recording();
    c.now += Duration::from_secs(11);
    c.call.handle_silence(c.now);
    c.drain();
    // 11 s recorded, of which the last 10 s silence: 1 s, too short.
    assert_eq!(c.last[0], IvrAction::StopRecording { keep: false });
    assert_eq!(
        c.last[1],
        IvrAction::Event(IvrEvent::VoicemailDiscarded {
            duration: Duration::from_secs(1)
        })
    );
}

#[test]
fn the_maximum_length_ends_the_message() {
    let mut c = recording();
    assert_eq!(
        c.call.poll_timeout(),
        Some(c.now + Duration::from_secs(180))
    );
    c.wait(179);
    assert!(c.last.is_empty());
    c.wait(5); // a late timer: still exactly the maximum
    assert_eq!(c.last[0], IvrAction::StopRecording { keep: true });
    assert_eq!(
        c.last[1],
        IvrAction::Event(IvrEvent::VoicemailLeft {
            duration: Duration::from_secs(180)
        })
    );
}

#[test]
fn a_recording_the_media_stopped_is_finalised() {
    let mut c = recording();
    c.now += Duration::from_secs(30);
    c.call
        .handle_recording_finished(c.now, Duration::from_millis(29_500));
    c.drain();
    assert_eq!(c.last[0], IvrAction::StopRecording { keep: true });
    assert_eq!(
        c.last[1],
        IvrAction::Event(IvrEvent::VoicemailLeft {
            duration: Duration::from_millis(29_500)
        })
    );
}

#[test]
fn the_offer_times_out_into_goodbye() {
    let mut c = Call::start(&shipped(), "800 264760", sunday());
    c.played(10);
    assert!(matches!(c.call.state(), IvrState::AwaitingOffer { .. }));
    c.press("7");
    assert!(c.last.is_empty(), "only the offer key counts");
    c.wait(6);
    assert_eq!(c.playing(), it(&["arrivederci"]));
    c.played(2);
    assert_eq!(c.hung_up(), Some(IvrOutcome::OutOfHours));
}

#[test]
fn the_offer_key_after_the_prompt_ended_still_works() {
    let mut c = Call::start(&shipped(), "800 264760", sunday());
    c.played(10).press("1");
    assert_eq!(c.playing(), it(&["segreteria-istruzioni", "beep"]));
}

#[test]
fn a_queue_may_send_its_callers_to_voicemail() {
    let dir = shipped();
    let service = dir.by_id("molise").unwrap().clone();
    let t0 = std::time::Instant::now();
    let ctx = CallContext::new("0874 000000", "0874 4291");
    let mut call = IvrCall::start_voicemail(service, ctx, lang("it"), working_morning(), t0);
    match call.poll_action() {
        Some(IvrAction::Play {
            prompts,
            interruptible: false,
            ..
        }) => {
            assert_eq!(
                prompts.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                it(&["segreteria-istruzioni", "beep"])
            )
        }
        other => panic!("{other:?}"),
    }
}
