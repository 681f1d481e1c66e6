# stage: plan
# path: region
# expect: Region not found
resource "platform_livekit_cluster" "this" {
  name       = "lk-region-that-does-not-exist"
  zones      = ["mars-central1-a"]
  node_count = 2
  region     = "mars-central1"
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
