# stage: validate
# path: rtc.tcp_port
resource "platform_livekit_cluster" "this" {
  name       = "lk-rtc-tcp-on-http-port"
  zones      = ["us-central1-a"]
  node_count = 2
  rtc {
    tcp_port = 7880
  }
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
