//! Reading the YAML file: typed at load, errors name file, line, column and
//! key path.

use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};

/// A configuration error, located as precisely as we can: the file, the line
/// and column of the offending node, and the key path (`services[2].menu.options.7`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file that was read.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// Dotted key path, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// An error about a key whose location we know.
    pub fn at(
        file: &Path,
        line: Option<u64>,
        column: Option<u64>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            line: line.filter(|l| *l > 0),
            column: column.filter(|c| *c > 0),
            key: Some(key.into()),
            message: message.into(),
        }
    }

    /// An error about a key; the line is found by searching the source text
    /// for the key's last component (good enough for cross-reference errors
    /// found after deserialising).
    pub fn for_key(file: &Path, source: &str, key: &str, message: impl Into<String>) -> Self {
        let line = locate_key(source, key);
        ConfigError::at(file, line, None, key, message)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            if !key.is_empty() {
                write!(f, "{key}: ")?;
            }
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Deserialize `source` (the text of `file`) into `T`, with the key path of
/// the first error.
pub fn from_yaml<T: DeserializeOwned>(file: &Path, source: &str) -> Result<T, ConfigError> {
    let path: RefCell<Option<String>> = RefCell::new(None);
    let result = serde_saphyr::with_deserializer_from_str(source, |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            let p = e.path().to_string();
            *path.borrow_mut() = Some(p);
            e.into_inner()
        })
    });
    result.map_err(|e| {
        let loc = e.location();
        let key = path.into_inner().filter(|p| p != ".");
        let message = first_line_message(&e.to_string());
        ConfigError {
            file: file.to_path_buf(),
            line: loc.map(|l| l.line()).filter(|l| *l > 0),
            column: loc.map(|l| l.column()).filter(|c| *c > 0),
            key,
            message,
        }
    })
}

/// serde-saphyr renders a snippet after the first line; we keep the message
/// on one line (the location is printed by us) and strip its own prefix.
fn first_line_message(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or(rendered).trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "line 3 column 5: unknown field …" → "unknown field …"
    if let Some(rest) = first.strip_prefix("line ") {
        if let Some(idx) = rest.find(": ") {
            return rest[idx + 2..].to_string();
        }
    }
    first.to_string()
}

/// Find the 1-based line where the last component of a dotted key path
/// appears as a YAML key, after the line of each earlier component.
fn locate_key(source: &str, key: &str) -> Option<u64> {
    let mut from_line = 0usize;
    let mut found = None;
    for part in key.split('.') {
        let name = part.split('[').next().unwrap_or(part);
        if name.is_empty() {
            continue;
        }
        let needle = format!("{name}:");
        let hit = source.lines().enumerate().skip(from_line).find(|(_, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&needle) || t.starts_with(&format!("\"{name}\":"))
        });
        if let Some((i, _)) = hit {
            from_line = i + 1;
            found = Some(i as u64 + 1);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        #[allow(dead_code)]
        name: String,
        #[allow(dead_code)]
        #[serde(with = "centralino_model::duration")]
        ring_timeout: std::time::Duration,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct C {
        #[allow(dead_code)]
        queues: Vec<Q>,
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let src = "queues:\n  - name: a\n    ring_timeout: 3s\n  - name: b\n    ring_timeout: 3q\n";
        let e = from_yaml::<C>(Path::new("c.yaml"), src).unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        assert_eq!(e.key.as_deref(), Some("queues[1].ring_timeout"), "{e}");
        assert!(e.to_string().starts_with("c.yaml:5:"), "{e}");
        assert!(e.message.contains("unit"), "{e}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let src = "queues:\n  - name: a\n    ring_timout: 3s\n";
        let e = from_yaml::<C>(Path::new("c.yaml"), src).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("ring_timout"), "{e}");
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let src = "queues:\n  - name: a\n   bad: [\n";
        let e = from_yaml::<C>(Path::new("c.yaml"), src).unwrap_err();
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn keys_are_located_in_source() {
        let src = "services:\n  - id: a\n    menu:\n      options:\n        \"7\": x\n";
        assert_eq!(locate_key(src, "services[0].menu.options"), Some(4));
    }
}
