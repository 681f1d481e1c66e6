//! Builds the API objects the guard owns from its desired shape.

use std::collections::BTreeMap;

use gcp_client::budgets::{
    Budget, BudgetAmount, BudgetFilter, Money, NotificationsRule, SpendCap, ThresholdRule,
};
use gcp_client::monitoring::alerting::{
    Aggregation, AlertPolicy, Condition, Documentation, MetricThreshold, NotificationChannel,
};

use super::model::{service_name, to_units_nanos, Channel, Guard, Tenant, DEFAULT_THRESHOLDS};

/// Budget fields the guard manages, as update-mask paths.
pub const BUDGET_FIELDS: [&str; 10] = [
    "displayName",
    "amount",
    "budgetFilter.projects",
    "budgetFilter.services",
    "budgetFilter.labels",
    "budgetFilter.creditTypesTreatment",
    "budgetFilter.calendarPeriod",
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
    BudgetFilter {
        projects,
        services: services.iter().map(|s| service_name(s)).collect(),
        credit_types_treatment: Some(guard.credit_types_treatment.clone()),
        labels,
        calendar_period: Some(guard.calendar_period.clone()),
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

/// A display name within the API's 60 characters.
fn tenant_display_name(tenant: &str) -> String {
    format!("tenant {tenant} AI cost")
        .chars()
        .take(60)
        .collect()
}

/// A tenant's budget. Spend-capped tenants follow the cap's rules (no
/// channels or topic; project-level recipients; the three fixed thresholds).
pub fn tenant_budget(
    guard: &Guard,
    tenant: &Tenant,
    project_numbers: &BTreeMap<String, String>,
    channels: &BTreeMap<String, String>,
    topic: Option<&str>,
) -> Budget {
    let projects: Vec<String> = tenant.project.iter().cloned().collect();
    let services: Vec<String> = tenant.service.iter().cloned().collect();
    let labels = tenant
        .label
        .iter()
        .map(|(k, v)| (k.clone(), vec![v.clone()]))
        .collect();
    let mut budget = Budget {
        display_name: tenant_display_name(&tenant.name),
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
        budget.threshold_rules = DEFAULT_THRESHOLDS
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

/// The channel to send: display name = key, labels incl. the secret when known.
pub fn channel(c: &Channel, with_secret: bool) -> NotificationChannel {
    let mut labels = c.public_labels();
    if with_secret {
        if let (Some((label, _, _)), Some(secret)) = (
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
        enabled: true,
        ..NotificationChannel::default()
    }
}

fn threshold_policy(
    name: String,
    filter: String,
    threshold: f64,
    alignment: &str,
    group_by: Vec<String>,
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
                aggregations: vec![Aggregation {
                    alignment_period: alignment.into(),
                    per_series_aligner: "ALIGN_SUM".into(),
                    cross_series_reducer: "REDUCE_SUM".into(),
                    group_by_fields: group_by,
                }],
            }),
            ..Condition::default()
        }],
        notification_channels: channels,
        severity: Some("WARNING".into()),
        ..AlertPolicy::default()
    }
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
    let label = format!("metric.labels.{}", metric.tenant_label);
    let mut out = BTreeMap::new();
    for t in &guard.tenants {
        let limit = t.limit.parse::<f64>().unwrap_or(0.0);
        out.insert(
            format!("tenant:{}", t.name),
            threshold_policy(
                format!("{}: tenant {} AI cost over {} {}", guard.display_name, t.name, t.limit, guard.currency_code),
                format!("metric.type=\"{}\" AND {label}=\"{}\"", metric.metric_type, t.name),
                limit,
                "86400s",
                vec![label.clone()],
                routed.clone(),
                format!("Tenant `{}` spent more than {} {} on AI in the last 24 hours (metered by the application).", t.name, t.limit, guard.currency_code),
            ),
        );
    }
    if let Some(spike) = metric.spike_usd_per_hour {
        out.insert(
            "spike".to_owned(),
            threshold_policy(
                format!("{}: unusual AI cost spike", guard.display_name),
                format!("metric.type=\"{}\"", metric.metric_type),
                spike,
                "3600s",
                Vec::new(),
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
