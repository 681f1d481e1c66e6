//! Reads and plans while the provider configuration is still unknown (it
//! depends on resources not created yet, e.g. an aliased provider whose
//! `region` comes from another resource). Nothing can be read from Google
//! then: a read keeps the state as it is, and a plan keeps what the
//! configuration sets, leaves what the provider would fill in unknown, and
//! leaves the checks that need the API to the apply, for which Terraform
//! configures the provider with the final values.

use tfplugin::{PlanRequest, PlanResponse, ReadRequest, ReadResponse, Schema, Value};

pub fn read(req: ReadRequest) -> ReadResponse {
    ReadResponse {
        new_state: req.current_state,
        private: req.private,
        diagnostics: Default::default(),
    }
}

pub fn plan(schema: &Schema, req: PlanRequest) -> PlanResponse {
    let proposed = req.proposed_new_state;
    let creating = req.prior_state.is_null();
    let unchanged = !creating && proposed == req.prior_state;
    let mut planned = if unchanged { req.prior_state } else { proposed };
    if !planned.is_null() && !unchanged {
        if creating {
            // Schema defaults need no provider; the rest it fills is unknown.
            schema.block.apply_defaults(&mut planned);
            let unknown = |a: &tfplugin::Attribute| a.computed.then_some(Value::Unknown);
            schema.block.fill_null(&mut planned, &unknown);
        } else {
            // A changed object: its outputs may change (the `id` stays), never
            // what the configuration sets.
            for a in schema.block.attributes.iter() {
                if a.computed && !a.optional && a.name != "id" {
                    planned.set(&a.name, Value::Unknown);
                }
            }
        }
    }
    PlanResponse {
        planned_state: planned,
        requires_replace: vec![],
        planned_private: req.prior_private,
        diagnostics: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::Resource;

    fn req(prior: Value, proposed: Value) -> PlanRequest {
        PlanRequest {
            prior_state: prior,
            config: proposed.clone(),
            proposed_new_state: proposed,
            prior_private: vec![],
        }
    }

    #[test]
    fn plans_keep_the_configuration_and_leave_the_providers_part_unknown() {
        let schema =
            super::super::livekit_cluster::LivekitCluster::new(Default::default()).schema();
        let mut config = crate::framework::values::empty_block(&schema.block);
        config.set("name", Value::from("lk"));
        config.set("project", Value::from("p"));
        let created = plan(&schema, req(Value::Null, config.clone())).planned_state;
        assert_eq!(created.get("name"), &Value::from("lk"));
        assert_eq!(created.get("project"), &Value::from("p"));
        // A schema default needs no provider; the provider's region does.
        assert_eq!(created.get("machine_type"), &Value::from("n2-standard-4"));
        assert!(created.get("region").is_unknown() && created.get("id").is_unknown());

        let mut prior = created.clone();
        for (k, v) in [
            ("region", "r"),
            ("id", "projects/p/global/backendServices/lk"),
            ("health_check", "hc"),
        ] {
            prior.set(k, Value::from(v));
        }
        assert_eq!(
            plan(&schema, req(prior.clone(), prior.clone())).planned_state,
            prior
        );
        let mut changed = prior.clone();
        changed.set("node_count", Value::from(5));
        let planned = plan(&schema, req(prior.clone(), changed)).planned_state;
        assert_eq!(planned.get("node_count"), &Value::from(5));
        assert_eq!(planned.get("id"), prior.get("id"));
        assert_eq!(planned.get("region"), &Value::from("r"));
        assert!(planned.get("health_check").is_unknown());
    }
}
