# stage: plan
# path: machine_type
# expect: Machine type not found
resource "platform_livekit_cluster" "this" {
  name       = "lk-machine-type-that-does-not-exist"
  zones      = ["us-central1-a"]
  node_count = 2
  machine_type = "n2-standard-3"
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
