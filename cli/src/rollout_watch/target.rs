//! What `rollout watch` takes from the state: where the service lives and its
//! rollout settings, decoded with the provider's own schema and defaults.

use platform_provider::resources::blue_green_service::{Rollout, TYPE_NAME};

use crate::error::CliError;
use crate::rollout_status::is_named;
use crate::service_settings::rollout_of;
use crate::show::{ResourceView, ShowDoc};

#[derive(Debug, Clone)]
pub struct WatchTarget {
    pub address: String,
    pub project: String,
    pub location: String,
    /// The Cloud Run service id (`name` attribute).
    pub name: String,
    pub rollout: Rollout,
}

impl WatchTarget {
    /// `projects/P/locations/L/services/S`.
    pub fn full_name(&self) -> String {
        gcp_client::run::service_name(&self.project, &self.location, &self.name)
    }

    pub fn from_resource(r: &ResourceView) -> Result<Self, CliError> {
        let bad = |detail: String| CliError::BadServiceState {
            address: r.address.clone(),
            detail,
        };
        let rollout = rollout_of(r).map_err(bad)?;
        let required = |key: &str| {
            r.str(key)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| bad(format!("`{key}` is not set; run `terraform apply` first")))
        };
        Ok(Self {
            address: r.address.clone(),
            project: required("project")?,
            location: required("location")?,
            name: required("name")?,
            rollout,
        })
    }
}

/// The blue-green service named `wanted` (service name or resource address).
pub fn find(doc: &ShowDoc, wanted: &str) -> Option<Result<WatchTarget, CliError>> {
    doc.of_type(TYPE_NAME)
        .find(|r| is_named(r, wanted))
        .map(WatchTarget::from_resource)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn doc(rollout: &str) -> ShowDoc {
        let json = format!(
            r#"{{"values":{{"root_module":{{"child_modules":[{{"resources":[{{
              "address":"module.services.platform_blue_green_service.api","mode":"managed",
              "type":"platform_blue_green_service",
              "values":{{"name":"api","project":"p","location":"us-central1","rollout":{rollout}}}}}]}}]}}}}}}"#
        );
        ShowDoc::parse(json.as_bytes(), "state").unwrap()
    }

    #[test]
    fn omitted_rollout_block_gets_the_provider_defaults() {
        let t = find(&doc("[]"), "api").unwrap().unwrap();
        assert_eq!(
            t.full_name(),
            "projects/p/locations/us-central1/services/api"
        );
        assert_eq!(t.rollout.steps, [5, 25, 50, 100]);
        assert_eq!(t.rollout.bake, Duration::from_secs(300));
        assert_eq!(t.rollout.candidate_tag, "candidate");
        assert!((t.rollout.max_error_rate - 0.005).abs() < 1e-12);
    }

    #[test]
    fn configured_rollout_and_lookup_by_address() {
        let d = doc(
            r#"[{"steps":[10,100],"bake_duration":"2s","max_error_rate":0.01,"candidate_tag":"next"}]"#,
        );
        let t = find(&d, "module.services.platform_blue_green_service.api")
            .unwrap()
            .unwrap();
        assert_eq!(t.rollout.steps, [10, 100]);
        assert_eq!(t.rollout.bake, Duration::from_secs(2));
        assert_eq!(t.rollout.candidate_tag, "next");
        assert!(find(&d, "web").is_none());
    }

    #[test]
    fn invalid_settings_are_reported_with_the_address() {
        let err = find(&doc(r#"[{"bake_duration":"soon"}]"#), "api")
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("module.services.platform_blue_green_service.api"),
            "{err}"
        );
    }
}
