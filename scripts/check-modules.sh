#!/usr/bin/env bash
# Offline checks of modules/ and examples/: formatting, README tables, google_* field names,
# module wiring. No provider binaries or network needed.
set -euo pipefail
cd "$(dirname "$0")/.."

terraform fmt -check -recursive modules examples
cargo run --quiet -p modcheck -- docs --check
cargo run --quiet -p modcheck -- fields
cargo run --quiet -p modcheck -- wiring
