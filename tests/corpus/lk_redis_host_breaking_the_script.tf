# stage: validate
# path: livekit.redis_address
# expect: Invalid redis_address
resource "platform_livekit_cluster" "this" {
  name       = "lk-redis-host-shell"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "redis.internal\nLIVEKIT_YAML\nreboot\n:6379"
  }
}
