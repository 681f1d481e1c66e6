//! Compiled regular expressions for patterns known only at run time (discovery
//! `pattern`s of path parameters, list filters' `eq`/`ne` values); constant patterns are
//! `LazyLock` statics beside their use. Compiling on every request cost ~60 ms per Cloud
//! Run PATCH, which the rollout benchmark counted as provider overhead.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;

/// Patterns from requests (list filters) can be anything; past this many the cache
/// starts over rather than grow without bound.
const MAX_PATTERNS: usize = 1024;

static CACHE: LazyLock<Mutex<HashMap<String, Regex>>> = LazyLock::new(Mutex::default);

/// `pattern` compiled once per process.
pub fn regex(pattern: &str) -> Result<Regex, regex::Error> {
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(re) = cache.get(pattern) {
        return Ok(re.clone());
    }
    let re = Regex::new(pattern)?;
    if cache.len() >= MAX_PATTERNS {
        cache.clear();
    }
    cache.insert(pattern.to_owned(), re.clone());
    Ok(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_once_and_reports_bad_patterns() {
        assert!(regex("^a+$").unwrap().is_match("aaa"));
        assert!(regex("^a+$").unwrap().is_match("a"));
        assert!(regex("(").is_err());
    }
}
