//! Prompt management (MISSION §5: review, install, delete, back up and
//! restore announcements): `prompts.dir/<language>/<name>.wav`, checked
//! with the engine's own WAV reader (16-bit PCM, 8 kHz, mono, at most
//! [`crate::catalog::MAX_PROMPT`]); every change is followed by a reload so
//! the next call hears it (calls in progress keep what they had).

use super::auth::{Admin, Supervisor};
use super::error::{blocking, ApiError, ApiResult};
use super::{tar, Api, ConfigView};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path as FsPath;

/// A prompt file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptInfo {
    /// Language folder.
    pub language: String,
    /// Name (without `.wav`).
    pub name: String,
    /// File size.
    pub bytes: u64,
    /// Playing time, when the file is valid.
    pub duration_ms: Option<u64>,
    /// Whether the engine can play it.
    pub valid: bool,
    /// Why not.
    pub error: Option<String>,
    /// Config keys that use it (`system` for the engine's own prompts).
    pub referenced_by: Vec<String>,
}

/// The outcome of the reload that follows a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReloadReport {
    /// Whether new calls use the change.
    pub ok: bool,
    /// Why not (the running configuration stays).
    pub errors: Vec<String>,
}

fn valid_language(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 16
        && !s.starts_with(['.', '-'])
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `(language, name)` from path segments (`name` may end in `.wav`).
fn checked(lang: &str, name: &str) -> ApiResult<(String, String)> {
    if !valid_language(lang) {
        return Err(ApiError::bad_request(format!(
            "language {lang:?}: 1 to 16 letters, digits, - or _"
        )));
    }
    let name = name.strip_suffix(".wav").unwrap_or(name);
    if centralino_ivr::PromptName::new(name).is_none() {
        return Err(ApiError::bad_request(format!(
            "prompt name {name:?}: 1 to 64 letters, digits, - or _"
        )));
    }
    Ok((lang.to_string(), name.to_string()))
}

/// Who uses each prompt: config keys, and `system` for the engine's own.
fn references(view: &ConfigView) -> BTreeMap<(String, String), Vec<String>> {
    let mut m: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for s in view.services.services() {
        for r in s.referenced_prompts() {
            m.entry((r.language.to_string(), r.name.to_string()))
                .or_default()
                .push(format!("services.{}", s.id()));
        }
    }
    for name in centralino_engine::system_prompt_names() {
        m.entry((view.default_language.clone(), name))
            .or_default()
            .push("system".into());
    }
    m
}

fn info(
    dir: &FsPath,
    lang: &str,
    name: &str,
    refs: &BTreeMap<(String, String), Vec<String>>,
) -> Option<PromptInfo> {
    let path = dir.join(lang).join(format!("{name}.wav"));
    let bytes = std::fs::read(&path).ok()?;
    let (duration_ms, error) =
        match centralino_media::wav::read_pcm(&bytes, crate::catalog::MAX_PROMPT) {
            Ok(pcm) if pcm.is_empty() => (None, Some("no audio".to_string())),
            Ok(pcm) => (Some(pcm.len() as u64 / 8), None),
            Err(e) => (None, Some(e.to_string())),
        };
    Some(PromptInfo {
        language: lang.to_string(),
        name: name.to_string(),
        bytes: bytes.len() as u64,
        valid: error.is_none(),
        duration_ms,
        error,
        referenced_by: refs
            .get(&(lang.to_string(), name.to_string()))
            .cloned()
            .unwrap_or_default(),
    })
}

/// Every `(language, name)` with a file, sorted.
fn files(dir: &FsPath) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(langs) = std::fs::read_dir(dir) else {
        return out;
    };
    for l in langs.flatten() {
        let lang = l.file_name().to_string_lossy().into_owned();
        if !valid_language(&lang) || !l.path().is_dir() {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(l.path()) else {
            continue;
        };
        for e in entries.flatten() {
            let file = e.file_name().to_string_lossy().into_owned();
            if let Some(name) = file.strip_suffix(".wav") {
                if centralino_ivr::PromptName::new(name).is_some() && e.path().is_file() {
                    out.push((lang.clone(), name.to_string()));
                }
            }
        }
    }
    out.sort();
    out
}

/// `GET /api/prompts`.
pub async fn list(_: Supervisor, State(api): State<Api>) -> ApiResult<Json<Vec<PromptInfo>>> {
    let view = api.view();
    blocking(move || {
        let refs = references(&view);
        Ok(Json(
            files(&view.prompts_dir)
                .iter()
                .filter_map(|(l, n)| info(&view.prompts_dir, l, n, &refs))
                .collect(),
        ))
    })
    .await
}

/// `GET /api/prompts/{lang}/{name}`: the WAV.
pub async fn download(
    _: Supervisor,
    State(api): State<Api>,
    Path((lang, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (lang, name) = checked(&lang, &name)?;
    let path = api
        .view()
        .prompts_dir
        .join(&lang)
        .join(format!("{name}.wav"));
    let what = format!("{lang}/{name}");
    let bytes = blocking(move || {
        std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ApiError::not_found(format!("no prompt {what}")),
            _ => ApiError::internal(format!("{}: {e}", path.display())),
        })
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("audio/wav")),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}.wav\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Check WAV bytes as the engine will load them.
fn validate(bytes: &[u8]) -> Result<u64, String> {
    let pcm = centralino_media::wav::read_pcm(bytes, crate::catalog::MAX_PROMPT)
        .map_err(|e| e.to_string())?;
    if pcm.len() < 160 {
        return Err("shorter than 20 ms: no audio to play".into());
    }
    Ok(pcm.len() as u64 / 8)
}

fn check_content_type(headers: &HeaderMap, accepted: &[&str]) -> ApiResult<()> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let ct = ct
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if accepted.contains(&ct.as_str()) || ct == "application/octet-stream" {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("content type {ct:?}: send {}", accepted.join(" or ")),
        ))
    }
}

