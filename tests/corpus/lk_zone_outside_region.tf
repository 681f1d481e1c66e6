# stage: plan
# path: zones
# expect: Zone outside the cluster's region
resource "platform_livekit_cluster" "this" {
  name       = "lk-zone-outside-region"
  zones      = ["europe-west1-b"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }
}
