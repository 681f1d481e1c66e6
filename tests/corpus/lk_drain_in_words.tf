# stage: validate
# path: rollout.drain_timeout
# expect: 10m
resource "platform_livekit_cluster" "this" {
  name       = "lk-drain-in-words"
  zones      = ["us-central1-a"]
  node_count = 2
  rollout {
    drain_timeout = "ten minutes"
  }
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
