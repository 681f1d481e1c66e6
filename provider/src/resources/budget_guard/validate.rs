//! Plan-time validation against the APIs' real limits, each error at its
//! attribute path with what to do. Unknown values are skipped (checked at apply).

use std::collections::BTreeSet;

use tfplugin::typed::MaybeUnknown;
use tfplugin::{AttributePath, Diagnostic, Diagnostics, Number, Value};

use super::model::{
    self, channel_path, known_blocks, tenant_path, thresholds, ChannelBlock, ChannelKind,
    CustomPeriodBlock, LabelBlock, Model, TenantBlock, ThresholdBlock,
};

const MAX_DISPLAY_NAME: usize = 60;
const MAX_EMAIL_CHANNELS: usize = 5;
const SPEND_CAP_THRESHOLDS: [f64; 3] = [0.5, 0.8, 1.0];

fn root(name: &str) -> AttributePath {
    AttributePath::root(name)
}

/// A known string setting (`""` included).
fn known_str(v: &MaybeUnknown<String>) -> Option<&str> {
    v.known().map(String::as_str)
}

/// All plan-time checks. `write_only_allowed` is false on Terraform < 1.11.
pub fn validate(config: &Value, write_only_allowed: bool) -> Diagnostics {
    let mut d = Diagnostics::new();
    let model = match Model::of(config) {
        Ok(m) => m,
        Err(e) => {
            d.push(e);
            return d;
        }
    };
    scalars(&model, &mut d);
    custom_period(&model, &mut d);
    threshold_rules(&model, &mut d);
    channels(&model, write_only_allowed, &mut d);
    tenants(&model, &mut d);
    invisible_characters(&model, &mut d);
    d
}

/// Characters that make two names look equal, or break a display name or
/// metric filter: control characters and zero-width / direction marks.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{180E}' | '\u{00AD}')
}

fn invisible_at(path: AttributePath, what: &str, text: &str) -> Option<Diagnostic> {
    let (i, c) = text.chars().enumerate().find(|(_, c)| invisible(*c))?;
    Some(Diagnostic::error(
        format!("Invisible character in {what}"),
        format!("{text:?} contains U+{:04X} at character {}, a control or zero-width character: it would make the name look like another one and cannot be typed in the console or a metric filter. Remove it (retype the value).", u32::from(c), i + 1),
    ).at(path))
}

/// Names and label values that reach display names, labels and filters.
fn invisible_characters(config: &Model, d: &mut Diagnostics) {
    let mut check = |path: AttributePath, what: &str, v: Option<&str>| {
        if let Some(diag) = v.and_then(|t| invisible_at(path, what, t)) {
            d.push(diag);
        }
    };
    check(
        root(Model::DISPLAY_NAME),
        Model::DISPLAY_NAME,
        known_str(&config.display_name),
    );
    if let Some(labels) = config.labels.known() {
        for (k, v) in labels {
            check(root(Model::LABELS).key(k), "a label value", known_str(v));
            check(root(Model::LABELS).key(k), "a label key", Some(k));
        }
    }
    for (i, c) in known_blocks(&config.notification_channel)
        .iter()
        .enumerate()
    {
        check(
            channel_path(i).attr(ChannelBlock::NAME),
            "a channel name",
            known_str(&c.name),
        );
    }
    for (i, t) in known_blocks(&config.tenant).iter().enumerate() {
        let path = tenant_path(i);
        check(
            path.clone().attr(TenantBlock::NAME),
            "a tenant name",
            known_str(&t.name),
        );
        if let Some(l) = &t.label {
            let label = path.clone().attr(TenantBlock::LABEL).index(0);
            check(
                label.clone().attr(LabelBlock::KEY),
                "a label key",
                known_str(&l.key),
            );
            check(
                label.attr(LabelBlock::VALUE),
                "a label value",
                known_str(&l.value),
            );
        }
    }
}

