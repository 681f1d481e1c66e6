//! Alert policies and the cost metric descriptor they evaluate.

use gcp_client::monitoring::alerting::AlertPolicy;
use gcp_client::Optional;
use tfplugin::{AttributePath, Diagnostic};

use super::super::marker;
use super::super::model::{tenant_path, CostMetricBlock, Guard, Model};
use super::super::remote;
use super::{at, stale, Apply};
use crate::framework::api::call;

pub const POLICY_HINT: &str = "Check that the Cloud Monitoring API is enabled and the credentials hold roles/monitoring.alertPolicyEditor.";

pub(super) const DESCRIPTOR_HINT: &str = "Check that the Cloud Monitoring API is enabled and the credentials hold roles/monitoring.metricWriter or roles/monitoring.editor.";

/// An existing descriptor the guard's policies cannot evaluate: Monitoring
/// would reject them, and changing a descriptor means deleting its data, so
/// the user decides.
pub fn check_cost_metric(
    d: &gcp_client::monitoring::metrics::MetricDescriptor,
) -> Result<(), Diagnostic> {
    if d.metric_kind == remote::COST_METRIC_KIND && d.value_type == remote::COST_METRIC_VALUE_TYPE {
        return Ok(());
    }
    Err(Diagnostic::error(
        "Incompatible cost metric",
        format!(
            "The metric {} already exists with kind {} and value type {}, but the guard's alert policies need kind {} and value type {} (ALIGN_DELTA for the spike policy only applies to CUMULATIVE or DELTA metrics). Either set `cost_metric.type` to a new metric the application writes as {} {}, or delete the existing descriptor (this deletes its data) and let the application or the guard recreate it.",
            d.metric_type,
            d.metric_kind,
            d.value_type,
            remote::COST_METRIC_KIND,
            remote::COST_METRIC_VALUE_TYPE,
            remote::COST_METRIC_KIND,
            remote::COST_METRIC_VALUE_TYPE,
        ),
    ))
}

/// Compares what the guard manages, ignoring server-assigned condition names.
pub(super) fn same_policy(want: &AlertPolicy, have: &AlertPolicy) -> bool {
    let mut have = have.clone();
    for c in &mut have.conditions {
        c.name.clear();
    }
    want.display_name == have.display_name
        && want.conditions == have.conditions
        && want.notification_channels == have.notification_channels
        && want.documentation == have.documentation
        && want.combiner == have.combiner
        && want.enabled == have.enabled
        && want.severity == have.severity
        && want.user_labels == have.user_labels
}

