# stage: validate
# path: node_count
# expect: Invalid node_count
resource "platform_livekit_cluster" "this" {
  name       = "lk-no-nodes"
  zones      = ["us-central1-a"]
  node_count = 0
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
