//! Small helpers for rendering HCL from test code.

use crate::mirror::{PROVIDER_SOURCE, PROVIDER_VERSION};

/// Renders `s` as a quoted HCL string, escaping the characters HCL would otherwise
/// interpret (quotes, backslashes, and `${`/`%{` template sequences).
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `terraform { required_providers { ... } }` block every test configuration needs:
/// a non-hashicorp namespace must be named explicitly.
pub fn required_providers() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    platform = {{\n      source  = {}\n      version = {}\n    }}\n  }}\n}}\n",
        hcl_string(PROVIDER_SOURCE),
        hcl_string(PROVIDER_VERSION)
    )
}

/// `resource "platform_livekit_cluster" "lk"` over the default region's three zones,
/// with `body` (attributes and blocks, indented) inside.
pub fn livekit_cluster(body: &str) -> String {
    format!(
        "resource \"platform_livekit_cluster\" \"lk\" {{\n  name  = \"lk\"\n  zones = [\"us-central1-a\", \"us-central1-b\", \"us-central1-c\"]\n{body}\n}}\n"
    )
}

/// `resource "platform_blue_green_service" "api"` (deletion protection off)
/// serving `image`, with `body` (blocks such as `rollout`, indented) inside.
pub fn blue_green_service(image: &str, body: &str) -> String {
    format!(
        "resource \"platform_blue_green_service\" \"api\" {{\n  name                = \"api\"\n  deletion_protection = false\n  template {{\n    containers {{\n      image = {}\n    }}\n  }}\n{body}\n}}\n",
        hcl_string(image)
    )
}

/// The body most LiveKit tests give [`livekit_cluster`]: `extra` attributes, Redis set
/// so several nodes are allowed, and drain/health timeouts short enough for a test.
pub fn livekit_settings(extra: &str) -> String {
    format!(
        r#"{extra}
  livekit {{
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }}
  rollout {{
    drain_timeout  = "2s"
    health_timeout = "20s"
  }}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_templates() {
        assert_eq!(hcl_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(hcl_string("${x} %{y} $z"), r#""$${x} %%{y} $z""#);
        assert_eq!(hcl_string("l1\nl2"), r#""l1\nl2""#);
    }

    #[test]
    fn required_providers_pins_source_and_version() {
        let block = required_providers();
        assert!(
            block.contains(r#"source  = "platform-eng/platform""#),
            "{block}"
        );
        assert!(
            block.contains(&format!("version = \"{PROVIDER_VERSION}\"")),
            "{block}"
        );
    }
}
