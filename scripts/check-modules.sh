#!/usr/bin/env bash
# Offline checks of modules/ and examples/: formatting, README tables and registry docs (docs/), google_* field names,
# platform_* arguments against the provider's schema, module wiring. No provider binaries or
# network needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$root"

# Formatting rules change between releases; the newest terraform found is the reference.
terraform="$(newest_terraform)"
"$terraform" fmt -check -recursive modules examples
cargo run --release --quiet -p modcheck -- docs --check
cargo run --release --quiet -p modcheck -- fields
cargo run --release --quiet -p modcheck -- wiring
