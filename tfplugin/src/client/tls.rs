//! The client side of go-plugin AutoMTLS, as Terraform does it
//! (go-plugin `mtls.go` `generateCert`, `client.go`): a fresh self-signed
//! ECDSA **P-521** / SHA-512 certificate for `localhost` (CA flag, client and
//! server auth) handed to the plugin in `PLUGIN_CLIENT_CERT`, and a TLS
//! client that trusts exactly the certificate from the handshake line.
//!
//! ring can neither generate nor sign with P-521 keys, and rcgen supports
//! P-521 only on aws-lc-rs, so the certificate is written as DER here and
//! the TLS signatures come from the `p521` crate.

use std::sync::Arc;

use p521::ecdsa::signature::Signer as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{CertificateError, DigitallySignedStruct, SignatureAlgorithm, SignatureScheme};

use super::ClientError;

/// Terraform's side of AutoMTLS: its key and self-signed certificate.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    key: P521Key,
    pub cert_der: CertificateDer<'static>,
}

impl ClientIdentity {
    /// A fresh key and certificate, shaped like go-plugin's.
    pub fn generate() -> Self {
        let key = p521::ecdsa::SigningKey::random(&mut p521::elliptic_curve::rand_core::OsRng);
        let cert_der = CertificateDer::from(self_signed_cert(&key));
        ClientIdentity {
            key: P521Key(Arc::new(key)),
            cert_der,
        }
    }

    /// The `PLUGIN_CLIENT_CERT` value.
    pub fn cert_pem(&self) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(self.cert_der.as_ref());
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(chunk));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// TLS >= 1.2, h2, this client certificate, and only `server_cert` trusted.
    pub fn client_config(
        &self,
        server_cert: CertificateDer<'static>,
    ) -> Result<rustls::ClientConfig, ClientError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        check_server_cert(&server_cert)?;
        let certified = Arc::new(CertifiedKey::new(
            vec![self.cert_der.clone()],
            Arc::new(self.key.clone()),
        ));
        let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| ClientError::Tls(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedServer {
                cert: server_cert,
                provider,
            }))
            .with_client_cert_resolver(Arc::new(OneCert(certified)));
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(config)
    }
}

/// What go-plugin's client verifies of the handshake certificate besides the
/// pin: it parses, is valid now, and names `localhost`.
fn check_server_cert(der: &CertificateDer<'_>) -> Result<(), ClientError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
        .map_err(|e| ClientError::Tls(format!("the plugin's certificate does not parse: {e}")))?;
    if !cert.validity().is_valid() {
        return Err(ClientError::Tls(
            "the plugin's certificate is not valid now".to_owned(),
        ));
    }
    let names_localhost = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .is_some_and(|san| {
            san.value.general_names.iter().any(
                |n| matches!(n, x509_parser::extensions::GeneralName::DNSName(d) if *d == "localhost"),
            )
        });
    if !names_localhost {
        return Err(ClientError::Tls(
            "the plugin's certificate does not name localhost".to_owned(),
        ));
    }
    Ok(())
}

#[derive(Debug)]
struct PinnedServer {
    cert: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() != self.cert.as_ref() {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ));
        }
        if server_name.to_str() != "localhost" {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName,
            ));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            m,
            c,
            d,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            m,
            c,
            d,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[derive(Debug)]
struct OneCert(Arc<CertifiedKey>);

impl ResolvesClientCert for OneCert {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// A P-521 key that signs TLS handshakes with ECDSA/SHA-512.
#[derive(Clone)]
struct P521Key(Arc<p521::ecdsa::SigningKey>);

impl std::fmt::Debug for P521Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P521Key")
    }
}

impl SigningKey for P521Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
            .then(|| Box::new(self.clone()) as Box<dyn Signer>)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ECDSA
    }
}

impl Signer for P521Key {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let signature: p521::ecdsa::Signature = self.0.sign(message);
        Ok(signature.to_der().as_bytes().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP521_SHA512
    }
}

// DER, just enough for one certificate.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

const OID_ECDSA_SHA512: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_SECP521R1: &[u8] = &[0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23];
const OID_ORGANIZATION: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0A];
const OID_COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const OID_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x0F];
const OID_EXT_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x25];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x13];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x11];
const OID_SERVER_AUTH: &[u8] = &[0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const OID_CLIENT_AUTH: &[u8] = &[0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
const TRUE: &[u8] = &[0x01, 0x01, 0xFF];

/// UTCTime before 2050, GeneralizedTime from then on (RFC 5280, as Go writes it).
fn der_time(t: time::OffsetDateTime) -> Vec<u8> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let rest = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if t.year() < 2050 {
        tlv(0x17, format!("{:02}{rest}", t.year() % 100).as_bytes())
    } else {
        tlv(0x18, format!("{:04}{rest}", t.year()).as_bytes())
    }
}

fn extension(oid: &[u8], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid.to_vec()];
    if critical {
        parts.push(TRUE.to_vec());
    }
    parts.push(tlv(0x04, &value));
    seq(&parts)
}

