#!/usr/bin/env bash
# Publishes the release in DIST_DIR (scripts/release.sh output, signed) to an HCP Terraform
# or Terraform Enterprise private registry, following the documented API sequence:
#   1. POST /api/registry/private/v2/gpg-keys                  the signing key's public half
#   2. POST /api/v2/organizations/ORG/registry-providers        the private provider (kept if it exists)
#   3. POST .../registry-providers/private/ORG/platform/versions  the version, with the key-id
#   4. PUT SHA256SUMS and SHA256SUMS.sig to the upload links of step 3
#   5. POST .../versions/VERSION/platforms                      one per zip: os, arch, shasum, filename
#   6. PUT each zip to the upload link of step 5
# The source address is then TFE_HOSTNAME/ORG/platform (app.terraform.io/ORG/platform).
#
# Usage: TFE_ORG=acme TFE_TOKEN=... GPG_FINGERPRINT=... scripts/publish-hcp.sh [--dry-run] [DIST_DIR]
#   TFE_HOSTNAME  default app.terraform.io
#   TFE_TOKEN     a user or team API token with "Manage Private Registry" (never printed)
#   GPG_FINGERPRINT  the key that signed SHA256SUMS (its public key is exported from gpg);
#                    or TFE_GPG_KEY_ID: a key already uploaded to the organization (skips step 1)
#   --dry-run     print every request (method, URL, JSON payload, uploaded file) and send none
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dry_run=false
dist="$root/dist"
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    -*) echo "error: unknown option $arg (usage: scripts/publish-hcp.sh [--dry-run] [DIST_DIR])" >&2; exit 2 ;;
    *) dist="$arg" ;;
  esac
done

: "${TFE_ORG:?set TFE_ORG to the HCP Terraform organization}"
host="${TFE_HOSTNAME:-app.terraform.io}"
base="https://$host"
if ! $dry_run; then
  : "${TFE_TOKEN:?set TFE_TOKEN to an API token that may manage the private registry}"
fi
name="${provider_source#*/}"
version="$(provider_version)"
prefix="terraform-provider-${name}_${version}"
sums="$dist/${prefix}_SHA256SUMS"
for f in "$sums" "$sums.sig"; do
  [[ -f "$f" ]] || { echo "error: $f not found: run \`make release\` with GPG_FINGERPRINT set" >&2; exit 1; }
done
provider_path="/api/v2/organizations/$TFE_ORG/registry-providers/private/$TFE_ORG/$name"

# Dry-run output goes to fd 3 (stdout), also from inside $(...) captures.
exec 3>&1
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# JSON from python, so quoting never depends on the values (an armored key has newlines).
# Assign it to a variable first: a failing $(...) inside an argument would not stop the script.
json() { python3 -c 'import json, sys; print(json.dumps(eval(sys.argv[1], {"a": sys.argv[2:], "json": json})))' "$@"; }
# FIELD PATH (dot-separated) of the JSON document on stdin.
field() { python3 -c 'import functools, json, sys; print(functools.reduce(lambda d, k: d[k], sys.argv[1].split("."), json.load(sys.stdin)))' "$1"; }

# METHOD PATH BODY: prints the response body; fails on any status but 2xx (or ALLOW).
api() {
  local method="$1" path="$2" body="$3" allow="${4:-}"
  if $dry_run; then
    printf '%s %s\n%s\n' "$method" "$base$path" "$body" >&3
    return
  fi
  local status
  status="$(curl -sS -o "$scratch/response" -w '%{http_code}' -X "$method" \
    -H "Authorization: Bearer $TFE_TOKEN" -H "Content-Type: application/vnd.api+json" \
    --data-binary "$body" "$base$path")"
  if [[ "$status" != 2* && "$status" != "$allow" ]]; then
    echo "error: $method $base$path answered HTTP $status: $(cat "$scratch/response")" >&2
    exit 1
  fi
  cat "$scratch/response"
}

# FILE URL: uploads the file's bytes (the upload links are pre-signed: no token).
upload() {
  if $dry_run; then
    printf 'PUT %s\n< %s (sha256 %s)\n' "$2" "$(basename "$1")" "$(sha256sum "$1" | cut -d' ' -f1)" >&3
    return
  fi
  curl -sS --fail -T "$1" "$2" >/dev/null
  echo "uploaded $(basename "$1")"
}

if [[ -n "${TFE_GPG_KEY_ID:-}" ]]; then
  key_id="$TFE_GPG_KEY_ID"
else
  : "${GPG_FINGERPRINT:?set GPG_FINGERPRINT (or TFE_GPG_KEY_ID for a key already uploaded)}"
  armor="$(gpg --batch --armor --export "$GPG_FINGERPRINT")"
  [[ -n "$armor" ]] || { echo "error: gpg has no public key $GPG_FINGERPRINT" >&2; exit 1; }
  body="$(json '{"data": {"type": "gpg-keys", "attributes": {"namespace": a[0], "ascii-armor": a[1]}}}' \
    "$TFE_ORG" "$armor")"
  response="$(api POST /api/registry/private/v2/gpg-keys "$body")"
  key_id="$($dry_run && echo '<key-id>' || field data.attributes.key-id <<<"$response")"
fi

# 422: the provider exists already (publishing another version).
body="$(json '{"data": {"type": "registry-providers", "attributes": {"name": a[0], "namespace": a[1], "registry-name": "private"}}}' \
  "$name" "$TFE_ORG")"
api POST "/api/v2/organizations/$TFE_ORG/registry-providers" "$body" 422 >/dev/null

protocols="$(python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["metadata"]["protocol_versions"]))' \
  "$root/terraform-registry-manifest.json")"
body="$(json '{"data": {"type": "registry-provider-versions", "attributes": {"version": a[0], "key-id": a[1], "protocols": json.loads(a[2])}}}' \
  "$version" "$key_id" "$protocols")"
response="$(api POST "$provider_path/versions" "$body")"
if $dry_run; then
  sums_url="<shasums-upload link>" sig_url="<shasums-sig-upload link>"
else
  sums_url="$(field data.links.shasums-upload <<<"$response")"
  sig_url="$(field data.links.shasums-sig-upload <<<"$response")"
fi
upload "$sums" "$sums_url"
upload "$sums.sig" "$sig_url"

while read -r shasum filename; do
  [[ "$filename" == *.zip ]] || continue
  platform="${filename#"${prefix}_"}" platform="${platform%.zip}"
  body="$(json '{"data": {"type": "registry-provider-version-platforms", "attributes": {"os": a[0], "arch": a[1], "shasum": a[2], "filename": a[3]}}}' \
    "${platform%_*}" "${platform#*_}" "$shasum" "$filename")"
  response="$(api POST "$provider_path/versions/$version/platforms" "$body")"
  if $dry_run; then
    url="<provider-binary-upload link>"
  else
    url="$(field data.links.provider-binary-upload <<<"$response")"
  fi
  upload "$dist/$filename" "$url"
done <"$sums"

echo "published $host/$TFE_ORG/$name $version$($dry_run && echo ' (dry run: nothing sent)' || true)"
