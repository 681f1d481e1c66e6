//! A `platform_blue_green_service` from `terraform show -json`, decoded with
//! the provider's own schema so its rollout settings get the provider's
//! defaults (an omitted `max_error_rate` is 0.5 % here exactly as in the
//! rollout engine).

use platform_provider::resources::blue_green_service::{
    resource_schema, rollout_settings, Rollout,
};
use tfplugin::codec::from_json;

use crate::show::ResourceView;

/// The rollout settings in effect; `Err` says why the state does not decode.
pub fn rollout_of(r: &ResourceView) -> Result<Rollout, String> {
    let value =
        from_json(&r.values, &resource_schema().block.value_type()).map_err(|e| e.to_string())?;
    rollout_settings(&value).map_err(|d| d.detail)
}
