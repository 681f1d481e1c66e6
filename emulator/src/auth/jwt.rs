//! Minimal RS256 JWT parsing, verification and signing (all the emulator needs;
//! no other algorithms are accepted).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::Value;
use sha2::Sha256;

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("not a JWT: {0}")]
    Malformed(&'static str),
    #[error("unsupported JWT algorithm {0:?}")]
    Algorithm(String),
    #[error("invalid private key: {0}")]
    Key(String),
    #[error("signing failed: {0}")]
    Sign(String),
}

/// A decoded (not yet verified) JWT.
#[derive(Debug, Clone)]
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

impl Jwt {
    pub fn decode(token: &str) -> Result<Jwt, JwtError> {
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed("expected three dot-separated parts"));
        };
        let part = |p: &str| -> Result<Value, JwtError> {
            let bytes = URL_SAFE_NO_PAD
                .decode(p.trim_end_matches('='))
                .map_err(|_| JwtError::Malformed("part is not base64url"))?;
            serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed("part is not JSON"))
        };
        let header = part(h)?;
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if alg != "RS256" {
            return Err(JwtError::Algorithm(alg.to_string()));
        }
        Ok(Jwt {
            header,
            claims: part(c)?,
            signing_input: format!("{h}.{c}"),
            signature: URL_SAFE_NO_PAD
                .decode(s.trim_end_matches('='))
                .map_err(|_| JwtError::Malformed("signature is not base64url"))?,
        })
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    pub fn claim_i64(&self, name: &str) -> Option<i64> {
        self.claims.get(name).and_then(Value::as_i64)
    }

    pub fn verify(&self, key: &RsaPublicKey) -> bool {
        let Ok(signature) = Signature::try_from(self.signature.as_slice()) else {
            return false;
        };
        VerifyingKey::<Sha256>::new(key.clone())
            .verify(self.signing_input.as_bytes(), &signature)
            .is_ok()
    }
}

/// Signs `claims` with RS256 using a PKCS#8 PEM private key.
pub fn sign_with_pem(pem: &str, kid: &str, claims: &Value) -> Result<String, JwtError> {
    let key = RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| JwtError::Key(e.to_string()))?;
    sign(&key, kid, claims)
}

pub fn sign(key: &RsaPrivateKey, kid: &str, claims: &Value) -> Result<String, JwtError> {
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!("{}.{}", encode(&header), encode(claims));
    let signature = SigningKey::<Sha256>::new(key.clone())
        .try_sign(input.as_bytes())
        .map_err(|e| JwtError::Sign(e.to_string()))?;
    Ok(format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}
