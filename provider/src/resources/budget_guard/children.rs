//! What the guard has created, as recorded in state (so a failed apply can
//! return honest partial state and the next one converges).

use std::collections::BTreeMap;

use tfplugin::typed::MaybeUnknown;

use super::model::Model;
use crate::framework::model::non_empty;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Children {
    pub budget: Option<String>,
    pub etag: Option<String>,
    /// Channel key -> resource name.
    pub channels: BTreeMap<String, String>,
    pub topic: Option<String>,
    pub subscription: Option<String>,
    pub tenant_budgets: BTreeMap<String, String>,
    pub spend_cap_states: BTreeMap<String, String>,
    pub alert_policies: BTreeMap<String, String>,
    /// The cost metric's descriptor the policies watch (`projects/P/metricDescriptors/TYPE`).
    pub metric_descriptor: Option<String>,
    /// The guard created the descriptor (rather than adopting the app's), so
    /// it may delete it — which also deletes the metric's data.
    pub metric_descriptor_owned: bool,
    pub secret_hashes: BTreeMap<String, String>,
    /// The per-guard key of `secret_hashes` (absent in states written before keyed hashes).
    pub secret_hash_key: Option<String>,
}

impl Children {
    /// The children a (prior) state's model records.
    pub fn of(state: &Model) -> Children {
        let text = |v: &MaybeUnknown<String>| non_empty(v).map(str::to_owned);
        let map =
            |v: &MaybeUnknown<BTreeMap<String, String>>| v.known().cloned().unwrap_or_default();
        Children {
            budget: text(&state.budget_name),
            etag: text(&state.etag),
            channels: map(&state.channels),
            topic: text(&state.topic),
            subscription: text(&state.subscription),
            tenant_budgets: map(&state.tenant_budgets),
            spend_cap_states: map(&state.spend_cap_states),
            alert_policies: map(&state.alert_policies),
            metric_descriptor: text(&state.cost_metric_descriptor),
            metric_descriptor_owned: state.cost_metric_descriptor_owned.known() == Some(&true),
            secret_hashes: map(&state.secret_hashes),
            secret_hash_key: text(&state.secret_hash_key),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.budget.is_none()
            && self.channels.is_empty()
            && self.topic.is_none()
            && self.subscription.is_none()
            && self.tenant_budgets.is_empty()
            && self.alert_policies.is_empty()
            && self.metric_descriptor.is_none()
    }

    /// Sets every computed attribute of `state` to what is recorded.
    pub fn write(&self, state: &mut Model) {
        let text = |s: &Option<String>| MaybeUnknown::Known(s.clone().unwrap_or_default());
        let map = |m: &BTreeMap<String, String>| MaybeUnknown::Known(m.clone());
        state.id = text(&self.budget);
        state.budget_name = text(&self.budget);
        state.etag = text(&self.etag);
        state.channels = map(&self.channels);
        state.topic = text(&self.topic);
        state.subscription = text(&self.subscription);
        state.tenant_budgets = map(&self.tenant_budgets);
        state.spend_cap_states = map(&self.spend_cap_states);
        state.alert_policies = map(&self.alert_policies);
        state.cost_metric_descriptor = text(&self.metric_descriptor);
        state.cost_metric_descriptor_owned = MaybeUnknown::Known(self.metric_descriptor_owned);
        state.secret_hashes = map(&self.secret_hashes);
        // Null, not "", when absent: older states have no key and must not show a change.
        state.secret_hash_key = self.secret_hash_key.clone().into();
    }
}
