#!/usr/bin/env bash
# Builds the provider binary that `scripts/release.sh` packages, for one Rust target triple
# (default: the host's) into target/<triple>/release/. Linux and Windows builds link the C
# runtime statically (+crt-static): the linux binary then has no ELF interpreter and no
# shared-library dependency, so it starts on any distribution (old glibc, Alpine/musl,
# distroless), and name resolution goes through hickory-dns instead of glibc's NSS.
#
# Always with an explicit --target: RUSTFLAGS then reach only the target's crates, not build
# scripts and proc-macros (which cannot be built with crt-static), and the host build in
# target/release/ that development and the other e2e tests use is left untouched.
#
# Usage: scripts/build-release.sh [TRIPLE]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

triple="${1:-$(rustc -vV | sed -n 's/^host: //p')}"
flags="${RUSTFLAGS:-}"
case "$triple" in
  *-linux-gnu* | *-windows-msvc) flags="$flags -C target-feature=+crt-static" ;;
esac
cd "$root"
RUSTFLAGS="${flags# }" cargo build --release --locked --target "$triple" \
  -p terraform-provider-platform --bin terraform-provider-platform
