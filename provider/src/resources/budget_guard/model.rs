//! The guard's desired shape, decoded from a (known) config or planned value.

use std::collections::BTreeMap;

use gcp_client::budgets::Date;
use tfplugin::Value;

use crate::framework::values::{blocks, bool_or, string, string_map, strings};

pub const DEFAULT_CURRENCY: &str = "USD";
pub const DEFAULT_PERIOD: &str = "MONTH";
pub const DEFAULT_CREDITS: &str = "INCLUDE_ALL_CREDITS";
pub const DEFAULT_BASIS: &str = "CURRENT_SPEND";
pub const DEFAULT_TENANT_LIMIT: i64 = 500;
pub const DEFAULT_METRIC: &str = "custom.googleapis.com/platform/tenant_ai_cost_usd";
pub const DEFAULT_TENANT_LABEL: &str = "tenant";
/// The guide's 50/80/100 % of current spend.
pub const DEFAULT_THRESHOLDS: [f64; 3] = [0.5, 0.8, 1.0];

#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub percent: f64,
    pub basis: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Email,
    Slack,
    PagerDuty,
}

impl ChannelKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "slack" => Some(Self::Slack),
            "pagerduty" => Some(Self::PagerDuty),
            _ => None,
        }
    }

    pub fn api_type(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Slack => "slack",
            Self::PagerDuty => "pagerduty",
        }
    }

    /// The secret's name (the channel label Monitoring holds it in, and the sensitive
    /// attribute that sets it) and the write-only attribute that may set it instead.
    pub fn secret(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Email => None,
            Self::Slack => Some(("auth_token", "auth_token_wo")),
            Self::PagerDuty => Some(("service_key", "service_key_wo")),
        }
    }
}

/// A channel as configured. `Debug` is derived on purpose without the secret.
#[derive(Clone, PartialEq)]
pub struct Channel {
    pub name: String,
    pub kind: Option<ChannelKind>,
    pub kind_text: String,
    pub email_address: Option<String>,
    pub channel_name: Option<String>,
    /// The secret from the sensitive or the write-only attribute (config only).
    pub secret: Option<String>,
    /// The secret came from the write-only attribute.
    pub secret_write_only: bool,
    /// Decimal text of `secret_version`, the rotation trigger.
    pub secret_version: Option<String>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("name", &self.name)
            .field("kind", &self.kind_text)
            .finish_non_exhaustive()
    }
}

impl Channel {
    /// Public labels (the secret is added separately so it is never logged).
    pub fn public_labels(&self) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::new();
        if let Some(e) = &self.email_address {
            labels.insert("email_address".into(), e.clone());
        }
        if let Some(c) = &self.channel_name {
            labels.insert("channel_name".into(), c.clone());
        }
        labels
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    pub name: String,
    /// Decimal text of the limit.
    pub limit: String,
    pub project: Option<String>,
    pub service: Option<String>,
    pub label: Option<(String, String)>,
    pub spend_cap: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostMetric {
    pub metric_type: String,
    pub tenant_label: String,
    pub spike_usd_per_hour: Option<f64>,
}

/// `custom_period` dates as written (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomPeriod {
    pub start_date: String,
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    pub billing_account: String,
    pub project: Option<String>,
    pub display_name: String,
    /// Decimal text of the amount.
    pub amount: String,
    pub currency_code: String,
    pub projects: Vec<String>,
    pub services: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub credit_types_treatment: String,
    /// `MONTH`, `QUARTER` or `YEAR`; ignored when `custom_period` is set.
    pub calendar_period: String,
    pub custom_period: Option<CustomPeriod>,
    pub thresholds: Vec<Threshold>,
    pub channels: Vec<Channel>,
    pub pubsub_topic: Option<String>,
    pub disable_default_iam_recipients: bool,
    pub enable_project_level_recipients: bool,
    pub tenants: Vec<Tenant>,
    pub cost_metric: CostMetric,
}

fn number_text(v: &Value) -> Option<String> {
    v.as_number().map(tfplugin::Number::to_decimal_string)
}

