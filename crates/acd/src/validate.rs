//! Checks on the config that serde cannot make.

use crate::config::{AcdConfig, Credentials, ExitAction, QueueConfig};
use crate::error::ConfigError;
use centralino_model::QueueId;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// The shortest interval between two position announcements.
pub const MIN_ANNOUNCE_INTERVAL: Duration = Duration::from_secs(10);
/// The most distinct agent skills (a 64-bit mask, one bit reserved).
pub const MAX_SKILLS: usize = 63;
/// The highest tier level.
pub const MAX_LEVEL: u8 = 9;

const S: fn(u64) -> Duration = Duration::from_secs;

fn dur(key: String, value: Duration, min: Duration, max: Duration) -> Result<(), ConfigError> {
    if value < min || value > max {
        return Err(ConfigError::DurationOutOfRange {
            key,
            value,
            min,
            max,
        });
    }
    Ok(())
}

fn num(key: String, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if value < min || value > max {
        return Err(ConfigError::NumberOutOfRange {
            key,
            value,
            min,
            max,
        });
    }
    Ok(())
}

fn id(key: String, value: &str) -> Result<(), ConfigError> {
    if value.is_empty() || value.chars().any(char::is_whitespace) {
        return Err(ConfigError::BadId {
            key,
            value: value.to_string(),
        });
    }
    Ok(())
}

/// The exit actions of a queue with the name of their key.
fn exits(q: &QueueConfig) -> impl Iterator<Item = (&'static str, &ExitAction)> {
    [
        ("on_max_wait", Some(&q.on_max_wait)),
        ("on_full", Some(&q.on_full)),
    ]
    .into_iter()
    .chain(std::iter::once(("on_no_agents", q.on_no_agents.as_ref())))
    .filter_map(|(k, a)| a.map(|a| (k, a)))
}

