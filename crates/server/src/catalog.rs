//! Turning the config file into the engine's catalog: services checked as a
//! whole, every referenced prompt loaded from disk and encoded once per
//! codec. A missing or unreadable prompt is a config error naming the key
//! that references it.

use crate::config::{ConfigError, FileConfig};
use centralino_engine::{Catalog, PromptLibrary};
use centralino_ivr::ServiceDirectory;
use centralino_media::{G729Provider, Prompt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest prompt we accept (music on hold loops; ten minutes is plenty).
pub const MAX_PROMPT: Duration = Duration::from_secs(600);

/// The prompts directory: relative paths are relative to the config file's
/// directory.
pub fn prompts_dir(config_path: &Path, cfg: &FileConfig) -> PathBuf {
    if cfg.prompts.dir.is_absolute() {
        cfg.prompts.dir.clone()
    } else {
        config_path
            .parent()
            .unwrap_or(Path::new("."))
            .join(&cfg.prompts.dir)
    }
}

/// Build the catalog from a parsed config.
pub fn build(
    config_path: &Path,
    source: &str,
    cfg: &FileConfig,
    g729: Option<&dyn G729Provider>,
) -> Result<Catalog, Vec<ConfigError>> {
    let services = ServiceDirectory::from_config(cfg.services.clone()).map_err(|errs| {
        errs.0
            .iter()
            .map(|e| ConfigError::for_key(config_path, source, &e.path, e.kind.to_string()))
            .collect::<Vec<_>>()
    })?;
    let acd = centralino_acd::AcdConfig {
        queues: cfg.queues.clone(),
        agents: cfg.agents.clone(),
    };
    if let Err(e) = centralino_acd::Acd::new(std::time::Instant::now(), &acd) {
        let text = e.to_string();
        let key = text.split(':').next().unwrap_or("queues").to_string();
        return Err(vec![ConfigError::for_key(config_path, source, &key, text)]);
    }
    let mut errors = Vec::new();
    // Every queue a service sends callers to must exist.
    let queue_ids: std::collections::HashSet<&str> =
        cfg.queues.iter().map(|q| q.id.as_str()).collect();
    for (queue, keys) in services.referenced_queues() {
        if !queue_ids.contains(queue.as_str()) {
            for key in keys {
                errors.push(ConfigError::for_key(
                    config_path,
                    source,
                    &key,
                    format!("no queue {:?} under queues:", queue.as_str()),
                ));
            }
        }
    }
    let dir = prompts_dir(config_path, cfg);
    let mut prompts = PromptLibrary::new();
    // The engine's own prompts (position, callback, confirmations): required
    // in the default language, used in others when present.
    let mut wanted = services.referenced_prompts();
    let languages: std::collections::BTreeSet<centralino_model::Language> = wanted
        .keys()
        .map(|p| p.language.clone())
        .chain(std::iter::once(cfg.prompts.default_language.clone()))
        .collect();
    for name in centralino_engine::system_prompt_names() {
        for lang in &languages {
            let Some(pn) = centralino_ivr::PromptName::new(&name) else {
                continue;
            };
            let r = centralino_ivr::PromptRef {
                language: lang.clone(),
                name: pn,
            };
            let file = dir.join(lang.as_str()).join(format!("{name}.wav"));
            if *lang == cfg.prompts.default_language || file.exists() {
                wanted.entry(r).or_insert_with(|| "prompts".to_string());
            }
        }
    }
    for (prompt, key) in wanted {
        let file = dir
            .join(prompt.language.as_str())
            .join(format!("{}.wav", prompt.name));
        let loaded = std::fs::read(&file)
            .map_err(|e| format!("prompt {prompt}: cannot read {}: {e}", file.display()))
            .and_then(|bytes| {
                Prompt::from_wav(&bytes, MAX_PROMPT, g729)
                    .map_err(|e| format!("prompt {prompt}: {}: {e}", file.display()))
            });
        match loaded {
            Ok(p) => prompts.insert(prompt, p),
            Err(message) => errors.push(ConfigError::for_key(config_path, source, &key, message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Catalog {
        services,
        prompts,
        acd,
        default_language: cfg.prompts.default_language.clone(),
    })
}
