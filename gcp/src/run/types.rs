//! Cloud Run Admin v2 resources, field names as in the discovery document.
//! Only the fields the platform uses are typed; `None`/empty fields are not sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const TRAFFIC_REVISION: &str = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";
pub const TRAFFIC_LATEST: &str = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST";
pub const CONDITION_SUCCEEDED: &str = "CONDITION_SUCCEEDED";
pub const CONDITION_FAILED: &str = "CONDITION_FAILED";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Service {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing)]
    pub uid: String,
    #[serde(skip_serializing)]
    pub generation: String,
    #[serde(skip_serializing)]
    pub observed_generation: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<RevisionTemplate>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub traffic: Vec<TrafficTarget>,
    #[serde(skip_serializing)]
    pub traffic_statuses: Vec<TrafficTargetStatus>,
    #[serde(skip_serializing)]
    pub uri: String,
    #[serde(skip_serializing)]
    pub reconciling: bool,
    #[serde(skip_serializing)]
    pub terminal_condition: Option<Condition>,
    #[serde(skip_serializing)]
    pub latest_ready_revision: String,
    #[serde(skip_serializing)]
    pub latest_created_revision: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub etag: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RevisionTemplate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_instance_request_concurrency: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_affinity: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling: Option<RevisionScaling>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_access: Option<VpcAccess>,
    pub containers: Vec<Container>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RevisionScaling {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_instance_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_instance_count: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VpcAccess {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub image: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVar {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_source: Option<EnvVarSource>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVarSource {
    pub secret_key_ref: Option<SecretKeySelector>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecretKeySelector {
    pub secret: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerPort {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub container_port: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceRequirements {
    pub limits: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Probe {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_get: Option<HttpGetAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Option<TcpSocketAction>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpGetAction {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpSocketAction {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrafficTarget {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub revision: String,
    pub percent: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tag: String,
}

impl TrafficTarget {
    pub fn revision(revision: &str, percent: i64, tag: Option<&str>) -> Self {
        TrafficTarget {
            kind: TRAFFIC_REVISION.to_owned(),
            revision: revision.to_owned(),
            percent,
            tag: tag.unwrap_or_default().to_owned(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrafficTargetStatus {
    #[serde(rename = "type")]
    pub kind: String,
    pub revision: String,
    pub percent: i64,
    pub tag: String,
    pub uri: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    pub state: String,
    pub message: String,
    pub reason: String,
}

/// A revision: the template fields it was built from plus its readiness.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Revision {
    pub name: String,
    pub service_account: Option<String>,
    pub timeout: Option<String>,
    pub max_instance_request_concurrency: Option<i64>,
    pub execution_environment: Option<String>,
    pub session_affinity: Option<bool>,
    pub scaling: Option<RevisionScaling>,
    pub vpc_access: Option<VpcAccess>,
    pub containers: Vec<Container>,
    pub conditions: Vec<Condition>,
    pub create_time: String,
}

impl Revision {
    pub fn short_name(&self) -> &str {
        short_name(&self.name)
    }

    /// The template this revision was built from (named after it).
    pub fn template(&self) -> RevisionTemplate {
        RevisionTemplate {
            revision: Some(self.short_name().to_owned()),
            service_account: self.service_account.clone(),
            timeout: self.timeout.clone(),
            max_instance_request_concurrency: self.max_instance_request_concurrency,
            execution_environment: self.execution_environment.clone(),
            session_affinity: self.session_affinity,
            scaling: self.scaling.clone(),
            vpc_access: self.vpc_access.clone(),
            containers: self.containers.clone(),
        }
    }

    /// The Ready condition's message when the revision failed to become ready.
    pub fn failure(&self) -> Option<&str> {
        self.conditions
            .iter()
            .find(|c| c.kind == "Ready" && c.state == CONDITION_FAILED)
            .map(|c| c.message.as_str())
    }
}

/// Last path segment: the API mixes full and short revision names.
pub fn short_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

impl Service {
    /// Serving percent per revision short name, from `trafficStatuses`
    /// (LATEST resolved to the latest ready revision).
    pub fn serving_split(&self) -> BTreeMap<String, i64> {
        self.split_of(
            self.traffic_statuses
                .iter()
                .map(|s| (s.kind.as_str(), s.revision.as_str(), s.percent)),
        )
    }

    /// Requested percent per revision short name, from the `traffic` spec
    /// (what the last writer asked for, before `trafficStatuses` converge).
    /// Revisions at 0 % are left out: they serve nothing.
    pub fn spec_split(&self) -> BTreeMap<String, i64> {
        let mut split = self.split_of(
            self.traffic
                .iter()
                .map(|t| (t.kind.as_str(), t.revision.as_str(), t.percent)),
        );
        split.retain(|_, p| *p > 0);
        split
    }

    fn split_of<'a>(
        &'a self,
        entries: impl Iterator<Item = (&'a str, &'a str, i64)>,
    ) -> BTreeMap<String, i64> {
        let mut out = BTreeMap::new();
        for (kind, revision, percent) in entries {
            let rev = if kind == TRAFFIC_LATEST {
                short_name(&self.latest_ready_revision)
            } else {
                short_name(revision)
            };
            if !rev.is_empty() {
                *out.entry(rev.to_owned()).or_insert(0) += percent;
            }
        }
        out
    }

    /// Converged on the spec: the step-finished test from the `reconciling` docs.
    pub fn converged(&self) -> bool {
        let statuses: Vec<(String, i64, String)> = self
            .traffic_statuses
            .iter()
            .map(|s| (short_name(&s.revision).to_owned(), s.percent, s.tag.clone()))
            .collect();
        let spec: Vec<(String, i64, String)> = self
            .traffic
            .iter()
            .map(|t| (short_name(&t.revision).to_owned(), t.percent, t.tag.clone()))
            .collect();
        !self.reconciling
            && self.generation == self.observed_generation
            && self
                .terminal_condition
                .as_ref()
                .is_some_and(|c| c.state == CONDITION_SUCCEEDED)
            && statuses == spec
    }

    /// The URL of traffic tag `tag`, as the API reports it.
    pub fn tag_uri(&self, tag: &str) -> Option<&str> {
        self.traffic_statuses
            .iter()
            .find(|s| s.tag == tag && !tag.is_empty())
            .map(|s| s.uri.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_split_drops_zero_shares_and_resolves_latest() {
        let service = Service {
            latest_ready_revision: "projects/p/locations/l/services/s/revisions/s-b".into(),
            traffic: vec![
                TrafficTarget::revision("s-a", 95, None),
                TrafficTarget::revision("s-c", 0, Some("candidate")),
                TrafficTarget {
                    kind: TRAFFIC_LATEST.to_owned(),
                    revision: String::new(),
                    percent: 5,
                    tag: String::new(),
                },
            ],
            ..Service::default()
        };
        let split: Vec<(String, i64)> = service.spec_split().into_iter().collect();
        assert_eq!(split, vec![("s-a".into(), 95), ("s-b".into(), 5)]);
    }
}
