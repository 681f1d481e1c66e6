//! The typed model of `platform_budget_guard` (one field per schema
//! attribute, checked by `model_matches_schema`) and the guard's desired
//! shape (`Guard`), decoded from a config or planned value with the defaults
//! the schema declares.

use std::collections::BTreeMap;

use gcp_client::budgets::{Date, Money};
use serde::{Deserialize, Serialize};
use tfplugin::typed::{single_block, MaybeUnknown};
use tfplugin::{AttributePath, Block, Diagnostic, Fields, Number, Value};

use super::schema::schema;
use crate::framework::model::{block_defaults, decode, non_empty, shaped};
use crate::framework::values::{api_float, float};

/// The guide's thresholds, 50/80/100 % of current spend: what a guard
/// without `threshold` blocks uses (blocks cannot declare a schema default).
pub const GUIDE_PERCENTS: [f64; 3] = [0.5, 0.8, 1.0];

/// Configuration, plan and state of the resource. Any configurable value
/// may be unknown (set from another resource's output) until apply.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub id: MaybeUnknown<String>,
    pub billing_account: MaybeUnknown<String>,
    /// Filled from the provider's `project` at plan when unset.
    pub project: MaybeUnknown<String>,
    pub display_name: MaybeUnknown<String>,
    pub amount: MaybeUnknown<Number>,
    pub currency_code: MaybeUnknown<String>,
    pub projects: MaybeUnknown<Vec<MaybeUnknown<String>>>,
    pub services: MaybeUnknown<Vec<MaybeUnknown<String>>>,
    pub labels: MaybeUnknown<BTreeMap<String, MaybeUnknown<String>>>,
    pub credit_types_treatment: MaybeUnknown<String>,
    pub calendar_period: MaybeUnknown<String>,
    pub disable_default_iam_recipients: MaybeUnknown<bool>,
    pub enable_project_level_recipients: MaybeUnknown<bool>,
    pub budget_name: MaybeUnknown<String>,
    pub etag: MaybeUnknown<String>,
    pub effective_thresholds: MaybeUnknown<Vec<ThresholdValue>>,
    pub channels: MaybeUnknown<BTreeMap<String, String>>,
    pub topic: MaybeUnknown<String>,
    pub subscription: MaybeUnknown<String>,
    pub tenant_budgets: MaybeUnknown<BTreeMap<String, String>>,
    pub spend_cap_states: MaybeUnknown<BTreeMap<String, String>>,
    pub alert_policies: MaybeUnknown<BTreeMap<String, String>>,
    pub cost_metric_descriptor: MaybeUnknown<String>,
    pub cost_metric_descriptor_owned: MaybeUnknown<bool>,
    pub secret_hashes: MaybeUnknown<BTreeMap<String, String>>,
    pub secret_hash_key: MaybeUnknown<String>,
    /// Unknown as a whole when a `dynamic` block iterates over an unknown value.
    pub threshold: MaybeUnknown<Vec<ThresholdBlock>>,
    pub notification_channel: MaybeUnknown<Vec<ChannelBlock>>,
    #[serde(with = "single_block")]
    pub pubsub: Option<PubsubBlock>,
    #[serde(with = "single_block")]
    pub custom_period: Option<CustomPeriodBlock>,
    pub tenant: MaybeUnknown<Vec<TenantBlock>>,
    #[serde(with = "single_block")]
    pub cost_metric: Option<CostMetricBlock>,
}

/// An element of the computed `effective_thresholds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct ThresholdValue {
    /// Null only for a configured percent no float64 holds (e.g. `1e400`).
    pub percent: Option<Number>,
    pub basis: String,
}

