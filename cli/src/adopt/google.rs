//! The hashicorp/google resources a root would create (the production root's
//! network, load balancer, database, ...): how `platform adopt` finds an
//! existing one, by the name the plan gives it. Compute resources (a router's
//! NAT inside its router) are looked up by name, Cloud SQL instances and
//! databases, Redis instances and secrets by the resource name their import
//! ID spells, Monitoring channels and alert policies by display name;
//! resources of APIs this CLI does not call are listed with the import ID
//! in their type's documented format, to check and import by hand; IAM
//! members and settings are not adopted (creating one that exists changes
//! nothing). `modcheck wiring` fails when a module uses a google type missing
//! here, so a module change cannot silently turn an adoption into a twin.

use gcp_client::GcpClient;
use serde_json::Value;

use crate::show::ResourceChange;
use crate::CliError;

/// How an existing object of one google type is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finder {
    /// A Compute collection, global or regional (`region`), by `name`;
    /// import ID `projects/P/{global|regions/R}/<collection>/<name>`.
    Compute {
        collection: &'static str,
        regional: bool,
    },
    /// A router's Cloud NAT (`router`, `name`), inside the router resource.
    RouterNat,
    /// Another API: the import ID template (`{attribute}` = planned value).
    ByHand(&'static str),
    /// As [`Finder::ByHand`], for an API this CLI calls: the filled template
    /// is also the object's resource name there, so it is looked up.
    Named { template: &'static str, api: Api },
    /// Monitoring names it on create: the one object of this collection
    /// (`notificationChannels`, `alertPolicies`) with the planned `display_name`.
    ByDisplayName(&'static str),
    /// As [`Finder::ByDisplayName`], in a collection this CLI does not list:
    /// found by hand.
    DisplayNameByHand,
    /// Creating one that already exists changes nothing (IAM members, settings).
    NotAdopted,
}

/// The APIs whose objects [`Finder::Named`] looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    SqlInstance,
    SqlDatabase,
    RedisInstance,
    Secret,
}

impl Api {
    async fn exists(self, client: &GcpClient, name: &str) -> Result<bool, gcp_client::Error> {
        Ok(match self {
            Api::SqlInstance => client.sql().get_instance(name).await?.is_some(),
            Api::SqlDatabase => client.sql().get_database(name).await?.is_some(),
            Api::RedisInstance => client.redis().get_instance(name).await?.is_some(),
            Api::Secret => client.secret_manager().get_secret(name).await?.is_some(),
        })
    }
}

/// Every google type the bundled modules use.
pub const GOOGLE_TYPES: &[(&str, Finder)] = &[
    ("google_compute_network", compute("networks", false)),
    ("google_compute_subnetwork", compute("subnetworks", true)),
    ("google_compute_firewall", compute("firewalls", false)),
    ("google_compute_router", compute("routers", true)),
    ("google_compute_global_address", compute("addresses", false)),
    (
        "google_compute_managed_ssl_certificate",
        compute("sslCertificates", false),
    ),
    ("google_compute_url_map", compute("urlMaps", false)),
    (
        "google_compute_target_https_proxy",
        compute("targetHttpsProxies", false),
    ),
    (
        "google_compute_target_http_proxy",
        compute("targetHttpProxies", false),
    ),
    (
        "google_compute_target_ssl_proxy",
        compute("targetSslProxies", false),
    ),
    (
        "google_compute_global_forwarding_rule",
        compute("forwardingRules", false),
    ),
    (
        "google_compute_security_policy",
        compute("securityPolicies", false),
    ),
    (
        "google_compute_backend_service",
        compute("backendServices", false),
    ),
    (
        "google_compute_backend_bucket",
        compute("backendBuckets", false),
    ),
    (
        "google_compute_region_network_endpoint_group",
        compute("networkEndpointGroups", true),
    ),
    (
        "google_compute_region_commitment",
        compute("commitments", true),
    ),
    ("google_compute_router_nat", Finder::RouterNat),
    (
        "google_sql_database_instance",
        named("projects/{project}/instances/{name}", Api::SqlInstance),
    ),
    (
        "google_sql_database",
        named(
            "projects/{project}/instances/{instance}/databases/{name}",
            Api::SqlDatabase,
        ),
    ),
    (
        "google_redis_instance",
        named(
            "projects/{project}/locations/{region}/instances/{name}",
            Api::RedisInstance,
        ),
    ),
    (
        "google_secret_manager_secret",
        named("projects/{project}/secrets/{secret_id}", Api::Secret),
    ),
    (
        "google_vpc_access_connector",
        Finder::ByHand("projects/{project}/locations/{region}/connectors/{name}"),
    ),
    ("google_storage_bucket", Finder::ByHand("{project}/{name}")),
    (
        "google_service_account",
        Finder::ByHand(
            "projects/{project}/serviceAccounts/{account_id}@{project}.iam.gserviceaccount.com",
        ),
    ),
    (
        "google_logging_project_sink",
        Finder::ByHand("projects/{project}/sinks/{name}"),
    ),
    (
        "google_service_networking_connection",
        Finder::ByHand("{network}:{service}"),
    ),
    (
        "google_monitoring_notification_channel",
        Finder::ByDisplayName("notificationChannels"),
    ),
    (
        "google_monitoring_alert_policy",
        Finder::ByDisplayName("alertPolicies"),
    ),
    (
        "google_monitoring_uptime_check_config",
        Finder::DisplayNameByHand,
    ),
    ("google_project_iam_member", Finder::NotAdopted),
    ("google_project_iam_audit_config", Finder::NotAdopted),
    (
        "google_secret_manager_secret_iam_member",
        Finder::NotAdopted,
    ),
    ("google_storage_bucket_iam_member", Finder::NotAdopted),
    ("google_logging_project_bucket_config", Finder::NotAdopted),
];

const fn compute(collection: &'static str, regional: bool) -> Finder {
    Finder::Compute {
        collection,
        regional,
    }
}

const fn named(template: &'static str, api: Api) -> Finder {
    Finder::Named { template, api }
}

/// Turns a failed lookup into the CLI's error, saying what it was doing.
fn failed(what: String) -> impl FnOnce(gcp_client::Error) -> CliError {
    move |e| CliError::Google {
        what,
        source: Box::new(e),
    }
}

pub fn finder(resource_type: &str) -> Option<Finder> {
    GOOGLE_TYPES
        .iter()
        .find(|(t, _)| *t == resource_type)
        .map(|(_, f)| *f)
}

fn planned<'a>(change: &'a ResourceChange, attribute: &str) -> Option<&'a str> {
    change
        .after
        .get(attribute)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `template` with every `{attribute}` replaced by its planned value; None
