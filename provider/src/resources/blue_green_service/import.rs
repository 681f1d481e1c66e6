//! Import: a Cloud Run service by its name
//! (`projects/P/locations/L/services/S`); the revision serving 100 % becomes
//! the stable one.

use tfplugin::typed::MaybeUnknown;
use tfplugin::{Diagnostic, Value};

use super::model::Model;
use super::observed::Status;
use super::read;
use crate::framework::model::{apply_attribute_defaults, encode};
use crate::state::ProviderData;

/// `projects/P/locations/L/services/S` split into its parts.
pub fn parse_id(id: &str) -> Result<(String, String, String), Diagnostic> {
    match id.split('/').collect::<Vec<_>>().as_slice() {
        ["projects", p, "locations", l, "services", s] if !p.is_empty() && !l.is_empty() && !s.is_empty() => {
            Ok(((*p).to_owned(), (*l).to_owned(), (*s).to_owned()))
        }
        _ => Err(Diagnostic::error(
            "Invalid import ID",
            format!("{id:?} is not a service name; use projects/PROJECT/locations/LOCATION/services/SERVICE."),
        )),
    }
}

/// Refresh used after an import: the revision at 100 % becomes stable.
pub async fn import_state(data: &ProviderData, id: &str) -> Result<Value, Diagnostic> {
    let (project, location, service) = parse_id(id)?;
    let run = data.client.run();
    let skeleton = Model {
        id: MaybeUnknown::Known(id.to_owned()),
        name: service,
        project: Some(project),
        location: Some(location),
        rollout_status: MaybeUnknown::Known(Status::Succeeded),
        ..Model::default()
    };
    let mut skeleton = encode(&skeleton)?;
    // Stored defaults (deletion protection on; ingress is read back).
    apply_attribute_defaults(&super::schema::schema().block, &mut skeleton);
    let state = read::refresh(&run, id, &skeleton).await.map_err(|e| {
        e.diagnostic(
            &format!("importing {id}"),
            "Check the ID and that the credentials may read Cloud Run services.",
        )
    })?;
    if state.is_null() {
        return Err(Diagnostic::error(
            "Cannot import non-existent service",
            format!("{id} does not exist."),
        ));
    }
    Ok(state)
}
