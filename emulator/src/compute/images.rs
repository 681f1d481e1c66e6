//! `compute.images.get` and `getFromFamily` for Google's public image projects,
//! which exist in every emulated world without being created.

use serde_json::{json, Value};

use super::catalog::stable_id;
use super::self_link;
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

/// (image project, family, current image of the family).
const IMAGES: &[(&str, &str, &str)] = &[
    (
        "ubuntu-os-cloud",
        "ubuntu-2204-lts",
        "ubuntu-2204-jammy-v20250112",
    ),
    (
        "ubuntu-os-cloud",
        "ubuntu-2404-lts-amd64",
        "ubuntu-2404-noble-amd64-v20250117",
    ),
    ("debian-cloud", "debian-12", "debian-12-bookworm-v20250113"),
    ("cos-cloud", "cos-stable", "cos-stable-117-18613-75-4"),
];

fn resource(project: &str, family: &str, name: &str) -> Value {
    json!({
        "kind": "compute#image",
        "id": format!("{}{}", stable_id(name), stable_id(family)),
        "creationTimestamp": "2025-01-12T00:00:00.000-08:00",
        "name": name,
        "family": family,
        "status": "READY",
        "archiveSizeBytes": "1234567890",
        "diskSizeGb": "10",
        "architecture": "X86_64",
        "selfLink": self_link(&format!("projects/{project}/global/images/{name}")),
    })
}

/// Resolves an instance's `sourceImage` (full or partial URL, by name or
/// `family/...`) to the image's self link.
pub fn resolve(source: &str) -> Option<String> {
    let rel = super::crud::relative(source);
    let mut parts = rel.split('/');
    let (Some("projects"), Some(project), Some("global"), Some("images")) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let image = match (parts.next(), parts.next()) {
        (Some("family"), Some(family)) => IMAGES
            .iter()
            .find(|(p, f, _)| *p == project && *f == family),
        (Some(name), None) => IMAGES.iter().find(|(p, _, n)| *p == project && *n == name),
        _ => None,
    }?;
    Some(self_link(&format!(
        "projects/{}/global/images/{}",
        image.0, image.2
    )))
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    let (project, name) = (call.path("project"), call.path("image"));
    IMAGES
        .iter()
        .find(|(p, _, n)| *p == project && *n == name)
        .map(|(p, f, n)| resource(p, f, n))
        .ok_or_else(|| ApiError::not_found(&format!("projects/{project}/global/images/{name}")))
}

async fn get_from_family(call: ApiCall) -> Result<Value, ApiError> {
    let (project, family) = (call.path("project"), call.path("family"));
    IMAGES
        .iter()
        .find(|(p, f, _)| *p == project && *f == family)
        .map(|(p, f, n)| resource(p, f, n))
        .ok_or_else(|| {
            ApiError::not_found(&format!("projects/{project}/global/images/family/{family}"))
        })
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.images.get", get)?;
    routes.add("compute.images.getFromFamily", get_from_family)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_families_and_names() {
        let want = Some(self_link(
            "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v20250112",
        ));
        assert_eq!(
            resolve("projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"),
            want
        );
        assert_eq!(
            resolve("https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v20250112"),
            want
        );
        assert_eq!(
            resolve("projects/ubuntu-os-cloud/global/images/family/nope"),
            None
        );
        assert_eq!(resolve("ubuntu"), None);
    }
}
