#!/usr/bin/env bash
# Release artifacts in the layout the Terraform Registry and HCP Terraform's private
# registry expect (what goreleaser produces for hashicorp's scaffolding):
#   terraform-provider-platform_<version>_<os>_<arch>.zip   (binary terraform-provider-platform_v<version>)
#   terraform-provider-platform_<version>_manifest.json     (terraform-registry-manifest.json)
#   terraform-provider-platform_<version>_SHA256SUMS        (+ .sig when GPG_FINGERPRINT is set)
#   mirror/registry.terraform.io/platform-eng/platform/     provider network mirror protocol as
#     index.json, <version>.json (zh: hashes, relative urls) and the zips: serve mirror/ over
#     HTTPS as a `network_mirror` (the zip names are the hashes' subject, so it stays static)
#
# Usage: scripts/release.sh [DIST_DIR]   (default dist/; `make release` builds first)
# Packages target/<triple>/release/ (built by scripts/build-release.sh: static on linux) for
# every Rust target triple in RELEASE_TARGETS (default: the host's). CI's release workflow
# builds each triple on its native runner and fills those directories. Zips are
# reproducible (fixed timestamps), so SHA256SUMS only changes when a binary does.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dist="${1:-$root/dist}"
version="$(provider_version)"
name="terraform-provider-platform"
prefix="${name}_${version}"

# Rust target triple -> Terraform platform (os_arch).
platform_of() {
  local arch os
  case "$1" in
    x86_64-*) arch=amd64 ;;
    aarch64-*) arch=arm64 ;;
    i686-*) arch=386 ;;
    arm*-*) arch=arm ;;
    *) echo "error: no Terraform architecture for target $1" >&2; return 1 ;;
  esac
  case "$1" in
    *-linux-*) os=linux ;;
    *-apple-darwin) os=darwin ;;
    *-windows-*) os=windows ;;
    *-freebsd) os=freebsd ;;
    *) echo "error: no Terraform OS for target $1" >&2; return 1 ;;
  esac
  echo "${os}_${arch}"
}

binaries=()
for triple in ${RELEASE_TARGETS:-$(rustc -vV | sed -n 's/^host: //p')}; do
  binaries+=("$triple=$target_dir/$triple/release/$name")
done

mirror="$dist/mirror/$provider_host/$provider_source"
mkdir -p "$dist"
rm -f "$dist/${prefix}"_*
rm -rf "$dist/mirror"
mkdir -p "$mirror"
for entry in "${binaries[@]}"; do
  triple="${entry%%=*}" binary="${entry#*=}"
  [[ "$triple" == *windows* ]] && binary="$binary.exe"
  if [[ ! -x "$binary" ]]; then
    echo "error: $binary not found: run \`make release\` (or scripts/build-release.sh $triple)" >&2
    exit 1
  fi
  platform="$(platform_of "$triple")"
  inner="${name}_v${version}"
  [[ "$triple" == *windows* ]] && inner="$inner.exe"
  # Python's zipfile rather than zip(1), which a fresh machine may lack; fixed
  # timestamps and an explicit executable mode make the archive reproducible.
  python3 - "$binary" "$dist/${prefix}_${platform}.zip" "$inner" <<'PY'
import sys, zipfile
src, out, inner = sys.argv[1:]
info = zipfile.ZipInfo(inner, date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = 0o100755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(out, "w") as z:
    z.writestr(info, f.read())
PY
  cp "$dist/${prefix}_${platform}.zip" "$mirror/"
  echo "packaged $triple as ${prefix}_${platform}.zip"
done
cp "$root/terraform-registry-manifest.json" "$dist/${prefix}_manifest.json"

# Network mirror protocol: index.json lists versions; <version>.json maps each platform to
# its zip (url relative to this file) and the zip's "zh:" hash (SHA-256 of the archive),
# which terraform records in the lock file.
python3 - "$mirror" "$version" "$prefix" <<'PY'
import hashlib, json, os, sys
mirror, version, prefix = sys.argv[1:]
archives = {}
for zip_name in sorted(f for f in os.listdir(mirror) if f.endswith(".zip")):
    with open(os.path.join(mirror, zip_name), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    platform = zip_name[len(prefix) + 1:-len(".zip")]
    archives[platform] = {"url": zip_name, "hashes": ["zh:" + digest]}
with open(os.path.join(mirror, "index.json"), "w") as f:
    json.dump({"versions": {version: {}}}, f, indent=2)
with open(os.path.join(mirror, version + ".json"), "w") as f:
    json.dump({"archives": archives}, f, indent=2, sort_keys=True)
PY

(cd "$dist" && sha256sum "${prefix}"_*.zip "${prefix}_manifest.json" >"${prefix}_SHA256SUMS")
if [[ -n "${GPG_FINGERPRINT:-}" ]]; then
  # The registry verifies this detached binary signature with the key uploaded there.
  gpg --batch --yes --local-user "$GPG_FINGERPRINT" --detach-sign \
    --output "$dist/${prefix}_SHA256SUMS.sig" "$dist/${prefix}_SHA256SUMS"
  echo "signed ${prefix}_SHA256SUMS with $GPG_FINGERPRINT"
else
  echo "note: ${prefix}_SHA256SUMS is not signed; the public registry requires a signature: set GPG_FINGERPRINT to a key in your keyring" >&2
fi
echo "release artifacts in $dist:"
ls -1 "$dist" | grep "^${prefix}_"
echo "network mirror (serve $dist/mirror/ over HTTPS): $mirror"
