//! The emulator's persistent world: resources, operations, projects and
//! credentials, saved as one JSON document after every mutation.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::keys::IssuedKey;
use crate::error::{ApiError, EmulatorError};
use crate::ops::{ComputeOp, Effect, Lro};

/// Who an access token was minted for and until when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    pub principal: String,
    pub expires_at_ms: i64,
}

/// An OAuth client + refresh token issued via the admin API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizedUser {
    pub client_id: String,
    pub client_secret: String,
    pub email: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Data {
    /// Every API resource, keyed by relative resource name.
    pub resources: BTreeMap<String, Value>,
    pub compute_ops: BTreeMap<String, ComputeOp>,
    pub lros: BTreeMap<String, Lro>,
    /// `project/requestId` -> compute operation key, for idempotent retries.
    pub request_ids: BTreeMap<String, String>,
    pub projects: BTreeSet<String>,
    pub keys: Vec<IssuedKey>,
    pub access_tokens: BTreeMap<String, TokenRecord>,
    pub refresh_tokens: BTreeMap<String, AuthorizedUser>,
    pub oidc_tokens: BTreeSet<String>,
}

impl Data {
    /// Applies the effects of operations whose deadline has passed. Returns
    /// whether anything changed.
    pub fn settle(&mut self, now_ms: i64) -> bool {
        let mut effects = Vec::new();
        for op in self.compute_ops.values_mut() {
            if !op.started && op.timeline.start_ms <= now_ms {
                op.started = true;
                effects.append(&mut op.on_start);
            }
            if !op.settled && op.done_at_ms <= now_ms {
                op.settled = true;
                if op.error.is_none() {
                    effects.append(&mut op.effects);
                } else {
                    effects.append(&mut op.on_failure);
                }
            }
        }
        for op in self.lros.values_mut() {
            if !op.settled && op.done_at_ms <= now_ms {
                op.settled = true;
                if op.error.is_none() {
                    effects.append(&mut op.effects);
                }
            }
        }
        let changed = !effects.is_empty();
        for effect in effects {
            self.apply(effect);
        }
        // Cloud Run reconciliations finish with their operations, on this one path.
        crate::run::record::settle(self, now_ms) || changed
    }

    pub fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::Put { name, value } => {
                self.resources.insert(name, value);
            }
            Effect::Merge { name, patch } => {
                if let Some(existing) = self.resources.get_mut(&name) {
                    merge(existing, patch);
                }
            }
            Effect::Delete { name } => {
                self.resources.remove(&name);
            }
        }
    }

    /// Drops expired access tokens so the state file does not grow forever.
    pub fn prune_tokens(&mut self, now_ms: i64) {
        self.access_tokens.retain(|_, t| t.expires_at_ms > now_ms);
    }
}

/// JSON merge-patch (RFC 7386) of `patch` into `target`.
pub fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(&key);
                } else {
                    merge(target.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch,
    }
}

/// Thread-safe `Data` with write-through persistence.
#[derive(Debug)]
pub struct Store {
    data: Mutex<Data>,
    path: Option<PathBuf>,
}

impl Store {
    /// Loads `path` if it exists, else starts empty.
    pub fn open(path: Option<PathBuf>) -> Result<Store, EmulatorError> {
        let data = match &path {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p).map_err(|source| EmulatorError::StateIo {
                    path: p.clone(),
                    source,
                })?;
                serde_json::from_str(&text).map_err(|source| EmulatorError::StateFormat {
                    path: p.clone(),
                    source,
                })?
            }
            _ => Data::default(),
        };
        Ok(Store {
            data: Mutex::new(data),
            path,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn read<R>(&self, f: impl FnOnce(&Data) -> R) -> R {
        f(&self.lock())
    }

    /// Runs `f` and persists the result. The closure's own error aborts without saving.
    pub fn mutate<R>(
        &self,
        f: impl FnOnce(&mut Data) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let mut data = self.lock();
        let result = f(&mut data)?;
        self.save(&data)
            .map_err(|e| ApiError::internal(format!("persisting emulator state: {e}")))?;
        Ok(result)
    }

    /// Completes due operations, persisting only if that changed anything.
    pub fn settle(&self, now_ms: i64) -> Result<(), EmulatorError> {
        let mut data = self.lock();
        if data.settle(now_ms) {
            self.save(&data)?;
        }
        Ok(())
    }

    fn save(&self, data: &Data) -> Result<(), EmulatorError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let io = |source| EmulatorError::StateIo {
            path: path.clone(),
            source,
        };
        let text =
            serde_json::to_string_pretty(data).map_err(|source| EmulatorError::StateFormat {
                path: path.clone(),
                source,
            })?;
        // Write-then-rename so a crash never leaves a half-written state file.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_semantics() {
        let mut v = json!({"a": 1, "b": {"c": 2, "d": 3}});
        merge(&mut v, json!({"a": null, "b": {"c": 5}, "e": [1]}));
        assert_eq!(v, json!({"b": {"c": 5, "d": 3}, "e": [1]}));
    }

    #[test]
    fn state_round_trips_through_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let store = Store::open(Some(path.clone())).unwrap();
        store
            .mutate(|d| {
                d.resources.insert("projects/p/x".into(), json!({"k": 1}));
                Ok(())
            })
            .unwrap();
        let reopened = Store::open(Some(path)).unwrap();
        assert_eq!(
            reopened.read(|d| d.resources["projects/p/x"].clone()),
            json!({"k": 1})
        );
    }
}