/// The `threshold` blocks, or the guide's defaults when there are none.
pub fn thresholds(v: &Value) -> Vec<Threshold> {
    let configured: Vec<Threshold> = blocks(v, "threshold")
        .iter()
        .map(|t| Threshold {
            percent: t.get("percent").as_f64().unwrap_or(0.0),
            basis: string(t, "basis").unwrap_or_else(|| DEFAULT_BASIS.into()),
        })
        .collect();
    if configured.is_empty() {
        DEFAULT_THRESHOLDS
            .iter()
            .map(|p| Threshold {
                percent: *p,
                basis: DEFAULT_BASIS.into(),
            })
            .collect()
    } else {
        configured
    }
}

fn channel(v: &Value) -> Channel {
    let kind_text = string(v, "type").unwrap_or_default();
    let kind = ChannelKind::parse(&kind_text);
    let (secret, secret_write_only) = match kind.and_then(ChannelKind::secret) {
        Some((sensitive, write_only)) => match string(v, write_only) {
            Some(s) => (Some(s), true),
            None => (string(v, sensitive), false),
        },
        None => (None, false),
    };
    Channel {
        name: string(v, "name").unwrap_or_default(),
        kind,
        kind_text,
        email_address: string(v, "email_address"),
        channel_name: string(v, "channel_name"),
        secret,
        secret_write_only,
        secret_version: number_text(v.get("secret_version")),
    }
}

fn tenant(v: &Value) -> Tenant {
    let label = blocks(v, "label").first().map(|l| {
        (
            string(l, "key").unwrap_or_default(),
            string(l, "value").unwrap_or_default(),
        )
    });
    Tenant {
        name: string(v, "name").unwrap_or_default(),
        limit: number_text(v.get("limit")).unwrap_or_else(|| DEFAULT_TENANT_LIMIT.to_string()),
        project: string(v, "project"),
        service: string(v, "service"),
        label,
        spend_cap: bool_or(v, "spend_cap", false),
    }
}

fn cost_metric(v: &Value) -> CostMetric {
    let block = blocks(v, "cost_metric")
        .first()
        .cloned()
        .unwrap_or(Value::Null);
    CostMetric {
        metric_type: string(&block, "type").unwrap_or_else(|| DEFAULT_METRIC.into()),
        tenant_label: string(&block, "tenant_label").unwrap_or_else(|| DEFAULT_TENANT_LABEL.into()),
        spike_usd_per_hour: block.get("spike_usd_per_hour").as_f64(),
    }
}

impl Guard {
    /// Decodes `v` (config or plan); defaults fill unset optional values.
    pub fn decode(v: &Value) -> Guard {
        Guard {
            billing_account: string(v, "billing_account").unwrap_or_default(),
            project: string(v, "project"),
            display_name: string(v, "display_name").unwrap_or_default(),
            amount: number_text(v.get("amount")).unwrap_or_default(),
            currency_code: string(v, "currency_code").unwrap_or_else(|| DEFAULT_CURRENCY.into()),
            projects: strings(v, "projects"),
            services: strings(v, "services"),
            labels: string_map(v, "labels"),
            credit_types_treatment: string(v, "credit_types_treatment")
                .unwrap_or_else(|| DEFAULT_CREDITS.into()),
            calendar_period: string(v, "calendar_period").unwrap_or_else(|| DEFAULT_PERIOD.into()),
            custom_period: blocks(v, "custom_period").first().map(|p| CustomPeriod {
                start_date: string(p, "start_date").unwrap_or_default(),
                end_date: string(p, "end_date"),
            }),
            thresholds: thresholds(v),
            channels: blocks(v, "notification_channel")
                .iter()
                .map(channel)
                .collect(),
            pubsub_topic: blocks(v, "pubsub").first().and_then(|p| string(p, "topic")),
            disable_default_iam_recipients: bool_or(v, "disable_default_iam_recipients", false),
            enable_project_level_recipients: bool_or(v, "enable_project_level_recipients", false),
            tenants: blocks(v, "tenant").iter().map(tenant).collect(),
            cost_metric: cost_metric(v),
        }
    }

    /// The guard ID its children are marked with (see `marker`).
    pub fn id(&self) -> String {
        super::marker::guard_id(&self.billing_account, &self.display_name)
    }

    pub fn email_channels(&self) -> impl Iterator<Item = &Channel> {
        self.channels
            .iter()
            .filter(|c| c.kind == Some(ChannelKind::Email))
    }

