//! The catalog of a simulation: services, queues and agents from YAML
//! written in the test, and every prompt synthesised as a tone of known
//! length whose level is unique, so the first byte of an RTP payload tells
//! which prompt is playing.

use centralino_engine::{system_prompt_names, Catalog, PromptLibrary};
use centralino_ivr::{PromptName, PromptRef, ServiceConfig, ServiceDirectory};
use centralino_media::{g711, Codec, Prompt};
use centralino_model::Language;
use serde::Deserialize;
use std::collections::HashMap;

/// The sections of `config/centralino.yaml` a simulation uses.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestConfig {
    #[serde(default)]
    services: Vec<ServiceConfig>,
    #[serde(default)]
    queues: Vec<centralino_acd::QueueConfig>,
    #[serde(default)]
    agents: Vec<centralino_acd::AgentConfig>,
}

/// Which prompt a G.711 frame belongs to, and how long each prompt is.
#[derive(Debug, Clone, Default)]
pub struct PromptBook {
    by_code: HashMap<(Codec, u8), String>,
    frames: HashMap<String, usize>,
    levels: HashMap<String, i16>,
}

impl PromptBook {
    /// The prompt whose frames start with `first` in `codec`; `"silence"`
    /// for the codec's silence; `None` for anything else (relayed audio).
    pub fn name_of(&self, codec: Codec, payload: &[u8]) -> Option<&str> {
        let first = *payload.first()?;
        let silence = match codec {
            Codec::Pcma => g711::ALAW_SILENCE,
            _ => g711::ULAW_SILENCE,
        };
        if first == silence && payload.iter().all(|b| *b == silence) {
            return Some("silence");
        }
        self.by_code.get(&(codec, first)).map(String::as_str)
    }

    /// Frames (20 ms each) of a prompt, by display name (`name`, or
    /// `lang/name` outside Italian).
    pub fn frames(&self, name: &str) -> usize {
        *self
            .frames
            .get(name)
            .unwrap_or_else(|| panic!("no prompt {name} in the catalog"))
    }

    /// The tone level of a prompt.
    pub fn level(&self, name: &str) -> i16 {
        self.levels[name]
    }
}

fn display(p: &PromptRef) -> String {
    if p.language.as_str() == "it" {
        p.name.as_str().to_string()
    } else {
        format!("{}/{}", p.language.as_str(), p.name.as_str())
    }
}

/// A 1 kHz square wave at ±`level`: every 20 ms frame starts with `+level`.
fn tone(level: i16, frames: usize) -> Vec<i16> {
    (0..frames * 160)
        .map(|i| if (i / 4) % 2 == 0 { level } else { -level })
        .collect()
}

/// Build the catalog. `lengths` gives the frame count of named prompts
/// (display names); the others have `default_frames`.
pub fn build(
    yaml: &str,
    default_frames: usize,
    lengths: &HashMap<String, usize>,
) -> (Catalog, PromptBook) {
    let cfg: TestConfig = serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("test YAML: {e}"));
    let services =
        ServiceDirectory::from_config(cfg.services).unwrap_or_else(|e| panic!("services: {e:?}"));
    let default_language = Language::new("it");
    let mut wanted: Vec<PromptRef> = services.referenced_prompts().into_keys().collect();
    for name in system_prompt_names() {
        let r = PromptRef {
            language: default_language.clone(),
            name: PromptName::new(&name).unwrap(),
        };
        if !wanted.contains(&r) {
            wanted.push(r);
        }
    }
    let mut book = PromptBook::default();
    let mut library = PromptLibrary::new();
    let mut level: i32 = 120;
    for p in wanted {
        // The next level whose A-law and µ-law codes are both unused.
        let (l, a, u) = loop {
            level += 23;
            assert!(level < 32000, "too many prompts for distinct tone levels");
            let l = level as i16;
            let (a, u) = (g711::alaw_encode(l), g711::ulaw_encode(l));
            if !book.by_code.contains_key(&(Codec::Pcma, a))
                && !book.by_code.contains_key(&(Codec::Pcmu, u))
            {
                break (l, a, u);
            }
        };
        let name = display(&p);
        let frames = lengths.get(&name).copied().unwrap_or(default_frames);
        book.by_code.insert((Codec::Pcma, a), name.clone());
        book.by_code.insert((Codec::Pcmu, u), name.clone());
        book.frames.insert(name.clone(), frames);
        book.levels.insert(name, l);
        library.insert(p, Prompt::from_pcm(&tone(l, frames), None));
    }
    let catalog = Catalog {
        services,
        prompts: library,
        acd: centralino_acd::AcdConfig {
            queues: cfg.queues,
            agents: cfg.agents,
        },
        default_language,
    };
    (catalog, book)
}
