#!/usr/bin/env bash
# Re-creates tests/google-standin/schema/google-provider-schema-<major.minor>.json, the
# hashicorp/google resource schemas (`terraform providers schema -json`) the test stand-in
# serves and modcheck checks types against, from lonegunmanb/terraform-google-schema (MIT),
# which publishes that output per resource type as generated/resource/<Type>.go.
# The resource types are the ones already vendored (the modules' types plus the types
# moved from); pass more names to add them.
set -euo pipefail

VERSION="${GOOGLE_PROVIDER_VERSION:-6.50.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/tests/google-standin/schema"
current="$(ls "$dir"/google-provider-schema-*.json | sort -V | tail -1)"
dest="$dir/google-provider-schema-${VERSION%.*}.json"

python3 - "$VERSION" "$current" "$dest" "$@" <<'PY'
import json, re, sys, urllib.request

version, current, dest, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with open(current) as f:
    types = sorted(set(json.load(f)["resource_schemas"]) | set(extra))
base = f"https://raw.githubusercontent.com/lonegunmanb/terraform-google-schema/v{version}/generated/resource"
schemas = {}
for t in types:
    # google_compute_network -> googleComputeNetwork.go
    parts = t.split("_")
    name = parts[0] + "".join(p.capitalize() for p in parts[1:])
    with urllib.request.urlopen(f"{base}/{name}.go") as r:
        go = r.read().decode()
    m = re.search(r"= `(.*?)`", go, re.S)
    if not m:
        sys.exit(f"{name}.go: no schema literal")
    schemas[t] = json.loads(m.group(1))
doc = {
    "source": f"hashicorp/google {version} provider schema (terraform providers schema -json), per resource type, as published in lonegunmanb/terraform-google-schema generated/resource/*.go",
    "provider_version": version,
    "resource_schemas": dict(sorted(schemas.items())),
}
with open(dest, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
print(f"vendored {len(schemas)} resource schemas of hashicorp/google {version} into {dest}")
PY
