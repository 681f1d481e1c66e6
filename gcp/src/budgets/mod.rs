//! Cloud Billing Budgets v1 (`billingAccounts/{a}/budgets`). Field names follow
//! the discovery document; int64 fields (`units`) are JSON strings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::{with_query, ApiClient};
use crate::endpoints::Service;
use crate::Error;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Budget {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_filter: Option<BudgetFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<BudgetAmount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threshold_rules: Vec<ThresholdRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications_rule: Option<NotificationsRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spend_cap: Option<SpendCap>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub etag: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BudgetFilter {
    /// `projects/<number>` (the API answers numbers even when given IDs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
    /// `services/<SERVICE_ID>`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_types_treatment: Option<String>,
    /// At most one key with one value.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, Vec<String>>,
    /// `MONTH`, `QUARTER` or `YEAR`; exclusive with `custom_period`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_period: Option<CustomPeriod>,
}

/// A fixed budget period; without `end_date` it runs indefinitely.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomPeriod {
    pub start_date: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<Date>,
}

/// `google.type.Date`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(default)]
pub struct Date {
    pub year: i32,
    pub month: i32,
    pub day: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BudgetAmount {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub specified_amount: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_period_amount: Option<serde_json::Value>,
}

/// google.type.Money.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Money {
    pub currency_code: String,
    /// int64 as a decimal string.
    pub units: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub nanos: i32,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ThresholdRule {
    /// 1.0 is 100 %.
    pub threshold_percent: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spend_basis: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationsRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pubsub_topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// Email channels only, at most five.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub monitoring_notification_channels: Vec<String>,
    pub disable_default_iam_recipients: bool,
    pub enable_project_level_recipients: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SpendCap {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_state: Option<String>,
    /// Read-only: CONFIGURED, ENFORCED or AWAITING_NEXT_PERIOD.
    #[serde(skip_serializing)]
    pub output_state: Option<String>,
    #[serde(skip_serializing)]
    pub reconciling: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ListBudgets {
    budgets: Vec<Budget>,
    next_page_token: String,
}

#[derive(Debug, Clone)]
pub struct BudgetsClient {
    api: ApiClient,
}

impl BudgetsClient {
    pub fn new(api: ApiClient) -> Self {
        BudgetsClient { api }
    }

    fn url(&self, path: &str) -> String {
        self.api.url(Service::BillingBudgets, path)
    }

    /// `account` is the bare ID (`012345-6789AB-CDEF01`).
    pub async fn create(&self, account: &str, budget: &Budget) -> Result<Budget, Error> {
        self.api
            .post(
                &self.url(&format!("billingAccounts/{account}/budgets")),
                budget,
            )
            .await
    }

    /// `name` is `billingAccounts/A/budgets/B`.
    pub async fn get(&self, name: &str) -> Result<Budget, Error> {
        self.api.get(&self.url(name)).await
    }

    /// Every budget of the account, optionally only those scoped to `scope` (`projects/p`).
    pub async fn list(&self, account: &str, scope: Option<&str>) -> Result<Vec<Budget>, Error> {
        let url = self.url(&format!("billingAccounts/{account}/budgets"));
        let mut budgets = Vec::new();
        let mut token = String::new();
        loop {
            let mut query = Vec::new();
            if let Some(s) = scope {
                query.push(("scope", s));
            }
            if !token.is_empty() {
                query.push(("pageToken", token.as_str()));
            }
            let page: ListBudgets = self.api.get_query(&url, &query).await?;
            budgets.extend(page.budgets);
            if page.next_page_token.is_empty() {
                return Ok(budgets);
            }
            token = page.next_page_token;
        }
    }

    /// PATCH exactly the fields in `mask` (camelCase paths). Send `budget.etag` so
    /// a concurrent edit is rejected (ABORTED) instead of overwritten.
    pub async fn patch(&self, name: &str, budget: &Budget, mask: &[&str]) -> Result<Budget, Error> {
        let mask = mask.join(",");
        let url = with_query(&self.url(name), &[("updateMask", mask.as_str())])?;
        self.api.patch(&url, budget).await
    }

    pub async fn delete(&self, name: &str) -> Result<(), Error> {
        self.api
            .delete::<serde_json::Value>(&self.url(name))
            .await
            .map(drop)
    }
}