/// What Monitoring accepts as an e-mail address, checked before any child
/// is created: one `@`, a local part, and a dotted domain of DNS labels.
fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn scalars(config: &Model, d: &mut Diagnostics) {
    if let Some(name) = known_str(&config.display_name) {
        let len = name.chars().count();
        if len == 0 || len > MAX_DISPLAY_NAME {
            d.error_at(root(Model::DISPLAY_NAME), "Invalid budget display name", format!("The Budgets API accepts 1 to {MAX_DISPLAY_NAME} characters; this one has {len}. Shorten `display_name`."));
        }
    }
    if let Some(amount) = config.amount.known() {
        if amount.as_f64() <= 0.0 {
            d.error_at(
                root(Model::AMOUNT),
                "Budget amount must be positive",
                format!("`amount` is {amount}; set a value greater than 0, e.g. 2000 or 1999.99."),
            );
        } else if model::to_units_nanos(&amount.to_decimal_string()).is_none() {
            d.error_at(
                root(Model::AMOUNT),
                "Budget amount out of range",
                "`amount` must fit a 64-bit number of currency units.",
            );
        }
    }
    if let Some(code) = known_str(&config.currency_code) {
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            d.error_at(root(Model::CURRENCY_CODE), "Invalid currency code", format!("{code:?} is not an ISO 4217 code; use three upper-case letters such as \"USD\" (it must match the billing account's currency)."));
        }
    }
    if let Some(labels) = config.labels.known() {
        if labels.len() > 1 {
            d.error_at(root(Model::LABELS), "Too many budget labels", format!("The Budgets API filters on at most one label key with one value; {} keys are set. Keep one, or use `tenant` blocks to budget the others separately.", labels.len()));
        }
    }
    enum_check(
        Model::CREDIT_TYPES_TREATMENT,
        &config.credit_types_treatment,
        &["INCLUDE_ALL_CREDITS", "EXCLUDE_ALL_CREDITS"],
        d,
    );
    enum_check(
        Model::CALENDAR_PERIOD,
        &config.calendar_period,
        &["MONTH", "QUARTER", "YEAR"],
        d,
    );
    if let Some(account) = known_str(&config.billing_account) {
        let ok = account.len() == 20
            && account.split('-').count() == 3
            && account
                .split('-')
                .all(|p| p.len() == 6 && p.chars().all(|c| c.is_ascii_hexdigit()));
        if !ok {
            d.error_at(root(Model::BILLING_ACCOUNT), "Invalid billing account ID", format!("{account:?} is not a billing account ID; use the form 012345-6789AB-CDEF01 (without `billingAccounts/`)."));
        }
    }
}

fn enum_check(name: &str, v: &MaybeUnknown<String>, allowed: &[&str], d: &mut Diagnostics) {
    if let Some(s) = known_str(v) {
        if !allowed.contains(&s) {
            d.error_at(
                root(name),
                format!("Invalid {name}"),
                format!("{s:?} is not one of {}.", allowed.join(", ")),
            );
        }
    }
}

fn custom_period(config: &Model, d: &mut Diagnostics) {
    let Some(period) = &config.custom_period else {
        return;
    };
    let path = root(Model::CUSTOM_PERIOD).index(0);
    if !config.calendar_period.is_null() {
        d.error_at(
            root(Model::CALENDAR_PERIOD),
            "Conflicting budget periods",
            "Set either `calendar_period` or a `custom_period` block, not both.",
        );
    }
    let date = |attr: &str, v: &MaybeUnknown<String>, d: &mut Diagnostics| {
        let text = known_str(v)?;
        let parsed = model::parse_date(text);
        if parsed.is_none() {
            d.error_at(
                path.clone().attr(attr),
                "Invalid date",
                format!(
                    "{text:?} is not a calendar date; write it as YYYY-MM-DD, e.g. \"2026-01-31\"."
                ),
            );
        }
        parsed
    };
    let start = date(CustomPeriodBlock::START_DATE, &period.start_date, d);
    let end = date(CustomPeriodBlock::END_DATE, &period.end_date, d);
    if let (Some(start), Some(end)) = (start, end) {
        if end < start {
            d.error_at(
                path.attr(CustomPeriodBlock::END_DATE),
                "Custom period ends before it starts",
                "Set `end_date` on or after `start_date`.",
            );
        }
    }
}

