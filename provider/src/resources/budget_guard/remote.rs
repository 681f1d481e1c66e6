//! Builds the API objects the guard owns from its desired shape.

use std::collections::BTreeMap;

use gcp_client::budgets::{
    Budget, BudgetAmount, BudgetFilter, CustomPeriod, Money, NotificationsRule, SpendCap,
    ThresholdRule,
};
use gcp_client::monitoring::alerting::{
    Aggregation, AlertPolicy, Condition, Documentation, MetricThreshold, NotificationChannel,
};

use gcp_client::monitoring::metrics::{LabelDescriptor, MetricDescriptor};

use super::marker;
use super::model::{
    parse_date, service_name, to_units_nanos, Channel, Guard, Tenant, GUIDE_PERCENTS,
};

/// Budget fields the guard manages, as update-mask paths.
pub const BUDGET_FIELDS: [&str; 11] = [
    "displayName",
    "amount",
    "budgetFilter.projects",
    "budgetFilter.services",
    "budgetFilter.labels",
    "budgetFilter.creditTypesTreatment",
    "budgetFilter.calendarPeriod",
    "budgetFilter.customPeriod",
    "thresholdRules",
    "notificationsRule",
    "spendCap",
];

pub fn money(amount: &str, currency: &str) -> Money {
    let (units, nanos) = to_units_nanos(amount).unwrap_or((0, 0));
    Money {
        currency_code: currency.to_owned(),
        units: units.to_string(),
        nanos,
    }
}

fn filter(
    guard: &Guard,
    projects: Vec<String>,
    services: Vec<String>,
    labels: BTreeMap<String, Vec<String>>,
) -> BudgetFilter {
    // Validation rejected malformed dates at plan time.
    let custom_period = guard.custom_period.as_ref().map(|p| CustomPeriod {
        start_date: parse_date(&p.start_date).unwrap_or_default(),
        end_date: p.end_date.as_deref().and_then(parse_date),
    });
    BudgetFilter {
        projects,
        services: services.iter().map(|s| service_name(s)).collect(),
        credit_types_treatment: Some(guard.credit_types_treatment.clone()),
        labels,
        calendar_period: custom_period
            .is_none()
            .then(|| guard.calendar_period.clone()),
        custom_period,
    }
}

/// `project_numbers` maps project IDs to `projects/<number>`.
fn numbers(ids: &[String], project_numbers: &BTreeMap<String, String>) -> Vec<String> {
    ids.iter()
        .map(|id| {
            project_numbers
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("projects/{id}"))
        })
        .collect()
}

/// The main budget: e-mail channels linked, optional Pub/Sub feed.
pub fn main_budget(
    guard: &Guard,
    project_numbers: &BTreeMap<String, String>,
    channels: &BTreeMap<String, String>,
    topic: Option<&str>,
) -> Budget {
    let labels = guard
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), vec![v.clone()]))
        .collect();
    Budget {
        display_name: guard.display_name.clone(),
        budget_filter: Some(filter(
            guard,
            numbers(&guard.projects, project_numbers),
            guard.services.clone(),
            labels,
        )),
        amount: Some(BudgetAmount {
            specified_amount: Some(money(&guard.amount, &guard.currency_code)),
            last_period_amount: None,
        }),
        threshold_rules: guard
            .thresholds
            .iter()
            .map(|t| ThresholdRule {
                threshold_percent: t.percent,
                spend_basis: Some(t.basis.clone()),
            })
            .collect(),
        notifications_rule: Some(NotificationsRule {
            pubsub_topic: topic.map(str::to_owned),
            schema_version: topic.map(|_| "1.0".to_owned()),
            monitoring_notification_channels: guard
                .email_channels()
                .filter_map(|c| channels.get(&c.name).cloned())
                .collect(),
            disable_default_iam_recipients: guard.disable_default_iam_recipients,
            enable_project_level_recipients: guard.enable_project_level_recipients,
        }),
        ..Budget::default()
    }
}

