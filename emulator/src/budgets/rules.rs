//! The Budget API's validation rules and server-side normalisation
//! (project IDs become `projects/<number>`, defaults are filled in).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use crate::aip;
use crate::compute::catalog::project_number;
use crate::error::ApiError;
use crate::resourcemanager::resolve_project;
use crate::router::ApiCall;

/// Every emulated billing account bills in this currency.
pub const ACCOUNT_CURRENCY: &str = "USD";
const MAX_DISPLAY_NAME: usize = 60;
const MAX_EMAIL_CHANNELS: usize = 5;
const SPEND_CAP_THRESHOLDS: [f64; 3] = [0.5, 0.8, 1.0];

static ACCOUNT_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$").ok());

pub fn check_billing_account(id: &str) -> Result<(), ApiError> {
    if ACCOUNT_ID.as_ref().is_some_and(|re| re.is_match(id)) {
        Ok(())
    } else {
        Err(aip::not_found(&format!("billingAccounts/{id}")))
    }
}

/// `projects/<id or number>` -> `projects/<number>`.
pub fn canonical_project(call: &ApiCall, text: &str, field: &str) -> Result<String, ApiError> {
    let id = text.strip_prefix("projects/").unwrap_or("");
    let project = resolve_project(&call.app, id).ok_or_else(|| {
        ApiError::bad_field(
            field,
            format!("Project \"{text}\" does not exist or is not a valid project name."),
        )
    })?;
    Ok(format!("projects/{}", project_number(&project)))
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Validates a whole budget and returns it as the server stores it.
pub fn normalize(call: &ApiCall, mut budget: Value) -> Result<Value, ApiError> {
    let display = str_at(&budget, "/displayName").unwrap_or("");
    if display.chars().count() > MAX_DISPLAY_NAME {
        return Err(ApiError::bad_field(
            "display_name",
            format!("The display name must be at most {MAX_DISPLAY_NAME} characters."),
        ));
    }
    check_amount(&budget)?;
    normalize_filter(call, &mut budget)?;
    normalize_thresholds(&mut budget)?;
    check_notifications(call, &budget)?;
    if budget.get("spendCap").is_some() {
        check_spend_cap(&mut budget)?;
    }
    Ok(budget)
}

fn check_amount(budget: &Value) -> Result<(), ApiError> {
    let amount = budget
        .get("amount")
        .ok_or_else(|| ApiError::bad_field("amount", "A budget amount is required."))?;
    match (
        amount.get("specifiedAmount"),
        amount.get("lastPeriodAmount"),
    ) {
        (Some(money), None) => check_money(money),
        (None, Some(_)) => Ok(()),
        _ => Err(ApiError::bad_field(
            "amount",
            "Exactly one of amount.specified_amount and amount.last_period_amount must be set.",
        )),
    }
}

fn check_money(money: &Value) -> Result<(), ApiError> {
    let currency = str_at(money, "/currencyCode").unwrap_or(ACCOUNT_CURRENCY);
    if currency != ACCOUNT_CURRENCY {
        return Err(ApiError::bad_field(
            "amount.specified_amount.currency_code",
            format!("The currency code \"{currency}\" does not match the billing account's currency ({ACCOUNT_CURRENCY})."),
        ));
    }
    let units = match money.get("units") {
        None => 0,
        Some(v) => v
            .as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| {
                ApiError::bad_field(
                    "amount.specified_amount.units",
                    "units must be an int64 string.",
                )
            })?,
    };
    let nanos = money.get("nanos").and_then(Value::as_i64).unwrap_or(0);
    if !(-999_999_999..=999_999_999).contains(&nanos)
        || (units > 0 && nanos < 0)
        || (units < 0 && nanos > 0)
    {
        return Err(ApiError::bad_field(
            "amount.specified_amount.nanos",
            "nanos must be within ±999,999,999 and have the sign of units.",
        ));
    }
    if units < 0 || (units == 0 && nanos <= 0) {
        return Err(ApiError::bad_field(
            "amount.specified_amount",
            "The budget amount must be greater than zero.",
        ));
    }
    Ok(())
}

