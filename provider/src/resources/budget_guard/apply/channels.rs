//! Notification channels: created, patched (secrets only when they
//! changed) or adopted, and removed when the configuration drops them.

use std::collections::{BTreeMap, BTreeSet};

use tfplugin::Diagnostic;

use super::super::model::{channel_path, Channel, Guard};
use super::super::remote;
use super::super::secret_hash;
use super::{at, stale, Apply};
use crate::framework::api::call;

pub const CHANNEL_HINT: &str = "Check that the Cloud Monitoring API is enabled and the credentials hold roles/monitoring.notificationChannelEditor.";

/// Mask paths for a channel PATCH; the secret only when it changed, the
/// user labels when the version or the guard ID changed (or `before` is
/// unknown, as for an adopted channel).
pub(super) fn channel_mask(
    c: &Channel,
    before: Option<&Channel>,
    secret_changed: bool,
    relabel: bool,
) -> Vec<&'static str> {
    let mut mask = Vec::new();
    if before.is_none() {
        // An adopted channel may carry another display name.
        mask.push("displayName");
    }
    if before.is_none_or(|b| b.email_address != c.email_address) && c.email_address.is_some() {
        mask.push("labels.email_address");
    }
    if before.is_none_or(|b| b.channel_name != c.channel_name) && c.channel_name.is_some() {
        mask.push("labels.channel_name");
    }
    let version_changed = before.is_some_and(|b| b.secret_version != c.secret_version);
    if version_changed || relabel || before.is_none() {
        mask.push("userLabels");
    }
    if secret_changed || version_changed {
        if let Some((label, _)) = c.kind.and_then(super::super::model::ChannelKind::secret) {
            mask.push(match label {
                "auth_token" => "labels.auth_token",
                _ => "labels.service_key",
            });
        }
    }
    mask
}

impl Apply<'_> {
    /// Creates or patches every channel, labelled with the guard ID.
    /// `adopted` channels were never seen by this guard: everything is sent.
    pub(super) async fn upsert_channels(
        &mut self,
        guard: &Guard,
        prior: Option<&Guard>,
        id: &str,
        adopted: &BTreeSet<String>,
    ) -> Result<(), Diagnostic> {
        let alerting = self.client.alerting();
        let secrets: BTreeMap<String, String> = guard
            .hashed_secrets(prior, &self.children.secret_hashes, &self.children.channels)
            .into_iter()
            .map(|(name, secret)| (name.to_owned(), secret.to_owned()))
            .collect();
        let key = self.children.secret_hash_key.clone();
        // A renamed guard has a new ID: its channels are labelled again.
        let relabel = prior.is_some_and(|p| p.id() != id);
        for (i, c) in guard.channels.iter().enumerate() {
            let path = channel_path(i);
            let hint = CHANNEL_HINT;
            let secret = secrets.get(&c.name);
            let is_adopted = adopted.contains(&c.name);
            let secret_changed = match (secret, self.children.secret_hashes.get(&c.name)) {
                (Some(s), Some(h)) => !secret_hash::matches(h, key.as_deref(), &c.name, s),
                (None, None) => false,
                _ => true,
            } || is_adopted;
            let hash = secret
                .zip(key.as_deref())
                .and_then(|(s, k)| secret_hash::hash(k, s));
            let before = prior
                .and_then(|p| p.channels.iter().find(|x| x.name == c.name))
                .filter(|_| !is_adopted);
            let existing = self.children.channels.get(&c.name).cloned();
            // The API cannot change a channel's type: replace it.
            if let (Some(name), Some(b)) = (&existing, before) {
                if b.kind_text != c.kind_text {
                    self.delete_channel(name).await?;
                    self.children.channels.remove(&c.name);
                }
            }
            match self.children.channels.get(&c.name).cloned() {
                None => {
                    let created = call(
                        self.ctx,
                        &format!("creating notification channel {:?}", c.name),
                        hint,
                        alerting.create_channel(&self.project, &remote::channel(c, true, id)),
                    )
                    .await
                    .map_err(|d| at(d, path.clone()))?;
                    self.children.channels.insert(c.name.clone(), created.name);
                }
                Some(name) => {
                    let mask = channel_mask(c, before, secret_changed, relabel);
                    if !mask.is_empty() {
                        let with_secret = mask
                            .iter()
                            .any(|m| *m == "labels.auth_token" || *m == "labels.service_key");
                        call(
                            self.ctx,
                            &format!("updating notification channel {:?}", c.name),
                            hint,
                            alerting.patch_channel(
                                &name,
                                &remote::channel(c, with_secret, id),
                                &mask,
                            ),
                        )
                        .await
                        .map_err(|d| at(d, path.clone()))?;
                    }
                }
            }
            match hash {
                Some(h) => self.children.secret_hashes.insert(c.name.clone(), h),
                None => self.children.secret_hashes.remove(&c.name),
            };
        }
        Ok(())
    }

    pub(super) async fn remove_stale_channels(&mut self, guard: &Guard) -> Result<(), Diagnostic> {
        let gone = stale(&self.children.channels, |k| {
            guard.channels.iter().any(|c| c.name == k)
        });
        for (key, name) in gone {
            self.delete_channel(&name).await?;
            self.children.channels.remove(&key);
            self.children.secret_hashes.remove(&key);
        }
        Ok(())
    }

    pub(in super::super) async fn delete_channel(&self, name: &str) -> Result<(), Diagnostic> {
        let alerting = self.client.alerting();
        self.delete(
            format!("deleting notification channel {name}"),
            "Check roles/monitoring.notificationChannelEditor.",
            alerting.delete_channel(name, true),
        )
        .await
    }
}
