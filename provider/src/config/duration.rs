//! Go-style duration strings (`"120s"`, `"2m30s"`, `"500ms"`), as the google provider accepts.

use std::time::Duration;

/// Parse a positive duration; `Err` says what is wrong and what a duration looks like.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    parse(s).map_err(|why| {
        format!("{s:?} is not a duration ({why}); write a number followed by a unit (ms, s, m or h), e.g. \"10m\", \"600s\" or \"1h30m\"")
    })
}

fn parse(s: &str) -> Result<Duration, String> {
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("expected a number before {rest:?}"));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("bad number {:?}", &rest[..digits]))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err("missing unit".into()),
            other => return Err(format!("unknown unit {other:?}")),
        };
        rest = &rest[unit_len..];
        total +=
            Duration::try_from_secs_f64(number * seconds_per_unit).map_err(|e| e.to_string())?;
    }
    if total.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("120s").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("2m30s").unwrap(), Duration::from_secs(150));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
    }

    #[test]
    fn rejects_bad_durations() {
        for bad in ["", "120", "0s", "abc", "5 minutes", "-5s", "1d"] {
            assert!(parse_duration(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn errors_show_what_a_duration_looks_like() {
        let why = parse_duration("ten minutes").unwrap_err();
        assert!(
            why.starts_with("\"ten minutes\" is not a duration")
                && why.contains("\"10m\"")
                && why.contains("\"600s\""),
            "{why}"
        );
        assert!(parse_duration("10").unwrap_err().contains("missing unit"));
    }
}
