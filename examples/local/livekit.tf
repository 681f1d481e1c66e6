# A 3-node LiveKit cluster over three zones (issue 3). Against the emulator the VMs
# never boot LiveKit, but every Compute object is created exactly as on Google Cloud.

resource "platform_livekit_cluster" "media" {
  name       = "livekit"
  zones      = ["${var.region}-a", "${var.region}-b", "${var.region}-c"]
  node_count = 3

  livekit {
    # Secret Manager secret with the API keys file; nodes read it at boot.
    keys_secret = "livekit-keys"
    # Required with more than one node: LiveKit shares rooms through Redis.
    redis_address = "10.0.0.3:6379"
  }

  firewall {
    admin_source_ranges = ["203.0.113.0/24"]
  }

  rollout {
    max_unavailable = 1
    drain_timeout   = "10m"
  }
}

output "livekit_nodes" {
  value = [for n in platform_livekit_cluster.media.nodes : "${n.name} (${n.zone}) ${n.status} ${n.external_ip}"]
}

output "livekit_backend_service" {
  value = platform_livekit_cluster.media.backend_service
}
