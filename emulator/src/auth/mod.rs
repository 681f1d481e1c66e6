//! Authentication: issuing credentials and checking the bearer on API calls.

pub mod jwt;
pub mod keys;
pub mod token;

use axum::http::HeaderMap;
use base64::Engine;

use crate::clock::now_ms;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::TokenRecord;
use jwt::Jwt;
use keys::TrustedKey;

/// Lifetime of minted access tokens, as Google's.
pub const TOKEN_LIFETIME_SECS: i64 = 3600;
/// Allowed clock skew for `iat`.
const SKEW_SECS: i64 = 300;

/// Returns the principal (e-mail) behind the request's bearer credential.
pub fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(ApiError::unauthenticated)?;
    let now = now_ms();
    if let Some(record) = app.store.read(|d| d.access_tokens.get(bearer).cloned()) {
        return if record.expires_at_ms > now {
            Ok(record.principal)
        } else {
            Err(ApiError::unauthenticated())
        };
    }
    self_signed_principal(app, bearer).ok_or_else(ApiError::unauthenticated)
}

/// A service account's self-signed JWT used directly as a bearer token.
fn self_signed_principal(app: &AppState, token: &str) -> Option<String> {
    let jwt = Jwt::decode(token).ok()?;
    let key = verifying_key(&app.keys, &jwt)?;
    let iss = jwt.claim_str("iss")?;
    if iss != key.email || jwt.claim_str("sub") != Some(iss) {
        return None;
    }
    if jwt.claims.get("scope").is_none() && jwt.claims.get("aud").is_none() {
        return None;
    }
    lifetime_ok(&jwt).then(|| iss.to_string())
}

/// The issued key that verifies `jwt`: the `kid` one if named, else any.
pub fn verifying_key<'a>(keys: &'a [TrustedKey], jwt: &Jwt) -> Option<&'a TrustedKey> {
    match jwt.kid() {
        Some(kid) => keys
            .iter()
            .find(|k| k.kid == kid)
            .filter(|k| jwt.verify(&k.public)),
        None => keys.iter().find(|k| jwt.verify(&k.public)),
    }
}

/// `exp` in the future, `iat` not in the future, lifetime at most one hour.
pub fn lifetime_ok(jwt: &Jwt) -> bool {
    let now = now_ms() / 1000;
    match (jwt.claim_i64("iat"), jwt.claim_i64("exp")) {
        (Some(iat), Some(exp)) => {
            exp > now && iat <= now + SKEW_SECS && exp - iat <= TOKEN_LIFETIME_SECS
        }
        _ => false,
    }
}

/// Mints and records an opaque `ya29.` access token for `principal`.
pub fn mint_access_token(
    app: &AppState,
    principal: &str,
    lifetime_secs: i64,
) -> Result<String, ApiError> {
    let mut bytes = [0u8; 48];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
    let token = format!(
        "ya29.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let now = now_ms();
    app.store.mutate(|d| {
        d.prune_tokens(now);
        d.access_tokens.insert(
            token.clone(),
            TokenRecord {
                principal: principal.to_string(),
                expires_at_ms: now + lifetime_secs * 1000,
            },
        );
        Ok(())
    })?;
    Ok(token)
}
