# stage: validate
# path: livekit.turn.tls_port
# expect: Port shared with the HTTP port
resource "platform_livekit_cluster" "this" {
  name       = "lk-turn-tls-on-http-port"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
    turn {
      domain   = "turn.example.com"
      tls_port = 7880
    }
  }
}
