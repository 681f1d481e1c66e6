resource "platform_livekit_cluster" "main" {
  name            = var.name
  project         = var.project_id
  region          = var.region
  zones           = var.zones
  node_count      = var.cluster.node_count
  machine_type    = var.cluster.machine_type
  image           = var.cluster.image
  disk_size_gb    = var.cluster.disk_size_gb
  disk_type       = var.cluster.disk_type
  network         = var.network
  subnetwork      = var.subnetwork
  network_tags    = concat(["livekit"], var.network_tags)
  labels          = var.labels
  service_account = var.service_account

  livekit {
    version       = var.cluster.version
    redis_address = var.redis_address
    redis_tls_ca  = var.redis_tls_ca
    keys_secret   = var.keys_secret

    prometheus_port = var.prometheus_port

    rtc {
      tcp_port         = var.rtc.tcp_port
      port_range_start = var.rtc.port_range_start
      port_range_end   = var.rtc.port_range_end
      use_external_ip  = true
    }
  }

  load_balancer {
    enabled           = true
    health_check_port = var.signal.health_check_port
    timeout_sec       = var.signal.timeout_sec
  }

  firewall {
    enabled             = true
    admin_source_ranges = var.admin_source_ranges
  }

  rollout {
    max_unavailable = var.rollout.max_unavailable
    drain_timeout   = var.rollout.drain_timeout
    health_timeout  = var.rollout.health_timeout
  }

  lifecycle {
    precondition {
      condition     = var.cluster.node_count == 1 || var.redis_address != null
      error_message = "redis_address is required when cluster.node_count > 1: without Redis, LiveKit nodes do not share rooms."
    }
  }
}
