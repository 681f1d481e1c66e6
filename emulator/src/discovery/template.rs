//! URL path templates from discovery `flatPath`s. axum's router cannot split
//! `services/{id}:wait`, so templates compile to anchored regexes instead.

use std::collections::HashMap;

use regex::Regex;

#[derive(Debug, Clone)]
pub struct PathTemplate {
    regex: Regex,
    names: Vec<String>,
    /// Count of literal characters; more literal = more specific, tried first.
    pub specificity: usize,
}

impl PathTemplate {
    /// Compiles e.g. `/v2/projects/{projectsId}/services/{servicesId}:wait`.
    pub fn compile(template: &str) -> Result<PathTemplate, regex::Error> {
        let mut pattern = String::from("^");
        let mut names = Vec::new();
        let mut specificity = 0;
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let literal = &rest[..open];
            pattern.push_str(&regex::escape(literal));
            specificity += literal.len();
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let name = rest[open + 1..close].trim_start_matches('+');
            names.push(name.to_string());
            // Non-greedy so a trailing `:verb` literal stays outside the capture.
            pattern.push_str("([^/]+?)");
            rest = rest.get(close + 1..).unwrap_or("");
        }
        pattern.push_str(&regex::escape(rest));
        specificity += rest.len();
        pattern.push('$');
        Ok(PathTemplate {
            regex: Regex::new(&pattern)?,
            names,
            specificity,
        })
    }

    /// The captured, percent-decoded path parameters if `path` matches.
    pub fn matches(&self, path: &str) -> Option<HashMap<String, String>> {
        let captures = self.regex.captures(path)?;
        let mut params = HashMap::new();
        for (i, name) in self.names.iter().enumerate() {
            let raw = captures.get(i + 1)?.as_str();
            let decoded =
                url::form_urlencoded::parse(format!("x={}", raw.replace('+', "%2B")).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_else(|| raw.to_string());
            params.insert(name.clone(), decoded);
        }
        Some(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verb_suffix_is_not_captured() {
        let t = PathTemplate::compile("/v2/projects/{p}/services/{s}:wait").unwrap();
        let m = t.matches("/v2/projects/a/services/svc:wait").unwrap();
        assert_eq!(m["s"], "svc");
        assert!(t.matches("/v2/projects/a/services/svc").is_none());
    }

    #[test]
    fn segments_do_not_span_slashes() {
        let t = PathTemplate::compile("/compute/v1/projects/{project}/zones/{zone}").unwrap();
        assert_eq!(
            t.matches("/compute/v1/projects/p/zones/us-central1-a")
                .unwrap()["zone"],
            "us-central1-a"
        );
        assert!(t.matches("/compute/v1/projects/p/zones/a/b").is_none());
    }

    #[test]
    fn percent_encoding_is_decoded() {
        let t = PathTemplate::compile("/v1/projects/-/serviceAccounts/{sa}:generateAccessToken")
            .unwrap();
        let m = t
            .matches("/v1/projects/-/serviceAccounts/a%40b.com:generateAccessToken")
            .unwrap();
        assert_eq!(m["sa"], "a@b.com");
    }
}
