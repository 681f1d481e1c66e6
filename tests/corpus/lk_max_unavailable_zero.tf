# stage: validate
# path: rollout.max_unavailable
# expect: Invalid max_unavailable
resource "platform_livekit_cluster" "this" {
  name       = "lk-max-unavailable-zero"
  zones      = ["us-central1-a"]
  node_count = 2
  rollout {
    max_unavailable = 0
  }
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
