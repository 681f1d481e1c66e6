//! The `platform_budget_guard` schema. Nested blocks (not nested attributes)
//! so Terraform 1.0.x can load it; computed children live in separate attributes.

use std::collections::BTreeMap;

use tfplugin::{Attribute, Block, NestedBlock, NestingMode, Schema, Type};

pub const TYPE_NAME: &str = "platform_budget_guard";

fn list(name: &str, block: Block, max: i64) -> NestedBlock {
    NestedBlock {
        type_name: name.into(),
        block,
        nesting: NestingMode::List,
        min_items: 0,
        max_items: max,
    }
}

fn string_list() -> Type {
    Type::List(Box::new(Type::String))
}

fn string_map() -> Type {
    Type::Map(Box::new(Type::String))
}

fn threshold_block() -> Block {
    Block {
        description: "A spend threshold that notifies recipients when crossed. Import writes these blocks only when the budget's rules differ from the default 50/80/100 % of current spend.".into(),
        attributes: vec![
            Attribute::required("percent", Type::Number, "Fraction of the budget amount: `0.5` is 50 %, `1.0` is 100 %. Must be greater than 0."),
            Attribute::optional("basis", Type::String, "`CURRENT_SPEND` or `FORECASTED_SPEND`. Forecasts need a `calendar_period`.").default("CURRENT_SPEND"),
        ],
        ..Block::default()
    }
}

fn channel_block() -> Block {
    Block {
        description: "A Cloud Monitoring notification channel the guard owns (labelled `platform_budget_guard = <guard ID>`, see `display_name`). Email channels are linked to the budget (at most 5); Slack and PagerDuty channels receive the guard's alert policies. Import restores the order of the alert policies' channel list. A guard whose budget already exists (an update, or the first apply after import, `moved` or `platform adopt`) takes over a channel that already notifies a block's target instead of creating a twin: one of its own, or one no guard owns with the same e-mail address or Slack channel; PagerDuty channels by display name, or the only unowned one (Monitoring never shows the service key). Two such candidates are an error naming them.".into(),
        attributes: vec![
            Attribute::required("name", Type::String, "Key of the channel within this guard; also its display name. Unique per guard."),
            Attribute::required("type", Type::String, "`email`, `slack` or `pagerduty`."),
            Attribute::optional("email_address", Type::String, "Recipient address (`email` channels)."),
            Attribute::optional("channel_name", Type::String, "Slack channel, e.g. `#billing` (`slack` channels)."),
            Attribute::optional("auth_token", Type::String, "Slack OAuth token (`slack` channels). Stored in state; on Terraform >= 1.11 prefer `auth_token_wo`. The API never returns it, so after `terraform import` the first apply sends it again (the plan shows it as a change).").sensitive(),
            Attribute::optional("auth_token_wo", Type::String, "Write-only Slack OAuth token (Terraform >= 1.11): never stored in plan or state; changes are detected through a keyed hash of what was sent. Change `secret_version` (or the token) to rotate it. After `terraform import` there is no hash, so the token in use is kept until `secret_version` changes.").sensitive().write_only(),
            Attribute::optional("service_key", Type::String, "PagerDuty integration key (`pagerduty` channels). Stored in state; on Terraform >= 1.11 prefer `service_key_wo`. The API never returns it, so after `terraform import` the first apply sends it again (the plan shows it as a change).").sensitive(),
            Attribute::optional("service_key_wo", Type::String, "Write-only PagerDuty integration key (Terraform >= 1.11): never stored in plan or state. Rotation and import behave as for `auth_token_wo`.").sensitive().write_only(),
            Attribute::optional("secret_version", Type::Number, "Bump to force the channel's secret to be sent again (rotation trigger for the write-only secrets). Kept in the channel's user labels so import restores it."),
        ],
        ..Block::default()
    }
}

fn pubsub_block() -> Block {
    Block {
        description: "Publish budget notifications to Pub/Sub so programs can act on spend. The guard creates the topic and a subscription (messages to a topic without subscribers are dropped) and sets `schemaVersion` 1.0.".into(),
        attributes: vec![Attribute::required("topic", Type::String, "Topic ID, created in `project` with its `<topic>-budget` subscription. An existing topic of that name is an error, unless the guard's budget already exists (import, `moved`, `platform adopt`) and no guard owns the topic: then it is taken over, as are alert policies of the guard's display names.")],
        ..Block::default()
    }
}