/// A tenant's budget. Spend-capped tenants follow the cap's rules (no
/// channels or topic; project-level recipients; the three fixed thresholds).
pub fn tenant_budget(
    guard: &Guard,
    tenant: &Tenant,
    project_numbers: &BTreeMap<String, String>,
    channels: &BTreeMap<String, String>,
    topic: Option<&str>,
    guard_id: &str,
) -> Budget {
    let projects: Vec<String> = tenant.project.iter().cloned().collect();
    let services: Vec<String> = tenant.service.iter().cloned().collect();
    let labels = tenant
        .label
        .iter()
        .map(|(k, v)| (k.clone(), vec![v.clone()]))
        .collect();
    let mut budget = Budget {
        display_name: marker::tenant_display_name(&tenant.name, guard_id),
        budget_filter: Some(filter(
            guard,
            numbers(&projects, project_numbers),
            services,
            labels,
        )),
        amount: Some(BudgetAmount {
            specified_amount: Some(money(&tenant.limit, &guard.currency_code)),
            last_period_amount: None,
        }),
        ..Budget::default()
    };
    if tenant.spend_cap {
        budget.threshold_rules = GUIDE_PERCENTS
            .iter()
            .map(|p| ThresholdRule {
                threshold_percent: *p,
                spend_basis: Some("CURRENT_SPEND".into()),
            })
            .collect();
        budget.notifications_rule = Some(NotificationsRule {
            enable_project_level_recipients: true,
            ..NotificationsRule::default()
        });
        budget.spend_cap = Some(SpendCap {
            input_state: Some("CONFIGURED".into()),
            ..SpendCap::default()
        });
    } else {
        let main = main_budget(guard, project_numbers, channels, topic);
        budget.threshold_rules = main.threshold_rules;
        budget.notifications_rule = main.notifications_rule;
    }
    budget
}

/// The channel to send: display name = key, labels incl. the secret when
/// known, user labels marking the guard.
pub fn channel(c: &Channel, with_secret: bool, guard_id: &str) -> NotificationChannel {
    let mut labels = c.public_labels();
    if with_secret {
        if let (Some((label, _)), Some(secret)) = (
            c.kind.and_then(super::model::ChannelKind::secret),
            &c.secret,
        ) {
            labels.insert(label.to_owned(), secret.clone());
        }
    }
    NotificationChannel {
        kind: c
            .kind
            .map_or_else(|| c.kind_text.clone(), |k| k.api_type().to_owned()),
        display_name: c.name.clone(),
        labels,
        user_labels: marker::channel_labels(guard_id, c.secret_version.as_deref()),
        enabled: true,
        ..NotificationChannel::default()
    }
}

fn threshold_policy(
    name: String,
    filter: String,
    threshold: f64,
    aggregations: Vec<Aggregation>,
    channels: Vec<String>,
    doc: String,
) -> AlertPolicy {
    AlertPolicy {
        display_name: name.clone(),
        documentation: Some(Documentation {
            content: doc,
            mime_type: "text/markdown".into(),
        }),
        combiner: "OR".into(),
        enabled: true,
        conditions: vec![Condition {
            display_name: name,
            condition_threshold: Some(MetricThreshold {
                filter,
                comparison: "COMPARISON_GT".into(),
                threshold_value: threshold,
                duration: "0s".into(),
                aggregations,
            }),
            ..Condition::default()
        }],
        notification_channels: channels,
        severity: Some("WARNING".into()),
        ..AlertPolicy::default()
    }
}

/// Rolling window of the spike policy.
pub const SPIKE_WINDOW: &str = "3600s";

/// What all tenants together added to their month-to-date totals within the
/// last hour. `ALIGN_DELTA` is valid because the metric is CUMULATIVE (it is
/// not for a GAUGE), and it restarts from the new start time at the monthly
/// reset instead of reporting a negative jump.
fn hourly_increase() -> Aggregation {
    Aggregation {
        alignment_period: SPIKE_WINDOW.into(),
        per_series_aligner: "ALIGN_DELTA".into(),
        cross_series_reducer: "REDUCE_SUM".into(),
        group_by_fields: Vec::new(),
    }
}

const TENANT_LABEL_PREFIX: &str = "metric.labels.";
const TENANT_SEPARATOR: &str = " AND ";

fn metric_filter(metric_type: &str) -> String {
    format!("metric.type=\"{metric_type}\"")
}

/// What a guard policy watches, read back from its condition filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Watched {
    pub metric_type: String,
    /// (metric label, tenant) for tenant policies; `None` for the spike policy.
    pub tenant: Option<(String, String)>,
}

