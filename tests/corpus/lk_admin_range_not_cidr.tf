# stage: validate
# path: firewall.admin_source_ranges
# expect: Invalid CIDR range
resource "platform_livekit_cluster" "this" {
  name       = "lk-admin-range-not-cidr"
  zones      = ["us-central1-a"]
  node_count = 2
  firewall {
    admin_source_ranges = ["10.0.0.0/33"]
  }
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
