# stage: validate
# path: livekit.redis_address
# expect: host:port
resource "platform_livekit_cluster" "this" {
  name       = "lk-redis-without-port"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3"
  }
}
