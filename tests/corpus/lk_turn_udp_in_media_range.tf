# stage: validate
# path: livekit.turn.udp_port
# expect: TURN/UDP port inside the RTC range
resource "platform_livekit_cluster" "this" {
  name       = "lk-turn-udp-in-media-range"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
    turn {
      domain   = "turn.example.com"
      udp_port = 55000
    }
  }
}
