//! A small test language for IVR calls: start a call at a wall-clock
//! instant, finish prompts, press keys, let time pass; every action is kept
//! for assertions. Time is simulated: nothing sleeps.
#![allow(dead_code)]

use centralino_ivr::*;
use centralino_model::{DtmfDigit, Language};
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The `services:` key of a whole config file; other sections are ignored.
#[derive(Deserialize)]
struct FileWithServices {
    services: Vec<ServiceConfig>,
}

/// The path of the shipped config.
pub fn shipped_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/centralino.yaml")
}

/// The services of the shipped `config/centralino.yaml`.
pub fn shipped() -> ServiceDirectory {
    let text = std::fs::read_to_string(shipped_path()).expect("config/centralino.yaml is readable");
    let file: FileWithServices =
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("services section: {e}"));
    ServiceDirectory::from_config(file.services).unwrap_or_else(|e| panic!("services section: {e}"))
}

/// Services from a YAML list (the value of `services:`).
pub fn services(yaml: &str) -> Result<ServiceDirectory, String> {
    let list: Vec<ServiceConfig> = serde_saphyr::from_str(yaml).map_err(|e| e.to_string())?;
    ServiceDirectory::from_config(list).map_err(|e| e.to_string())
}

/// A wall-clock time in Rome.
pub fn rome(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Rome
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// Monday 23 November 2026, 10:00: an ordinary working morning.
pub fn working_morning() -> DateTime<Utc> {
    rome(2026, 11, 23, 10, 0)
}

/// Sunday 22 November 2026, 10:00.
pub fn sunday() -> DateTime<Utc> {
    rome(2026, 11, 22, 10, 0)
}

/// One call under test.
pub struct Call {
    pub call: IvrCall,
    pub t0: Instant,
    pub now: Instant,
    /// Every action so far.
    pub all: Vec<IvrAction>,
    /// The actions of the last input.
    pub last: Vec<IvrAction>,
}

impl Call {
    /// A direct call from 0461 000000 to the service's first number.
    pub fn start(dir: &ServiceDirectory, number: &str, wall: DateTime<Utc>) -> Call {
        Call::start_with(dir, CallContext::new("0461000000", number), wall)
    }

    /// A call with a given context.
    pub fn start_with(dir: &ServiceDirectory, ctx: CallContext, wall: DateTime<Utc>) -> Call {
        let service = dir
            .by_number(ctx.called())
            .unwrap_or_else(|| panic!("no service for {}", ctx.called()))
            .clone();
        Call::start_service(service, ctx, wall)
    }

    /// A call of a given service.
    pub fn start_service(service: Arc<Service>, ctx: CallContext, wall: DateTime<Utc>) -> Call {
        let t0 = Instant::now();
        let call = IvrCall::start(service, ctx, wall, t0);
        let mut c = Call {
            call,
            t0,
            now: t0,
            all: Vec::new(),
            last: Vec::new(),
        };
        c.drain();
        c
    }

    /// Drain the actions of the last input.
    pub fn drain(&mut self) {
        self.last.clear();
        while let Some(a) = self.call.poll_action() {
            self.last.push(a.clone());
            self.all.push(a);
        }
    }

    /// The last `Play` of the call: prompt names as `lang/name`.
    pub fn playing(&self) -> Vec<String> {
        self.all
            .iter()
            .rev()
            .find_map(|a| match a {
                IvrAction::Play { prompts, .. } => {
                    Some(prompts.iter().map(|p| p.to_string()).collect())
                }
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The token of the playback in progress, if any.
    pub fn token(&self) -> Option<PlayToken> {
        match self.call.state() {
            IvrState::Playing { token, .. } => Some(*token),
            _ => None,
        }
    }

    /// Let the current playback end (after `secs` of playing).
    pub fn played(&mut self, secs: u64) -> &mut Self {
        let token = self.token().expect("a prompt is playing");
        self.now += Duration::from_secs(secs);
        self.call.handle_playback_finished(self.now, token);
        self.drain();
        self
    }

    /// Finish every playback until the IVR waits for something else.
    pub fn play_through(&mut self) -> &mut Self {
        for _ in 0..20 {
            if self.token().is_none() {
                break;
            }
            self.played(3);
        }
        self
    }

    /// Press keys, one per 300 ms.
    pub fn press(&mut self, keys: &str) -> &mut Self {
        for c in keys.chars() {
            self.now += Duration::from_millis(300);
            self.call.handle_timeout(self.now);
            self.call
                .handle_dtmf(self.now, DtmfDigit::from_char(c).expect("a DTMF key"));
            self.drain();
        }
        self
    }

    /// Let `secs` pass, firing the deadline if it is due.
    pub fn wait(&mut self, secs: u64) -> &mut Self {
        self.now += Duration::from_secs(secs);
        self.call.handle_timeout(self.now);
        self.drain();
        self
    }

    /// The IVR events so far.
    pub fn events(&self) -> Vec<IvrEvent> {
        self.all
            .iter()
            .filter_map(|a| match a {
                IvrAction::Event(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    /// The action that ended the IVR, if any.
    pub fn end(&self) -> Option<&IvrAction> {
        self.all.iter().find(|a| {
            matches!(
                a,
                IvrAction::Enqueue(_) | IvrAction::Transfer { .. } | IvrAction::Hangup { .. }
            )
        })
    }

    /// The queue the call went to.
    pub fn queued(&self) -> Option<&EnqueueRequest> {
        match self.end() {
            Some(IvrAction::Enqueue(r)) => Some(r),
            _ => None,
        }
    }

    /// The hang-up outcome, if the IVR hung up.
    pub fn hung_up(&self) -> Option<IvrOutcome> {
        match self.end() {
            Some(IvrAction::Hangup { outcome }) => Some(*outcome),
            _ => None,
        }
    }

    /// Every prompt played, in order, as `lang/name`.
    pub fn all_prompts(&self) -> Vec<String> {
        self.all
            .iter()
            .flat_map(|a| match a {
                IvrAction::Play { prompts, .. } => prompts.iter().map(|p| p.to_string()).collect(),
                _ => Vec::new(),
            })
            .collect()
    }
}

/// `it/<name>` strings.
pub fn it(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("it/{n}")).collect()
}

/// `en/<name>` strings.
pub fn en(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("en/{n}")).collect()
}

/// A language.
pub fn lang(s: &str) -> Language {
    Language::new(s)
}
