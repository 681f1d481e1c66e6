//! Token endpoints: OAuth2 (`/token`), STS (`/v1/token`), the GCE metadata
//! server, IAM Credentials `generateAccessToken`, and the admin helpers that
//! hand out refresh tokens and trusted OIDC tokens.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::jwt::Jwt;
use super::{lifetime_ok, mint_access_token, verifying_key, TOKEN_LIFETIME_SECS};
use crate::clock::{now_ms, rfc3339};
use crate::compute::catalog::project_number;
use crate::error::ApiError;
use crate::router::ApiCall;
use crate::state::App;
use crate::store::AuthorizedUser;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// An OAuth2 error in Google's `{error, error_description}` shape.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn grant(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_grant",
            description: description.into(),
        }
    }

    fn request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response()
    }
}

impl From<ApiError> for OAuthError {
    fn from(err: ApiError) -> Self {
        Self {
            status: err.code,
            error: "internal_failure",
            description: err.message,
        }
    }
}

/// The fields of a token request, form-encoded or JSON (which STS also
/// accepts): what both token endpoints extract from the body.
pub struct TokenForm(HashMap<String, String>);

impl TokenForm {
    /// A field's value; an absent field reads as empty.
    fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }
}

impl<S: Send + Sync> FromRequest<S> for TokenForm {
    type Rejection = BytesRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state).await?;
        Ok(TokenForm(fields(&headers, &body)))
    }
}

/// Reads the body as JSON when its content type says so, else as a form.
fn fields(headers: &HeaderMap, body: &Bytes) -> HashMap<String, String> {
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let Some(object) = parsed.as_object() else {
            return HashMap::new();
        };
        return object
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                )
            })
            .collect();
    }
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// `POST /token`: the OAuth2 token endpoint (JWT-bearer and refresh-token grants).
pub async fn oauth_token(
    State(app): State<App>,
    form: TokenForm,
) -> Result<Json<Value>, OAuthError> {
    let principal = match form.get("grant_type") {
        JWT_BEARER => assertion_principal(&app, form.get("assertion"))?,
        "refresh_token" => refresh_principal(
            &app,
            form.get("client_id"),
            form.get("client_secret"),
            form.get("refresh_token"),
        )?,
        "" => {
            return Err(OAuthError::request(
                "Missing required parameter: grant_type",
            ))
        }
        other => {
            return Err(OAuthError {
                status: StatusCode::BAD_REQUEST,
                error: "unsupported_grant_type",
                description: format!("Invalid grant_type: {other}"),
            })
        }
    };
    let token = mint_access_token(&app, &principal, TOKEN_LIFETIME_SECS)?;
    Ok(Json(json!({
        "access_token": token,
        "expires_in": TOKEN_LIFETIME_SECS - 1,
        "token_type": "Bearer",
    })))
}

fn assertion_principal(app: &App, assertion: &str) -> Result<String, OAuthError> {
    let jwt = Jwt::decode(assertion).map_err(|e| OAuthError::grant(format!("Invalid JWT: {e}")))?;
    let key = verifying_key(&app.keys, &jwt)
        .ok_or_else(|| OAuthError::grant("Invalid JWT Signature."))?;
    if jwt.claim_str("iss") != Some(key.email.as_str()) {
        return Err(OAuthError::grant(
            "Invalid JWT: iss does not match the signing key's client_email.",
        ));
    }
    let aud = jwt.claim_str("aud").unwrap_or("");
    let own = format!("{}/token", app.base_url);
    if aud != own && aud != "https://oauth2.googleapis.com/token" {
        return Err(OAuthError::grant(format!(
            "Invalid JWT: audience {aud:?} is not the token URI {own}."
        )));
    }
    if !lifetime_ok(&jwt) {
        return Err(OAuthError::grant(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. \
             Check your iat and exp values in the JWT claim.",
        ));
    }
    if jwt
        .claims
        .get("scope")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_scope",
            description: "Invalid OAuth scope or ID token audience provided.".into(),
        });
    }
    Ok(key.email.clone())
}

fn refresh_principal(
    app: &App,
    client_id: &str,
    secret: &str,
    refresh: &str,
) -> Result<String, OAuthError> {
    let user = app
        .store
        .read(|d| d.refresh_tokens.get(refresh).cloned())
        .ok_or_else(|| OAuthError::grant("Bad Request"))?;
    if user.client_id != client_id || user.client_secret != secret {
        return Err(OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "Unauthorized".into(),
        });
    }
    Ok(user.email)
}

