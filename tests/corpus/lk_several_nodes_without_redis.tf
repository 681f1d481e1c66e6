# stage: validate
# path: livekit
# expect: Redis required for more than one node
resource "platform_livekit_cluster" "this" {
  name       = "lk-several-nodes-without-redis"
  zones      = ["us-central1-a"]
  node_count = 2
  livekit {
    keys_secret   = "livekit-keys"
  }
}
