# Google's load balancer and health-check probers come from these ranges.
locals {
  health_check_ranges = ["35.191.0.0/16", "130.211.0.0/22"]
}

resource "google_compute_firewall" "health_checks" {
  project       = var.project_id
  name          = "${var.name}-allow-health-checks"
  network       = google_compute_network.vpc.id
  direction     = "INGRESS"
  source_ranges = local.health_check_ranges

  allow {
    protocol = "tcp"
  }
}

resource "google_compute_firewall" "internal" {
  project       = var.project_id
  name          = "${var.name}-allow-internal"
  network       = google_compute_network.vpc.id
  direction     = "INGRESS"
  source_ranges = [var.subnet.ip_cidr_range, var.connector.ip_cidr_range]

  allow {
    protocol = "tcp"
  }
  allow {
    protocol = "udp"
  }
  allow {
    protocol = "icmp"
  }
}

resource "google_compute_firewall" "admin" {
  count = length(var.admin_source_ranges) > 0 ? 1 : 0

  project       = var.project_id
  name          = "${var.name}-allow-admin"
  network       = google_compute_network.vpc.id
  direction     = "INGRESS"
  source_ranges = var.admin_source_ranges
  target_tags   = [var.admin_target_tag]

  allow {
    protocol = "tcp"
    ports    = ["443"]
  }
}
