//! Release artifacts (`scripts/release.sh`, `make release`) are what a registry serves:
//! Terraform installs the zip from a packed filesystem mirror (the layout registries and
//! `terraform providers mirror` use), runs the binary inside it and locks it. SHA256SUMS
//! verifies, its detached signature verifies with the signing key, and a second run
//! produces byte-identical zips (the published checksums only change with the binary).
//!
//! The linux binary in the zip is fully static (scripts/build-release.sh): no ELF
//! interpreter, no shared library, and it completes the plugin handshake inside an empty
//! chroot. It resolves host names itself (hickory-dns): every test here reaches the
//! emulator as `localhost`. The network-mirror tree release.sh writes is served over HTTPS
//! with a throwaway CA; it lists `zh:` hashes, and the lock file Terraform writes from it
//! (h1: only: Terraform locks zh: hashes from a registry's signed SHA256SUMS alone) holds
//! for a second `init -lockfile=readonly`.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use e2e::{
    for_each_terraform, hcl_string, required_providers, workspace_root, Emulator, HarnessError,
    HttpsServer, Workspace, PROVIDER_SOURCE, PROVIDER_VERSION,
};
use sha2::{Digest, Sha256};

const HOST: &str = "registry.terraform.io";
const BINARY: &str = "terraform-provider-platform";

fn run(cmd: &mut Command, what: &str) -> Result<String, HarnessError> {
    let out = cmd.output().map_err(HarnessError::io(what.to_owned()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(HarnessError::BadOutput {
            command: what.to_owned(),
            detail: format!("{}: {text}", out.status),
        })
    }
}

/// A throwaway signing key in its own GnuPG home; returns its fingerprint.
fn signing_key(home: &Path) -> Result<String, HarnessError> {
    let gpg = |args: &[&str]| {
        let mut cmd = Command::new("gpg");
        cmd.env("GNUPGHOME", home)
            .args(["--batch", "--passphrase", ""])
            .args(args);
        cmd
    };
    run(
        &mut gpg(&[
            "--quick-gen-key",
            "Release Test <release@test.invalid>",
            "ed25519",
            "sign",
            "never",
        ]),
        "gpg --quick-gen-key (install gnupg)",
    )?;
    let keys = run(
        &mut gpg(&["--list-secret-keys", "--with-colons"]),
        "gpg --list-secret-keys",
    )?;
    keys.lines()
        .find_map(|l| {
            l.strip_prefix("fpr:")
                .map(|f| f.trim_matches(':').to_owned())
        })
        .ok_or_else(|| HarnessError::BadOutput {
            command: "gpg --list-secret-keys".into(),
            detail: keys.clone(),
        })
}

/// `scripts/release.sh <dist>` with the environment given; its log. Refuses a stale or host
/// build.
fn release_into(dist: &Path, env: &[(&str, &Path)]) -> String {
    // make test builds the whole workspace static into target/<triple>/release/, the
    // directory scripts/release.sh packages: this is the binary every other e2e test ran.
    let portable = e2e::release_binary(e2e::PROVIDER_BIN).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        portable.ends_with(format!("x86_64-unknown-linux-gnu/release/{BINARY}")),
        "{} is a host build: run make test (it builds target/<triple>/release/)",
        portable.display()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(workspace_root().join("scripts/release.sh"))
        .arg(dist);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd, "scripts/release.sh").unwrap_or_else(|e| panic!("{e}"))
}

