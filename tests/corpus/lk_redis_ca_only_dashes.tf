# stage: validate
# path: livekit.redis_tls_ca
# expect: Invalid redis_tls_ca
resource "platform_livekit_cluster" "this" {
  name       = "lk-ca-only-dashes"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
    redis_tls_ca  = "-----"
  }
}