/// when one is unknown until apply.
pub fn fill(template: &str, change: &ResourceChange, defaults: &Defaults) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let attribute = &rest[start + 1..end];
        let value = planned(change, attribute).or(match attribute {
            "project" => defaults.project.as_deref(),
            "region" => defaults.region.as_deref(),
            _ => None,
        })?;
        // A reference to another object (a self link) counts by its last segment.
        let value = if attribute == "name" {
            value
        } else {
            value.rsplit('/').next().unwrap_or(value)
        };
        out.push_str(value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The project and region a resource that leaves them to the provider gets.
#[derive(Debug, Default, Clone)]
pub struct Defaults {
    pub project: Option<String>,
    pub region: Option<String>,
}

/// What adopt does with one google resource the plan would create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It exists: import it with this ID.
    Found(String),
    /// The one object that can be it exists under another name: import it
    /// with this ID, keeping `name` (the root variable that sets the name
    /// must then say so).
    FoundAs { import_id: String, name: String },
    /// It does not exist: the apply creates it.
    Missing,
    /// Check by hand whether it exists; import with this ID if so.
    Check(String),
    /// Not adopted, with why.
    Skipped(String),
}

/// Looks up `change` (a create of a google resource).
pub async fn look_up(
    client: &GcpClient,
    change: &ResourceChange,
    defaults: &Defaults,
) -> Result<Outcome, CliError> {
    let Some(finder) = finder(&change.resource_type) else {
        return Ok(Outcome::Skipped(
            "platform adopt does not know this type; import it by hand if it exists".into(),
        ));
    };
    match finder {
        Finder::Compute {
            collection,
            regional,
        } => {
            // Each part once; a regional resource needs its region too.
            let part = |attribute: &str| fill(&format!("{{{attribute}}}"), change, defaults);
            let region = if regional { part("region") } else { None };
            let (Some(project), Some(name), true) =
                (part("project"), part("name"), region.is_some() || !regional)
            else {
                return Ok(Outcome::Skipped(
                    "its name is known only after apply".into(),
                ));
            };
            let id_of = |name: &str| match &region {
                Some(r) => format!("projects/{project}/regions/{r}/{collection}/{name}"),
                None => format!("projects/{project}/global/{collection}/{name}"),
            };
            let id = id_of(&name);
            let exists = client
                .compute()
                .get_named(&project, region.as_deref(), collection, &name)
                .await
                .map_err(failed(format!("looking for {id}")))?;
            if exists.is_some() {
                return Ok(Outcome::Found(id));
            }
            let other = only_other(client, &project, region.as_deref(), collection)
                .await
                .map_err(failed(format!("listing the {collection} of {project}")))?;
            Ok(match other {
                Some(other) => Outcome::FoundAs {
                    import_id: id_of(&other),
                    name: other,
                },
                None => Outcome::Missing,
            })
        }
        Finder::RouterNat => {
            let part = |attribute: &str| fill(&format!("{{{attribute}}}"), change, defaults);
            let (Some(project), Some(region), Some(router), Some(name)) = (
                part("project"),
                part("region"),
                part("router"),
                part("name"),
            ) else {
                return Ok(Outcome::Skipped(
                    "its name is known only after apply".into(),
                ));
            };
            let id = format!("projects/{project}/regions/{region}/routers/{router}/{name}");
            let found = client
                .compute()
                .get_named(&project, Some(&region), "routers", &router)
                .await
                .map_err(failed(format!("looking for {id}")))?;
            Ok(
                if found.is_some_and(|r| r.nats.iter().any(|n| n.name == name)) {
                    Outcome::Found(id)
                } else {
                    Outcome::Missing
                },
            )
        }
        Finder::ByHand(template) | Finder::Named { template, .. } => {
            let Some(id) = fill(template, change, defaults) else {
                return Ok(Outcome::Skipped(
                    "its import ID is known only after apply".into(),
                ));
            };
            let Finder::Named { api, .. } = finder else {
                return Ok(Outcome::Check(id));
            };
            let exists = api
                .exists(client, &id)
                .await
                .map_err(failed(format!("looking for {id}")))?;
            Ok(if exists {
                Outcome::Found(id)
            } else {
                Outcome::Missing
            })
        }
        Finder::ByDisplayName(collection) => {
            let (Some(project), Some(display_name)) = (
                fill("{project}", change, defaults),
                planned(change, "display_name"),
            ) else {
                return Ok(Outcome::Skipped(
                    "its display name is known only after apply".into(),
                ));
            };
            let alerting = client.alerting();
            let listed = match collection {
                "notificationChannels" => alerting.list_channels(&project, "").await.map(|all| {
                    all.into_iter()
                        .filter(|c| c.display_name == display_name)
                        .map(|c| c.name)
                        .collect::<Vec<_>>()
                }),
                _ => alerting.list_policies(&project, "").await.map(|all| {
                    all.into_iter()
                        .filter(|p| p.display_name == display_name)
                        .map(|p| p.name)
                        .collect()
                }),
            }
            .map_err(failed(format!("listing the {collection} of {project}")))?;
            Ok(match listed.as_slice() {
                [] => Outcome::Missing,
                [one] => Outcome::Found(one.clone()),
                several => Outcome::Skipped(format!(
                    "{} {collection} are named {display_name:?}; import the one meant by hand ({})",
                    several.len(),
                    several.join(", ")
                )),
            })
        }
        Finder::DisplayNameByHand => Ok(Outcome::Skipped(format!(
            "the server assigns its ID: find the one named {:?} and import it by hand",
            planned(change, "display_name").unwrap_or("(unknown)")
        ))),
        Finder::NotAdopted => Ok(Outcome::Skipped(
            "creating one that exists changes nothing".into(),
        )),
    }
}

