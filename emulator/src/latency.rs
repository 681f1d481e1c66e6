//! Per-method latencies: how long operations run and how long responses are held.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone, Copy, Default)]
struct Rule {
    operation: Option<Duration>,
    request: Option<Duration>,
    /// Held after the handler ran: the write has landed, the client waits
    /// (a client-side timeout or a kill in this window loses the answer).
    response: Option<Duration>,
}

#[derive(Debug)]
pub struct Latencies {
    default_operation: Duration,
    /// Keyed by discovery method id, or `*` for all.
    rules: Mutex<HashMap<String, Rule>>,
}

impl Latencies {
    pub fn new(default_operation: Duration) -> Self {
        Self {
            default_operation,
            rules: Mutex::new(HashMap::new()),
        }
    }

    fn lookup(&self, kind: &str, pick: impl Fn(&Rule) -> Option<Duration>) -> Option<Duration> {
        let rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules
            .get(kind)
            .and_then(&pick)
            .or_else(|| rules.get("*").and_then(&pick))
    }

    pub fn operation(&self, kind: &str) -> Duration {
        self.lookup(kind, |r| r.operation)
            .unwrap_or(self.default_operation)
    }

    pub fn request(&self, kind: &str) -> Duration {
        self.lookup(kind, |r| r.request).unwrap_or_default()
    }

    pub fn response(&self, kind: &str) -> Duration {
        self.lookup(kind, |r| r.response).unwrap_or_default()
    }

    /// Sets how long responses of `kind` are held after the handler ran.
    pub fn set_response(&self, kind: &str, response: Duration) {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules.entry(kind.to_string()).or_default().response = Some(response);
    }

    /// Sets (or, with `None`, keeps) the latencies for `kind`.
    pub fn set(&self, kind: &str, operation: Option<Duration>, request: Option<Duration>) {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        let rule = rules.entry(kind.to_string()).or_default();
        if operation.is_some() {
            rule.operation = operation;
        }
        if request.is_some() {
            rule.request = request;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_beats_wildcard_beats_default() {
        let l = Latencies::new(Duration::from_secs(1));
        assert_eq!(
            l.operation("compute.instances.insert"),
            Duration::from_secs(1)
        );
        l.set("*", Some(Duration::from_secs(2)), None);
        l.set(
            "compute.instances.insert",
            Some(Duration::from_secs(3)),
            Some(Duration::from_millis(5)),
        );
        assert_eq!(
            l.operation("compute.instances.insert"),
            Duration::from_secs(3)
        );
        assert_eq!(
            l.operation("compute.instances.delete"),
            Duration::from_secs(2)
        );
        assert_eq!(
            l.request("compute.instances.insert"),
            Duration::from_millis(5)
        );
        assert_eq!(l.request("compute.zones.get"), Duration::ZERO);
        l.set_response("budgets.create", Duration::from_secs(4));
        assert_eq!(l.response("budgets.create"), Duration::from_secs(4));
        assert_eq!(l.request("budgets.create"), Duration::ZERO);
        assert_eq!(l.response("compute.zones.get"), Duration::ZERO);
    }
}
