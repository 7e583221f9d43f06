//! What the configuration gives a call: the services (IVR) and the prompts,
//! loaded and encoded once, shared by every call through an `Arc`. A reload
//! swaps the whole catalog; calls in progress keep the one they started with.

use centralino_ivr::{PromptRef, ServiceDirectory};
use centralino_media::Prompt;
use std::collections::HashMap;

/// Prompts by language and name, encoded for every codec.
#[derive(Debug, Default, Clone)]
pub struct PromptLibrary {
    prompts: HashMap<PromptRef, Prompt>,
}

impl PromptLibrary {
    /// An empty library.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add (or replace) a prompt.
    pub fn insert(&mut self, key: PromptRef, prompt: Prompt) {
        self.prompts.insert(key, prompt);
    }

    /// A prompt, if loaded.
    pub fn get(&self, key: &PromptRef) -> Option<&Prompt> {
        self.prompts.get(key)
    }

    /// A prompt, or the same name in `fallback` when this language lacks it.
    pub fn get_or(
        &self,
        key: &PromptRef,
        fallback: &centralino_model::Language,
    ) -> Option<&Prompt> {
        self.prompts.get(key).or_else(|| {
            let alt = PromptRef {
                language: fallback.clone(),
                name: key.name.clone(),
            };
            self.prompts.get(&alt)
        })
    }

    /// Number of prompts.
    pub fn len(&self) -> usize {
        self.prompts.len()
    }

    /// No prompts at all.
    pub fn is_empty(&self) -> bool {
        self.prompts.is_empty()
    }

    /// Every prompt.
    pub fn iter(&self) -> impl Iterator<Item = (&PromptRef, &Prompt)> {
        self.prompts.iter()
    }
}

/// Services, prompts, queues and agents.
#[derive(Debug)]
pub struct Catalog {
    /// The services, by called number.
    pub services: ServiceDirectory,
    /// The prompts.
    pub prompts: PromptLibrary,
    /// Queues and agents (used when the engine starts).
    pub acd: centralino_acd::AcdConfig,
    /// The language of prompts missing in another language.
    pub default_language: centralino_model::Language,
}