/// Writes `dir/terraformrc` with `sources` inside `provider_installation`; its path.
fn write_cli_config(dir: &Path, sources: &str) -> String {
    let path = dir.join("terraformrc");
    std::fs::write(&path, format!("provider_installation {{\n{sources}}}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    path.display().to_string()
}

fn zip_name() -> String {
    format!("{BINARY}_{PROVIDER_VERSION}_linux_amd64.zip")
}

/// The configuration every install test plans: a data source read through the emulator
/// addressed by host name, so the provider's own resolver (no glibc NSS in the static
/// binary) must resolve `localhost`.
fn zones_config(emulator: &Emulator) -> String {
    let by_name = emulator.url().replace("127.0.0.1", "localhost");
    let endpoints: String = emulator
        .endpoints()
        .into_iter()
        .map(|(attr, url)| {
            format!(
                "{attr} = {}\n",
                hcl_string(&url.replace(emulator.url(), &by_name))
            )
        })
        .collect();
    format!(
        "{}{}data \"platform_zones\" \"all\" {{\n  region = \"us-central1\"\n}}\noutput \"zones\" {{\n  value = data.platform_zones.all.names\n}}\n",
        required_providers(),
        emulator.provider_block(&endpoints)
    )
}

/// Plans and applies [`zones_config`] and checks the zones came back through `localhost`.
fn apply_zones(
    ws: &Workspace,
    emulator: &Emulator,
    env: &[(&str, &str)],
) -> Result<(), HarnessError> {
    emulator.clear_requests()?;
    ws.run_ok(&["plan"], env)?;
    ws.run_ok(&["apply", "-auto-approve"], env)?;
    let out = ws.run_ok(&["output", "-json", "zones"], env)?;
    assert!(out.stdout.contains("us-central1-a"), "{out}");
    let asked = emulator
        .requests()?
        .iter()
        .any(|r| r.path.ends_with("/zones"));
    assert!(
        asked,
        "the provider never reached the emulator by host name"
    );
    Ok(())
}

/// Unpacks the linux binary from a release zip into `dir`; its path.
fn unzip_binary(zip: &Path, dir: &Path) -> PathBuf {
    let inner = format!("{BINARY}_v{PROVIDER_VERSION}");
    run(
        Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
            ])
            .arg(zip)
            .arg(dir),
        "unzip the release zip",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let binary = dir.join(inner);
    // zipfile.extractall drops the executable bit the zip records; terraform restores it.
    std::fs::set_permissions(&binary, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    binary
}

/// The ELF's PT_INTERP presence and its DT_NEEDED entries (ELF64 little-endian only: the
/// linux_amd64 release). A static binary has neither.
fn elf_dynamic_deps(bytes: &[u8]) -> (bool, usize) {
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap_or([0; 4]));
    let u64_at =
        |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap_or([0; 8])) as usize;
    assert_eq!(&bytes[..5], b"\x7fELF\x02", "not an ELF64 file");
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    let mut interp = false;
    let mut needed = 0;
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        match u32_at(ph) {
            3 => interp = true, // PT_INTERP
            2 => {
                // PT_DYNAMIC: (d_tag, d_val) pairs up to DT_NULL; DT_NEEDED is 1.
                let (offset, size) = (u64_at(ph + 8), u64_at(ph + 0x20));
                needed += (offset..offset + size)
                    .step_by(16)
                    .map(u64_at)
                    .take_while(|tag| *tag != 0)
                    .filter(|tag| *tag == 1)
                    .count();
            }
            _ => {}
        }
    }
    (interp, needed)
}

#[test]
fn elf_check_sees_a_dynamic_executable() {
    // The distribution's bash links glibc dynamically: the check must see it (it is what
    // proves the release binary static below; every test binary of make test is static).
    let bash = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("bash"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("bash not on PATH"));
    let bytes = std::fs::read(&bash).unwrap_or_else(|e| panic!("{e}"));
    let (interp, needed) = elf_dynamic_deps(&bytes);
    assert!(interp && needed > 0, "interp {interp}, needed {needed}");
}