impl Apply<'_> {
    pub(super) async fn upsert_policies(
        &mut self,
        guard: &Guard,
        id: &str,
    ) -> Result<(), Diagnostic> {
        let alerting = self.client.alerting();
        let hint = POLICY_HINT;
        let labels = marker::policy_labels(id);
        for (key, mut want) in remote::alert_policies(guard, &self.children.channels) {
            want.user_labels = labels.clone();
            let path = match key.strip_prefix("tenant:") {
                Some(name) => tenant_path(
                    guard
                        .tenants
                        .iter()
                        .position(|t| t.name == name)
                        .unwrap_or(0),
                ),
                None => AttributePath::root(Model::COST_METRIC)
                    .index(0)
                    .attr(CostMetricBlock::SPIKE_USD_PER_HOUR),
            };
            match self.children.alert_policies.get(&key).cloned() {
                None => {
                    let created = call(
                        self.ctx,
                        &format!("creating alert policy {:?}", want.display_name),
                        hint,
                        alerting.create_policy(&self.project, &want),
                    )
                    .await
                    .map_err(|d| at(d, path))?;
                    self.children.alert_policies.insert(key, created.name);
                }
                Some(name) => {
                    let have = call(
                        self.ctx,
                        &format!("reading alert policy {name}"),
                        hint,
                        alerting.get_policy(&name),
                    )
                    .await?;
                    if !same_policy(&want, &have) {
                        let mask = [
                            "displayName",
                            "documentation",
                            "conditions",
                            "combiner",
                            "enabled",
                            "notificationChannels",
                            "severity",
                            "userLabels",
                        ];
                        call(
                            self.ctx,
                            &format!("updating alert policy {name}"),
                            hint,
                            alerting.patch_policy(&name, &want, &mask),
                        )
                        .await
                        .map_err(|d| at(d, path))?;
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) async fn remove_stale_policies(&mut self, guard: &Guard) -> Result<(), Diagnostic> {
        let wanted = remote::alert_policies(guard, &self.children.channels);
        let gone = stale(&self.children.alert_policies, |k| wanted.contains_key(k));
        for (key, name) in gone {
            self.delete_policy(&name).await?;
            self.children.alert_policies.remove(&key);
        }
        Ok(())
    }

    /// Creates the cost metric's descriptor, or adopts the one the application
    /// already defined when its kind and value type fit the policies. Returns
    /// the descriptor it replaces (name, owned), to drop once no policy uses it.
    pub(super) async fn ensure_metric_descriptor(
        &mut self,
        guard: &Guard,
        id: &str,
    ) -> Result<Option<(String, bool)>, Diagnostic> {
        let metric_type = &guard.cost_metric.metric_type;
        if remote::alert_policies(guard, &self.children.channels).is_empty()
            || self
                .children
                .metric_descriptor
                .as_deref()
                .is_some_and(|d| remote::is_descriptor_of(d, metric_type))
        {
            return Ok(None);
        }
        let path = AttributePath::root(Model::COST_METRIC);
        let metrics = self.client.metrics();
        let what = format!("reading metric descriptor {metric_type}");
        let existing = call(self.ctx, &what, DESCRIPTOR_HINT, async {
            metrics
                .get_descriptor(&self.project, metric_type)
                .await
                .optional()
        })
        .await
        .map_err(|d| at(d, path.clone()))?;
        let (descriptor, owned) = match existing {
            Some(d) => {
                check_cost_metric(&d).map_err(|d| at(d, path.clone()))?;
                // One this guard created in an apply that was interrupted stays its own.
                let owned = d.description.contains(&marker::descriptor_note(id));
                (d, owned)
            }
            None => {
                let want = remote::cost_metric_descriptor(guard, id);
                let created = call(
                    self.ctx,
                    &format!("creating metric descriptor {metric_type}"),
                    DESCRIPTOR_HINT,
                    metrics.create_descriptor(&self.project, &want),
                )
                .await
                .map_err(|d| at(d, path.clone()))?;
                (created, true)
            }
        };
        let replaced = self
            .children
            .metric_descriptor
            .replace(descriptor.name)
            .map(|old| (old, self.children.metric_descriptor_owned));
        self.children.metric_descriptor_owned = owned;
        Ok(replaced)
    }

    /// Drops the recorded descriptor, deleting it only when the guard created it.
    pub(super) async fn release_descriptor(&mut self) -> Result<(), Diagnostic> {
        if let Some(name) = self.children.metric_descriptor.clone() {
            self.drop_descriptor(&name, self.children.metric_descriptor_owned)
                .await?;
        }
        self.children.metric_descriptor = None;
        self.children.metric_descriptor_owned = false;
        Ok(())
    }

    /// Deletes a descriptor the guard created (and its data); adopted ones stay.
    pub(super) async fn drop_descriptor(&self, name: &str, owned: bool) -> Result<(), Diagnostic> {
        if owned {
            let metric_type = remote::split_descriptor(name).map_or(name, |(_, t)| t);
            let metrics = self.client.metrics();
            self.delete(
                format!("deleting metric descriptor {name}"),
                DESCRIPTOR_HINT,
                metrics.delete_descriptor(&self.project, metric_type),
            )
            .await?;
        }
        Ok(())
    }

    pub(in super::super) async fn delete_policy(&self, name: &str) -> Result<(), Diagnostic> {
        let alerting = self.client.alerting();
        self.delete(
            format!("deleting alert policy {name}"),
            "Check roles/monitoring.alertPolicyEditor.",
            alerting.delete_policy(name),
        )
        .await
    }
}
