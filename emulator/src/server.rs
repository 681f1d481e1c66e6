//! Assembles the HTTP server: token endpoints, metadata server, admin API,
//! and the discovery-driven API router as the fallback.

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::auth::token;
use crate::error::EmulatorError;
use crate::router::Registry;
use crate::state::App;

/// Registers every emulated API method. New products add their module here.
pub fn register_apis(routes: &mut Registry) -> Result<(), EmulatorError> {
    crate::compute::register(routes)?;
    crate::ops::lro::register(routes)?;
    crate::budgets::register(routes)?;
    crate::monitoring::alerting::register(routes)?;
    crate::pubsub::register(routes)?;
    crate::resourcemanager::register(routes)?;
    crate::run::register(routes)?;
    crate::sql::register(routes)?;
    crate::redis::register(routes)?;
    crate::secretmanager::register(routes)?;
    crate::monitoring::metrics::register(routes)?;
    crate::monitoring::descriptors::register(routes)?;
    routes.add(
        "iamcredentials.projects.serviceAccounts.generateAccessToken",
        token::generate_access_token,
    )
}

pub fn http_router(app: App) -> Router {
    const METADATA_SA: &str = "/computeMetadata/v1/instance/service-accounts/default";
    Router::new()
        .route("/token", post(token::oauth_token))
        .route("/v1/token", post(token::sts_token))
        .route(&format!("{METADATA_SA}/token"), get(token::metadata_token))
        .route(&format!("{METADATA_SA}/email"), get(token::metadata_email))
        .route(
            "/computeMetadata/v1/project/project-id",
            get(token::metadata_project_id),
        )
        .merge(crate::admin::routes())
        .merge(crate::run::admin_routes())
        .fallback(crate::router::dispatch)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            crate::requestlog::observe,
        ))
        .with_state(app)
}
