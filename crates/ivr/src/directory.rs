//! All services, looked up by called number or id.

use crate::config::ServiceConfig;
use crate::error::{ConfigError, ConfigErrorKind, ConfigErrors};
use crate::ids::PromptRef;
use crate::service::Service;
use centralino_model::{normalize_number, QueueId, ServiceId};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The services of one configuration, checked as a whole. Build a new one on
/// reload and swap it in: calls in progress keep the `Arc<Service>` they
/// started with.
#[derive(Debug, Clone, Default)]
pub struct ServiceDirectory {
    services: Vec<Arc<Service>>,
    by_number: HashMap<String, usize>,
    by_id: HashMap<ServiceId, usize>,
}

impl ServiceDirectory {
    /// Check every service and the numbers across them; all problems are
    /// reported, each at its key path (`services[2].menus.main.options.7`).
    pub fn from_config(configs: Vec<ServiceConfig>) -> Result<ServiceDirectory, ConfigErrors> {
        let mut errors: Vec<ConfigError> = Vec::new();
        let mut dir = ServiceDirectory::default();
        for (index, cfg) in configs.into_iter().enumerate() {
            let service = match Service::new(cfg, index) {
                Ok(s) => s,
                Err(ConfigErrors(mut e)) => {
                    errors.append(&mut e);
                    continue;
                }
            };
            if dir.by_id.contains_key(service.id()) {
                errors.push(ConfigError {
                    path: format!("services[{index}].id"),
                    kind: ConfigErrorKind::DuplicateServiceId {
                        id: service.id().clone(),
                    },
                });
                continue;
            }
            let slot = dir.services.len();
            for (i, n) in service.numbers().iter().enumerate() {
                if let Some(&other) = dir.by_number.get(n) {
                    errors.push(ConfigError {
                        path: format!("services[{index}].numbers[{i}]"),
                        kind: ConfigErrorKind::DuplicateNumber {
                            number: n.clone(),
                            other: dir.services[other].id().clone(),
                        },
                    });
                } else {
                    dir.by_number.insert(n.clone(), slot);
                }
            }
            dir.by_id.insert(service.id().clone(), slot);
            dir.services.push(Arc::new(service));
        }
        if errors.is_empty() {
            Ok(dir)
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// Every service, in config order.
    pub fn services(&self) -> &[Arc<Service>] {
        &self.services
    }

    /// The service a called number selects (normalised first, so
    /// `+39 800 264760` finds the service of `800264760`).
    pub fn by_number(&self, called: &str) -> Option<&Arc<Service>> {
        self.by_number
            .get(&normalize_number(called))
            .map(|&i| &self.services[i])
    }

    /// A service by id.
    pub fn by_id(&self, id: &str) -> Option<&Arc<Service>> {
        self.by_id.get(id).map(|&i| &self.services[i])
    }

    /// Every prompt any service may play, `(language, name)`, with the key
    /// path of its first use: the server checks each
    /// `prompts/<language>/<name>.wav` exists and loads it.
    pub fn referenced_prompts(&self) -> BTreeMap<PromptRef, String> {
        let mut out = BTreeMap::new();
        for s in &self.services {
            for (path, name) in s.prompt_uses() {
                for l in s.languages() {
                    out.entry(PromptRef {
                        language: l.clone(),
                        name: name.clone(),
                    })
                    .or_insert_with(|| path.clone());
                }
            }
        }
        out
    }

    /// Every queue any service names, with the key paths of the actions
    /// naming it: the server checks the ACD defines each.
    pub fn referenced_queues(&self) -> BTreeMap<QueueId, Vec<String>> {
        let mut out: BTreeMap<QueueId, Vec<String>> = BTreeMap::new();
        for s in &self.services {
            for (q, path) in s.queue_references() {
                out.entry(q).or_default().push(path);
            }
        }
        out
    }
}
