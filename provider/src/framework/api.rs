//! Calling Google and answering Terraform: one `call` helper that turns API
//! failures (and Ctrl-C) into diagnostics, for every resource and data source.

use std::future::Future;

use tfplugin::{Diagnostic, Diagnostics, OpContext, ReadDataResponse, Value};

/// The reply to a read: the state, or null state and the reason.
pub fn read_response(result: Result<Value, Diagnostic>) -> ReadDataResponse {
    match result {
        Ok(state) => ReadDataResponse {
            state,
            diagnostics: Diagnostics::new(),
        },
        Err(d) => ReadDataResponse {
            state: Value::Null,
            diagnostics: d.into(),
        },
    }
}

/// Explain a failed API call: quote the API and say what to do. Only
/// server-side (5xx) and connection failures may be the service's or the
/// endpoint's fault; a 4xx is about what was sent or who sent it.
pub fn api_error(what: &str, err: &gcp_client::Error, hint: &str) -> Diagnostic {
    let advice = match err.api().map(|a| a.http_status) {
        Some(401) => "The credentials were rejected; check `credentials`/`access_token` or refresh Application Default Credentials.",
        Some(400) => "Google rejected a value in this request (the message above names it): change that input in the configuration (the attribute this error points at), then apply again.",
        Some(409) => "The object already exists or is being changed by someone else: run `terraform plan` to see the current state, or import the existing object.",
        Some(429) => "The API is rate limiting requests; retry later or raise the quota.",
        Some(400..=499) => hint,
        _ => "If this persists, check the endpoint settings and the service's status.",
    };
    Diagnostic::error(format!("Error {what}"), format!("{err}\n\n{advice}"))
}

/// Run an API call unless Terraform cancels the operation (Ctrl-C) first; failures
/// become [`api_error`] diagnostics.
pub async fn call<T>(
    ctx: &OpContext,
    what: &str,
    hint: &str,
    fut: impl Future<Output = Result<T, gcp_client::Error>>,
) -> Result<T, Diagnostic> {
    tokio::select! {
        () = ctx.cancel.cancelled() => Err(Diagnostic::error(format!("Error {what}"), "Cancelled: Terraform asked the provider to stop.")),
        r = fut => r.map_err(|e| api_error(what, &e, hint)),
    }
}

#[cfg(test)]
mod tests {
    use super::api_error;

    fn status(code: u16) -> gcp_client::Error {
        let body = format!(r#"{{"error":{{"code":{code},"message":"m","status":"S"}}}}"#);
        gcp_client::Error::Http(gcp_client::http::HttpError::Api {
            method: reqwest::Method::POST,
            path: "/v1/x".into(),
            source: Box::new(gcp_client::ApiError::from_response(code, body.as_bytes())),
        })
    }

    #[test]
    fn only_server_and_connection_failures_blame_the_endpoint() {
        let persists = "If this persists";
        for code in [400, 403, 404, 409, 412] {
            let d = api_error("creating x", &status(code), "Check the role.");
            assert!(!d.detail.contains(persists), "{code}: {}", d.detail);
        }
        assert!(api_error("x", &status(400), "h")
            .detail
            .contains("change that input"));
        assert!(api_error("x", &status(412), "Check the role.")
            .detail
            .ends_with("Check the role."));
        assert!(api_error("x", &status(503), "h").detail.contains(persists));
    }
}
