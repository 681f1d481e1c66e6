# stage: validate
# path: livekit.rtc.tcp_port
# expect: Port shared with the HTTP port
resource "platform_livekit_cluster" "this" {
  name       = "lk-rtc-tcp-on-http-port"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
    rtc {
      tcp_port = 7880
    }
  }
}
