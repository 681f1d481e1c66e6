#!/usr/bin/env bash
# Builds the provider binary that `scripts/release.sh` packages, for one Rust target triple
# (default: the host's) into target/<triple>/release/. Linux and Windows builds link the C
# runtime statically (+crt-static): the linux binary then has no ELF interpreter and no
# shared-library dependency, so it starts on any distribution (old glibc, Alpine/musl,
# distroless), and name resolution goes through hickory-dns instead of glibc's NSS.
#
# See portable_env in common.sh for why the target is always explicit. `make test` builds the
# whole workspace the same way, so the e2e tests exercise exactly this kind of binary.
#
# Usage: scripts/build-release.sh [TRIPLE]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

portable_env "${1:-$(host_triple)}"
cd "$root"
cargo build --release --locked -p terraform-provider-platform --bin terraform-provider-platform