/// `POST /v1/token`: STS token exchange for workload identity federation.
pub async fn sts_token(State(app): State<App>, form: TokenForm) -> Result<Json<Value>, OAuthError> {
    if form.get("grant_type") != TOKEN_EXCHANGE {
        return Err(OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "unsupported_grant_type",
            description: format!("Unsupported grant_type {:?}.", form.get("grant_type")),
        });
    }
    for required in ["subject_token", "subject_token_type", "audience"] {
        if form.get(required).is_empty() {
            return Err(OAuthError::request(format!(
                "Missing required parameter: {required}"
            )));
        }
    }
    let subject = form.get("subject_token");
    let listed = app.store.read(|d| d.oidc_tokens.contains(subject));
    let signed = || {
        Jwt::decode(subject).ok().filter(|jwt| {
            verifying_key(&app.keys, jwt).is_some()
                && jwt.claim_i64("exp").is_none_or(|e| e > now_ms() / 1000)
        })
    };
    let principal = if listed {
        format!(
            "principal://iam.googleapis.com/{}/subject/oidc",
            form.get("audience")
                .trim_start_matches("//iam.googleapis.com/")
        )
    } else if let Some(jwt) = signed() {
        let sub = jwt.claim_str("sub").unwrap_or("unknown");
        format!(
            "principal://iam.googleapis.com/{}/subject/{sub}",
            form.get("audience")
                .trim_start_matches("//iam.googleapis.com/")
        )
    } else {
        return Err(OAuthError::grant(
            "The given subject token is not trusted by this emulator.",
        ));
    };
    let token = mint_access_token(&app, &principal, TOKEN_LIFETIME_SECS)?;
    Ok(Json(json!({
        "access_token": token,
        "issued_token_type": ACCESS_TOKEN_TYPE,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS - 1,
    })))
}

/// `iamcredentials.projects.serviceAccounts.generateAccessToken` (a registered API route).
pub async fn generate_access_token(call: ApiCall) -> Result<Value, ApiError> {
    let email = call.path("serviceAccountsId").to_string();
    let body = call.body_or_empty();
    let scopes = body
        .get("scope")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if scopes == 0 {
        return Err(ApiError::bad_field("scope", "Scope required."));
    }
    let lifetime = match body.get("lifetime").and_then(Value::as_str) {
        Some(text) => text
            .trim_end_matches('s')
            .parse::<f64>()
            .ok()
            .filter(|s| *s > 0.0 && *s <= 43200.0)
            .map(|s| s as i64)
            .ok_or_else(|| {
                ApiError::bad_field("lifetime", format!("Invalid lifetime {text:?}."))
            })?,
        None => TOKEN_LIFETIME_SECS,
    };
    let token = mint_access_token(&call.app, &email, lifetime)?;
    Ok(json!({"accessToken": token, "expireTime": rfc3339(now_ms() + lifetime * 1000)}))
}

/// GCE's metadata server only answers requests carrying `Metadata-Flavor: Google`.
fn has_flavor(headers: &HeaderMap) -> bool {
    headers
        .get("metadata-flavor")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "Google")
}

fn flavor_denied() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Missing required header \"Metadata-Flavor\": \"Google\"",
    )
        .into_response()
}

/// The default compute service account of the first configured project.
fn metadata_identity(app: &App) -> (String, String) {
    let project = app
        .store
        .read(|d| d.projects.iter().next().cloned())
        .unwrap_or_else(|| "platform-local".into());
    let email = format!(
        "{}-compute@developer.gserviceaccount.com",
        project_number(&project)
    );
    (project, email)
}

fn metadata_text(text: String) -> Response {
    (
        [
            ("Metadata-Flavor", "Google"),
            ("Content-Type", "application/text"),
        ],
        text,
    )
        .into_response()
}

pub async fn metadata_token(State(app): State<App>, headers: HeaderMap) -> Response {
    if !has_flavor(&headers) {
        return flavor_denied();
    }
    let (_, email) = metadata_identity(&app);
    match mint_access_token(&app, &email, TOKEN_LIFETIME_SECS) {
        Ok(token) => (
            [("Metadata-Flavor", "Google")],
            Json(json!({"access_token": token, "expires_in": TOKEN_LIFETIME_SECS - 1, "token_type": "Bearer"})),
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

pub async fn metadata_email(State(app): State<App>, headers: HeaderMap) -> Response {
    if !has_flavor(&headers) {
        return flavor_denied();
    }
    metadata_text(metadata_identity(&app).1)
}

pub async fn metadata_project_id(State(app): State<App>, headers: HeaderMap) -> Response {
    if !has_flavor(&headers) {
        return flavor_denied();
    }
    metadata_text(metadata_identity(&app).0)
}

/// Admin: issues an OAuth client + refresh token (an `authorized_user` file).
pub async fn admin_authorized_user(State(app): State<App>) -> Result<Json<Value>, ApiError> {
    let random = || {
        let bytes: [u8; 24] = rand::random();
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let client_id = format!("{}.apps.googleusercontent.com", &random()[..24]);
    let client_secret = format!("GOCSPX-{}", random());
    let refresh_token = format!("1//{}", random());
    let email = "user@example.com".to_string();
    app.store.mutate(|d| {
        d.refresh_tokens.insert(
            refresh_token.clone(),
            AuthorizedUser {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                email,
            },
        );
        Ok(())
    })?;
    Ok(Json(json!({
        "type": "authorized_user",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
        "token_uri": format!("{}/token", app.base_url),
    })))
}

/// Admin: marks an external OIDC token as trusted for STS exchange.
pub async fn admin_oidc_token(
    State(app): State<App>,
    Json(body): Json<Value>,
) -> Result<StatusCode, ApiError> {
    let token = body
        .get("token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad_field("token", "a non-empty \"token\" string is required"))?
        .to_string();
    app.store.mutate(|d| {
        d.oidc_tokens.insert(token);
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}
