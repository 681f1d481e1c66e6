//! Provider logs in the shape go-plugin understands: one hclog JSON object per
//! line on stderr (`@level`, `@message`, `@timestamp`, `@module` and the
//! event's fields). Terraform then files them under `TF_LOG`. Stdout is the
//! handshake channel and must never be used for logs.

use std::io::Write;

use serde_json::{Map, Value as Json};
use time::format_description::FormatItem;
use time::macros::format_description;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;

/// Go's `2006-01-02T15:04:05.000000Z07:00` for a UTC time.
const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Install the hclog subscriber for `module` (e.g. `provider.platform`).
/// Does nothing if a global subscriber is already installed.
pub fn init(module: &str) {
    let level = level_from_env(|k| std::env::var(k).ok());
    let layer = HclogLayer::new(module, std::io::stderr).with_filter(level);
    // A second init (e.g. in tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// `TF_LOG_PROVIDER`, else `TF_LOG`: TRACE/DEBUG/INFO/WARN/ERROR (any case);
/// JSON means TRACE as in Terraform; unset means errors only; anything else INFO.
pub fn level_from_env(lookup: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let raw = ["TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|k| lookup(k).filter(|v| !v.trim().is_empty()));
    let Some(raw) = raw else {
        return LevelFilter::ERROR;
    };
    match raw.trim().to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => LevelFilter::TRACE,
        "DEBUG" => LevelFilter::DEBUG,
        "INFO" => LevelFilter::INFO,
        "WARN" => LevelFilter::WARN,
        "ERROR" => LevelFilter::ERROR,
        "OFF" => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}

/// A `tracing` layer that writes hclog JSON lines to `make_writer`.
pub struct HclogLayer<W> {
    module: String,
    make_writer: W,
}

impl<W> HclogLayer<W> {
    pub fn new(module: &str, make_writer: W) -> Self {
        HclogLayer {
            module: module.to_owned(),
            make_writer,
        }
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber,
    W: for<'a> MakeWriter<'a> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = FieldVisitor(Map::new());
        event.record(&mut fields);
        let mut fields = fields.0;
        let message = match fields.remove("message") {
            Some(Json::String(s)) => s,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let timestamp = time::OffsetDateTime::now_utc()
            .format(TIMESTAMP)
            .unwrap_or_default();
        let mut line = Map::new();
        line.insert(
            "@level".into(),
            Json::from(level_name(*event.metadata().level())),
        );
        line.insert("@message".into(), Json::from(message));
        line.insert("@module".into(), Json::from(self.module.clone()));
        line.insert("@timestamp".into(), Json::from(timestamp));
        for (k, v) in fields {
            // Reserved hclog keys belong to us; a clashing field keeps a prefix.
            let key = if k.starts_with('@') {
                format!("field{k}")
            } else {
                k
            };
            line.insert(key, v);
        }
        let mut text = Json::Object(line).to_string();
        text.push('\n');
        // A log line that cannot be written has nowhere else to go.
        let _ = self.make_writer.make_writer().write_all(text.as_bytes());
    }
}

struct FieldVisitor(Map<String, Json>);

impl Visit for FieldVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Json::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Json::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Json::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Json::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Json::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().to_owned(), Json::from(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Json::from(format!("{value:?}")));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn capture(filter: LevelFilter, f: impl FnOnce()) -> Vec<Json> {
        let buf = Buffer::default();
        let layer = HclogLayer::new("provider.platform", buf.clone()).with_filter(filter);
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn lines_have_hclog_shape() {
        let lines = capture(LevelFilter::TRACE, || {
            tracing::info!(rpc = "ReadResource", attempt = 3, ok = true, "handling RPC");
            tracing::trace!(ratio = 0.5, "deep");
        });
        assert_eq!(lines.len(), 2);
        let l = &lines[0];
        assert_eq!(l["@level"], "info");
        assert_eq!(l["@message"], "handling RPC");
        assert_eq!(l["@module"], "provider.platform");
        assert_eq!(
            (l["rpc"].as_str(), l["attempt"].as_i64(), l["ok"].as_bool()),
            (Some("ReadResource"), Some(3), Some(true))
        );
        assert_eq!(lines[1]["@level"], "trace");
        assert_eq!(lines[1]["ratio"], 0.5);
        // 2006-01-02T15:04:05.000000Z
        let ts = l["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), 27, "{ts}");
        let shape: String = ts
            .chars()
            .map(|c| if c.is_ascii_digit() { 'd' } else { c })
            .collect();
        assert_eq!(shape, "dddd-dd-ddTdd:dd:dd.ddddddZ");
    }

    #[test]
    fn filter_applies() {
        let lines = capture(LevelFilter::WARN, || {
            tracing::info!("hidden");
            tracing::error!("shown");
        });
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["@level"], "error");
    }

    #[test]
    fn level_from_env_prefers_provider_variable() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(level_from_env(env(&[])), LevelFilter::ERROR);
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "debug")])),
            LevelFilter::DEBUG
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "JSON")])),
            LevelFilter::TRACE
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "WARN")])),
            LevelFilter::WARN
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "bogus")])),
            LevelFilter::INFO
        );
    }
}