async fn reload_after_change(api: &Api) -> ReloadReport {
    match api.reload().await {
        Ok(()) => ReloadReport {
            ok: true,
            errors: Vec::new(),
        },
        Err(errors) => {
            for e in &errors {
                tracing::warn!("reload after a prompt change refused: {e}");
            }
            ReloadReport { ok: false, errors }
        }
    }
}

/// `PUT /api/prompts/{lang}/{name}` with the WAV as body: 201 created,
/// 200 replaced; 422 when the engine could not play it.
pub async fn upload(
    Admin(caller): Admin,
    State(api): State<Api>,
    Path((lang, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let (lang, name) = checked(&lang, &name)?;
    check_content_type(
        &headers,
        &["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"],
    )?;
    if body.is_empty() {
        return Err(ApiError::unprocessable("empty body: send the WAV file"));
    }
    let data = body.to_vec();
    let dir = api.view().prompts_dir.clone();
    let _guard = api.prompt_lock.lock().await;
    let (l, n) = (lang.clone(), name.clone());
    let (created, duration_ms) = blocking(move || {
        let duration_ms =
            validate(&data).map_err(|e| ApiError::unprocessable(format!("{l}/{n}: {e}")))?;
        let folder = dir.join(&l);
        std::fs::create_dir_all(&folder)
            .map_err(|e| ApiError::internal(format!("{}: {e}", folder.display())))?;
        let path = folder.join(format!("{n}.wav"));
        let created = !path.exists();
        crate::writer::write_atomic(&path, &data)
            .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
        Ok((created, duration_ms))
    })
    .await?;
    tracing::info!(prompt = %format!("{lang}/{name}"), duration_ms, by = %caller.name, "prompt installed through the API");
    let reload = reload_after_change(&api).await;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(serde_json::json!({
            "language": lang,
            "name": name,
            "duration_ms": duration_ms,
            "created": created,
            "reload": reload,
        })),
    ))
}

/// `DELETE /api/prompts/{lang}/{name}[?force=true]`: 409 while the config
/// uses it, unless forced (the reload then fails and the running prompts
/// stay until the config is fixed).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    #[serde(default)]
    force: Option<bool>,
}

/// `DELETE /api/prompts/{lang}/{name}`.
pub async fn delete(
    Admin(caller): Admin,
    State(api): State<Api>,
    Path((lang, name)): Path<(String, String)>,
    q: Result<Query<DeleteQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let (lang, name) = checked(&lang, &name)?;
    let Query(q) = q?;
    let view = api.view();
    let refs = references(&view);
    let used = refs
        .get(&(lang.clone(), name.clone()))
        .cloned()
        .unwrap_or_default();
    if !used.is_empty() && !q.force.unwrap_or(false) {
        return Err(ApiError::conflict(format!(
            "{lang}/{name} is used by {} (add ?force=true to delete it anyway)",
            used.join(", ")
        )));
    }
    let _guard = api.prompt_lock.lock().await;
    let path = view.prompts_dir.join(&lang).join(format!("{name}.wav"));
    let (l, n) = (lang.clone(), name.clone());
    blocking(move || {
        std::fs::remove_file(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ApiError::not_found(format!("no prompt {l}/{n}")),
            _ => ApiError::internal(format!("{}: {e}", path.display())),
        })
    })
    .await?;
    tracing::info!(prompt = %format!("{lang}/{name}"), by = %caller.name, "prompt deleted through the API");
    let reload = reload_after_change(&api).await;
    Ok(Json(serde_json::json!({
        "deleted": format!("{lang}/{name}"),
        "referenced_by": used,
        "reload": reload,
    })))
}

