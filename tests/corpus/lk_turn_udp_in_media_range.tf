# stage: validate
# path: turn.udp_port
resource "platform_livekit_cluster" "this" {
  name       = "lk-turn-udp-in-media-range"
  zones      = ["us-central1-a"]
  node_count = 2
  turn {
    domain   = "turn.example.com"
    udp_port = 55000
  }
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
