//! Taking over objects that already exist: resource identity, import by
//! identity, and cross-type `moved` from hashicorp/google.
//!
//! Every composite is named by its `id`, so its identity is the `id` split
//! into the parts an [`IdPattern`] names, and an identity given to import is
//! the same parts joined back into the import ID.
//!
//! A move cannot read anything from Google (Terraform does not configure the
//! provider before `MoveResourceState`), so the moved state holds only what
//! names the object, and the private data notes which import ID it stands for.
//! The `ReadResource` that follows imports the object exactly as
//! `terraform import` would ([`settle`]); a plan that skipped that read is
//! refused ([`unread`]) rather than planned against a state of nulls.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::{
    Block, Diagnostic, Diagnostics, IdentityAttribute, IdentitySchema, ImportResponse, ListEvent,
    ListRequest, ListResource, ListSink, MoveRequest, MoveResponse, OpContext, PlanResponse,
    ReadRequest, ReadResponse, Resource, Schema, Type, Value,
};

use crate::framework::values::complete;
use crate::state::ProviderData;

/// An `id` format such as `projects/{project}/global/backendServices/{name}`:
/// literal segments and `{field}` segments, one per identity attribute.
#[derive(Debug, Clone, Copy)]
pub struct IdPattern(pub &'static str);

impl IdPattern {
    fn segments(self) -> impl Iterator<Item = Segment> {
        self.0.split('/').map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(field) => Segment::Field(field),
                None => Segment::Literal(s),
            },
        )
    }

    /// The identity attributes, in `id` order.
    pub fn fields(self) -> Vec<&'static str> {
        self.segments()
            .filter_map(|s| match s {
                Segment::Field(f) => Some(f),
                Segment::Literal(_) => None,
            })
            .collect()
    }

    /// The parts of `id`, or `None` when it does not have this form.
    pub fn parse(self, id: &str) -> Option<BTreeMap<&'static str, String>> {
        let parts: Vec<&str> = id.split('/').collect();
        let segments: Vec<Segment> = self.segments().collect();
        if parts.len() != segments.len() {
            return None;
        }
        let mut out = BTreeMap::new();
        for (segment, part) in segments.into_iter().zip(parts) {
            match segment {
                Segment::Literal(l) if l == part => {}
                Segment::Field(f) if !part.is_empty() => {
                    out.insert(f, part.to_owned());
                }
                _ => return None,
            }
        }
        Some(out)
    }

    /// The `id` with every field filled from `parts`.
    pub fn format(self, parts: &BTreeMap<&str, String>) -> String {
        self.segments()
            .map(|s| match s {
                Segment::Literal(l) => l.to_owned(),
                Segment::Field(f) => parts.get(f).cloned().unwrap_or_default(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

enum Segment {
    Literal(&'static str),
    Field(&'static str),
}

/// How a composite is identified: its `id` pattern, which of its fields the
/// provider can default (project from the provider's `project`, location from
/// its `region`), and a description per field.
pub struct Identity {
    pub pattern: IdPattern,
    /// `(field, description)` in `id` order.
    pub descriptions: &'static [(&'static str, &'static str)],
    /// Fields that default to a provider setting when an import leaves them out.
    pub defaulted: &'static [&'static str],
}

impl Identity {
    pub fn schema(&self) -> IdentitySchema {
        IdentitySchema {
            version: 0,
            attributes: self
                .pattern
                .fields()
                .into_iter()
                .map(|f| {
                    let description = self
                        .descriptions
                        .iter()
                        .find(|(n, _)| *n == f)
                        .map_or("", |(_, d)| d);
                    if self.defaulted.contains(&f) {
                        IdentityAttribute::optional(f, Type::String, description)
                    } else {
                        IdentityAttribute::required(f, Type::String, description)
                    }
                })
                .collect(),
        }
    }

    /// The identity of the object a state or plan names: its `id`, split.
    /// Unknown while the `id` is (a create's plan).
    pub fn of(&self, state: &Value) -> Value {
        match state.get("id") {
            Value::Unknown => Value::Unknown,
            Value::String(id) => self.pattern.parse(id).map_or(Value::Null, |parts| {
                Value::object(parts.into_iter().map(|(k, v)| (k, Value::from(v))))
            }),
            _ => Value::Null,
        }
    }

    /// The import ID an `import { identity = {...} }` names; `defaults` give
    /// the provider's value for each defaulted field.
    pub fn import_id(
        &self,
        type_name: &str,
        identity: &Value,
        defaults: &[(&str, Option<&str>)],
    ) -> Result<String, Diagnostic> {
        let mut parts = BTreeMap::new();
        for field in self.pattern.fields() {
            let given = identity.get(field).as_str().filter(|s| !s.is_empty());
            let default = defaults
                .iter()
                .find(|(f, _)| *f == field)
                .and_then(|(_, v)| *v);
            match given.or(default) {
                Some(v) if !v.contains('/') => {
                    parts.insert(field, v.to_owned());
                }
                Some(v) => {
                    return Err(Diagnostic::error(
                        "Invalid import identity",
                        format!("{field} = {v:?} in the identity of this {type_name} contains a \"/\"; give the bare {field}, as in {}.", self.pattern.0),
                    ))
                }
                None => {
                    return Err(Diagnostic::error(
                        "Incomplete import identity",
                        format!("The identity to import this {type_name} has no {field}, and the provider configuration sets none to default to. Set {field} in the `import` block's `identity`."),
                    ))
                }
            }
        }
        Ok(self.pattern.format(&parts))
    }
}

/// `import { identity = {...} }`: the import ID the identity names (fields
/// left out default to the provider's settings), imported as
/// `terraform import` would.
pub async fn import_by_identity<R: Resource + ?Sized>(
    r: &R,
    ctx: &OpContext,
    how: &Identity,
    identity: &Value,
    data: Option<&ProviderData>,
) -> ImportResponse {
    let defaults: Vec<(&str, Option<&str>)> = how
        .defaulted
        .iter()
        .map(|f| (*f, provider_default(data, f)))
        .collect();
    match how.import_id(r.type_name(), identity, &defaults) {
        Ok(id) => r.import(ctx, &id).await,
        Err(d) => ImportResponse {
            imported: Vec::new(),
            diagnostics: d.into(),
        },
    }
}

/// A composite that `terraform query` can list: what its `list` block takes
/// and how it finds candidates. [`Listing`] does the rest.
#[async_trait]
pub trait Discover: Resource {
    fn identity_of() -> &'static Identity;
    /// The `config` block of `list "<type>" "..." { config { ... } }`.
    fn list_config() -> Block;
    async fn discover(&self, ctx: &OpContext, config: &Value) -> Result<Vec<Found>, Diagnostics>;
}

/// The list resource of a [`Discover`] composite.
pub struct Listing<R>(pub R);

#[async_trait]
impl<R: Discover> ListResource for Listing<R> {
    fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    fn config_schema(&self) -> Schema {
        Schema {
            version: 0,
            block: R::list_config(),
        }
    }

    async fn list(&self, ctx: &OpContext, req: ListRequest, sink: &mut ListSink) -> Diagnostics {
        match self.0.discover(ctx, &req.config).await {
            Ok(found) => {
                stream(
                    &self.0,
                    ctx,
                    R::identity_of(),
                    found,
                    req.include_resource_object,
                    sink,
                )
                .await;
                Diagnostics::new()
            }
            Err(d) => d,
        }
    }
}

/// One object a `list` found: its import ID and what `terraform query` shows.
pub struct Found {
    pub import_id: String,
    pub display_name: String,
}

/// Streams what a `list` found: each result's identity comes from its import
/// ID; with `include_resource_object`, the object as `terraform import` reads
/// it (an object that cannot be read is reported on its own result).
pub async fn stream<R: Resource + ?Sized>(
    r: &R,
    ctx: &OpContext,
    how: &Identity,
    found: Vec<Found>,
    include_object: bool,
    sink: &mut ListSink,
) {
    for f in found {
        let mut event = ListEvent {
            identity: how.of(&Value::object([("id", Value::from(f.import_id.as_str()))])),
            display_name: f.display_name,
            ..ListEvent::default()
        };
        if include_object {
            let mut imported = r.import(ctx, &f.import_id).await;
            match imported.imported.pop() {
                Some(item) if !imported.diagnostics.has_errors() => event.object = item.state,
                _ => event.diagnostics = imported.diagnostics,
            }
        }
        if !sink.send(event).await {
            return;
        }
    }
}

/// A hashicorp/google resource type a composite can be moved from.
pub struct MoveSource {
    pub type_name: &'static str,
    /// The schema version hashicorp/google 6.x and 7.x write for this type.
    pub schema_version: i64,
    /// The composite's import ID for the object, from the source's stored
    /// attributes; `Err` names what is missing.
    pub import_id: fn(&Json) -> Result<String, String>,
}

/// The private data of a moved state whose object has not been read yet.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    moved_from: String,
    import_id: String,
}

fn pending(private: &[u8]) -> Option<Pending> {
    serde_json::from_slice(private).ok()
}

/// Is `address` hashicorp/google (or google-beta) as Terraform or OpenTofu
/// name it? Some OpenTofu releases (1.10–1.11.11, 1.12.0–1.12.3) sent the
/// bare `google`.
fn is_google(address: &str) -> bool {
    let parts: Vec<&str> = address.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [namespace, name] | [_, namespace, name] if *namespace == "hashicorp" => *name,
        _ => return false,
    };
    matches!(name, "google" | "google-beta")
}

/// A string attribute of a stored hashicorp/google state.
pub fn attr<'a>(state: &'a Json, name: &str) -> Option<&'a str> {
    state
        .get(name)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

/// The cross-type move into `type_name` (whose schema is `block`) from one of
/// `sources`: a wholly known state holding only the `id` and the identity's
/// parts (where the schema has attributes of those names), all else null.
pub fn move_state(
    type_name: &str,
    block: &Block,
    how: &Identity,
    sources: &[MoveSource],
    req: &MoveRequest,
) -> MoveResponse {
    let fail = |summary: &str, detail: String| MoveResponse {
        diagnostics: Diagnostic::error(summary, detail).into(),
        ..MoveResponse::default()
    };
    let Some(source) = sources.iter().find(|s| s.type_name == req.source_type_name) else {
        let names: Vec<&str> = sources.iter().map(|s| s.type_name).collect();
        return fail(
            "Unsupported move",
            format!(
                "{type_name} accepts `moved` blocks only from {}, not from {}.",
                names.join(", "),
                req.source_type_name
            ),
        );
    };
    if !is_google(&req.source_provider_address) {
        return fail(
            "Unsupported move",
            format!(
                "{type_name} accepts a {} only from hashicorp/google or hashicorp/google-beta, not from the provider {:?}. Import the object instead (`import {{ to = ..., id = ... }}`).",
                source.type_name, req.source_provider_address
            ),
        );
    }
    if req.source_schema_version != source.schema_version {
        return fail(
            "Unsupported source state version",
            format!(
                "The {} being moved was stored with schema version {}, but {type_name} reads the version {} that hashicorp/google 6.x and 7.x write. Run `terraform apply -refresh-only` with a current hashicorp/google first (it upgrades the stored state), then move.",
                source.type_name, req.source_schema_version, source.schema_version
            ),
        );
    }
    let import_id = match (source.import_id)(&req.source_state) {
        Ok(id) => id,
        Err(missing) => {
            return fail(
                "Invalid source state",
                format!(
                    "The stored state of the {} being moved has no usable {missing}, so it does not say which object to adopt. Import the object instead (`import {{ to = ..., id = ... }}`).",
                    source.type_name
                ),
            )
        }
    };
    let note = Pending {
        moved_from: source.type_name.to_owned(),
        import_id: import_id.clone(),
    };
    let mut named = vec![("id".to_owned(), Value::from(import_id.as_str()))];
    for (field, part) in how.pattern.parse(&import_id).into_iter().flatten() {
        if block.attributes.iter().any(|a| a.name == field) {
            named.push((field.to_owned(), Value::from(part)));
        }
    }
    MoveResponse {
        target_state: complete(block, &Value::object(named)),
        target_private: serde_json::to_vec(&note).unwrap_or_default(),
        diagnostics: Diagnostics::new(),
    }
}

/// The read after a move: import the object the moved state names, and read
/// on from there. `Err` is the answer to give when that fails (the moved state
/// kept, so nothing is lost and the next refresh tries again).
pub async fn settle<R: Resource + ?Sized>(
    r: &R,
    ctx: &OpContext,
    req: ReadRequest,
) -> Result<ReadRequest, ReadResponse> {
    let Some(note) = pending(&req.private) else {
        return Ok(req);
    };
    let mut imported = r.import(ctx, &note.import_id).await;
    match imported.imported.pop() {
        Some(item) if !imported.diagnostics.has_errors() => Ok(ReadRequest {
            current_state: item.state,
            private: item.private,
        }),
        _ => {
            let mut diagnostics = Diagnostics::new();
            diagnostics.push(Diagnostic::error(
                "Cannot adopt the moved object",
                format!(
                    "This {} was moved from {} and stands for {}, which could not be read (details follow). Its state keeps only that name until a refresh succeeds: fix the cause and plan again, or remove the `moved` block to leave the object with hashicorp/google.",
                    r.type_name(),
                    note.moved_from,
                    note.import_id
                ),
            ));
            diagnostics.extend(imported.diagnostics);
            Err(ReadResponse {
                new_state: req.current_state,
                private: req.private,
                diagnostics,
            })
        }
    }
}

/// A plan on a moved state that was never read (`-refresh=false`) would plan
/// against nulls: refuse it.
pub fn unread(type_name: &str, prior_private: &[u8]) -> Option<PlanResponse> {
    pending(prior_private).map(|note| PlanResponse {
        diagnostics: Diagnostic::error(
            "Moved object not read yet",
            format!(
                "This {type_name} was moved from {} and its state names only {}; the provider reads the rest during refresh. Plan without `-refresh=false` (or run `terraform apply -refresh-only` first).",
                note.moved_from, note.import_id
            ),
        )
        .into(),
        ..PlanResponse::default()
    })
}

/// The provider setting an identity field defaults to when an import by
/// identity leaves it out.
fn provider_default<'a>(data: Option<&'a ProviderData>, field: &str) -> Option<&'a str> {
    let data = data?;
    match field {
        "project" => data.project.as_deref(),
        "location" => data.region.as_deref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: IdPattern = IdPattern("projects/{project}/locations/{location}/services/{name}");

    #[test]
    fn patterns_split_and_join_ids() {
        assert_eq!(SERVICE.fields(), ["project", "location", "name"]);
        let parts = SERVICE
            .parse("projects/p/locations/us-central1/services/api")
            .unwrap();
        assert_eq!(parts["location"], "us-central1");
        assert_eq!(
            SERVICE.format(&parts),
            "projects/p/locations/us-central1/services/api"
        );
        for bad in [
            "projects/p/locations/us-central1/services/",
            "projects/p/regions/us-central1/services/api",
            "p/us-central1/api",
            "projects/p/locations/us-central1/services/api/extra",
        ] {
            assert!(SERVICE.parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn google_is_recognised_however_it_is_addressed() {
        for ok in [
            "registry.terraform.io/hashicorp/google",
            "registry.terraform.io/hashicorp/google-beta",
            "registry.opentofu.org/hashicorp/google",
            "hashicorp/google",
            "google",
        ] {
            assert!(is_google(ok), "{ok}");
        }
        for bad in [
            "registry.terraform.io/someone/google",
            "registry.terraform.io/hashicorp/aws",
            "googlex",
            "",
        ] {
            assert!(!is_google(bad), "{bad}");
        }
    }
}
