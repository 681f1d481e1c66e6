# stage: plan
# path: node_count
# expect: quota
resource "platform_livekit_cluster" "this" {
  name       = "lk-node-count-beyond-quota"
  zones      = ["us-central1-a"]
  node_count = 100000
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
