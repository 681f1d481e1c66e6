//! How a guard is named for import by identity, listing and cross-type
//! `moved` from hashicorp/google's `google_billing_budget` (the guard's main
//! budget; its channels, topic and policies are found as import finds them).

use serde_json::Value as Json;

use crate::resources::adoption::{attr, IdPattern, Identity, MoveSource};

pub const IDENTITY: Identity = Identity {
    pattern: IdPattern("billingAccounts/{billing_account}/budgets/{budget_id}"),
    descriptions: &[
        (
            "billing_account",
            "Billing account ID (`012345-6789AB-CDEF01`).",
        ),
        (
            "budget_id",
            "ID of the guard's main budget (the last part of `budget_name`).",
        ),
    ],
    defaulted: &[],
};

const BILLING_BUDGET: &str = "google_billing_budget";

/// hashicorp/google writes this type at schema version 1 (6.x and 7.x:
/// `SchemaVersion: 1` with `ResourceBillingBudgetUpgradeV0` in
/// `resource_billing_budget.go`), with `billing_account`, `name` (the budget's
/// ID, or its full resource name in states from older releases) and
/// `id = billingAccounts/A/budgets/B`.
pub const MOVE_SOURCE_TYPES: [&str; 1] = [BILLING_BUDGET];

pub const MOVE_SOURCES: [MoveSource; 1] = [MoveSource {
    type_name: BILLING_BUDGET,
    schema_version: 1,
    import_id: billing_budget_id,
}];

fn billing_budget_id(state: &Json) -> Result<String, String> {
    let budget = attr(state, "name").and_then(|n| n.rsplit('/').next());
    if let (Some(a), Some(b)) = (attr(state, "billing_account"), budget) {
        return Ok(format!("billingAccounts/{a}/budgets/{b}"));
    }
    attr(state, "id")
        .filter(|id| IDENTITY.pattern.parse(id).is_some())
        .map(str::to_owned)
        .ok_or_else(|| "`billing_account` and `name` (or `id`)".to_owned())
}