#[test]
fn release_binary_is_static_and_handshakes_in_an_empty_chroot() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dist = scratch.path().join("dist");
    release_into(&dist, &[]);
    let root = scratch.path().join("root");
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{e}"));
    let binary = unzip_binary(&dist.join(zip_name()), &root);
    let bytes = std::fs::read(&binary).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        elf_dynamic_deps(&bytes),
        (false, 0),
        "the release binary must have no ELF interpreter and no DT_NEEDED entries"
    );
    let entries: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{e}"))
        .collect();
    assert_eq!(entries.len(), 1, "the chroot holds only the binary");

    // chroot needs root; elsewhere a user namespace maps us to root.
    let uid = run(Command::new("id").arg("-u"), "id -u").unwrap_or_else(|e| panic!("{e}"));
    let mut cmd = if uid.trim() == "0" {
        Command::new("chroot")
    } else {
        let mut c = Command::new("unshare");
        c.args(["--user", "--map-root-user", "chroot"]);
        c
    };
    let inside = format!(
        "/{}",
        binary
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(BINARY)
    );
    let mut child = cmd
        .arg(&root)
        .arg(&inside)
        .env_clear()
        // PATH only to find chroot/unshare; the binary needs nothing from the environment.
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TF_PLUGIN_MAGIC_COOKIE", tfplugin_cookie())
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("chroot (needs root or user namespaces): {e}"));
    let line = first_line(child.stdout.take(), Duration::from_secs(30));
    let _ = child.kill();
    let status = child.wait();
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
    }
    let line = line.unwrap_or_else(|| {
        panic!("no handshake line from the chrooted binary ({status:?}): {stderr}")
    });
    assert!(
        line.starts_with("1|6|tcp|127.0.0.1:") && line.ends_with("|grpc|"),
        "handshake line {line:?}; stderr: {stderr}"
    );
}

/// The go-plugin magic cookie Terraform sets (tfplugin's MAGIC_COOKIE_VALUE).
fn tfplugin_cookie() -> &'static str {
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
}

/// The first line of `out` within `timeout`, if any.
fn first_line(
    out: Option<impl std::io::Read + Send + 'static>,
    timeout: Duration,
) -> Option<String> {
    let out = out?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    rx.recv_timeout(timeout)
        .ok()
        .map(|l| l.trim_end().to_owned())
        .filter(|l| !l.is_empty())
}

