# stage: validate
# path: zones
# expect: No zones
resource "platform_livekit_cluster" "this" {
  name       = "lk-no-zones"
  zones      = []
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
