resource "google_compute_network" "vpc" {
  project                 = var.project_id
  name                    = var.name
  auto_create_subnetworks = false
  routing_mode            = "REGIONAL"
}

resource "google_compute_subnetwork" "main" {
  project                  = var.project_id
  name                     = var.subnet_name
  region                   = var.region
  network                  = google_compute_network.vpc.id
  ip_cidr_range            = var.subnet.ip_cidr_range
  private_ip_google_access = var.subnet.private_google_access

  dynamic "log_config" {
    for_each = var.subnet.flow_logs ? [1] : []
    content {
      aggregation_interval = "INTERVAL_5_SEC"
      flow_sampling        = var.subnet.flow_sampling
      metadata             = "INCLUDE_ALL_METADATA"
    }
  }
}