/// The computed `effective_thresholds` of these rules.
pub fn effective_thresholds(thresholds: &[Threshold]) -> Vec<ThresholdValue> {
    thresholds
        .iter()
        .map(|t| ThresholdValue {
            percent: float_number(t.percent),
            basis: t.basis.clone(),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct ThresholdBlock {
    pub percent: MaybeUnknown<Number>,
    pub basis: MaybeUnknown<String>,
}

/// A `notification_channel` block. `Debug` leaves the secrets out.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct ChannelBlock {
    pub name: MaybeUnknown<String>,
    #[serde(rename = "type")]
    pub kind: MaybeUnknown<String>,
    pub email_address: MaybeUnknown<String>,
    pub channel_name: MaybeUnknown<String>,
    pub auth_token: MaybeUnknown<String>,
    pub auth_token_wo: MaybeUnknown<String>,
    pub service_key: MaybeUnknown<String>,
    pub service_key_wo: MaybeUnknown<String>,
    pub secret_version: MaybeUnknown<Number>,
}

/// The Monitoring labels (API names) of an e-mail channel's address and a
/// Slack channel's channel.
pub const EMAIL_LABEL: &str = "email_address";
pub const SLACK_CHANNEL_LABEL: &str = "channel_name";

impl ChannelBlock {
    /// The public settings a channel's Monitoring labels hold (others stay as they are).
    pub fn set_public_labels(&mut self, labels: &BTreeMap<String, String>) {
        for (label, field) in [
            (EMAIL_LABEL, &mut self.email_address),
            (SLACK_CHANNEL_LABEL, &mut self.channel_name),
        ] {
            if let Some(v) = labels.get(label) {
                *field = MaybeUnknown::Known(v.clone());
            }
        }
    }

    /// The sensitive and the write-only attribute that may set the secret of
    /// a channel of `kind` (both null for e-mail channels, which have none).
    pub fn secret_settings(
        &self,
        kind: Option<ChannelKind>,
    ) -> (&MaybeUnknown<String>, &MaybeUnknown<String>) {
        match kind {
            Some(ChannelKind::Slack) => (&self.auth_token, &self.auth_token_wo),
            Some(ChannelKind::PagerDuty) => (&self.service_key, &self.service_key_wo),
            Some(ChannelKind::Email) | None => (&MaybeUnknown::Null, &MaybeUnknown::Null),
        }
    }
}

impl std::fmt::Debug for ChannelBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelBlock")
            .field("name", &self.name)
            .field("type", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct PubsubBlock {
    pub topic: MaybeUnknown<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct CustomPeriodBlock {
    pub start_date: MaybeUnknown<String>,
    pub end_date: MaybeUnknown<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct TenantBlock {
    pub name: MaybeUnknown<String>,
    pub limit: MaybeUnknown<Number>,
    pub project: MaybeUnknown<String>,
    pub service: MaybeUnknown<String>,
    pub spend_cap: MaybeUnknown<bool>,
    #[serde(with = "single_block")]
    pub label: Option<LabelBlock>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct LabelBlock {
    pub key: MaybeUnknown<String>,
    pub value: MaybeUnknown<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct CostMetricBlock {
    #[serde(rename = "type")]
    pub metric_type: MaybeUnknown<String>,
    pub tenant_label: MaybeUnknown<String>,
    pub spike_usd_per_hour: MaybeUnknown<Number>,
}

impl Model {
    /// The model of a known configuration, plan or state value (one built
    /// by hand may leave out attributes: they count as null).
    pub fn of(v: &Value) -> Result<Model, Diagnostic> {
        decode(&shaped(&schema().block, v))
    }

    /// The model of a state or plan that is null (`None`: no prior state
    /// before a create, no planned state for a destroy).
    pub fn of_nullable(v: &Value) -> Result<Option<Model>, Diagnostic> {
        (!v.is_null()).then(|| Model::of(v)).transpose()
    }

    /// A resource with nothing set: attributes null, blocks empty (the shape
    /// Terraform holds, which import fills in).
    pub fn empty() -> Result<Model, Diagnostic> {
        Model::of(&Value::Object(BTreeMap::new()))
    }
}

/// Where a diagnostic about the `i`-th `notification_channel` block points.
pub fn channel_path(i: usize) -> AttributePath {
    AttributePath::root(Model::NOTIFICATION_CHANNEL).index(i)
}

/// Where a diagnostic about the `i`-th `tenant` block points.
pub fn tenant_path(i: usize) -> AttributePath {
    AttributePath::root(Model::TENANT).index(i)
}

/// A float64 as its shortest decimal (see [`float`]); none for NaN and infinities.
pub fn float_number(f: f64) -> Option<Number> {
    float(f).as_number().cloned()
}

/// A number the API holds as float64 (see [`api_float`]): the prior
/// decimal while the API holds the same float64.
pub fn api_number(prior: &MaybeUnknown<Number>, api: f64) -> MaybeUnknown<Number> {
    let prior = prior.known().cloned().map_or(Value::Null, Value::Number);
    api_float(&prior, api).as_number().cloned().into()
}

/// An API amount as the decimal a configuration writes.
pub fn money_amount(m: &Money) -> MaybeUnknown<Number> {
    Number::parse(&from_units_nanos(&m.units, m.nanos))
        .ok()
        .into()
}

/// The nested block `name` of the resource's schema.
fn nested_block(name: &str) -> Block {
    schema()
        .block
        .blocks
        .into_iter()
        .find(|b| b.type_name == name)
        .map(|b| b.block)
        .unwrap_or_default()
}

/// Every attribute of the resource at its schema default (required ones
/// hold placeholders, blocks are absent): what an unset attribute means.
fn schema_defaults() -> Model {
    block_defaults(&schema().block).unwrap_or_default()
}

/// A nested block's attributes at their schema defaults.
fn nested_defaults<T: serde::de::DeserializeOwned + Default>(name: &str) -> T {
    block_defaults(&nested_block(name)).unwrap_or_default()
}

/// The known value of a setting, else its schema default.
fn or_default<T: Clone + Default>(v: &MaybeUnknown<T>, default: &MaybeUnknown<T>) -> T {
    v.known()
        .or_else(|| default.known())
        .cloned()
        .unwrap_or_default()
}

/// A known, non-empty string setting, else its schema default.
fn text_or_default(v: &MaybeUnknown<String>, default: &MaybeUnknown<String>) -> String {
    non_empty(v)
        .or_else(|| non_empty(default))
        .unwrap_or_default()
        .to_owned()
}

fn text(v: &MaybeUnknown<String>) -> Option<String> {
    non_empty(v).map(str::to_owned)
}

fn number_text(v: &MaybeUnknown<Number>) -> Option<String> {
    v.known().map(Number::to_decimal_string)
}

pub fn known_strings(v: &MaybeUnknown<Vec<MaybeUnknown<String>>>) -> Vec<String> {
    v.known()
        .into_iter()
        .flatten()
        .filter_map(|s| s.known().cloned())
        .collect()
}

/// The blocks of a list (none while a `dynamic` block's count is unknown).
pub fn known_blocks<T>(v: &MaybeUnknown<Vec<T>>) -> &[T] {
    v.known().map_or(&[], Vec::as_slice)
}

/// The threshold basis a block without `basis` uses.
pub fn default_basis() -> String {
    text_or_default(
        &MaybeUnknown::Null,
        &nested_defaults::<ThresholdBlock>(Model::THRESHOLD).basis,
    )
}

/// The cost metric of a guard without a `cost_metric` block.
pub fn default_cost_metric() -> CostMetric {
    cost_metric(None)
}

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
            Self::Slack => Some((ChannelBlock::AUTH_TOKEN, ChannelBlock::AUTH_TOKEN_WO)),
            Self::PagerDuty => Some((ChannelBlock::SERVICE_KEY, ChannelBlock::SERVICE_KEY_WO)),
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
            labels.insert(EMAIL_LABEL.into(), e.clone());
        }
        if let Some(c) = &self.channel_name {
            labels.insert(SLACK_CHANNEL_LABEL.into(), c.clone());
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

/// The `threshold` blocks, or the guide's thresholds when there are none.
pub fn thresholds(model: &Model) -> Vec<Threshold> {
    let basis = default_basis();
    let configured: Vec<Threshold> = known_blocks(&model.threshold)
        .iter()
        .map(|t| Threshold {
            percent: t.percent.known().map_or(0.0, Number::as_f64),
            basis: text(&t.basis).unwrap_or_else(|| basis.clone()),
        })
        .collect();
    if configured.is_empty() {
        GUIDE_PERCENTS
            .iter()
            .map(|p| Threshold {
                percent: *p,
                basis: basis.clone(),
            })
            .collect()
    } else {
        configured
    }
}

fn channel(v: &ChannelBlock) -> Channel {
    let kind_text = text(&v.kind).unwrap_or_default();
    let kind = ChannelKind::parse(&kind_text);
    let (sensitive, write_only) = v.secret_settings(kind);
    let (secret, secret_write_only) = match text(write_only) {
        Some(s) => (Some(s), true),
        None => (text(sensitive), false),
    };
    Channel {
        name: text(&v.name).unwrap_or_default(),
        kind,
        kind_text,
        email_address: text(&v.email_address),
        channel_name: text(&v.channel_name),
        secret,
        secret_write_only,
        secret_version: number_text(&v.secret_version),
    }
}

fn tenant(v: &TenantBlock, defaults: &TenantBlock) -> Tenant {
    Tenant {
        name: text(&v.name).unwrap_or_default(),
        limit: number_text(&v.limit)
            .or_else(|| number_text(&defaults.limit))
            .unwrap_or_default(),
        project: text(&v.project),
        service: text(&v.service),
        label: v.label.as_ref().map(|l| {
            (
                text(&l.key).unwrap_or_default(),
                text(&l.value).unwrap_or_default(),
            )
        }),
        spend_cap: or_default(&v.spend_cap, &defaults.spend_cap),
    }
}

fn cost_metric(block: Option<&CostMetricBlock>) -> CostMetric {
    let defaults = nested_defaults::<CostMetricBlock>(Model::COST_METRIC);
    let given = block.cloned().unwrap_or_default();
    CostMetric {
        metric_type: text_or_default(&given.metric_type, &defaults.metric_type),
        tenant_label: text_or_default(&given.tenant_label, &defaults.tenant_label),
        spike_usd_per_hour: given.spike_usd_per_hour.known().map(Number::as_f64),
    }
}

impl Guard {
    /// Decodes `v` (config or plan); schema defaults fill unset optional values.
    pub fn decode(v: &Value) -> Result<Guard, Diagnostic> {
        Model::of(v).map(|m| Guard::of(&m))
    }

    /// The guard a model describes; schema defaults fill unset optional values.
    pub fn of(m: &Model) -> Guard {
        let d = schema_defaults();
        let tenant_defaults = nested_defaults::<TenantBlock>(Model::TENANT);
        Guard {
            billing_account: text(&m.billing_account).unwrap_or_default(),
            project: text(&m.project),
            display_name: text(&m.display_name).unwrap_or_default(),
            amount: number_text(&m.amount).unwrap_or_default(),
            currency_code: text_or_default(&m.currency_code, &d.currency_code),
            projects: known_strings(&m.projects),
            services: known_strings(&m.services),
            labels: m
                .labels
                .known()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.known()?.clone())))
                .collect(),
            credit_types_treatment: text_or_default(
                &m.credit_types_treatment,
                &d.credit_types_treatment,
            ),
            calendar_period: text_or_default(&m.calendar_period, &d.calendar_period),
            custom_period: m.custom_period.as_ref().map(|p| CustomPeriod {
                start_date: text(&p.start_date).unwrap_or_default(),
                end_date: text(&p.end_date),
            }),
            thresholds: thresholds(m),
            channels: known_blocks(&m.notification_channel)
                .iter()
                .map(channel)
                .collect(),
            pubsub_topic: m.pubsub.as_ref().and_then(|p| text(&p.topic)),
            disable_default_iam_recipients: or_default(
                &m.disable_default_iam_recipients,
                &d.disable_default_iam_recipients,
            ),
            enable_project_level_recipients: or_default(
                &m.enable_project_level_recipients,
                &d.enable_project_level_recipients,
            ),
            tenants: known_blocks(&m.tenant)
                .iter()
                .map(|t| tenant(t, &tenant_defaults))
                .collect(),
            cost_metric: cost_metric(m.cost_metric.as_ref()),
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
        let g = Guard::decode(&Value::object([("amount", Value::from(2000))])).unwrap();
        assert_eq!(g.thresholds.len(), 3);
        assert_eq!(g.thresholds[1].percent, 0.8);
        assert_eq!(g.currency_code, "USD");
        assert_eq!(
            g.cost_metric.metric_type,
            "custom.googleapis.com/platform/tenant_ai_cost_usd"
        );
    }
}