/// `GET /api/prompts/backup`: every prompt as one tar archive
/// (`<language>/<name>.wav`).
pub async fn backup(_: Admin, State(api): State<Api>) -> ApiResult<Response> {
    let dir = api.view().prompts_dir.clone();
    let now = api.now();
    let archive = blocking(move || {
        let mut entries = Vec::new();
        for (lang, name) in files(&dir) {
            let path = dir.join(&lang).join(format!("{name}.wav"));
            let data = std::fs::read(&path)
                .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
            let mtime = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            entries.push((format!("{lang}/{name}.wav"), data, mtime));
        }
        tar::write(&entries).map_err(|e| ApiError::internal(e.to_string()))
    })
    .await?;
    let file = format!("prompts-{}.tar", now.format("%Y%m%d-%H%M%S"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-tar"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        archive,
    )
        .into_response())
}

/// `POST /api/prompts/restore[?replace=true]` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreQuery {
    #[serde(default)]
    replace: Option<bool>,
}

/// An archive entry's `(language, name)`: `[./][prompts/]<lang>/<name>.wav`.
fn entry_target(name: &str) -> Option<(String, String)> {
    let mut parts: Vec<&str> = name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.first() == Some(&"prompts") && parts.len() == 3 {
        parts.remove(0);
    }
    match parts.as_slice() {
        [lang, file] => {
            let n = file.strip_suffix(".wav")?;
            checked(lang, n).ok()
        }
        _ => None,
    }
}

/// `POST /api/prompts/restore`: install every prompt of a tar archive (all
/// checked first: one bad file and nothing is written); with
/// `replace=true`, prompts absent from the archive are deleted.
pub async fn restore(
    Admin(caller): Admin,
    State(api): State<Api>,
    q: Result<Query<RestoreQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let Query(q) = q?;
    check_content_type(&headers, &["application/x-tar", "application/tar"])?;
    let replace = q.replace.unwrap_or(false);
    let dir = api.view().prompts_dir.clone();
    let _guard = api.prompt_lock.lock().await;
    let (restored, removed, ignored) = blocking(move || {
        let entries =
            tar::read(&body).map_err(|e| ApiError::unprocessable(format!("archive: {e}")))?;
        let mut wanted = Vec::new();
        let mut ignored = Vec::new();
        for e in entries {
            match entry_target(&e.name) {
                Some((lang, name)) => {
                    validate(&e.data)
                        .map_err(|err| ApiError::unprocessable(format!("{}: {err}", e.name)))?;
                    wanted.push((lang, name, e.data));
                }
                None if e.name.ends_with(".wav") || e.name.contains(" (type ") => {
                    return Err(ApiError::unprocessable(format!(
                        "{}: not <language>/<name>.wav (letters, digits, - and _)",
                        e.name
                    )))
                }
                None => ignored.push(e.name),
            }
        }
        if wanted.is_empty() {
            return Err(ApiError::unprocessable("the archive holds no prompt"));
        }
        for (lang, name, data) in &wanted {
            let folder = dir.join(lang);
            std::fs::create_dir_all(&folder)
                .map_err(|e| ApiError::internal(format!("{}: {e}", folder.display())))?;
            let path = folder.join(format!("{name}.wav"));
            crate::writer::write_atomic(&path, data)
                .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
        }
        let mut removed = 0u64;
        if replace {
            let keep: std::collections::BTreeSet<(String, String)> = wanted
                .iter()
                .map(|(l, n, _)| (l.clone(), n.clone()))
                .collect();
            for (lang, name) in files(&dir) {
                if !keep.contains(&(lang.clone(), name.clone())) {
                    let path = dir.join(&lang).join(format!("{name}.wav"));
                    std::fs::remove_file(&path)
                        .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
                    removed += 1;
                }
            }
        }
        Ok((wanted.len() as u64, removed, ignored))
    })
    .await?;
    tracing::info!(restored, removed, by = %caller.name, "prompts restored through the API");
    let reload = reload_after_change(&api).await;
    Ok(Json(serde_json::json!({
        "restored": restored,
        "removed": removed,
        "ignored": ignored,
        "reload": reload,
    })))
}