/// go-plugin's certificate: O=HashiCorp, CN=localhost, DNS localhost, CA,
/// digitalSignature|keyEncipherment|keyAgreement|certSign, client+server
/// auth, valid from 30 s ago for 262980 h, signed ECDSA-with-SHA512.
fn self_signed_cert(key: &p521::ecdsa::SigningKey) -> Vec<u8> {
    let name = seq(&[
        tlv(
            0x31,
            &seq(&[OID_ORGANIZATION.to_vec(), tlv(0x13, b"HashiCorp")]),
        ),
        tlv(
            0x31,
            &seq(&[OID_COMMON_NAME.to_vec(), tlv(0x13, b"localhost")]),
        ),
    ]);
    let algorithm = seq(&[OID_ECDSA_SHA512.to_vec()]);
    let mut serial = [0u8; 17];
    p521::elliptic_curve::rand_core::RngCore::fill_bytes(
        &mut p521::elliptic_curve::rand_core::OsRng,
        &mut serial[1..],
    );
    serial[1] &= 0x7F; // positive, and the leading zero byte is then redundant
    let serial = tlv(0x02, &serial[1..]);
    let now = time::OffsetDateTime::now_utc();
    let validity = seq(&[
        der_time(now - time::Duration::seconds(30)),
        der_time(now + time::Duration::hours(262_980)),
    ]);
    let point = p521::ecdsa::VerifyingKey::from(key).to_encoded_point(false);
    let mut bits = vec![0u8];
    bits.extend_from_slice(point.as_bytes());
    let spki = seq(&[
        seq(&[OID_EC_PUBLIC_KEY.to_vec(), OID_SECP521R1.to_vec()]),
        tlv(0x03, &bits),
    ]);
    let extensions = seq(&[
        // bits 0, 2, 4, 5; two unused bits.
        extension(OID_KEY_USAGE, true, tlv(0x03, &[0x02, 0xAC])),
        extension(
            OID_EXT_KEY_USAGE,
            false,
            seq(&[OID_CLIENT_AUTH.to_vec(), OID_SERVER_AUTH.to_vec()]),
        ),
        extension(OID_BASIC_CONSTRAINTS, true, seq(&[TRUE.to_vec()])),
        extension(OID_SUBJECT_ALT_NAME, false, seq(&[tlv(0x82, b"localhost")])),
    ]);
    let tbs = seq(&[
        tlv(0xA0, &[0x02, 0x01, 0x02]),
        serial,
        algorithm.clone(),
        name.clone(),
        validity,
        name,
        spki,
        tlv(0xA3, &extensions),
    ]);
    let signature: p521::ecdsa::Signature = key.sign(&tbs);
    let mut sig_bits = vec![0u8];
    sig_bits.extend_from_slice(signature.to_der().as_bytes());
    seq(&[tbs, algorithm, tlv(0x03, &sig_bits)])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;

    #[test]
    fn certificate_is_go_plugins_shape() {
        let id = ClientIdentity::generate();
        let (rest, cert) = x509_parser::parse_x509_certificate(id.cert_der.as_ref()).unwrap();
        assert!(rest.is_empty());
        assert!(cert.is_ca());
        assert!(cert.validity().is_valid());
        assert_eq!(
            cert.signature_algorithm.algorithm.to_id_string(),
            "1.2.840.10045.4.3.4"
        );
        let spki = cert.public_key();
        assert_eq!(
            spki.algorithm
                .parameters
                .as_ref()
                .unwrap()
                .as_oid()
                .unwrap()
                .to_id_string(),
            "1.3.132.0.35"
        );
        assert!(check_server_cert(&id.cert_der).is_ok());
        // The self-signature verifies with the key in the certificate.
        use p521::ecdsa::signature::Verifier as _;
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(&spki.subject_public_key.data).unwrap();
        let sig = p521::ecdsa::DerSignature::try_from(cert.signature_value.data.as_ref()).unwrap();
        let sig = p521::ecdsa::Signature::try_from(sig).unwrap();
        assert!(key.verify(cert.tbs_certificate.as_ref(), &sig).is_ok());
        assert!(id.cert_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
    }
}
