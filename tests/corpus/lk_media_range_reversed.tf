# stage: validate
# path: livekit.rtc.port_range_start
# expect: Invalid RTC port range
resource "platform_livekit_cluster" "this" {
  name       = "lk-media-range-reversed"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
    rtc {
      port_range_start = 60000
      port_range_end   = 50000
    }
  }
}