/// Inverse of the filters [`alert_policies`] writes.
pub fn watched(filter: &str) -> Option<Watched> {
    let rest = filter.strip_prefix("metric.type=\"")?;
    let (metric_type, rest) = rest.split_once('"')?;
    let tenant = match rest.strip_prefix(TENANT_SEPARATOR) {
        None if rest.is_empty() => None,
        None => return None,
        Some(t) => {
            let (label, value) = t.strip_prefix(TENANT_LABEL_PREFIX)?.split_once("=\"")?;
            Some((label.to_owned(), value.strip_suffix('"')?.to_owned()))
        }
    };
    Some(Watched {
        metric_type: metric_type.to_owned(),
        tenant,
    })
}

/// The key [`alert_policies`] gives `policy`, read back from its condition.
pub fn policy_key(policy: &AlertPolicy) -> Option<String> {
    let filter = &policy
        .conditions
        .first()?
        .condition_threshold
        .as_ref()?
        .filter;
    Some(match watched(filter)?.tenant {
        Some((_, tenant)) => format!("tenant:{tenant}"),
        None => "spike".to_owned(),
    })
}

/// Policy key -> policy: `tenant:<name>` per tenant, `spike` when configured.
pub fn alert_policies(
    guard: &Guard,
    channels: &BTreeMap<String, String>,
) -> BTreeMap<String, AlertPolicy> {
    let routed: Vec<String> = guard
        .channels
        .iter()
        .filter_map(|c| channels.get(&c.name).cloned())
        .collect();
    let metric = &guard.cost_metric;
    let label = format!("{TENANT_LABEL_PREFIX}{}", metric.tenant_label);
    let mut out = BTreeMap::new();
    for t in &guard.tenants {
        let limit = t.limit.parse::<f64>().unwrap_or(0.0);
        out.insert(
            format!("tenant:{}", t.name),
            threshold_policy(
                format!("{}: tenant {} AI cost over {} {}", guard.display_name, t.name, t.limit, guard.currency_code),
                format!("{}{TENANT_SEPARATOR}{label}=\"{}\"", metric_filter(&metric.metric_type), t.name),
                limit,
                // The raw CUMULATIVE point already is the month-to-date total;
                // Monitoring offers no aligner that keeps a cumulative value
                // as it is, so the condition reads it unaligned.
                Vec::new(),
                routed.clone(),
                format!("Tenant `{}` has spent more than {} {} on AI this billing month (metered by the application).", t.name, t.limit, guard.currency_code),
            ),
        );
    }
    if let Some(spike) = metric.spike_usd_per_hour {
        out.insert(
            "spike".to_owned(),
            threshold_policy(
                format!("{}: unusual AI cost spike", guard.display_name),
                metric_filter(&metric.metric_type),
                spike,
                vec![hourly_increase()],
                routed,
                format!(
                    "All tenants together spent more than {spike} {} on AI within an hour.",
                    guard.currency_code
                ),
            ),
        );
    }
    out
}

/// Update-mask paths whose values differ between `want` and `have`.
pub fn budget_mask(want: &Budget, have: &Budget) -> Vec<&'static str> {
    let wf = want.budget_filter.clone().unwrap_or_default();
    let hf = have.budget_filter.clone().unwrap_or_default();
    let want_rule = want.notifications_rule.clone().unwrap_or_default();
    let have_rule = have.notifications_rule.clone().unwrap_or_default();
    let differs = [
        want.display_name != have.display_name,
        want.amount != have.amount,
        wf.projects != hf.projects,
        wf.services != hf.services,
        wf.labels != hf.labels,
        wf.credit_types_treatment != hf.credit_types_treatment,
        wf.calendar_period != hf.calendar_period,
        wf.custom_period != hf.custom_period,
        want.threshold_rules != have.threshold_rules,
        want_rule != have_rule,
        want.spend_cap.as_ref().map(|c| &c.input_state)
            != have.spend_cap.as_ref().map(|c| &c.input_state),
    ];
    BUDGET_FIELDS
        .iter()
        .zip(differs)
        .filter(|(_, d)| *d)
        .map(|(f, _)| *f)
        .collect()
}

