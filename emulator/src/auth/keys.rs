//! Service-account keys the emulator issues and trusts.

use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::EmulatorError;

/// A key as persisted in the state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedKey {
    pub private_key_id: String,
    pub client_email: String,
    pub client_id: String,
    pub project_id: String,
    pub private_key_pem: String,
}

impl IssuedKey {
    /// Generates a fresh RSA-2048 key for `terraform@PROJECT.iam.gserviceaccount.com`.
    pub fn generate(project_id: &str) -> Result<IssuedKey, EmulatorError> {
        let mut rng = rand::rngs::OsRng;
        let key = RsaPrivateKey::new(&mut rng, 2048)
            .map_err(|e| EmulatorError::KeyGeneration(e.to_string()))?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| EmulatorError::KeyGeneration(e.to_string()))?;
        let id_bytes: [u8; 20] = rand::random();
        let client_id: u128 = rand::random::<u64>() as u128 % 10u128.pow(20) + 10u128.pow(20);
        Ok(IssuedKey {
            private_key_id: id_bytes.iter().map(|b| format!("{b:02x}")).collect(),
            client_email: format!("terraform@{project_id}.iam.gserviceaccount.com"),
            client_id: client_id.to_string(),
            project_id: project_id.to_string(),
            private_key_pem: pem.to_string(),
        })
    }

    /// The service-account key file Google's console would hand out, pointing
    /// its token endpoint at this emulator.
    pub fn credentials_json(&self, base_url: &str) -> Value {
        let email_path: String =
            url::form_urlencoded::byte_serialize(self.client_email.as_bytes()).collect();
        json!({
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.private_key_id,
            "private_key": self.private_key_pem,
            "client_email": self.client_email,
            "client_id": self.client_id,
            "auth_uri": format!("{base_url}/o/oauth2/auth"),
            "token_uri": format!("{base_url}/token"),
            "auth_provider_x509_cert_url": format!("{base_url}/oauth2/v1/certs"),
            "client_x509_cert_url": format!("{base_url}/robot/v1/metadata/x509/{email_path}"),
            "universe_domain": "googleapis.com",
        })
    }
}

/// The verification half of an issued key.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub kid: String,
    pub email: String,
    pub public: RsaPublicKey,
}

impl TrustedKey {
    pub fn from_issued(key: &IssuedKey) -> Result<TrustedKey, EmulatorError> {
        let private = RsaPrivateKey::from_pkcs8_pem(&key.private_key_pem).map_err(|e| {
            EmulatorError::KeyGeneration(format!(
                "stored key {} unreadable: {e}",
                key.private_key_id
            ))
        })?;
        Ok(TrustedKey {
            kid: key.private_key_id.clone(),
            email: key.client_email.clone(),
            public: private.to_public_key(),
        })
    }
}
