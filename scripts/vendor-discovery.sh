#!/usr/bin/env bash
# Re-creates emulator/discovery/*.json from a pinned google-api-python-client wheel,
# so the emulator validates against exactly the documents Google publishes.
set -euo pipefail

VERSION="${GOOGLE_API_PYTHON_CLIENT_VERSION:-2.202.0}"
APIS=(compute.v1 run.v2 monitoring.v3 billingbudgets.v1 pubsub.v1 cloudresourcemanager.v3 iamcredentials.v1 sts.v1 sqladmin.v1beta4 redis.v1 secretmanager.v1)

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/emulator/discovery"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 -m pip download --quiet --no-deps --only-binary=:all: \
  "google-api-python-client==$VERSION" -d "$tmp"
python3 -m zipfile -e "$tmp"/google_api_python_client-*.whl "$tmp/whl"

mkdir -p "$dest"
for api in "${APIS[@]}"; do
  python3 "$root/scripts/vendor-discovery.py" \
    "$tmp/whl/googleapiclient/discovery_cache/documents/$api.json" "$dest/$api.json"
done
echo "vendored ${#APIS[@]} discovery documents from google-api-python-client $VERSION"