fn normalize_filter(call: &ApiCall, budget: &mut Value) -> Result<(), ApiError> {
    let mut filter = budget
        .get("budgetFilter")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(projects) = filter.get("projects").and_then(Value::as_array).cloned() {
        let canonical = projects
            .iter()
            .enumerate()
            .map(|(i, p)| {
                canonical_project(
                    call,
                    p.as_str().unwrap_or(""),
                    &format!("budget_filter.projects[{i}]"),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        filter["projects"] = json!(canonical);
    }
    if let Some(services) = filter.get("services").and_then(Value::as_array) {
        for (i, s) in services.iter().enumerate() {
            let s = s.as_str().unwrap_or("");
            if !s
                .strip_prefix("services/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'))
            {
                return Err(ApiError::bad_field(
                    format!("budget_filter.services[{i}]"),
                    format!("\"{s}\" is not a service name of the form services/<SERVICE_ID>."),
                ));
            }
        }
    }
    if let Some(labels) = filter.get("labels").and_then(Value::as_object) {
        let single = labels.len() <= 1
            && labels
                .values()
                .all(|v| v.as_array().is_some_and(|a| a.len() == 1));
        if !single {
            return Err(ApiError::bad_field(
                "budget_filter.labels",
                "A budget filter supports at most one label key with exactly one value.",
            ));
        }
    }
    if filter.get("customPeriod").is_some() && filter.get("calendarPeriod").is_some() {
        return Err(ApiError::bad_field(
            "budget_filter",
            "Only one of calendar_period and custom_period may be set.",
        ));
    }
    if let Some(custom) = filter.get("customPeriod") {
        check_custom_period(custom)?;
    }
    if filter.get("customPeriod").is_none() && filter.get("calendarPeriod").is_none() {
        filter["calendarPeriod"] = json!("MONTH");
    }
    if filter.get("creditTypesTreatment").is_none() {
        filter["creditTypesTreatment"] = json!("INCLUDE_ALL_CREDITS");
    }
    budget["budgetFilter"] = filter;
    Ok(())
}

/// A `google.type.Date` as (year, month, day) when it is a full, real date.
fn full_date(date: &Value) -> Option<(i64, i64, i64)> {
    let part = |k: &str| date.get(k).and_then(Value::as_i64).unwrap_or(0);
    let (y, m, d) = (part("year"), part("month"), part("day"));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1..=9999).contains(&y) && (1..=days).contains(&d)).then_some((y, m, d))
}

/// `customPeriod`: a required start date, an optional end date not before it.
fn check_custom_period(custom: &Value) -> Result<(), ApiError> {
    let start = custom.get("startDate").and_then(full_date).ok_or_else(|| {
        ApiError::bad_field(
            "budget_filter.custom_period.start_date",
            "A custom period needs a valid start_date (year, month and day).",
        )
    })?;
    if let Some(end) = custom.get("endDate") {
        let end = full_date(end).ok_or_else(|| {
            ApiError::bad_field(
                "budget_filter.custom_period.end_date",
                "end_date must be a valid date (year, month and day).",
            )
        })?;
        if end < start {
            return Err(ApiError::bad_field(
                "budget_filter.custom_period.end_date",
                "end_date must not be before start_date.",
            ));
        }
    }
    Ok(())
}

fn normalize_thresholds(budget: &mut Value) -> Result<(), ApiError> {
    let has_calendar = budget.pointer("/budgetFilter/calendarPeriod").is_some();
    let Some(rules) = budget
        .get_mut("thresholdRules")
        .and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    for (i, rule) in rules.iter_mut().enumerate() {
        let percent = rule
            .get("thresholdPercent")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        if percent <= 0.0 {
            return Err(ApiError::bad_field(
                format!("threshold_rules[{i}].threshold_percent"),
                "threshold_percent must be greater than 0 (1.0 is 100%).",
            ));
        }
        let basis = rule
            .get("spendBasis")
            .and_then(Value::as_str)
            .unwrap_or("BASIS_UNSPECIFIED")
            .to_string();
        if basis == "BASIS_UNSPECIFIED" {
            rule["spendBasis"] = json!("CURRENT_SPEND");
        }
        if basis == "FORECASTED_SPEND" && !has_calendar {
            return Err(ApiError::bad_field(
                format!("threshold_rules[{i}].spend_basis"),
                "FORECASTED_SPEND is only supported with a calendar period.",
            ));
        }
    }
    Ok(())
}

fn check_notifications(call: &ApiCall, budget: &Value) -> Result<(), ApiError> {
    let Some(rule) = budget.get("notificationsRule") else {
        return Ok(());
    };
    let channels = rule
        .get("monitoringNotificationChannels")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if channels.len() > MAX_EMAIL_CHANNELS {
        return Err(ApiError::bad_field(
            "notifications_rule.monitoring_notification_channels",
            format!(
                "At most {MAX_EMAIL_CHANNELS} notification channels may be linked to a budget."
            ),
        ));
    }
    for (i, c) in channels.iter().enumerate() {
        let field = format!("notifications_rule.monitoring_notification_channels[{i}]");
        let name = c.as_str().unwrap_or("");
        let channel = aip::get(call, name).map_err(|_| {
            ApiError::bad_field(
                field.clone(),
                format!("Notification channel \"{name}\" does not exist."),
            )
        })?;
        if channel.get("type").and_then(Value::as_str) != Some("email") {
            return Err(ApiError::bad_field(
                field,
                "Budgets support only email notification channels.",
            ));
        }
    }
    if let Some(topic) = rule
        .get("pubsubTopic")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        let well_formed = topic.split('/').count() == 4
            && topic.starts_with("projects/")
            && topic.contains("/topics/");
        if !well_formed || !aip::exists(call, topic) {
            return Err(ApiError::bad_field(
                "notifications_rule.pubsub_topic",
                format!("Pub/Sub topic \"{topic}\" does not exist or is not of the form projects/<p>/topics/<t>."),
            ));
        }
        if str_at(rule, "/schemaVersion") != Some("1.0") {
            return Err(ApiError::bad_field(
                "notifications_rule.schema_version",
                "schema_version must be \"1.0\" when a Pub/Sub topic is set.",
            ));
        }
    }
    Ok(())
}

fn cap_error(field: &str, message: &str) -> ApiError {
    ApiError::bad_field(
        format!("spend_cap.{field}"),
        format!("Spend cap: {message}"),
    )
}

/// A native spend cap's preconditions; sets the output fields.
fn check_spend_cap(budget: &mut Value) -> Result<(), ApiError> {
    let count = |pointer: &str| {
        budget
            .pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    if count("/budgetFilter/projects") != 1 {
        return Err(cap_error(
            "budget_filter.projects",
            "the budget must be scoped to exactly one project.",
        ));
    }
    if count("/budgetFilter/services") != 1 {
        return Err(cap_error(
            "budget_filter.services",
            "the budget must be scoped to exactly one service.",
        ));
    }
    if str_at(budget, "/budgetFilter/calendarPeriod") != Some("MONTH") {
        return Err(cap_error(
            "budget_filter.calendar_period",
            "only a MONTH calendar period is supported.",
        ));
    }
    if str_at(budget, "/budgetFilter/creditTypesTreatment") != Some("EXCLUDE_ALL_CREDITS") {
        return Err(cap_error(
            "budget_filter.credit_types_treatment",
            "credits must be excluded (EXCLUDE_ALL_CREDITS).",
        ));
    }
    let rules = budget
        .get("thresholdRules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let matches = rules.len() == 3
        && rules.iter().zip(SPEND_CAP_THRESHOLDS).all(|(r, want)| {
            r.get("thresholdPercent")
                .and_then(Value::as_f64)
                .is_some_and(|p| (p - want).abs() < 1e-9)
                && str_at(r, "/spendBasis") == Some("CURRENT_SPEND")
        });
    if !matches {
        return Err(cap_error(
            "threshold_rules",
            "exactly three CURRENT_SPEND rules at 0.5, 0.8 and 1.0 are required.",
        ));
    }
    let rule = budget
        .get("notificationsRule")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if rule
        .get("enableProjectLevelRecipients")
        .and_then(Value::as_bool)
        != Some(true)
    {
        return Err(cap_error(
            "notifications_rule.enable_project_level_recipients",
            "project-level recipients must be enabled.",
        ));
    }
    let has_topic = str_at(&rule, "/pubsubTopic").is_some_and(|t| !t.is_empty());
    let has_channels = rule
        .get("monitoringNotificationChannels")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    if has_topic || has_channels {
        return Err(cap_error(
            "notifications_rule",
            "a capped budget cannot have a Pub/Sub topic or notification channels.",
        ));
    }
    let input = str_at(budget, "/spendCap/inputState")
        .unwrap_or("STATE_UNSPECIFIED")
        .to_string();
    let output = if input == "STATE_UNSPECIFIED" {
        "CONFIGURED".to_string()
    } else {
        input
    };
    budget["spendCap"]["outputState"] = json!(output);
    budget["spendCap"]["reconciling"] = json!(false);
    Ok(())
}

/// While a cap is ENFORCED only `spendCap.inputState` may move on to AWAITING_NEXT_PERIOD.
pub fn check_enforced_cap(stored: &Value, patch: &Value, mask: &[String]) -> Result<(), ApiError> {
    if str_at(stored, "/spendCap/outputState") != Some("ENFORCED") {
        return Ok(());
    }
    let only_input = mask
        .iter()
        .all(|p| p == "spendCap.inputState" || p == "spendCap")
        && str_at(patch, "/spendCap/inputState") == Some("AWAITING_NEXT_PERIOD");
    if only_input {
        Ok(())
    } else {
        Err(aip::failed_precondition(
            "The spend cap is ENFORCED: only spend_cap.input_state may change (to AWAITING_NEXT_PERIOD) until the next period.",
        ))
    }
}