#[test]
fn network_mirror_tree_installs_over_https_with_zh_hashes() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dist = scratch.path().join("dist");
    release_into(&dist, &[]);
    let zip = std::fs::read(dist.join(zip_name())).unwrap_or_else(|e| panic!("{e}"));
    let zh = format!("zh:{:x}", Sha256::digest(&zip));
    let listing = std::fs::read_to_string(
        dist.join("mirror")
            .join(HOST)
            .join(PROVIDER_SOURCE)
            .join(format!("{PROVIDER_VERSION}.json")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(listing.contains(&format!("\"{zh}\"")), "{listing}");
    let mirror = HttpsServer::serve_dir(&dist.join("mirror")).unwrap_or_else(|e| panic!("{e}"));
    let namespace = format!("{HOST}/platform-eng/*");
    let cli_config = write_cli_config(
        scratch.path(),
        &format!(
            "  network_mirror {{\n    url     = \"{}/\"\n    include = [\"{namespace}\"]\n  }}\n  direct {{\n    exclude = [\"{namespace}\"]\n  }}\n",
            mirror.url()
        ),
    );
    let (cli_config, ca) = (cli_config, mirror.ca_file().display().to_string());
    let env = [
        ("TF_CLI_CONFIG_FILE", cli_config.as_str()),
        ("SSL_CERT_FILE", ca.as_str()),
    ];
    let emulator = Emulator::start().unwrap_or_else(|e| panic!("{e}"));

    for_each_terraform(|tf| {
        let ws = Workspace::new(tf, &[("main.tf", &zones_config(&emulator))])?;
        ws.run_ok(&["init"], &env)?;
        let lock = std::fs::read_to_string(ws.dir().join(".terraform.lock.hcl"))
            .map_err(HarnessError::io("reading .terraform.lock.hcl"))?;
        // Terraform records zh: hashes only from a registry's signed SHA256SUMS; from a
        // mirror it locks the h1: of what it installed, after checking the zh: the mirror lists.
        assert!(lock.contains("\"h1:"), "lock lacks an h1: hash:\n{lock}");
        apply_zones(&ws, &emulator, &env)?;
        // A fresh data dir must install exactly what the lock file records.
        std::fs::remove_dir_all(ws.dir().join(".terraform"))
            .map_err(HarnessError::io("removing .terraform"))?;
        ws.run_ok(&["init", "-lockfile=readonly"], &env)?;
        Ok(())
    });
    let paths: Vec<String> = mirror.requests().into_iter().map(|r| r.path).collect();
    let base = format!("/{HOST}/{PROVIDER_SOURCE}");
    for wanted in [
        format!("{base}/index.json"),
        format!("{base}/{PROVIDER_VERSION}.json"),
        format!("{base}/{}", zip_name()),
    ] {
        assert!(paths.contains(&wanted), "{wanted} never fetched: {paths:?}");
    }
}

#[test]
fn release_artifacts_are_signed_reproducible_and_install_from_a_packed_mirror() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dist = scratch.path().join("dist");
    let gnupg = scratch.path().join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap_or_else(|e| panic!("{e}"));
    let fingerprint = signing_key(&gnupg).unwrap_or_else(|e| panic!("{e}"));
    let release = |dist: &Path| {
        release_into(
            dist,
            &[
                ("GNUPGHOME", gnupg.as_path()),
                ("GPG_FINGERPRINT", Path::new(&fingerprint)),
            ],
        )
    };
    let log = release(&dist);

    let prefix = format!("terraform-provider-platform_{PROVIDER_VERSION}");
    let mut files: Vec<String> = std::fs::read_dir(&dist)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    files.sort();
    let zip_name = zip_name();
    assert_eq!(
        files,
        [
            "mirror".to_owned(),
            format!("{prefix}_SHA256SUMS"),
            format!("{prefix}_SHA256SUMS.sig"),
            zip_name.clone(),
            format!("{prefix}_manifest.json"),
        ],
        "{log}"
    );
    let manifest = std::fs::read_to_string(dist.join(format!("{prefix}_manifest.json")))
        .unwrap_or_else(|e| panic!("{e}"));
    let repo_manifest =
        std::fs::read_to_string(workspace_root().join("terraform-registry-manifest.json"))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(manifest, repo_manifest);
    let sums_file = format!("{prefix}_SHA256SUMS");
    run(
        Command::new("sha256sum")
            .args(["-c", &sums_file])
            .current_dir(&dist),
        "sha256sum -c",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    run(
        Command::new("gpg")
            .env("GNUPGHOME", &gnupg)
            .args([
                "--batch",
                "--verify",
                &format!("{sums_file}.sig"),
                &sums_file,
            ])
            .current_dir(&dist),
        "gpg --verify",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let sums = std::fs::read_to_string(dist.join(&sums_file)).unwrap_or_else(|e| panic!("{e}"));
    assert!(sums.contains(&format!("  {zip_name}\n")), "{sums}");
    let again = scratch.path().join("again");
    release(&again);
    let sums_again =
        std::fs::read_to_string(again.join(&sums_file)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        sums, sums_again,
        "the same binary must give the same checksums"
    );

    // Packed layout: HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip.
    let mirror = scratch.path().join("mirror");
    let package_dir = mirror.join(HOST).join(PROVIDER_SOURCE);
    std::fs::create_dir_all(&package_dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(dist.join(&zip_name), package_dir.join(&zip_name))
        .unwrap_or_else(|e| panic!("{e}"));
    let cli_config = write_cli_config(
        scratch.path(),
        &format!(
            "  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{HOST}/{PROVIDER_SOURCE}\"]\n  }}\n",
            mirror.display()
        ),
    );
    let env = [("TF_CLI_CONFIG_FILE", cli_config.as_str())];
    let emulator = Emulator::start().unwrap_or_else(|e| panic!("{e}"));

    for_each_terraform(|tf| {
        let ws = Workspace::new(tf, &[("main.tf", &zones_config(&emulator))])?;
        ws.run_ok(&["init"], &env)?;
        apply_zones(&ws, &emulator, &env)?;
        // The unpacked binary runs: its schema comes back through the gRPC handshake.
        let schema = ws.run_ok(&["providers", "schema", "-json"], &env)?;
        assert!(
            schema.stdout.contains("platform_livekit_cluster"),
            "{schema}"
        );
        let lock = std::fs::read_to_string(ws.dir().join(".terraform.lock.hcl"))
            .map_err(HarnessError::io("reading .terraform.lock.hcl"))?;
        assert!(
            lock.contains(&format!("provider \"{HOST}/{PROVIDER_SOURCE}\""))
                && lock.contains(&format!("version     = \"{PROVIDER_VERSION}\""))
                && lock.contains("\"h1:"),
            "{lock}"
        );
        Ok(())
    });
}

/// `scripts/publish-hcp.sh` against a recorded fake of exactly the HCP Terraform private
/// registry endpoints it documents (over HTTPS, trusted through `CURL_CA_BUNDLE`): the
/// requests come in the documented order with the documented payloads, the uploads carry
/// the bytes SHA256SUMS lists, and `--dry-run` prints the same sequence and sends nothing.
#[test]
fn publish_hcp_follows_the_private_registry_api() {
    const ORG: &str = "acme";
    const KEY_ID: &str = "32966F3FB5AC1129";
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dist = scratch.path().join("dist");
    let gnupg = scratch.path().join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap_or_else(|e| panic!("{e}"));
    let fingerprint = signing_key(&gnupg).unwrap_or_else(|e| panic!("{e}"));
    release_into(
        &dist,
        &[
            ("GNUPGHOME", gnupg.as_path()),
            ("GPG_FINGERPRINT", Path::new(&fingerprint)),
        ],
    );
    let provider = format!("/api/v2/organizations/{ORG}/registry-providers/private/{ORG}/platform");
    let versions = format!("{provider}/versions");
    let platforms = format!("{versions}/{PROVIDER_VERSION}/platforms");
    let fake = {
        let (versions, platforms) = (versions.clone(), platforms.clone());
        HttpsServer::start(std::sync::Arc::new(
            move |req: &e2e::Request, base: &str| {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let created = |data: serde_json::Value| {
                    e2e::Response::json(201, &serde_json::json!({ "data": data }))
                };
                match (req.method.as_str(), req.path.as_str()) {
                    ("POST", "/api/registry/private/v2/gpg-keys") => created(serde_json::json!({
                        "type": "gpg-keys", "id": "1",
                        "attributes": { "namespace": ORG, "key-id": KEY_ID },
                    })),
                    ("POST", p)
                        if p == format!("/api/v2/organizations/{ORG}/registry-providers") =>
                    {
                        created(serde_json::json!({ "type": "registry-providers", "id": "prov-1" }))
                    }
                    ("POST", p) if p == versions => created(serde_json::json!({
                        "type": "registry-provider-versions", "id": "provver-1",
                        "links": {
                            "shasums-upload": format!("{base}/_archivist/shasums"),
                            "shasums-sig-upload": format!("{base}/_archivist/shasums-sig"),
                        },
                    })),
                    ("POST", p) if p == platforms => {
                        let a = &body["data"]["attributes"];
                        created(serde_json::json!({
                            "type": "registry-provider-version-platforms", "id": "provpltfrm-1",
                            "links": { "provider-binary-upload": format!(
                                "{base}/_archivist/binary/{}_{}",
                                a["os"].as_str().unwrap_or(""), a["arch"].as_str().unwrap_or("")) },
                        }))
                    }
                    ("PUT", p) if p.starts_with("/_archivist/") => {
                        e2e::Response::json(200, &serde_json::json!({}))
                    }
                    _ => e2e::Response::not_found(),
                }
            },
        ))
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let host = fake.url().trim_start_matches("https://").to_owned();
    let publish = |extra: &[&str]| {
        run(
            Command::new("bash")
                .arg(workspace_root().join("scripts/publish-hcp.sh"))
                .args(extra)
                .arg(&dist)
                .env("TFE_HOSTNAME", &host)
                .env("TFE_ORG", ORG)
                .env("TFE_TOKEN", "secret-token")
                .env("GNUPGHOME", &gnupg)
                .env("GPG_FINGERPRINT", &fingerprint)
                .env("CURL_CA_BUNDLE", fake.ca_file()),
            "scripts/publish-hcp.sh",
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };

    let dry = publish(&["--dry-run"]);
    assert!(fake.requests().is_empty(), "--dry-run sent requests");
    assert!(
        !dry.contains("secret-token"),
        "the token must never be printed:\n{dry}"
    );
    let zip = zip_name();
    let sums_file = format!("{BINARY}_{PROVIDER_VERSION}_SHA256SUMS");
    let dry_sequence: Vec<&str> = dry
        .lines()
        .filter(|l| l.starts_with("POST ") || l.starts_with("PUT "))
        .collect();
    assert_eq!(dry_sequence.len(), 7, "{dry}");

    let log = publish(&[]);
    let requests = fake.requests();
    let sequence: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let expect = |m: &str, p: &str| (m.to_owned(), p.to_owned());
    assert_eq!(
        sequence,
        [
            expect("POST", "/api/registry/private/v2/gpg-keys"),
            expect(
                "POST",
                &format!("/api/v2/organizations/{ORG}/registry-providers")
            ),
            expect("POST", &versions),
            expect("PUT", "/_archivist/shasums"),
            expect("PUT", "/_archivist/shasums-sig"),
            expect("POST", &platforms),
            expect("PUT", "/_archivist/binary/linux_amd64"),
        ],
        "{log}"
    );
    // The dry run announces the same API calls (upload links are unknown until answered).
    let dry_posts: Vec<String> = dry_sequence
        .iter()
        .filter_map(|l| {
            l.strip_prefix(&format!("POST {}", fake.url()))
                .map(str::to_owned)
        })
        .collect();
    let posts: Vec<String> = sequence
        .iter()
        .filter(|(m, _)| m == "POST")
        .map(|(_, p)| p.clone())
        .collect();
    assert_eq!(dry_posts, posts, "{dry}");
    let body = |i: usize| -> serde_json::Value {
        serde_json::from_slice(&requests[i].body).unwrap_or_else(|e| panic!("request {i}: {e}"))
    };
    for r in requests.iter().filter(|r| r.method == "POST") {
        assert_eq!(
            r.header("authorization"),
            Some("Bearer secret-token"),
            "{}",
            r.path
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/vnd.api+json"),
            "{}",
            r.path
        );
    }
    let key = body(0);
    assert_eq!(key["data"]["type"], "gpg-keys");
    assert_eq!(key["data"]["attributes"]["namespace"], ORG);
    assert!(key["data"]["attributes"]["ascii-armor"]
        .as_str()
        .is_some_and(|a| a.contains("BEGIN PGP PUBLIC KEY BLOCK")));
    assert_eq!(
        body(1)["data"],
        serde_json::json!({"type": "registry-providers",
            "attributes": {"name": "platform", "namespace": ORG, "registry-name": "private"}})
    );
    assert_eq!(
        body(2)["data"],
        serde_json::json!({"type": "registry-provider-versions",
            "attributes": {"version": PROVIDER_VERSION, "key-id": KEY_ID, "protocols": ["6.0"]}})
    );
    let sums = std::fs::read(dist.join(&sums_file)).unwrap_or_else(|e| panic!("{e}"));
    let sig =
        std::fs::read(dist.join(format!("{sums_file}.sig"))).unwrap_or_else(|e| panic!("{e}"));
    assert!(requests[3].body == sums, "SHA256SUMS upload differs");
    assert!(requests[4].body == sig, "signature upload differs");
    let listed = String::from_utf8_lossy(&sums)
        .lines()
        .find_map(|l| l.strip_suffix(&format!("  {zip}")).map(str::to_owned))
        .unwrap_or_else(|| panic!("{zip} not in SHA256SUMS"));
    assert_eq!(
        body(5)["data"],
        serde_json::json!({"type": "registry-provider-version-platforms",
            "attributes": {"os": "linux", "arch": "amd64", "shasum": listed, "filename": zip}})
    );
    assert_eq!(
        format!("{:x}", Sha256::digest(&requests[6].body)),
        listed,
        "binary upload"
    );
}
