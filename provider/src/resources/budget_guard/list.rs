//! `list "platform_budget_guard"`: the budgets of a billing account that could
//! anchor a guard, i.e. all but the per-tenant budgets guards create.

use async_trait::async_trait;
use tfplugin::{Attribute, Block, Diagnostics, OpContext, Type, Value};

use super::{identity::IDENTITY, marker, BudgetGuard};
use crate::framework::api::api_error;
use crate::framework::values::string;
use crate::resources::adoption::{Discover, Found, Identity};

/// The list configuration's one attribute, declared and read under one name.
const BILLING_ACCOUNT: &str = "billing_account";

#[async_trait]
impl Discover for BudgetGuard {
    fn identity_of() -> &'static Identity {
        &IDENTITY
    }

    fn list_config() -> Block {
        Block {
            description: "Lists the budgets of a billing account, except the per-tenant budgets guards create.".into(),
            attributes: vec![Attribute::required(BILLING_ACCOUNT, Type::String, "Billing account ID (`012345-6789AB-CDEF01`).")],
            ..Block::default()
        }
    }

    async fn discover(&self, _ctx: &OpContext, config: &Value) -> Result<Vec<Found>, Diagnostics> {
        let data = self.state.get()?;
        let account = string(config, BILLING_ACCOUNT).unwrap_or_default();
        let budgets = data
            .client
            .budgets()
            .list(&account, None)
            .await
            .map_err(|e| api_error(&format!("listing the budgets of billing account {account}"), &e, "Check the billing account ID and that the credentials hold roles/billing.viewer on it."))?;
        let mut found: Vec<Found> = budgets
            .into_iter()
            .filter(|b| !marker::is_tenant_budget(&b.display_name))
            .map(|b| Found {
                display_name: b.display_name,
                import_id: b.name,
            })
            .collect();
        found.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(found)
    }
}
