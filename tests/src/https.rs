//! A real HTTPS server on 127.0.0.1 with a throwaway certificate authority, for what
//! Terraform and scripts fetch over TLS in the release tests (a provider network mirror,
//! a recorded fake of HCP Terraform's registry API). Clients trust it through the CA file
//! ([`HttpsServer::ca_file`]: `SSL_CERT_FILE` for Terraform, `CURL_CA_BUNDLE` for curl).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tempfile::TempDir;

use crate::HarnessError;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a handler answers.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Response {
            status,
            content_type: "application/vnd.api+json",
            body: body.to_string().into_bytes(),
        }
    }

    pub fn not_found() -> Self {
        Response {
            status: 404,
            content_type: "text/plain",
            body: b"not found".to_vec(),
        }
    }
}

/// Answers a request; the second argument is the server's base URL (`https://127.0.0.1:PORT`).
pub type Handler = dyn Fn(&Request, &str) -> Response + Send + Sync;

/// A running server; stops when dropped. Every request is recorded in arrival order.
pub struct HttpsServer {
    url: String,
    dir: TempDir,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl HttpsServer {
    /// Starts serving `handler` on a free port of 127.0.0.1 with a fresh CA.
    pub fn start(handler: Arc<Handler>) -> Result<Self, HarnessError> {
        let dir = tempfile::Builder::new()
            .prefix("e2e-https-")
            .tempdir()
            .map_err(HarnessError::io("creating the CA dir"))?;
        let config = Arc::new(server_config(&dir.path().join(CA_FILE))?);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(HarnessError::io("binding the HTTPS server"))?;
        let addr = listener
            .local_addr()
            .map_err(HarnessError::io("HTTPS server address"))?;
        let url = format!("https://{addr}");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (stop_flag, log, base) = (stop.clone(), requests.clone(), url.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop_flag.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let (config, handler, log, base) =
                    (config.clone(), handler.clone(), log.clone(), base.clone());
                // A thread per connection: clients may open several at once.
                std::thread::spawn(move || {
                    let _ = serve_connection(conn, config, &*handler, &log, &base);
                });
            }
        });
        Ok(HttpsServer {
            url,
            dir,
            stop,
            requests,
        })
    }

    /// Serves the files below `root` (GET only), as a static web server would.
    pub fn serve_dir(root: &Path) -> Result<Self, HarnessError> {
        let root = root.to_path_buf();
        Self::start(Arc::new(move |req: &Request, _: &str| {
            let relative = req
                .path
                .split('?')
                .next()
                .unwrap_or("")
                .trim_start_matches('/');
            let path = root.join(relative);
            match std::fs::read(&path) {
                Ok(body) if req.method == "GET" && !relative.contains("..") => Response {
                    status: 200,
                    content_type: if relative.ends_with(".json") {
                        "application/json"
                    } else {
                        "application/octet-stream"
                    },
                    body,
                },
                _ => Response::not_found(),
            }
        }))
    }

    /// `https://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// PEM file of the CA that signed the server certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join(CA_FILE)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        if let Some(addr) = self.url.strip_prefix("https://") {
            let _ = TcpStream::connect(addr);
        }
    }
}

const CA_FILE: &str = "ca.pem";

/// A CA (written to `ca_file`) and a server certificate for 127.0.0.1 and localhost signed
/// by it; the server presents both.
fn server_config(ca_file: &Path) -> Result<rustls::ServerConfig, HarnessError> {
    let tls =
        |e: rcgen::Error| HarnessError::io("generating certificates")(std::io::Error::other(e));
    let ca_key = rcgen::KeyPair::generate().map_err(tls)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "e2e throwaway CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).map_err(tls)?;
    std::fs::write(ca_file, ca.pem()).map_err(HarnessError::io("writing the CA file"))?;

    let key = rcgen::KeyPair::generate().map_err(tls)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).map_err(tls)?;
    params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress(Ipv4Addr::LOCALHOST.into()));
    let cert = params.signed_by(&key, &ca).map_err(tls)?;
    let chain = vec![cert.der().clone(), CertificateDer::clone(ca.der())];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, private))
        .map_err(|e| HarnessError::io("TLS server config")(std::io::Error::other(e)))
}

/// One request per connection (`Connection: close`), which every client handles.
fn serve_connection(
    conn: TcpStream,
    config: Arc<rustls::ServerConfig>,
    handler: &Handler,
    log: &Mutex<Vec<Request>>,
    base: &str,
) -> std::io::Result<()> {
    let tls = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut reader = BufReader::new(rustls::StreamOwned::new(tls, conn));
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Ok(());
    };
    let (method, path) = (method.to_owned(), path.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut request = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    if request.header("expect") == Some("100-continue") {
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let length: usize = request
        .header("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    request.body.resize(length, 0);
    reader.read_exact(&mut request.body)?;

    let response = handler(&request, base);
    if let Ok(mut log) = log.lock() {
        log.push(request);
    }
    let stream = reader.get_mut();
    write!(
        stream,
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        response.content_type,
        response.body.len()
    )?;
    stream.write_all(&response.body)?;
    stream.flush()?;
    stream.conn.send_close_notify();
    stream.flush()
}
