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
        config_path.parent().unwrap_or(Path::new(".")).join(&cfg.prompts.dir)
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
    let dir = prompts_dir(config_path, cfg);
    let mut prompts = PromptLibrary::new();
    let mut errors = Vec::new();
    for (prompt, key) in services.referenced_prompts() {
        let file = dir.join(prompt.language.as_str()).join(format!("{}.wav", prompt.name));
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
    Ok(Catalog { services, prompts })
}