    /// (channel key, secret) of every secret whose hash is recorded after
    /// this apply. A write-only secret of an existing channel with no
    /// recorded hash (after import: the API never returns secrets) is adopted
    /// as is: not re-sent, no hash, until its `secret_version` changes.
    pub fn hashed_secrets(
        &self,
        prior: Option<&Guard>,
        prior_hashes: &BTreeMap<String, String>,
        existing: &BTreeMap<String, String>,
    ) -> Vec<(&str, &str)> {
        self.channels
            .iter()
            .filter(|c| {
                let same_version = prior
                    .and_then(|p| p.channels.iter().find(|x| x.name == c.name))
                    .is_some_and(|p| p.secret_version == c.secret_version);
                let adopted = c.secret_write_only
                    && same_version
                    && existing.contains_key(&c.name)
                    && !prior_hashes.contains_key(&c.name);
                !adopted
            })
            .filter_map(|c| Some((c.name.as_str(), c.secret.as_deref()?)))
            .collect()
    }
}

/// `YYYY-MM-DD` -> google.type.Date, when it is a real calendar date.
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-');
    let mut next = |len: usize| {
        parts
            .next()
            .filter(|p| p.len() == len && p.chars().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<i32>().ok())
    };
    let (year, month, day) = (next(4)?, next(2)?, next(2)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1 && (1..=days).contains(&day)).then_some(Date { year, month, day })
}

pub fn format_date(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// `services/<ID>` for either spelling.
pub fn service_name(s: &str) -> String {
    if s.starts_with("services/") {
        s.to_owned()
    } else {
        format!("services/{s}")
    }
}

/// Decimal text -> google.type.Money units and nanos (nanos rounded to 9 digits).
pub fn to_units_nanos(text: &str) -> Option<(i64, i32)> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut units: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut frac: String = frac_part.chars().take(10).collect();
    while frac.len() < 10 {
        frac.push('0');
    }
    let tenth_nanos: i64 = frac.parse().ok()?;
    let mut nanos = (tenth_nanos + 5) / 10;
    if nanos >= 1_000_000_000 {
        units = units.checked_add(1)?;
        nanos -= 1_000_000_000;
    }
    let nanos = i32::try_from(nanos).ok()?;
    Some(if negative {
        (-units, -nanos)
    } else {
        (units, nanos)
    })
}

/// google.type.Money units and nanos -> decimal text (`1999.99`, `2000`).
pub fn from_units_nanos(units: &str, nanos: i32) -> String {
    if nanos == 0 {
        return units.to_owned();
    }
    let frac = format!("{:09}", nanos.unsigned_abs());
    let frac = frac.trim_end_matches('0');
    let sign = if nanos < 0 && !units.starts_with('-') {
        "-"
    } else {
        ""
    };
    format!("{sign}{units}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips() {
        assert_eq!(to_units_nanos("2000"), Some((2000, 0)));
        assert_eq!(to_units_nanos("1999.99"), Some((1999, 990_000_000)));
        assert_eq!(
            to_units_nanos("1999.990000000000009094947017729282379150390625"),
            Some((1999, 990_000_000))
        );
        assert_eq!(to_units_nanos("0.9999999999"), Some((1, 0)));
        assert_eq!(to_units_nanos("-1.5"), Some((-1, -500_000_000)));
        assert_eq!(to_units_nanos("abc"), None);
        assert_eq!(from_units_nanos("1999", 990_000_000), "1999.99");
        assert_eq!(from_units_nanos("2000", 0), "2000");
    }

    #[test]
    fn dates_parse_only_when_real() {
        assert_eq!(
            parse_date("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-1-01",
            "20250101",
            "2025-01-01x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(
            format_date(&Date {
                year: 2026,
                month: 3,
                day: 7
            }),
            "2026-03-07"
        );
    }

    #[test]
    fn defaults_apply_when_blocks_are_absent() {
        let g = Guard::decode(&Value::object([("amount", Value::from(2000))]));
        assert_eq!(g.thresholds.len(), 3);
        assert_eq!(g.thresholds[1].percent, 0.8);
        assert_eq!(g.currency_code, "USD");
        assert_eq!(g.cost_metric.metric_type, DEFAULT_METRIC);
    }
}
