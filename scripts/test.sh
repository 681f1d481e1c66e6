#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it: offline module checks, then every
# unit and end-to-end test of the workspace, ending with one line that totals them all
# (cargo prints a result line per test binary, the last of which may well be a 0).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$root"

# One portable (static) build of binaries and test targets together (same feature resolution,
# dev-dependencies included) into target/<host triple>/release/: `cargo test` then compiles
# nothing again, every e2e test reuses these binaries, and the release test packages the same
# static provider binary that `make release` ships.
portable_env "$(host_triple)"
cargo build --release --workspace --bins --tests

scripts/check-modules.sh

# Suites that run many cases in one test write their totals here (tests/src/totals.rs).
totals_dir="$target_dir/suite-totals"
rm -rf "$totals_dir"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --release --workspace --no-fail-fast --lib --bins --tests 2>&1 | tee "$log" || status=$?
awk '/^test result:/ { passed += $4; failed += $6; ignored += $8 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, ignored }' "$log"
cat "$totals_dir"/*.txt 2>/dev/null || true
exit "$status"
