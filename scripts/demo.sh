#!/usr/bin/env bash
# `make demo`: starts the GCP emulator, applies examples/local/ against it with the newest
# terraform available, shows the result and tears everything down again.
# State, credentials and logs stay in .demo/ for inspection.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_binary gcp-emulator
require_binary terraform-provider-platform
[[ -f "$cli_config" ]] || { echo "error: $cli_config missing: run \`make install\`" >&2; exit 1; }
terraform="$(newest_terraform)"

demo="$root/.demo"
rm -rf "$demo/work"
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
echo "==> using $("$terraform" version | head -n1) at $terraform"

tf() {
  (cd "$demo/work" && env -u TF_LOG \
    TF_CLI_CONFIG_FILE="$cli_config" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1 \
    "$terraform" "$@")
}
vars=(-var "emulator_url=$url" -var "credentials_file=$demo/key.json")

echo "==> terraform init"
tf init -no-color >"$demo/init.log"
echo "==> terraform apply"
tf apply -auto-approve -no-color "${vars[@]}"

echo
echo "==> what the provider read from the emulator"
echo "project number:          $(tf output -raw project_number)"
echo "default service account: $(tf output -raw default_service_account)"
echo "zones in region:         $(tf output -json zones)"
requests="$(curl -fsS "$url/_emulator/requests" 2>/dev/null || true)"
if [[ -n "$requests" ]]; then
  echo "emulator request log:"
  python3 -c 'import json,sys
for r in json.load(sys.stdin): print("  %s %s -> %s" % (r.get("method"), r.get("path"), r.get("status")))' <<<"$requests" || true
fi

echo
echo "==> terraform destroy"
tf destroy -auto-approve -no-color "${vars[@]}" >"$demo/destroy.log"
echo "==> done; emulator stopped (files in .demo/)"