fn custom_period_block() -> Block {
    Block {
        description: "A fixed budget period instead of `calendar_period` (Budgets `customPeriod`). Forecast thresholds are not available with it.".into(),
        attributes: vec![
            Attribute::required("start_date", Type::String, "First day of the period, `YYYY-MM-DD`."),
            Attribute::optional("end_date", Type::String, "Last day of the period, `YYYY-MM-DD`, not before `start_date`. Without it the budget runs indefinitely."),
        ],
        ..Block::default()
    }
}

fn tenant_block() -> Block {
    let label = Block {
        description: "Scope the tenant's budget to resources with this label.".into(),
        attributes: vec![
            Attribute::required("key", Type::String, "Label key."),
            Attribute::required("value", Type::String, "Label value."),
        ],
        ..Block::default()
    };
    Block {
        description: "A per-tenant AI cost limit: a tenant budget (display name `<tenant> AI cost [<first 8 characters of the guard ID>]`) plus a Monitoring alert policy on the metered cost metric. Import restores tenants sorted by name, with `service` spelled `services/<ID>`.".into(),
        attributes: vec![
            Attribute::required("name", Type::String, "Tenant name; the value of the `cost_metric.tenant_label` metric label."),
            Attribute::optional("limit", Type::Number, "Cost limit in `currency_code` (the default is the guide's `TENANT_AI_COST_LIMIT_USD`).").default(500_i64),
            Attribute::optional("project", Type::String, "Scope the tenant budget to this project ID."),
            Attribute::optional("service", Type::String, "Scope the tenant budget to this service (`services/<ID>` or the bare ID). Required with `spend_cap`."),
            Attribute::optional("spend_cap", Type::Bool, "Enable the native spend cap (hard stop). Needs exactly one `project`, one `service`, `calendar_period = \"MONTH\"`, `credit_types_treatment = \"EXCLUDE_ALL_CREDITS\"` and the thresholds 0.5/0.8/1.0 on current spend.").default(false),
        ],
        blocks: vec![list("label", label, 1)],
        ..Block::default()
    }
}

fn cost_metric_block() -> Block {
    Block {
        description: "The metric the application writes with each tenant's AI cost (real-time limits belong in the application; these policies alert). Contract: metric kind `CUMULATIVE`, value type `DOUBLE`, unit `USD`, one series per tenant labelled with `tenant_label`; each point is the tenant's month-to-date AI cost and the series' start time is the start of the current billing month (a new start time at each month begins the next month from zero). CUMULATIVE rather than GAUGE because it is the only kind for which Monitoring accepts both policies: the per-tenant policy compares the latest month-to-date value with the tenant's `limit`, and the spike policy takes the increase over the last hour (`ALIGN_DELTA`, which Monitoring rejects on a GAUGE). Import writes this block when a spike policy exists or the metric differs from the defaults.".into(),
        attributes: vec![
            Attribute::optional("type", Type::String, "Metric type: a `CUMULATIVE` `DOUBLE` metric of month-to-date AI cost in USD per tenant, restarted (new start time) at the start of each billing month. The guard alerts per tenant when the latest value exceeds the tenant's `limit`.").default("custom.googleapis.com/platform/tenant_ai_cost_usd"),
            Attribute::optional("tenant_label", Type::String, "Metric label holding the tenant name; its value must equal the `tenant` block's `name`.").default("tenant"),
            Attribute::optional("spike_usd_per_hour", Type::Number, "Alert when all tenants together add more than this to their month-to-date cost within a rolling hour (the \"unusual usage spike\" policy: `ALIGN_DELTA` over 3600 s, summed across tenants). No spike policy when unset."),
        ],
        ..Block::default()
    }
}

fn threshold_object() -> Type {
    Type::Object(BTreeMap::from([
        ("percent".to_owned(), Type::Number),
        ("basis".to_owned(), Type::String),
    ]))
}