/// The network a hand-built production has under its own name (the
/// guide's `platform-prod-vpc`): the project's one VPC besides `default`, or
/// that VPC's one subnet in the region. None when there are two or more of
/// either (never guessed) and for other collections (their names derive from
/// the network's, so they are found by name once it is adopted).
async fn only_other(
    client: &GcpClient,
    project: &str,
    region: Option<&str>,
    collection: &str,
) -> Result<Option<String>, gcp_client::Error> {
    fn only<T>(mut items: impl Iterator<Item = T>) -> Option<T> {
        match (items.next(), items.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }
    if !matches!(collection, "networks" | "subnetworks") {
        return Ok(None);
    }
    let compute = client.compute();
    let networks = compute.list_named(project, None, "networks").await?;
    let Some(vpc) = only(networks.into_iter().filter(|n| n.name != "default")) else {
        return Ok(None);
    };
    if collection == "networks" {
        return Ok(Some(vpc.name));
    }
    let subnets = compute.list_named(project, region, collection).await?;
    Ok(only(subnets.into_iter().filter(|s| {
        s.network.as_deref().and_then(|n| n.rsplit('/').next()) == Some(vpc.name.as_str())
    }))
    .map(|s| s.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(resource_type: &str, after: Value) -> ResourceChange {
        ResourceChange {
            address: format!("module.m.{resource_type}.x"),
            module_address: Some("module.m".into()),
            resource_type: resource_type.into(),
            mode: "managed".into(),
            actions: vec!["create".into()],
            before: Value::Null,
            after,
            after_unknown: json!({}),
            importing_id: None,
        }
    }

    /// An instance and a secret made as gcloud would are found at their
    /// import IDs; a database and a Redis instance that do not exist are left
    /// to the apply.
    #[tokio::test]
    async fn sql_redis_and_secrets_are_looked_up_by_import_id() {
        let emu = gcp_emulator::start(gcp_emulator::EmulatorConfig {
            op_latency: std::time::Duration::ZERO,
            ..Default::default()
        })
        .await
        .unwrap();
        let base = emu.base_url();
        let key = emu.service_account_key_json();
        let env: gcp_client::EnvLookup = std::sync::Arc::new(move |var: &str| match var {
            "GOOGLE_CREDENTIALS" => Some(key.clone()),
            "GOOGLE_SQL_CUSTOM_ENDPOINT" => Some(format!("{base}/sql/v1beta4/")),
            "GOOGLE_REDIS_CUSTOM_ENDPOINT" | "GOOGLE_SECRET_MANAGER_CUSTOM_ENDPOINT" => {
                Some(format!("{base}/v1/"))
            }
            _ => None,
        });
        let client = crate::google::client_from(env).unwrap();
        let api = client.api();
        let project = gcp_emulator::DEFAULT_PROJECT;
        for (service, path, body) in [
            (
                gcp_client::Service::Sql,
                format!("projects/{project}/instances"),
                json!({"name": "platform-prod-db", "settings": {"tier": "db-f1-micro"}}),
            ),
            (
                gcp_client::Service::SecretManager,
                format!("projects/{project}/secrets?secretId=livekit-keys"),
                json!({"replication": {"automatic": {}}}),
            ),
        ] {
            let _: Value = api.post(&api.url(service, &path), &body).await.unwrap();
        }
        let d = Defaults {
            project: Some(project.into()),
            region: Some("us-central1".into()),
        };
        for (resource_type, after, expected) in [
            (
                "google_sql_database_instance",
                json!({"name": "platform-prod-db"}),
                Outcome::Found(format!("projects/{project}/instances/platform-prod-db")),
            ),
            (
                "google_sql_database",
                json!({"name": "platform", "instance": "platform-prod-db"}),
                Outcome::Missing,
            ),
            (
                "google_redis_instance",
                json!({"name": "platform-redis"}),
                Outcome::Missing,
            ),
            (
                "google_secret_manager_secret",
                json!({"secret_id": "livekit-keys"}),
                Outcome::Found(format!("projects/{project}/secrets/livekit-keys")),
            ),
        ] {
            let outcome = look_up(&client, &change(resource_type, after), &d)
                .await
                .unwrap();
            assert_eq!(outcome, expected, "{resource_type}");
        }
        emu.shutdown().await;
    }

    #[test]
    fn import_ids_follow_each_types_documented_format() {
        let d = Defaults {
            project: Some("platform-prod".into()),
            region: Some("us-central1".into()),
        };
        let sql = change(
            "google_sql_database_instance",
            json!({"name": "platform-prod-db", "project": "platform-prod"}),
        );
        assert_eq!(
            fill("projects/{project}/instances/{name}", &sql, &d).as_deref(),
            Some("projects/platform-prod/instances/platform-prod-db")
        );
        let nat = change(
            "google_compute_router_nat",
            json!({"name": "nat", "router": "projects/p/regions/r/routers/platform-router"}),
        );
        assert_eq!(
            fill(
                "projects/{project}/regions/{region}/routers/{router}/{name}",
                &nat,
                &d
            )
            .as_deref(),
            Some("projects/platform-prod/regions/us-central1/routers/platform-router/nat")
        );
        let unknown = change("google_sql_database", json!({"name": "app"}));
        assert_eq!(
            fill(
                "projects/{project}/instances/{instance}/databases/{name}",
                &unknown,
                &d
            ),
            None
        );
    }
}
