# Shared helpers for the scripts in this directory. Source it; do not run it.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
[[ "$target_dir" == /* ]] || target_dir="$root/$target_dir"
release_dir="$target_dir/release"

# The portable build (scripts/build-release.sh, make test): always with an explicit --target,
# so RUSTFLAGS reach only the target's crates, not build scripts and proc-macros (which cannot
# be built with crt-static); linux-gnu and windows-msvc link the C runtime statically.
host_triple() { rustc -vV | sed -n 's/^host: //p'; }
portable_env() {
  local triple="$1" flags="${RUSTFLAGS:-}"
  case "$triple" in
    *-linux-gnu* | *-windows-msvc) flags="$flags -C target-feature=+crt-static" ;;
  esac
  export CARGO_BUILD_TARGET="$triple" RUSTFLAGS="${flags# }"
}

provider_source="platform-eng/platform"
provider_host="registry.terraform.io"
mirror_dir="$root/.tools/mirror"
cli_config="$root/.tools/terraformrc"

# The provider shares the workspace version (first `version =` under [workspace.package]).
provider_version() {
  sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1
}

require_binary() {
  if [[ ! -x "$release_dir/$1" ]]; then
    echo "error: $release_dir/$1 not found: run \`make build\` first" >&2
    exit 1
  fi
}

terraform_version_of() {
  CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null |
    sed -n 's/^Terraform v//p' | head -n1
}

# Prints the path of the newest terraform among $TERRAFORM (colon list), PATH and .tools/bin.
newest_terraform() {
  local candidates=() c v
  if [[ -n "${TERRAFORM:-}" ]]; then
    IFS=: read -r -a candidates <<<"$TERRAFORM"
  fi
  while IFS= read -r c; do candidates+=("$c"); done < <(type -aP terraform || true)
  for c in "$root"/.tools/bin/terraform*; do [[ -e "$c" ]] && candidates+=("$c"); done
  local newest
  newest="$(
    for c in "${candidates[@]}"; do
      [[ -x "$c" ]] || continue
      v="$(terraform_version_of "$c")"
      if [[ -n "$v" ]]; then printf '%s\t%s\n' "$v" "$c"; fi
    done | sort -V -k1,1 | tail -n1 | cut -f2
  )"
  if [[ -z "$newest" ]]; then
    echo "error: no terraform found: run \`make setup\`" >&2
    return 1
  fi
  echo "$newest"
}
