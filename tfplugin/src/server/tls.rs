//! AutoMTLS: a fresh self-signed server certificate per process, and a client
//! verifier that accepts exactly the certificate Terraform handed us in
//! `PLUGIN_CLIENT_CERT`.
//!
//! Terraform's client certificate is a self-signed ECDSA **P-521** CA cert
//! (go-plugin `mtls.go`). rustls' ring provider cannot verify P-521
//! signatures, so the webpki verifier would reject every real Terraform. We
//! pin the certificate instead (byte-equal DER, which is exactly the trust
//! go-plugin intends: a single root that is also the leaf) and verify the
//! handshake signature ourselves, with the `p521` crate for P-521 and ring for
//! everything else.

use std::sync::Arc;

use p521::ecdsa::signature::Verifier as _;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

use super::ServeError;

/// The server's certificate and key, generated at start-up.
pub struct ServerIdentity {
    pub cert_der: CertificateDer<'static>,
    key_der: PrivatePkcs8KeyDer<'static>,
}

impl ServerIdentity {
    /// Self-signed ECDSA P-384 cert for `localhost` with the CA flag, because
    /// go-plugin pins it as the only root and verifies ServerName `localhost`.
    pub fn generate() -> Result<Self, ServeError> {
        let tls =
            |e: rcgen::Error| ServeError::Tls(format!("generating the server certificate: {e}"));
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).map_err(tls)?;
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned()]).map_err(tls)?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        // Tolerate small clock differences; the cert lives only as long as this process.
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::seconds(30);
        params.not_after = now + time::Duration::days(365 * 30);
        let cert = params.self_signed(&key).map_err(tls)?;
        Ok(ServerIdentity {
            cert_der: cert.der().clone(),
            key_der: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// TLS >= 1.2, h2 ALPN, client certificate required and pinned.
pub fn server_config(
    identity: &ServerIdentity,
    client_cert_pem: &str,
) -> Result<rustls::ServerConfig, ServeError> {
    let verifier = PinnedClientCert::from_pem(client_cert_pem)?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![identity.cert_der.clone()],
            PrivateKeyDer::Pkcs8(identity.key_der.clone_key()),
        )
        .map_err(|e| ServeError::Tls(format!("loading the server certificate: {e}")))?;
    // gRPC runs over HTTP/2 only.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Accepts exactly one client certificate.
#[derive(Debug)]
pub struct PinnedClientCert {
    cert_der: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl PinnedClientCert {
    pub fn from_pem(pem: &str) -> Result<Self, ServeError> {
        let cert_der = CertificateDer::pem_slice_iter(pem.as_bytes())
            .next()
            .ok_or_else(|| {
                ServeError::Tls("PLUGIN_CLIENT_CERT holds no PEM certificate".to_owned())
            })?
            .map_err(|e| {
                ServeError::Tls(format!(
                    "PLUGIN_CLIENT_CERT is not a valid PEM certificate: {e}"
                ))
            })?;
        Ok(PinnedClientCert {
            cert_der,
            provider: provider(),
        })
    }

    fn verify_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
        tls13: bool,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if dss.scheme == SignatureScheme::ECDSA_NISTP521_SHA512 {
            return verify_p521(message, cert, dss.signature());
        }
        let algs = &self.provider.signature_verification_algorithms;
        if tls13 {
            verify_tls13_signature(message, cert, dss, algs)
        } else {
            verify_tls12_signature(message, cert, dss, algs)
        }
    }
}

/// ECDSA P-521 with SHA-512 over `message`, against the cert's public key.
fn verify_p521(
    message: &[u8],
    cert: &CertificateDer<'_>,
    der_signature: &[u8],
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    verify_p521_point(
        &parsed.public_key().subject_public_key.data,
        message,
        der_signature,
    )
}

/// The same, given the SEC1 public key point.
fn verify_p521_point(
    point: &[u8],
    message: &[u8],
    der_signature: &[u8],
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let bad_signature = || rustls::Error::InvalidCertificate(CertificateError::BadSignature);
    let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(point)
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let signature =
        p521::ecdsa::DerSignature::try_from(der_signature).map_err(|_| bad_signature())?;
    let signature = p521::ecdsa::Signature::try_from(signature).map_err(|_| bad_signature())?;
    key.verify(message, &signature)
        .map(|()| HandshakeSignatureValid::assertion())
        .map_err(|_| bad_signature())
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: Go's TLS client then offers its one certificate as long
        // as its key type is in our signature schemes.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.cert_der.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verify_signature(message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verify_signature(message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self
            .provider
            .signature_verification_algorithms
            .supported_schemes();
        schemes.push(SignatureScheme::ECDSA_NISTP521_SHA512);
        schemes
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use p521::ecdsa::signature::Signer as _;

    use super::*;

    #[test]
    fn p521_handshake_signatures_verify() {
        // Terraform's client key is P-521, which ring cannot verify.
        let key = p521::ecdsa::SigningKey::random(&mut p521::elliptic_curve::rand_core::OsRng);
        let point = p521::ecdsa::VerifyingKey::from(&key).to_encoded_point(false);
        let sig: p521::ecdsa::Signature = key.sign(b"handshake transcript");
        let der = sig.to_der();
        assert!(
            verify_p521_point(point.as_bytes(), b"handshake transcript", der.as_bytes()).is_ok()
        );
        assert!(
            verify_p521_point(point.as_bytes(), b"tampered transcript", der.as_bytes()).is_err()
        );
        assert!(verify_p521_point(point.as_bytes(), b"handshake transcript", b"junk").is_err());
    }

    #[test]
    fn pins_exactly_the_given_certificate() {
        let a = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let b = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let verifier = PinnedClientCert::from_pem(&a.cert.pem()).unwrap();
        let now = UnixTime::now();
        assert!(verifier.verify_client_cert(a.cert.der(), &[], now).is_ok());
        assert!(verifier.verify_client_cert(b.cert.der(), &[], now).is_err());
        assert!(verifier
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
        assert!(verifier.client_auth_mandatory());
        assert!(PinnedClientCert::from_pem("not pem").is_err());
    }
}
