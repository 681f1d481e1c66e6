# stage: plan
# path: disk_size_gb
# expect: Boot disk smaller than its image
resource "platform_livekit_cluster" "this" {
  name       = "lk-disk-smaller-than-image"
  zones      = ["us-central1-a"]
  node_count = 2
  disk_size_gb = 5
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
