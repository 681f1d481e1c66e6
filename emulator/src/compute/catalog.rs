//! The static catalogue of real regions and zones, and deterministic project numbers.

use sha2::{Digest, Sha256};

/// (region, zone suffixes) — a subset of Google's public locations.
pub const REGIONS: &[(&str, &[&str])] = &[
    ("asia-east1", &["a", "b", "c"]),
    ("europe-west1", &["b", "c", "d"]),
    ("europe-west4", &["a", "b", "c"]),
    ("us-central1", &["a", "b", "c", "f"]),
    ("us-east1", &["b", "c", "d"]),
    ("us-west1", &["a", "b", "c"]),
];

/// CPU platforms Google lists on current zones.
pub const CPU_PLATFORMS: &[&str] = &[
    "AMD Milan",
    "AMD Genoa",
    "Intel Emerald Rapids",
    "Intel Sapphire Rapids",
    "Intel Ice Lake",
    "Intel Cascade Lake",
    "Intel Skylake",
    "Intel Broadwell",
];

pub fn zones() -> impl Iterator<Item = (&'static str, String)> {
    REGIONS.iter().flat_map(|(region, suffixes)| {
        suffixes
            .iter()
            .map(move |s| (*region, format!("{region}-{s}")))
    })
}

pub fn region_of_zone(zone: &str) -> Option<&'static str> {
    zones().find(|(_, z)| z == zone).map(|(r, _)| r)
}

pub fn region_zones(region: &str) -> Option<Vec<String>> {
    REGIONS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(r, suffixes)| suffixes.iter().map(|s| format!("{r}-{s}")).collect())
}

fn hash_u64(text: &str) -> u64 {
    let digest = Sha256::digest(text.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

/// A stable 12-digit project number derived from the project id.
pub fn project_number(project: &str) -> u64 {
    100_000_000_000 + hash_u64(project) % 900_000_000_000
}

/// A stable numeric id for catalogue entries (regions, zones).
pub fn stable_id(name: &str) -> String {
    (1000 + hash_u64(name) % 9000).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_numbers_are_stable_twelve_digits() {
        let n = project_number("platform-local");
        assert_eq!(n, project_number("platform-local"));
        assert_eq!(n.to_string().len(), 12);
        assert_ne!(n, project_number("other"));
    }

    #[test]
    fn zone_lookup() {
        assert_eq!(region_of_zone("us-central1-f"), Some("us-central1"));
        assert_eq!(region_of_zone("us-central1-z"), None);
        assert_eq!(zones().count(), 19);
    }
}