fn threshold_rules(config: &Model, d: &mut Diagnostics) {
    // Forecasts exist only for calendar periods; an unknown block count is checked at apply.
    let calendar = config.custom_period.is_none();
    // (percent, basis) of the known thresholds before this one.
    let mut seen: Vec<(f64, Option<&str>)> = Vec::new();
    let default_basis = model::default_basis();
    for (i, t) in known_blocks(&config.threshold).iter().enumerate() {
        let path = root(Model::THRESHOLD).index(i);
        let basis = known_str(&t.basis);
        if let Some(p) = t.percent.known().map(Number::as_f64) {
            let at = path.clone().attr(ThresholdBlock::PERCENT);
            if p <= 0.0 {
                d.error_at(at.clone(), "Invalid threshold", "`percent` is a fraction of the budget greater than 0: 0.5 is 50 %, 1.0 is 100 %.");
            } else if p > 1.0 {
                d.push(Diagnostic::warning(
                    "Threshold above 100 %",
                    format!("`percent = {p}` means {} % of the budget: thresholds are fractions (0.5 is 50 %). If you meant {p} %, write {}; keep {p} only to be notified when spend exceeds the budget {p} times over.", p * 100.0, p / 100.0),
                ).at(at.clone()));
            }
            let same_basis =
                |b: Option<&str>| b.unwrap_or(&default_basis) == basis.unwrap_or(&default_basis);
            if seen.iter().any(|(q, b)| *q == p && same_basis(*b)) {
                d.error_at(at, "Duplicate threshold", format!("Another `threshold` block already sets {p} on {}; the Budgets API keeps one rule per threshold and basis. Remove this block.", basis.unwrap_or(&default_basis)));
            } else if let Some((q, _)) = seen.iter().rev().find(|(q, b)| *q > p && same_basis(*b)) {
                d.error_at(at, "Thresholds out of order", format!("`percent = {p}` follows {q}: write the `threshold` blocks in ascending order (the order the Budgets API reports them in, so a different order would show as a change on every plan)."));
            }
            seen.push((p, basis));
        }
        if let Some(basis) = basis {
            if !["CURRENT_SPEND", "FORECASTED_SPEND"].contains(&basis) {
                d.error_at(
                    path.clone().attr(ThresholdBlock::BASIS),
                    "Invalid threshold basis",
                    format!("{basis:?} is not CURRENT_SPEND or FORECASTED_SPEND."),
                );
            } else if basis == "FORECASTED_SPEND" && !calendar {
                d.error_at(path.attr(ThresholdBlock::BASIS), "FORECASTED_SPEND threshold needs calendar_period", "Google forecasts spend only for calendar periods: remove the `custom_period` block (and use `calendar_period`), or use basis = \"CURRENT_SPEND\".");
            }
        }
    }
}

