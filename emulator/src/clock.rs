//! Wall-clock helpers: the store keeps Unix milliseconds, APIs show RFC 3339.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Simulated Google time for the metrics: the durations Cloud Monitoring
/// advertises and enforces (a metric's sample period, the 60 s minimum
/// alignment, the ingest delay) and the synthetic traffic (requests per
/// second, behaviour changes) run `scale` times faster than the wall clock,
/// so a test can bake for "5 minutes" in 5 s. Operation latencies are given
/// in wall-clock time and are not scaled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeScale {
    pub scale: f64,
    /// Simulated time after which points become queryable.
    pub ingest_delay: std::time::Duration,
}

impl Default for TimeScale {
    fn default() -> Self {
        Self {
            scale: 1.0,
            ingest_delay: std::time::Duration::ZERO,
        }
    }
}

impl TimeScale {
    /// Wall-clock milliseconds of a simulated duration.
    pub fn real_ms(&self, simulated: std::time::Duration) -> i64 {
        (simulated.as_secs_f64() * 1000.0 / self.scale).round() as i64
    }

    /// A wall-clock duration in milliseconds as the API's `"{seconds}s"`.
    pub fn duration_text(real_ms: i64) -> String {
        format!("{}s", real_ms as f64 / 1000.0)
    }
}

/// RFC 3339 with millisecond precision, as Google's APIs print timestamps.
pub fn rfc3339(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Parses durations like `250ms`, `1s`, `1.5s`, `2m`, `1h` (CLI and admin API).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("duration {text:?} needs a unit (ms, s, m, h)"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("unknown duration unit {unit:?} in {text:?}")),
    };
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap().as_millis(), 250);
        assert_eq!(parse_duration("1s").unwrap().as_millis(), 1000);
        assert_eq!(parse_duration("2m").unwrap().as_secs(), 120);
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5x").is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_500), "1970-01-01T00:00:01.5Z");
    }
}