/// The cost metric's contract (see the `cost_metric` block): what the guard
/// creates when the application has not defined the metric yet.
pub fn cost_metric_descriptor(guard: &Guard, guard_id: &str) -> MetricDescriptor {
    MetricDescriptor {
        metric_type: guard.cost_metric.metric_type.clone(),
        metric_kind: COST_METRIC_KIND.into(),
        value_type: COST_METRIC_VALUE_TYPE.into(),
        unit: "USD".into(),
        description: format!(
            "Month-to-date AI cost per tenant, written by the application. {}",
            marker::descriptor_note(guard_id)
        ),
        display_name: "Tenant AI cost (USD)".into(),
        labels: vec![LabelDescriptor {
            key: guard.cost_metric.tenant_label.clone(),
            value_type: Some("STRING".into()),
            description: "The tenant the cost belongs to.".into(),
        }],
        ..MetricDescriptor::default()
    }
}

/// The only kind/value type for which Monitoring accepts both guard policies.
pub const COST_METRIC_KIND: &str = "CUMULATIVE";
pub const COST_METRIC_VALUE_TYPE: &str = "DOUBLE";

/// `projects/P/metricDescriptors/TYPE` -> (P, TYPE).
pub fn split_descriptor(name: &str) -> Option<(&str, &str)> {
    let (project, metric_type) = name.split_once("/metricDescriptors/")?;
    Some((project.strip_prefix("projects/")?, metric_type))
}

/// `name` is the descriptor resource of `metric_type`.
pub fn is_descriptor_of(name: &str, metric_type: &str) -> bool {
    split_descriptor(name).is_some_and(|(_, t)| t == metric_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::Value;

    /// A guard with tenant `acme` (limit 500) and a 50/hour spike policy.
    fn guard_with_tenant_and_spike() -> Guard {
        let mut guard =
            Guard::decode(&Value::object([("display_name", Value::from("prod"))])).unwrap();
        guard.tenants.push(Tenant {
            name: "acme".into(),
            limit: "500".into(),
            project: None,
            service: None,
            label: None,
            spend_cap: false,
        });
        guard.cost_metric.spike_usd_per_hour = Some(50.0);
        guard
    }

    fn threshold(policy: &AlertPolicy) -> &MetricThreshold {
        policy.conditions[0].condition_threshold.as_ref().unwrap()
    }

    #[test]
    fn tenant_policy_compares_month_to_date_with_the_limit() {
        let policies = alert_policies(&guard_with_tenant_and_spike(), &BTreeMap::new());
        let tenant = threshold(&policies["tenant:acme"]);
        assert_eq!(tenant.comparison, "COMPARISON_GT");
        assert_eq!(tenant.threshold_value, 500.0);
        assert_eq!(tenant.duration, "0s");
        // Unaligned: the latest cumulative point is the month-to-date total;
        // any window sum (the old 24 h ALIGN_SUM) would not be.
        assert!(tenant.aggregations.is_empty(), "{:?}", tenant.aggregations);
    }

    #[test]
    fn spike_policy_sums_hourly_deltas_across_tenants() {
        let policies = alert_policies(&guard_with_tenant_and_spike(), &BTreeMap::new());
        let spike = threshold(&policies["spike"]);
        assert_eq!(spike.threshold_value, 50.0);
        assert_eq!(spike.comparison, "COMPARISON_GT");
        assert_eq!(
            spike.aggregations,
            vec![Aggregation {
                alignment_period: "3600s".into(),
                per_series_aligner: "ALIGN_DELTA".into(),
                cross_series_reducer: "REDUCE_SUM".into(),
                group_by_fields: Vec::new(),
            }]
        );
    }

    #[test]
    fn policy_filters_read_back() {
        let guard = guard_with_tenant_and_spike();
        let policies = alert_policies(&guard, &BTreeMap::new());
        let filter = |key: &str| {
            policies[key].conditions[0]
                .condition_threshold
                .as_ref()
                .unwrap()
                .filter
                .clone()
        };
        let tenant = watched(&filter("tenant:acme")).unwrap();
        assert_eq!(tenant.metric_type, guard.cost_metric.metric_type);
        assert_eq!(tenant.tenant, Some(("tenant".into(), "acme".into())));
        assert_eq!(watched(&filter("spike")).unwrap().tenant, None);
        assert_eq!(watched("metric.type=\"x\" OR y"), None);
    }
}
