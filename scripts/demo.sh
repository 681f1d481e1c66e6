#!/usr/bin/env bash
# `make demo`: starts the GCP emulator and, with the newest terraform available, applies
# examples/local/ against it: (a) a 3-node LiveKit cluster, (b) the API service rolled
# out blue/green from v1 to v2 step by step, then a bad v3 rolled back automatically,
# (c) the production budget guard with one tenant. Then it tears everything down.
# State, credentials and logs (terraform's full output) stay in .demo/ for inspection.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_binary gcp-emulator
require_binary terraform-provider-platform
[[ -f "$cli_config" ]] || { echo "error: $cli_config missing: run \`make install\`" >&2; exit 1; }
terraform="$(newest_terraform)"
# examples/local calls the repo's modules, which use optional() attribute defaults.
tf_version="$(terraform_version_of "$terraform")"
if [[ "$(printf '%s\n' 1.5.0 "$tf_version" | sort -V | head -n1)" != 1.5.0 ]]; then
  echo "error: the demo needs Terraform >= 1.5 (examples/local uses the modules); the newest found is $tf_version at $terraform." >&2
  echo "       Put a newer terraform on PATH or name it in \$TERRAFORM, then run make demo again." >&2
  exit 1
fi

demo="$root/.demo"
# A fresh emulator each run: a failed earlier run leaves its objects in the saved state,
# and the demo's creates would then meet them (409 ALREADY_EXISTS).
rm -rf "$demo/work" "$demo/emulator-state.json"
mkdir -p "$demo/work"
cp "$root"/examples/local/*.tf "$demo/work/"

emulator_pid=""
cleanup() {
  if [[ -n "$emulator_pid" ]]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

"$release_dir/gcp-emulator" --listen 127.0.0.1:0 \
  --state "$demo/emulator-state.json" \
  --write-credentials "$demo/key.json" \
  >"$demo/emulator.stdout" 2>"$demo/emulator.log" &
emulator_pid=$!

url=""
for _ in $(seq 1 300); do
  url="$(sed -n 's/^gcp-emulator listening on //p' "$demo/emulator.stdout" | head -n1)"
  [[ -n "$url" ]] && break
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "error: gcp-emulator exited; see $demo/emulator.log" >&2
    tail -n 20 "$demo/emulator.log" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -n "$url" ]] || { echo "error: gcp-emulator did not start within 30s; see $demo/emulator.log" >&2; exit 1; }

echo "==> gcp-emulator listening on $url (log: .demo/emulator.log)"
echo "==> using Terraform v$tf_version at $terraform"

tf() {
  (cd "$demo/work" && env -u TF_LOG \
    TF_CLI_CONFIG_FILE="$cli_config" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1 \
    "$terraform" "$@")
}
vars=(-var "emulator_url=$url" -var "credentials_file=$demo/key.json")
image="us-docker.pkg.dev/platform/api/api"

# Per-image behaviour of the emulated Cloud Run: v1 and v2 are healthy, v3 answers
# 3 % of requests with HTTP 500. Enough traffic that 2 s bakes are conclusive: the 5 %
# step sees 600 candidate requests, more than the 539 a 0.5 % error limit needs at 95 %
# confidence with no errors (2000 rps gave 200: inconclusive, the rollout held).
behave() {
  curl -fsS -X POST -H 'Content-Type: application/json' -d "$1" \
    "$url/_emulator/run/behaviors" >/dev/null
}
behave "{\"image\": \"$image:v1\", \"rps\": 6000, \"p95_ms\": 120}"
behave "{\"image\": \"$image:v2\", \"rps\": 6000, \"p95_ms\": 110}"
behave "{\"image\": \"$image:v3\", \"rps\": 6000, \"p95_ms\": 115, \"error_ratio\": 0.03}"

section() { printf '\n=== %s\n' "$*"; }
indent() { sed 's/^/    /'; }
# `output -raw` prints no final newline.
show() { printf '%s\n' "$(tf output -raw "$1")" | indent; }
# Runs terraform with its full output in .demo/<log>; on failure shows the tail.
logged() {
  local log="$demo/$1"; shift
  if ! tf "$@" >"$log" 2>&1; then
    echo "error: terraform $1 failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
}
state_attr() {
  tf state show -no-color 'module.services.platform_blue_green_service.service["api"]' |
    sed -n "s/^ *$1 *= *\"\\(.*\\)\"$/\\1/p" | head -n1
}

echo "==> terraform init"
logged init.log init -no-color
echo "==> terraform apply (LiveKit cluster, API service v1, budget guard; log: .demo/apply-v1.log)"
started=$SECONDS
logged apply-v1.log apply -auto-approve -no-color "${vars[@]}" -var "api_image=$image:v1"
echo "    done in $((SECONDS - started)) s"

section "(a) LiveKit cluster: 3 nodes over 3 zones behind one backend service"
show livekit_summary

section "(b) API service (min 2 / max 20, 2 CPU, 4 Gi, timeout 300 s, concurrency 80)"
echo "v1 deployed (first release: 100 % once Ready):"
show api_summary
echo
echo "rolling out v2: candidate at 0 %, then 5 -> 25 -> 50 -> 100 %, 2 s bake each,"
echo "gates: error rate <= 0.5 %, p95 <= 2x stable"
started=$SECONDS
logged apply-v2.log apply -auto-approve -no-color "${vars[@]}" -var "api_image=$image:v2"
show api_rollout_steps
echo "  finished in $((SECONDS - started)) s:"
show api_summary

echo
echo "rolling out v3 (the emulator makes it answer 3 % errors):"
if tf apply -auto-approve -no-color "${vars[@]}" -var "api_image=$image:v3" >"$demo/apply-v3.log" 2>&1; then
  echo "error: the bad v3 rollout was expected to fail; see .demo/apply-v3.log" >&2
  exit 1
fi
echo "  terraform apply failed, as it should:"
# The diagnostic's summary and its text, unwrapped from terraform's box and re-folded
# (the "with ..."/"on ... line N" location lines left out).
awk '/Error: Rollout rolled back/ { on = 1; print; next }
     on { sub(/^[^A-Za-z0-9]*/, "") }
     on && /^(with |on |[0-9]+:)/ { next }
     on && $0 == "" { if (text != "") exit; next }
     on { text = text $0 " " }
     END { print text }' "$demo/apply-v3.log" | fold -s -w 92 | indent
echo "  state after the rollback (template still v2, so the next plan proposes v3 again):"
echo "    rollout_status     = $(state_attr rollout_status)"
echo "    stable_revision    = $(state_attr stable_revision)"
echo "    candidate_revision = $(state_attr candidate_revision)"

section "(c) Production budget guard (2000 USD/month, 50/80/100 % alerts) with tenant acme"
show budget_summary

section "tear down"
# The API service is deletion-protected: lift that (at the v2 that serves), then destroy.
logged apply-unprotect.log apply -auto-approve -no-color "${vars[@]}" \
  -var "api_image=$image:v2" -var "api_deletion_protection=false"
logged destroy.log destroy -auto-approve -no-color "${vars[@]}" \
  -var "api_image=$image:v2" -var "api_deletion_protection=false"
left="$(curl -fsS "$url/_emulator/resources" | grep -c '"projects/platform-local/locations/us-central1/services/platform-api"' || true)"
echo "terraform destroy done (API service left in the emulator: $left)"
echo "==> done; emulator stopped on exit (files in .demo/)"
