# stage: validate
# path: load_balancer.health_check_port
# expect: Port out of range
resource "platform_livekit_cluster" "this" {
  name       = "lk-health-port-out-of-range"
  zones      = ["us-central1-a"]
  node_count = 2
  load_balancer {
    health_check_port = 70000
  }
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