impl AcdConfig {
    /// Check ranges, cross references and cycles; the first problem found
    /// is returned with its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut queue_keys: HashMap<&QueueId, String> = HashMap::new();
        for (i, q) in self.queues.iter().enumerate() {
            let k = |f: &str| format!("queues[{i}].{f}");
            id(k("id"), q.id.as_str())?;
            if let Some(first) = queue_keys.insert(&q.id, k("id")) {
                return Err(ConfigError::Duplicate {
                    key: k("id"),
                    value: q.id.to_string(),
                    first,
                });
            }
            dur(k("ring_timeout"), q.ring_timeout, S(1), S(600))?;
            dur(k("wrap_up"), q.wrap_up, S(0), S(3600))?;
            dur(k("max_wait"), q.max_wait, S(1), S(86_400))?;
            dur(k("tier_delay"), q.tier_delay, S(0), S(3600))?;
            dur(k("skill_fallback"), q.skill_fallback, S(0), S(86_400))?;
            dur(k("reject_delay"), q.reject_delay, S(0), S(3600))?;
            dur(k("no_answer_delay"), q.no_answer_delay, S(0), S(3600))?;
            if let Some(every) = q.announce_every {
                dur(k("announce_every"), every, MIN_ANNOUNCE_INTERVAL, S(3600))?;
            }
            if let Some(n) = q.max_length {
                num(k("max_length"), n.into(), 1, 1_000_000)?;
            }
            num(k("max_no_answer"), q.max_no_answer.into(), 0, 1000)?;
            id(k("language"), q.language.as_str())?;
            let cb = &q.callback;
            if let Some(after) = cb.offer_after {
                dur(k("callback.offer_after"), after, S(1), S(86_400))?;
            }
            if let Some(n) = cb.offer_after_no_answers {
                num(k("callback.offer_after_no_answers"), n.into(), 1, 100)?;
            }
            num(k("callback.max_attempts"), cb.max_attempts.into(), 1, 20)?;
            dur(
                k("callback.retry_interval"),
                cb.retry_interval,
                S(1),
                S(86_400),
            )?;
            dur(k("callback.expiry"), cb.expiry, S(60), S(7 * 86_400))?;
        }
        for (i, q) in self.queues.iter().enumerate() {
            for (field, action) in exits(q) {
                match action {
                    ExitAction::Queue(target) if !queue_keys.contains_key(target) => {
                        return Err(ConfigError::UnknownQueue {
                            key: format!("queues[{i}].{field}.queue"),
                            queue: target.clone(),
                        })
                    }
                    ExitAction::MessageThenHangup(prompt) => {
                        id(format!("queues[{i}].{field}.message_then_hangup"), prompt)?
                    }
                    _ => {}
                }
            }
        }
        self.check_cycles()?;
        self.validate_agents(&queue_keys)
    }

    fn validate_agents(&self, queues: &HashMap<&QueueId, String>) -> Result<(), ConfigError> {
        let mut ids = HashMap::new();
        let mut users = HashMap::new();
        let mut skills = BTreeSet::new();
        for (i, a) in self.agents.iter().enumerate() {
            let k = |f: &str| format!("agents[{i}].{f}");
            id(k("id"), a.id.as_str())?;
            if let Some(first) = ids.insert(&a.id, k("id")) {
                return Err(ConfigError::Duplicate {
                    key: k("id"),
                    value: a.id.to_string(),
                    first,
                });
            }
            id(k("username"), a.sip_username())?;
            if let Some(first) = users.insert(a.sip_username(), k("username")) {
                let value = a.sip_username().to_string();
                return Err(ConfigError::Duplicate {
                    key: k("username"),
                    value,
                    first,
                });
            }
            let empty = match &a.credentials {
                Credentials::Password(p) => p.is_empty(),
                Credentials::Ha1(h) => {
                    h.md5.as_deref().unwrap_or("").is_empty()
                        && h.sha256.as_deref().unwrap_or("").is_empty()
                }
            };
            if empty {
                return Err(ConfigError::EmptyCredentials {
                    key: k("credentials"),
                });
            }
            if let Some(w) = a.wrap_up {
                dur(k("wrap_up"), w, S(0), S(3600))?;
            }
            let mut seen: HashMap<&QueueId, String> = HashMap::new();
            for (j, m) in a.queues.iter().enumerate() {
                let key = k(&format!("queues[{j}].queue"));
                if !queues.contains_key(&m.queue) {
                    return Err(ConfigError::UnknownQueue {
                        key,
                        queue: m.queue.clone(),
                    });
                }
                num(
                    k(&format!("queues[{j}].level")),
                    m.level.into(),
                    1,
                    MAX_LEVEL.into(),
                )?;
                if let Some(first) = seen.insert(&m.queue, key.clone()) {
                    return Err(ConfigError::Duplicate {
                        key,
                        value: m.queue.to_string(),
                        first,
                    });
                }
            }
            for (j, s) in a.skills.iter().enumerate() {
                id(k(&format!("skills[{j}]")), s.as_str())?;
                skills.insert(s.clone());
                if skills.len() > MAX_SKILLS {
                    return Err(ConfigError::TooManySkills {
                        key: k(&format!("skills[{j}]")),
                        count: skills.len(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Exit actions of kind `queue:` must not lead back to where they start.
    fn check_cycles(&self) -> Result<(), ConfigError> {
        let index: HashMap<&QueueId, usize> = self
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| (&q.id, i))
            .collect();
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut colour = vec![0u8; self.queues.len()];
        for start in 0..self.queues.len() {
            if colour[start] != 0 {
                continue;
            }
            // An explicit stack of (queue, next edge to try).
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            colour[start] = 1;
            while let Some(&mut (q, ref mut edge)) = path.last_mut() {
                let targets: Vec<(&str, usize)> = exits(&self.queues[q])
                    .filter_map(|(f, a)| match a {
                        ExitAction::Queue(t) => index.get(t).map(|&t| (f, t)),
                        _ => None,
                    })
                    .collect();
                if let Some(&(field, t)) = targets.get(*edge) {
                    *edge += 1;
                    match colour[t] {
                        0 => {
                            colour[t] = 1;
                            path.push((t, 0));
                        }
                        1 => {
                            let from = path.iter().position(|&(p, _)| p == t).unwrap_or(0);
                            let mut cycle: Vec<QueueId> = path[from..]
                                .iter()
                                .map(|&(p, _)| self.queues[p].id.clone())
                                .collect();
                            cycle.push(self.queues[t].id.clone());
                            return Err(ConfigError::QueueCycle {
                                key: format!("queues[{q}].{field}.queue"),
                                cycle,
                            });
                        }
                        _ => {}
                    }
                } else {
                    colour[q] = 2;
                    path.pop();
                }
            }
        }
        Ok(())
    }
}
