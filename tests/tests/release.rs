//! Release artifacts (`scripts/release.sh`, `make release`) are what a registry serves:
//! Terraform installs the zip from a packed filesystem mirror (the layout registries and
//! `terraform providers mirror` use), runs the binary inside it and locks it. SHA256SUMS
//! verifies, its detached signature verifies with the signing key, and a second run
//! produces byte-identical zips (the published checksums only change with the binary).

use std::path::Path;
use std::process::Command;

use e2e::{
    for_each_terraform, required_providers, workspace_root, HarnessError, Workspace,
    PROVIDER_SOURCE, PROVIDER_VERSION,
};

const HOST: &str = "registry.terraform.io";

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

#[test]
fn release_artifacts_are_signed_reproducible_and_install_from_a_packed_mirror() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dist = scratch.path().join("dist");
    let gnupg = scratch.path().join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap_or_else(|e| panic!("{e}"));
    let fingerprint = signing_key(&gnupg).unwrap_or_else(|e| panic!("{e}"));
    let release = |dist: &Path| {
        run(
            Command::new("bash")
                .arg(workspace_root().join("scripts/release.sh"))
                .arg(dist)
                .env("GNUPGHOME", &gnupg)
                .env("GPG_FINGERPRINT", &fingerprint),
            "scripts/release.sh",
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let log = release(&dist);

    let prefix = format!("terraform-provider-platform_{PROVIDER_VERSION}");
    let mut files: Vec<String> = std::fs::read_dir(&dist)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    files.sort();
    let zip_name = format!("{prefix}_linux_amd64.zip");
    assert_eq!(
        files,
        [
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
    let cli_config = scratch.path().join("terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{HOST}/{PROVIDER_SOURCE}\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cli_config = cli_config.display().to_string();
    let env = [("TF_CLI_CONFIG_FILE", cli_config.as_str())];

    for_each_terraform(|tf| {
        let ws = Workspace::new(tf, &[("main.tf", &required_providers())])?;
        ws.run_ok(&["init"], &env)?;
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
