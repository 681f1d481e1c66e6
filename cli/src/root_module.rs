//! What a Terraform root directory declares, read from its top-level `.tf` files.
//! Only the block headers matter here (module calls, variables), so a header
//! scan is enough; Terraform itself validates everything else.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

use crate::error::CliError;

#[derive(Debug, Default, Clone)]
pub struct RootModule {
    pub modules: BTreeSet<String>,
    pub variables: BTreeSet<String>,
}

fn header() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // `module "name" {` / `variable "name" {` at the start of a line.
    RE.get_or_init(|| {
        Regex::new(r#"(?m)^[ \t]*(module|variable)[ \t]+"([A-Za-z0-9_-]+)""#)
            .unwrap_or_else(|e| unreachable!("static regex: {e}"))
    })
}

impl RootModule {
    pub fn scan(dir: &Path) -> Result<Self, CliError> {
        let read_err = |source| CliError::Read {
            path: dir.to_path_buf(),
            source,
        };
        let mut root = Self::default();
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let path = entry.map_err(read_err)?.path();
            if path.extension().is_some_and(|e| e == "tf") {
                let text = std::fs::read_to_string(&path).map_err(|source| CliError::Read {
                    path: path.clone(),
                    source,
                })?;
                root.add_source(&text);
            }
        }
        Ok(root)
    }

    pub fn add_source(&mut self, text: &str) {
        for cap in header().captures_iter(text) {
            let set = if &cap[1] == "module" {
                &mut self.modules
            } else {
                &mut self.variables
            };
            set.insert(cap[2].to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_module_and_variable_headers() {
        let mut root = RootModule::default();
        root.add_source(
            "module \"network\" {\n  source = \"x\"\n}\n# module \"commented\" {}\nvariable \"region\" {}\n  module \"redis\" {\n",
        );
        assert_eq!(
            root.modules.iter().collect::<Vec<_>>(),
            ["network", "redis"]
        );
        assert_eq!(root.variables.iter().collect::<Vec<_>>(), ["region"]);
    }

    #[test]
    fn scans_the_production_example() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/production");
        let root = RootModule::scan(&dir).unwrap();
        for m in [
            "network",
            "compliance",
            "edge",
            "database",
            "redis",
            "livekit",
            "services",
            "frontend",
            "monitoring",
            "budget",
        ] {
            assert!(root.modules.contains(m), "missing module {m}");
        }
        assert!(root.variables.contains("region"));
    }
}