fn channels(config: &Model, write_only_allowed: bool, d: &mut Diagnostics) {
    let mut names = BTreeSet::new();
    let mut emails = 0;
    let blocks = known_blocks(&config.notification_channel);
    for (i, c) in blocks.iter().enumerate() {
        let path = channel_path(i);
        if let Some(name) = known_str(&c.name) {
            if !names.insert(name.to_owned()) {
                d.error_at(path.clone().attr(ChannelBlock::NAME), "Duplicate channel name", format!("Another notification_channel is already named {name:?}; names are keys and must be unique."));
            }
        }
        let Some(kind_text) = known_str(&c.kind) else {
            continue;
        };
        let Some(kind) = ChannelKind::parse(kind_text) else {
            d.error_at(
                path.attr(ChannelBlock::KIND),
                "Unsupported channel type",
                format!(
                    "{kind_text:?} is not supported; use \"email\", \"slack\" or \"pagerduty\"."
                ),
            );
            continue;
        };
        let needs = |(attr, v): (&str, &MaybeUnknown<String>), d: &mut Diagnostics| {
            if v.is_null() {
                d.error_at(
                    path.clone().attr(attr),
                    format!("Missing {attr}"),
                    format!("A {kind_text} channel needs `{attr}`."),
                );
            }
        };
        let forbids = |attrs: &[(&str, &MaybeUnknown<String>)], d: &mut Diagnostics| {
            for &(attr, v) in attrs {
                if !v.is_null() {
                    d.error_at(
                        path.clone().attr(attr),
                        format!("{attr} does not apply"),
                        format!("`{attr}` is not used by {kind_text} channels; remove it."),
                    );
                }
            }
        };
        let email_address = (ChannelBlock::EMAIL_ADDRESS, &c.email_address);
        let channel_name = (ChannelBlock::CHANNEL_NAME, &c.channel_name);
        let auth_token = (ChannelBlock::AUTH_TOKEN, &c.auth_token);
        let auth_token_wo = (ChannelBlock::AUTH_TOKEN_WO, &c.auth_token_wo);
        let service_key = (ChannelBlock::SERVICE_KEY, &c.service_key);
        let service_key_wo = (ChannelBlock::SERVICE_KEY_WO, &c.service_key_wo);
        match kind {
            ChannelKind::Email => {
                emails += 1;
                needs(email_address, d);
                if let Some(address) = known_str(&c.email_address).filter(|a| !valid_email(a)) {
                    d.error_at(path.clone().attr(ChannelBlock::EMAIL_ADDRESS), "Invalid e-mail address", format!("{address:?} is not an e-mail address Cloud Monitoring accepts; write it as name@example.com (one `@`, a domain with a dot, no spaces)."));
                }
                forbids(
                    &[
                        channel_name,
                        auth_token,
                        auth_token_wo,
                        service_key,
                        service_key_wo,
                    ],
                    d,
                );
            }
            ChannelKind::Slack => {
                needs(channel_name, d);
                forbids(&[email_address, service_key, service_key_wo], d);
            }
            ChannelKind::PagerDuty => {
                forbids(&[email_address, channel_name, auth_token, auth_token_wo], d);
            }
        }
        if let Some(names) = kind.secret() {
            secret(
                c.secret_settings(Some(kind)),
                names,
                &path,
                write_only_allowed,
                d,
            );
        }
    }
    if emails > MAX_EMAIL_CHANNELS {
        // Point at the first e-mail channel over the limit (its address: Terraform
        // shows attributes, not blocks, in the source snippet).
        let over = blocks
            .iter()
            .enumerate()
            .filter(|(_, c)| known_str(&c.kind) == Some(ChannelKind::Email.api_type()))
            .nth(MAX_EMAIL_CHANNELS)
            .map_or(0, |(i, _)| i);
        d.error_at(channel_path(over).attr(ChannelBlock::EMAIL_ADDRESS), "Too many e-mail channels", format!("A budget links at most {MAX_EMAIL_CHANNELS} e-mail notification channels; {emails} are configured. Use a group address, or route more recipients through Slack/PagerDuty (they receive the alert policies)."));
    }
}

/// A secret channel's sensitive and write-only settings (values, then names).
fn secret(
    (sensitive_value, write_only_value): (&MaybeUnknown<String>, &MaybeUnknown<String>),
    (sensitive, write_only): (&str, &str),
    path: &AttributePath,
    wo_allowed: bool,
    d: &mut Diagnostics,
) {
    let has_sensitive = !sensitive_value.is_null();
    let has_wo = !write_only_value.is_null();
    if has_wo && !wo_allowed {
        d.error_at(path.clone().attr(write_only), "Write-only attributes need Terraform 1.11", format!("This Terraform does not support write-only attributes, so `{write_only}` would be stored in state. Use `{sensitive}` instead, or upgrade to Terraform >= 1.11."));
    }
    if has_sensitive && has_wo {
        d.error_at(
            path.clone().attr(write_only),
            "Conflicting secrets",
            format!("Set only one of `{sensitive}` and `{write_only}`."),
        );
    }
    if !has_sensitive && !has_wo {
        d.error_at(
            path.clone().attr(sensitive),
            "Missing channel secret",
            format!("Set `{write_only}` (Terraform >= 1.11) or `{sensitive}`."),
        );
    }
}

