# stage: validate
# path: livekit.redis_address
resource "platform_livekit_cluster" "this" {
  name       = "lk-several-nodes-without-redis"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
  }
}