pub fn schema() -> Schema {
    let attributes = vec![
        Attribute::computed("id", Type::String, "The budget's resource name."),
        Attribute::required("billing_account", Type::String, "Billing account ID (`012345-6789AB-CDEF01`). Changing it replaces the guard."),
        Attribute::optional_computed("project", Type::String, "Project that holds the channels, topic and alert policies. Defaults to the provider's `project`. Changing it replaces the guard."),
        Attribute::required("display_name", Type::String, "Budget display name, at most 60 characters. With `billing_account` it identifies the guard: the guard ID (a hash of both) labels every child, so an apply that was interrupted (killed, or a create that timed out after it landed) is continued by the next one instead of duplicated; a budget with this display name that no state records is adopted. Use a display name once per billing account."),
        Attribute::required("amount", Type::Number, "Budget amount in `currency_code`, e.g. `2000` or `1999.99`. Must be greater than 0."),
        Attribute::optional("currency_code", Type::String, "ISO 4217 code; must match the billing account's currency.").default("USD"),
        Attribute::optional("projects", string_list(), "Project IDs the budget covers (resolved to `projects/<number>`). All projects of the account when unset."),
        Attribute::optional("services", string_list(), "Services the budget covers (`services/<ID>` or the bare ID)."),
        Attribute::optional("labels", string_map(), "Resource label filter. The API accepts one key with one value."),
        Attribute::optional("credit_types_treatment", Type::String, "`INCLUDE_ALL_CREDITS` or `EXCLUDE_ALL_CREDITS`.").default("INCLUDE_ALL_CREDITS"),
        Attribute::optional("calendar_period", Type::String, "`MONTH`, `QUARTER` or `YEAR`. Conflicts with `custom_period`; null when `custom_period` is set.").default("MONTH"),
        Attribute::optional("disable_default_iam_recipients", Type::Bool, "Do not e-mail billing account admins and users.").default(false),
        Attribute::optional("enable_project_level_recipients", Type::Bool, "Also e-mail project owners of the budgeted projects.").default(false),
        Attribute::computed("budget_name", Type::String, "`billingAccounts/<A>/budgets/<B>`."),
        Attribute::computed("etag", Type::String, "The budget's etag, sent with every update so concurrent edits are not overwritten."),
        Attribute::computed("effective_thresholds", Type::List(Box::new(threshold_object())), "The threshold rules in force: the `threshold` blocks, or 50/80/100 % of current spend when there are none."),
        Attribute::computed("channels", string_map(), "Notification channel key -> Monitoring resource name."),
        Attribute::computed("topic", Type::String, "The Pub/Sub topic resource name (empty without `pubsub`)."),
        Attribute::computed("subscription", Type::String, "The Pub/Sub subscription resource name (empty without `pubsub`)."),
        Attribute::computed("tenant_budgets", string_map(), "Tenant -> budget resource name."),
        Attribute::computed("spend_cap_states", string_map(), "Tenant -> spend cap `outputState` (`CONFIGURED`, `ENFORCED`, `AWAITING_NEXT_PERIOD`) for spend-capped tenants."),
        Attribute::computed("alert_policies", string_map(), "`tenant:<name>` / `spike` -> alert policy resource name."),
        Attribute::computed("cost_metric_descriptor", Type::String, "The cost metric's Monitoring descriptor (`projects/<P>/metricDescriptors/<type>`), created before the alert policies because Monitoring rejects a policy on a metric that does not exist yet; an existing descriptor (e.g. created by the application) is adopted when its kind is `CUMULATIVE` and value type `DOUBLE`. Empty when the guard has no alert policies."),
        Attribute::computed("cost_metric_descriptor_owned", Type::Bool, "True when the guard created `cost_metric_descriptor` and so deletes it on destroy (which deletes the metric's data); an adopted descriptor is never deleted."),
        Attribute::computed("secret_hashes", string_map(), "HMAC-SHA256 of each channel secret as last sent, keyed with `secret_hash_key` (the API only returns secrets obfuscated, so changes are detected against these). Hashes from older versions (unkeyed SHA-256) are still recognised and re-hashed on the next apply that changes the guard.").sensitive(),
        Attribute::computed("secret_hash_key", Type::String, "Random key generated for this guard at create and used for `secret_hashes`, so equal secrets in two guards never hash alike.").sensitive(),
    ];
    Schema {
        version: 0,
        block: Block {
            description: "A production budget guard: a Cloud Billing budget with threshold alerts, e-mail/Slack/PagerDuty notification channels, an optional Pub/Sub feed, per-tenant AI cost budgets (optionally spend-capped) and Monitoring alert policies on the metered tenant cost — validated at plan time against the APIs' real limits. Import with the main budget's name (`billingAccounts/<A>/budgets/<B>`): channels and alert policies are found by their `platform_budget_guard` user label, tenant budgets by display name.".into(),
            attributes,
            blocks: vec![
                list("threshold", threshold_block(), 0),
                list("notification_channel", channel_block(), 0),
                list("pubsub", pubsub_block(), 1),
                list("custom_period", custom_period_block(), 1),
                list("tenant", tenant_block(), 0),
                list("cost_metric", cost_metric_block(), 1),
            ],
            ..Block::default()
        },
    }
}