fn tenants(config: &Model, d: &mut Diagnostics) {
    let mut names = BTreeSet::new();
    let guard_thresholds = thresholds(config);
    for (i, t) in known_blocks(&config.tenant).iter().enumerate() {
        let path = tenant_path(i);
        if let Some(name) = known_str(&t.name) {
            if !names.insert(name.to_owned()) {
                d.error_at(
                    path.clone().attr(TenantBlock::NAME),
                    "Duplicate tenant",
                    format!("Tenant {name:?} appears twice."),
                );
            }
        }
        if t.limit.known().is_some_and(|l| l.as_f64() <= 0.0) {
            d.error_at(
                path.clone().attr(TenantBlock::LIMIT),
                "Tenant limit must be positive",
                "Set `limit` above 0.",
            );
        }
        let has_label = t.label.is_some();
        let has_project = !t.project.is_null();
        if !has_label && !has_project && !t.project.is_unknown() {
            d.error_at(
                path.clone(),
                "Tenant needs a scope",
                "Scope the tenant's budget with a `label { key, value }` block or a `project`.",
            );
        }
        if t.spend_cap.known() != Some(&true) {
            continue;
        }
        let cap = |attr: &str, detail: &str, d: &mut Diagnostics| {
            d.error_at(
                path.clone().attr(attr),
                "Spend cap rule violated",
                format!("A native spend cap {detail}"),
            );
        };
        if !has_project {
            cap(TenantBlock::PROJECT, "needs exactly one `project`.", d);
        }
        if has_label {
            cap(
                TenantBlock::LABEL,
                "is scoped by one project and one service only; remove the `label` block.",
                d,
            );
        }
        if t.service.is_null() {
            cap(TenantBlock::SERVICE, "needs exactly one `service`.", d);
        }
        if config.custom_period.is_some() {
            d.error_at(
                root(Model::CUSTOM_PERIOD),
                "Spend cap rule violated",
                "A native spend cap works only with calendar_period = \"MONTH\"; remove the `custom_period` block.",
            );
        }
        if known_str(&config.calendar_period).is_some_and(|p| p != "MONTH") {
            d.error_at(
                root(Model::CALENDAR_PERIOD),
                "Spend cap rule violated",
                format!(
                    "Tenant {} has `spend_cap`, which works only with calendar_period = \"MONTH\".",
                    known_str(&t.name).unwrap_or_default()
                ),
            );
        }
        if known_str(&config.credit_types_treatment) != Some("EXCLUDE_ALL_CREDITS")
            && !config.credit_types_treatment.is_unknown()
        {
            d.error_at(
                root(Model::CREDIT_TYPES_TREATMENT),
                "Spend cap rule violated",
                "A native spend cap needs credit_types_treatment = \"EXCLUDE_ALL_CREDITS\".",
            );
        }
        let three = guard_thresholds.len() == 3
            && guard_thresholds
                .iter()
                .zip(SPEND_CAP_THRESHOLDS)
                .all(|(t, p)| (t.percent - p).abs() < 1e-9 && t.basis == "CURRENT_SPEND");
        if !three {
            d.error_at(root(Model::THRESHOLD), "Spend cap rule violated", "A native spend cap needs exactly three CURRENT_SPEND thresholds at 0.5, 0.8 and 1.0 (the default when no `threshold` blocks are set).");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{invisible_at, valid_email};
    use tfplugin::AttributePath;

    #[test]
    fn emails() {
        for good in ["finance@example.com", "a.b+c@sub.example.co"] {
            assert!(valid_email(good), "{good}");
        }
        for bad in [
            "finance",
            "a@b",
            "a b@example.com",
            "@example.com",
            "a@@example.com",
            "a..b@example.com",
            "a@-x.com",
            "a@example..com",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn invisible_characters_are_named() {
        let d = invisible_at(AttributePath::root("x"), "a tenant name", "ac\u{200B}me").unwrap();
        assert!(d.detail.contains("U+200B at character 3"), "{}", d.detail);
        assert!(invisible_at(AttributePath::root("x"), "n", "a\tb").is_some());
        assert!(invisible_at(AttributePath::root("x"), "n", "Zürich-ÄÖ").is_none());
    }
}
