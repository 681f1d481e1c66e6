#!/usr/bin/env bash
# Puts the release build of the provider into .tools/mirror (Terraform's unpacked
# filesystem-mirror layout) and writes a CLI config that installs it from there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_binary terraform-provider-platform
version="$(provider_version)"
package="$mirror_dir/$provider_host/$provider_source/$version/linux_amd64"
mkdir -p "$package"
# Copy to a temp name and rename: a running terraform may have the old binary open.
cp "$release_dir/terraform-provider-platform" "$package/.tmp-provider"
mv -f "$package/.tmp-provider" "$package/terraform-provider-platform_v$version"

namespace="$provider_host/${provider_source%%/*}/*"
cat >"$cli_config" <<HCL
provider_installation {
  filesystem_mirror {
    path    = "$mirror_dir"
    include = ["$namespace"]
  }
  direct {
    exclude = ["$namespace"]
  }
}
HCL

echo "installed $provider_source $version into $mirror_dir"
echo "use it with: export TF_CLI_CONFIG_FILE=$cli_config"
echo "--- $cli_config ---"
cat "$cli_config"
