# stage: validate
# path: name
# expect: Invalid cluster name
resource "platform_livekit_cluster" "this" {
  name       = "LiveKit_Prod"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
