//! Any sequence of inputs, at any instant, on any shipped service: no
//! panic, one ending at most, nothing after it, tokens never reused,
//! recordings always finalised once; and a silent caller always ends.

mod common;
use centralino_ivr::*;
use centralino_model::DtmfDigit;
use common::*;
use proptest::prelude::*;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn dir() -> &'static ServiceDirectory {
    static DIR: OnceLock<ServiceDirectory> = OnceLock::new();
    DIR.get_or_init(shipped)
}

#[derive(Debug, Clone)]
enum Input {
    Key(u8),
    /// Finish the current playback, or an old one.
    Finished {
        stale: bool,
    },
    Wait(u16),
    Silence,
    RecordingFinished(u16),
    Hangup,
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => (0u8..16).prop_map(Input::Key),
        4 => any::<bool>().prop_map(|stale| Input::Finished { stale }),
        3 => (0u16..20_000).prop_map(Input::Wait),
        1 => Just(Input::Silence),
        1 => (0u16..300).prop_map(Input::RecordingFinished),
        1 => Just(Input::Hangup),
    ]
}

const FROM: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const TO: i64 = 1_830_297_600; // 2028-01-01T00:00:00Z

fn ending(a: &IvrAction) -> bool {
    matches!(
        a,
        IvrAction::Enqueue(_) | IvrAction::Transfer { .. } | IvrAction::Hangup { .. }
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_inputs_keep_the_invariants(
        which in 0usize..8,
        secs in FROM..TO,
        inputs in proptest::collection::vec(input(), 0..60),
    ) {
        let service = dir().services()[which].clone();
        let wall = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        let t0 = Instant::now();
        let mut now = t0;
        let mut call = IvrCall::start(service, CallContext::new("1", "2"), wall, t0);
        let mut actions: Vec<IvrAction> = Vec::new();
        let drain = |call: &mut IvrCall, actions: &mut Vec<IvrAction>| {
            while let Some(a) = call.poll_action() {
                actions.push(a);
            }
        };
        drain(&mut call, &mut actions);
        for i in inputs {
            match i {
                Input::Key(k) => call.handle_dtmf(now, DtmfDigit::from_event(k).unwrap()),
                Input::Finished { stale } => {
                    let token = match call.state() {
                        IvrState::Playing { token, .. } if !stale => *token,
                        _ => PlayToken(0),
                    };
                    call.handle_playback_finished(now, token);
                }
                Input::Wait(ms) => {
                    now += Duration::from_millis(u64::from(ms));
                    call.handle_timeout(now);
                }
                Input::Silence => call.handle_silence(now),
                Input::RecordingFinished(s) => call.handle_recording_finished(now, Duration::from_secs(u64::from(s))),
                Input::Hangup => call.handle_caller_hangup(now),
            }
            drain(&mut call, &mut actions);
        }
        let endings: Vec<usize> = actions.iter().enumerate().filter(|(_, a)| ending(a)).map(|(i, _)| i).collect();
        prop_assert!(endings.len() <= 1, "{actions:?}");
        if let Some(&i) = endings.first() {
            prop_assert_eq!(i, actions.len() - 1, "nothing after the ending: {:?}", actions);
            prop_assert!(call.is_finished());
        }
        let mut last_token = None;
        for a in &actions {
            if let IvrAction::Play { token, prompts, .. } = a {
                prop_assert!(last_token < Some(*token), "tokens increase");
                prop_assert!(!prompts.is_empty());
                last_token = Some(*token);
            }
        }
        let starts = actions.iter().filter(|a| matches!(a, IvrAction::StartRecording { .. })).count();
        let stops = actions.iter().filter(|a| matches!(a, IvrAction::StopRecording { .. })).count();
        prop_assert!(starts <= 1 && stops <= starts);
        if call.is_finished() {
            prop_assert_eq!(stops, starts, "a recording is always finalised");
            prop_assert_eq!(call.poll_timeout(), None);
        }
    }

    #[test]
    fn a_silent_caller_always_ends(which in 0usize..8, secs in FROM..TO) {
        let service = dir().services()[which].clone();
        let wall = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        let t0 = Instant::now();
        let mut now = t0;
        let mut call = IvrCall::start(service, CallContext::new("1", "2"), wall, t0);
        let mut ended = false;
        for _ in 0..100 {
            while let Some(a) = call.poll_action() {
                ended |= ending(&a);
            }
            if call.is_finished() {
                break;
            }
            match (call.state().clone(), call.poll_timeout()) {
                (IvrState::Playing { token, .. }, _) => {
                    now += Duration::from_secs(5);
                    call.handle_playback_finished(now, token);
                }
                (_, Some(deadline)) => {
                    now = deadline;
                    call.handle_timeout(now);
                }
                (state, None) => prop_assert!(false, "stuck in {:?}", state),
            }
        }
        prop_assert!(ended && call.is_finished());
    }
}
